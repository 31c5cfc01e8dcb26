"""The publication date: structured metadata first, then the page's own date line.

Order of trust: the outlet's date selector, the page's JSON-LD article ``datePublished``,
publication meta tags, the date discovery found (news sitemap), the theme's date element,
a labelled date in the visible text ("Publié le …", "Published on …", "Publicado em …"),
a date in the URL, and last htmldate. "Mis à jour"/"updated" dates and dates in the future
(after the fetch) are never taken: a related article's date or a typo must not win.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from htmldate import find_date
from lxml.html import HtmlElement

from workers.stages.clean.datetext import (
    find_dates,
    is_labelled_publication,
    is_update,
    parse_machine_date,
)
from workers.stages.clean.htmltree import class_tokens, select, text_of
from workers.stages.clean.metadata import PageMetadata

PUBLICATION_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "published_time",
    "article.published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "article:published",
)
_STRONG_LABEL = re.compile(
    r"(publie|publiee|mis en ligne|posted|published|publicado|publicada|date de publication)"
)
_UPDATE_CLASS = re.compile(r"updated|modified|maj|mise-a-jour")
_URL_DATE = re.compile(
    r"/(?P<year>20\d{2}|19\d{2})[/-](?P<month>\d{1,2})(?:[/-](?P<day>\d{1,2}))?/"
)
# A page fetched a moment after publication may carry a clock a little ahead of ours.
_CLOCK_SLACK = timedelta(minutes=15)


@dataclass(frozen=True)
class DateContext:
    """What date finding needs to know besides the page."""

    address: str
    fetched_at: datetime
    offset_hours: float
    hint: str | None = None
    rule_selector: str | None = None


def _element_values(element: HtmlElement) -> Iterator[str]:
    for attribute in ("datetime", "content", "title", "data-date"):
        value = element.get(attribute)
        if value:
            yield value
    for inner in element.iter("time"):
        if inner is not element and inner.get("datetime"):
            yield inner.get("datetime", "")
    yield text_of(element)


def _from_element(element: HtmlElement, offset: float) -> datetime | None:
    tokens = class_tokens(element)
    # WordPress marks the modification time "updated"; tagDiv themes also put "updated"
    # on the publication time, next to "entry-date", so only a bare "updated" is refused.
    if any(_UPDATE_CLASS.search(token) for token in tokens) and not any(
        token in ("entry-date", "published") for token in tokens
    ):
        return None
    for value in _element_values(element):
        parsed = parse_machine_date(value, offset) if _looks_machine(value) else None
        if parsed is not None:
            return parsed
        for found in find_dates(value, offset):
            if not is_update(found):
                return found.value
    return None


def _looks_machine(value: str) -> bool:
    return re.match(r"\s*\d{4}-\d{2}-\d{2}", value) is not None or "," in value[:5]


def _structured(metadata: PageMetadata, context: DateContext) -> Iterator[datetime | None]:
    offset = context.offset_hours
    article = metadata.article_jsonld or {}
    for key in ("datePublished", "dateCreated"):
        value = article.get(key)
        if isinstance(value, str):
            yield parse_machine_date(value, offset)
    for key in PUBLICATION_META:
        if key in metadata.meta:
            yield parse_machine_date(metadata.meta[key], offset)
    if context.hint:
        yield parse_machine_date(context.hint, offset)


def _visible(
    tree: HtmlElement,
    selectors: tuple[str, ...],
    loose_selectors: tuple[str, ...],
    context: DateContext,
) -> Iterator[datetime | None]:
    offset = context.offset_hours
    for selector in selectors:
        for element in select(tree, selector):
            yield _from_element(element, offset)
    body = tree.find("body")
    text = text_of(body if body is not None else tree)
    for found in find_dates(text, offset):
        if is_labelled_publication(found) and _STRONG_LABEL.search(found.before):
            yield found.value
    # Loose class names (".date") also mark the dates of teasers left on the page, so they
    # count only after a labelled "Publié le …".
    for selector in loose_selectors:
        for element in select(tree, selector):
            yield _from_element(element, offset)
    match = _URL_DATE.search(context.address)
    if match:
        day = int(match.group("day") or 1)
        yield parse_machine_date(
            f"{match.group('year')}-{int(match.group('month')):02d}-{day:02d}", offset
        )


def _htmldate(tree: HtmlElement, context: DateContext) -> datetime | None:
    try:
        found = find_date(
            tree,
            original_date=True,
            extensive_search=False,
            max_date=context.fetched_at.strftime("%Y-%m-%d"),
        )
    except Exception:  # htmldate raises assorted errors on odd trees; it is only a fallback
        return None
    return parse_machine_date(found, context.offset_hours) if found else None


def find_published_at(
    tree: HtmlElement,
    metadata: PageMetadata,
    family_selectors: tuple[str, ...],
    context: DateContext,
    loose_selectors: tuple[str, ...] = (),
) -> datetime | None:
    """The publication date (tz-aware), or None; ``tree`` has its furniture removed."""
    latest = context.fetched_at + _CLOCK_SLACK
    rule = (context.rule_selector,) if context.rule_selector else ()
    rule_dates = _visible_elements(tree, rule, context.offset_hours)
    candidates = chain(
        rule_dates,
        _structured(metadata, context),
        _visible(tree, family_selectors, loose_selectors, context),
    )
    for candidate in candidates:
        if (
            candidate is not None
            and datetime(1990, 1, 1, tzinfo=candidate.tzinfo) <= candidate <= latest
        ):
            return candidate
    fallback = _htmldate(tree, context)
    if fallback is not None and fallback <= latest:
        return fallback
    return None


def _visible_elements(
    tree: HtmlElement, selectors: tuple[str, ...], offset: float
) -> list[datetime | None]:
    return [_from_element(el, offset) for selector in selectors for el in select(tree, selector)]
