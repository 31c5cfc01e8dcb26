"""The standfirst: the summary printed between the headline and the body.

Themes often print it outside the body's container (in the article header), and general
extractors leave it out, yet it is the article's opening. It is recognised by what the page
says about itself: the description its metadata give (``og:description``, ``description``,
the JSON-LD ``description``) shown as a block of the page without its furniture. A
description that is not shown (written for search engines only) is never added.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from workers.stages.clean.htmltree import text_of
from workers.stages.clean.metadata import PageMetadata
from workers.stages.clean.textnorm import normalise_line

_DESCRIPTION_KEYS = ("og:description", "description", "twitter:description")
# A description shorter than this is a tagline, not a summary.
MIN_WORDS = 8
# The shown block may say a little more than the description (a dateline, the end the
# description cut), never much more: then it is the body itself or a larger block.
MAX_GROWTH = 1.3
_PROBE_CHARS = 60
_BLOCKS = frozenset({"p", "div", "h2", "h3", "span", "strong", "b", "em", "section", "header"})
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")
_WORD = re.compile(r"\w+")


def _descriptions(metadata: PageMetadata) -> list[str]:
    found = [metadata.meta.get(key, "") for key in _DESCRIPTION_KEYS]
    described = (metadata.article_jsonld or {}).get("description")
    if isinstance(described, str):
        found.append(described)
    unique: list[str] = []
    for text in found:
        text = _ELLIPSIS.sub("", normalise_line(text))
        if len(text.split()) >= MIN_WORDS and text not in unique:
            unique.append(text)
    return unique


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + 4]) for i in range(max(0, len(words) - 3))}


def _already_in(text: str, body: list[str]) -> bool:
    """Whether most of ``text`` is in the body already (the body opens with it)."""
    own = _shingles(text)
    if not own:
        return True
    in_body = _shingles(" ".join(body))
    return len(own & in_body) / len(own) >= 0.5


def find_standfirst(tree: HtmlElement, metadata: PageMetadata, body: list[str]) -> str | None:
    """The standfirst shown on the page (``tree``: without its furniture) when the body does
    not hold it already, else None."""
    if not body:
        return None
    page = tree.find("body")
    if page is None:
        return None
    for description in _descriptions(metadata):
        if _already_in(description, body):
            continue
        probe = description[:_PROBE_CHARS]
        # XPath finds the elements whose text holds the description's opening, in C.
        holders = page.xpath(
            ".//*[contains(normalize-space(.), $probe)]", probe=probe
        )
        for holder in reversed(holders):  # innermost first
            shown = text_of(holder)
            if holder.tag not in _BLOCKS or len(shown) < 0.8 * len(description):
                continue  # a link or an emphasis inside it, or only its opening
            if len(shown) <= MAX_GROWTH * len(description) + 20 and not _already_in(shown, body):
                return normalise_line(shown)
            break
    return None
