"""The headline, without the " – Site name" that themes glue to titles."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from workers.stages.clean.datetext import fold
from workers.stages.clean.htmltree import select, text_of
from workers.stages.clean.metadata import PageMetadata
from workers.stages.clean.textnorm import normalise_line

# Separators between a headline and the site name: " – ", " - ", " | ", " :: ", " » "…
_SEPARATOR = re.compile(r"\s+(?:[|–—\-:»·•]|::)\s+")
_NON_WORD = re.compile(r"[\W_]+")


def _squash(text: str) -> str:
    return _NON_WORD.sub("", fold(text))


def _site_labels(site_name: str | None, address_host: str) -> list[str]:
    labels = [_squash(site_name)] if site_name else []
    host = address_host.lower().removeprefix("www.")
    if host:
        labels.append(_squash(host))
        labels.append(_squash(host.split(".")[0]))
    return [label for label in labels if label]


def _is_site_part(part: str, labels: list[str]) -> bool:
    squashed = _squash(part)
    if not squashed:
        return True
    # A segment names the site when it is (most of) the site name, or the site name plus a
    # few characters ("Maliweb.net" for "maliweb"); "Mali" in "Maliweb.net" is not the site.
    return any(
        squashed == label
        or (squashed in label and len(squashed) >= 0.6 * len(label))
        or (label in squashed and len(squashed) <= len(label) + 6)
        for label in labels
    )


def _segments(title: str) -> list[tuple[int, int]]:
    """(start, end) of the parts of a title between separators."""
    spans: list[tuple[int, int]] = []
    start = 0
    for separator in _SEPARATOR.finditer(title):
        spans.append((start, separator.start()))
        start = separator.end()
    spans.append((start, len(title)))
    return spans


def strip_site_name(title: str, site_name: str | None, address_host: str) -> str:
    """Remove leading/trailing segments that name the site (" – APS", "Maliweb.net | …")."""
    labels = _site_labels(site_name, address_host)
    spans = _segments(title)
    if len(spans) == 1 or not labels:
        return title
    while len(spans) > 1 and _is_site_part(title[slice(*spans[-1])], labels):
        spans.pop()
    while len(spans) > 1 and _is_site_part(title[slice(*spans[0])], labels):
        spans.pop(0)
    # What is left keeps its own separators (a headline may contain " - " or " : ").
    return title[spans[0][0] : spans[-1][1]]


def find_title(
    tree: HtmlElement,
    metadata: PageMetadata,
    selectors: tuple[str, ...],
    address_host: str,
) -> str | None:
    """The headline: the outlet's/family's title element, JSON-LD, og:title, <h1>, <title>."""
    candidates: list[str] = []
    for selector in selectors:
        candidates.extend(text_of(el) for el in select(tree, selector)[:1])
    article = metadata.article_jsonld or {}
    if isinstance(article.get("headline"), str):
        candidates.append(article["headline"])
    for key in ("og:title", "twitter:title"):
        if metadata.meta.get(key):
            candidates.append(metadata.meta[key])
    candidates.extend(text_of(h1) for h1 in tree.iter("h1"))
    if metadata.html_title:
        candidates.append(metadata.html_title)
    labels = _site_labels(metadata.site_name, address_host)
    for candidate in candidates:
        cleaned = strip_site_name(normalise_line(candidate), metadata.site_name, address_host)
        if len(cleaned) >= 3 and not _is_site_part(cleaned, labels):
            return cleaned
    return None
