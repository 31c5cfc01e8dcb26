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
    # A segment names the site when it is (part of) the site name, or the site name plus a
    # few characters ("Maliweb.net" for "maliweb"); a headline merely containing it is not.
    return any(
        squashed == label
        or (len(squashed) >= 4 and squashed in label)
        or (label in squashed and len(squashed) <= len(label) + 6)
        for label in labels
    )


def strip_site_name(title: str, site_name: str | None, address_host: str) -> str:
    """Remove leading/trailing segments that name the site (" – APS", "Maliweb.net | …")."""
    labels = _site_labels(site_name, address_host)
    parts = _SEPARATOR.split(title)
    if len(parts) == 1 or not labels:
        return title
    while len(parts) > 1 and _is_site_part(parts[-1], labels):
        parts.pop()
    while len(parts) > 1 and _is_site_part(parts[0], labels):
        parts.pop(0)
    if len(parts) == len(_SEPARATOR.split(title)):
        return title
    # Re-join what is left with the separators it had (a headline may contain " - ").
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end] if start >= 0 and end > start else " – ".join(parts)


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
