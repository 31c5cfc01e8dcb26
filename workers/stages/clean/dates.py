"""The publication date: candidates from every source of evidence, checked against each other.

Order of trust: the outlet's date selector, the page's JSON-LD article ``datePublished``,
publication meta tags, the date discovery found (news sitemap), the theme's date element,
a labelled date in the visible text ("Publié le …", "Published on …", "Publicado em …"),
a date in the URL, and last htmldate. "Mis à jour"/"updated" dates and dates in the future
(after the fetch) are never taken: a related article's date or a typo must not win; a date
the URL contradicts gives way to one it confirms (see :func:`choose_published_at`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from htmldate import find_date
from lxml.html import HtmlElement

from workers.stages.clean.datetext import (
    find_dates,
    is_labelled_publication,
    is_update,
    parse_machine_date,
)
from workers.stages.clean.evidence import Candidate, Choice
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


Dated = tuple[str, datetime | None, HtmlElement | None]  # (origin, value, element shown in)


def _structured(metadata: PageMetadata, context: DateContext) -> Iterator[Dated]:
    offset = context.offset_hours
    article = metadata.article_jsonld or {}
    for key in ("datePublished", "dateCreated"):
        value = article.get(key)
        if isinstance(value, str):
            yield f"jsonld:{key}", parse_machine_date(value, offset), None
    for key in PUBLICATION_META:
        if key in metadata.meta:
            yield f"meta:{key}", parse_machine_date(metadata.meta[key], offset), None
    if context.hint:
        yield "discovery", parse_machine_date(context.hint, offset), None


def _visible(
    tree: HtmlElement,
    selectors: tuple[str, ...],
    loose_selectors: tuple[str, ...],
    context: DateContext,
) -> Iterator[Dated]:
    offset = context.offset_hours
    for selector in selectors:
        for element in select(tree, selector):
            yield f"element:{selector}", _from_element(element, offset), element
    body = tree.find("body")
    text = text_of(body if body is not None else tree)
    for found in find_dates(text, offset):
        if is_labelled_publication(found) and _STRONG_LABEL.search(found.before):
            yield "text:labelled", found.value, None
    # Loose class names (".date") also mark the dates of teasers left on the page, so they
    # count only after a labelled "Publié le …".
    for selector in loose_selectors:
        for element in select(tree, selector):
            yield f"loose:{selector}", _from_element(element, offset), element


def _url_date(address: str, offset: float) -> tuple[datetime | None, bool]:
    """The date in the address (``/2025/02/06/``, ``/2025/02/``) and whether it names the day."""
    match = _URL_DATE.search(address)
    if not match:
        return None, False
    day = int(match.group("day") or 1)
    value = parse_machine_date(
        f"{match.group('year')}-{int(match.group('month')):02d}-{day:02d}", offset
    )
    return value, match.group("day") is not None


def _htmldate(tree: HtmlElement, context: DateContext) -> datetime | None:
    try:
        found = find_date(
            tree,
            original_date=True,
            extensive_search=True,
            max_date=context.fetched_at.strftime("%Y-%m-%d"),
        )
    except Exception:  # htmldate raises assorted errors on odd trees; it is only a fallback
        return None
    return parse_machine_date(found, context.offset_hours) if found else None


def _htmldate_choice(
    tree: HtmlElement,
    whole_page: Callable[[], HtmlElement] | None,
    scripted: Callable[[], HtmlElement] | None,
    context: DateContext,
) -> tuple[str, datetime] | None:
    """htmldate's date, when no other candidate is left, with the reading it came from.

    It reads the page without its furniture first: a page whose only dates are in widgets
    has none of its own. Where that reading finds a date, the article holds one, and
    htmldate's reading of the whole page (its header, meta tags and scripts, which the cut
    removed) is the better one. Where neither gives a day, the page without furniture but
    with its scripts is read (dates only a data layer states).
    """
    latest = context.fetched_at + _CLOCK_SLACK

    def day_known(value: datetime | None) -> datetime | None:
        # January 1st is how htmldate writes a bare year: no day is known.
        if value is None or value > latest or value.strftime("%m%d") == "0101":
            return None
        return value

    in_article = _htmldate(tree, context)
    if in_article is not None:
        whole = day_known(_htmldate(whole_page(), context)) if whole_page else None
        if whole is not None:
            return "htmldate:page", whole
        if day_known(in_article) is not None:
            return "htmldate", in_article
    scripts = day_known(_htmldate(scripted(), context)) if scripted else None
    return ("htmldate:scripts", scripts) if scripts is not None else None


def _consistent(value: datetime, url_date: datetime, names_day: bool) -> bool:
    """Within a day of the URL's date (time zones), or in its month when it names no day."""
    if names_day:
        return abs((value.date() - url_date.date()).days) <= 1
    return (value.year, value.month) == (url_date.year, url_date.month)


def choose_published_at(
    tree: HtmlElement,
    metadata: PageMetadata,
    family_selectors: tuple[str, ...],
    context: DateContext,
    loose_selectors: tuple[str, ...] = (),
    headline: HtmlElement | None = None,
    scripted: Callable[[], HtmlElement] | None = None,
    whole_page: Callable[[], HtmlElement] | None = None,
) -> Choice:
    """The publication date (tz-aware) among the page's date candidates.

    Candidates, most trusted first: the outlet's date selector, JSON-LD ``datePublished``,
    publication meta tags, the date discovery found, the theme's date elements, a labelled
    "Publié le …", loose date classes, the date in the URL, and htmldate's extensive reading
    of the page when none of these gives one (``tree`` has its furniture removed, so the dates
    of related-article widgets are gone), then of ``scripted()``: the page without its
    furniture but with its scripts (dates that only a page's data layer states).
    Set aside: dates in the future (after the fetch), before 1990, and a visible date that is
    the fetch day when the metadata give another or when it stands before the ``headline``
    element (the day's date printed in a site header).
    The first candidate left wins, unless the URL names a date it contradicts: then the first
    candidate consistent with the URL wins, else the URL's own date when it names the day.
    """
    latest = context.fetched_at + _CLOCK_SLACK
    offset = context.offset_hours
    rule = (context.rule_selector,) if context.rule_selector else ()
    gathered: list[Dated] = [
        (f"rule:{selector}", _from_element(el, offset), el)
        for selector in rule
        for el in select(tree, selector)
    ]
    gathered.extend(_structured(metadata, context))
    structured_days = {
        value.date()
        for origin, value, _ in gathered
        if value is not None and origin.startswith(("jsonld:", "meta:"))
    }
    gathered.extend(_visible(tree, family_selectors, loose_selectors, context))
    url_date, names_day = _url_date(context.address, offset)
    if url_date is not None and names_day:
        gathered.append(("url", url_date, None))

    considered: list[Candidate] = []
    plausible: list[tuple[str, datetime]] = []
    fetch_day = context.fetched_at.date()
    order: dict[HtmlElement, int] | None = None
    for origin, value, element in gathered:
        if value is None:
            continue
        note = ""
        visible = origin.split(":")[0] in ("element", "loose", "text")
        if value > latest:
            note = "in the future"
        elif value < datetime(1990, 1, 1, tzinfo=value.tzinfo):
            note = "before 1990"
        elif visible and value.date() == fetch_day:
            if structured_days and fetch_day not in structured_days:
                note = "the fetch day, where the metadata give another (a site header's date)"
            elif element is not None and headline is not None:
                order = order if order is not None else {el: i for i, el in enumerate(tree.iter())}
                if order.get(element, -1) < order.get(headline, -1):
                    note = "the fetch day, shown before the headline (a site header's date)"
        considered.append(Candidate(value.isoformat(), origin, note))
        if not note and all(value != seen for _, seen in plausible):
            plausible.append((origin, value))
    if not plausible:
        fallback = _htmldate_choice(tree, whole_page, scripted, context)
        if fallback is not None:
            origin, value = fallback
            considered.append(Candidate(value.isoformat(), origin))
            return Choice(value, origin, "no other candidate", tuple(considered))
        if url_date is not None:
            considered.append(Candidate(url_date.isoformat(), "url"))
            return Choice(url_date, "url", "only the URL's month is known (the 1st stands in)",
                          tuple(considered))
        return Choice(None, None, "no date found", tuple(considered))

    origin, value = plausible[0]
    value = _in_local_offset(value, gathered)
    if url_date is None or origin == "url" or _consistent(value, url_date, names_day):
        reason = "most trusted evidence"
        if url_date is not None and origin != "url":
            reason += ", consistent with the URL's date"
        return Choice(_on_url_day(value, url_date, names_day), origin, reason, tuple(considered))
    for other_origin, other in plausible[1:]:
        if other_origin != "url" and _consistent(other, url_date, names_day):
            reason = f"{origin} contradicts the URL's date; this agrees with it"
            return Choice(_on_url_day(other, url_date, names_day), other_origin, reason,
                          tuple(considered))
    if names_day:
        return Choice(url_date, "url", f"{origin} contradicts the URL's date", tuple(considered))
    reason = "most trusted evidence (the URL names only a month)"
    return Choice(value, origin, reason, tuple(considered))


def _in_local_offset(value: datetime, gathered: list[Dated]) -> datetime:
    """A UTC ``value`` written in the offset of another candidate for the same instant: pages
    often give the time once in UTC (JSON-LD) and once in the newsroom's time (a meta tag),
    and the day is the newsroom's (22:04 UTC on the 18th is the 19th in Vienna)."""
    if value.utcoffset() != timedelta(0):
        return value
    for _, other, _ in gathered:
        if other is not None and other == value and other.utcoffset() not in (None, timedelta(0)):
            return other
    return value


def _on_url_day(value: datetime, url_date: datetime | None, names_day: bool) -> datetime:
    """The same instant, written in the nearest offset whose calendar day is the URL's: an
    address is dated in the newsroom's time, a timestamp often in UTC (23:10 UTC on the 31st
    is the 1st in Lagos or Berlin)."""
    if url_date is None or not names_day or value.date() == url_date.date():
        return value
    current = value.utcoffset() or timedelta(0)
    for step in sorted(range(-12, 15), key=lambda hours: abs(timedelta(hours=hours) - current)):
        shifted = value.astimezone(timezone(timedelta(hours=step)))
        if shifted.date() == url_date.date():
            return shifted
    return value


def find_published_at(
    tree: HtmlElement,
    metadata: PageMetadata,
    family_selectors: tuple[str, ...],
    context: DateContext,
    loose_selectors: tuple[str, ...] = (),
) -> datetime | None:
    """The publication date (tz-aware), or None (see :func:`choose_published_at`)."""
    value = choose_published_at(tree, metadata, family_selectors, context, loose_selectors).value
    return value if isinstance(value, datetime) else None
