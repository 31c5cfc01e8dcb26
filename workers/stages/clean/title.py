"""The headline, without the " – Site name" that themes glue to titles."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from workers.stages.clean.datetext import fold
from workers.stages.clean.evidence import Candidate, Choice
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


def _title_candidates(
    tree: HtmlElement, metadata: PageMetadata, selectors: tuple[str, ...]
) -> list[Candidate]:
    """Raw headline candidates, most specific evidence first."""
    candidates: list[Candidate] = []
    selected: set[HtmlElement] = set()
    for selector in selectors:
        for element in select(tree, selector)[:1]:
            selected.add(element)
            candidates.append(Candidate(text_of(element), f"selector:{selector}"))
    article = metadata.article_jsonld or {}
    if isinstance(article.get("headline"), str):
        candidates.append(Candidate(article["headline"], "jsonld:headline"))
    for key in ("og:title", "twitter:title"):
        if metadata.meta.get(key):
            candidates.append(Candidate(metadata.meta[key], f"meta:{key}"))
    # An h1 a selector already gave is the same voice, not a second one.
    candidates.extend(Candidate(text_of(h1), "h1") for h1 in tree.iter("h1") if h1 not in selected)
    if metadata.html_title:
        candidates.append(Candidate(metadata.html_title, "html:title"))
    return list(dict.fromkeys(candidates))  # one selector can sit in two lists


def _kind(origin: str) -> str:
    """Evidence of one kind counts once: several selectors or h1 elements are one voice."""
    return "selector" if origin.startswith("selector:") else origin


def choose_title(
    tree: HtmlElement,
    metadata: PageMetadata,
    selectors: tuple[str, ...],
    address_host: str,
) -> Choice:
    """The headline, chosen by agreement among the page's headline candidates.

    Candidates: the outlet's/family's title element, the JSON-LD headline, og:title,
    twitter:title, each <h1>, <title>; each with the site name cut off. A candidate scores one
    for every kind of evidence giving the same text (folded), and half more when the
    <title> contains it (the <title> often glues a section or site name to the headline).
    The highest score wins; ties go to the more specific evidence, in the order above. A
    navigation heading in an <h1> ("Navigation", "News") thus loses to the headline the
    metadata agree on, and a headline without its kicker beats one with it when the
    metadata say so.
    """
    labels = _site_labels(metadata.site_name, address_host)
    considered: list[Candidate] = []
    usable: list[tuple[str, str, str]] = []  # (value, origin, folded)
    for candidate in _title_candidates(tree, metadata, selectors):
        cleaned = strip_site_name(normalise_line(candidate.value), metadata.site_name, address_host)
        if len(cleaned) < 3 or _is_site_part(cleaned, labels):
            considered.append(Candidate(cleaned, candidate.origin, "names the site, or empty"))
            continue
        considered.append(Candidate(cleaned, candidate.origin))
        usable.append((cleaned, candidate.origin, _squash(cleaned)))
    if not usable:
        return Choice(None, None, "no headline candidate", tuple(considered))
    html_title = _squash(metadata.html_title or "")
    best: tuple[tuple[float, int], str, str, str] | None = None
    for index, (value, origin, squashed) in enumerate(usable):
        kinds = {_kind(other) for _, other, key in usable if key == squashed}
        score = float(len(kinds))
        if "html:title" not in kinds and squashed and squashed in html_title:
            score += 0.5
        key = (score, -index)
        if best is None or key > best[0]:
            agreeing = ", ".join(sorted(kinds - {_kind(origin)}))
            reason = f"agreed by {agreeing}" if agreeing else "most specific evidence"
            if score % 1:
                reason += "; the <title> contains it"
            best = (key, value, origin, reason)
    assert best is not None
    _, value, origin, reason = best
    return Choice(value, origin, reason, tuple(considered))


def find_title(
    tree: HtmlElement,
    metadata: PageMetadata,
    selectors: tuple[str, ...],
    address_host: str,
) -> str | None:
    """The headline's text (see :func:`choose_title`)."""
    value = choose_title(tree, metadata, selectors, address_host).value
    return str(value) if value is not None else None
