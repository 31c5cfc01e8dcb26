"""The range of a backfill, and the dates that sites write in their addresses.

An article's address often names its day or month (``/2024/05/12/slug``); a sitemap's name its
year or month (``sitemap-2019.xml``, ``post-sitemap-2019-03.xml``). Such a date is a period
(a day, a month, a year), and a period is in the range when the two overlap. Without one, a
sitemap entry's ``lastmod`` stands for the date (the only one the site gives).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from parsel import Selector

from crawler.dates import parse_date
from crawler.feeds import Entry

# /2024/05/12/ or /2024/05/ in an article's path (what WordPress and most themes write).
_ARTICLE_DATE = re.compile(
    r"/(?P<year>(?:19|20)\d{2})[/-](?P<month>0?[1-9]|1[0-2])(?:[/-](?P<day>0?[1-9]|[12]\d|3[01]))?/"
)
# A year, maybe a month and a day, in a sitemap's file name or query: sitemap-2019.xml,
# post-sitemap-2019-03.xml, sitemap.xml?yyyy=2019&mm=03 is not read (no site here writes it).
_NAME_DATE = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d{2})(?:[-_/.]?(?P<month>0[1-9]|1[0-2])"
    r"(?:[-_/.]?(?P<day>0[1-9]|[12]\d|3[01]))?)?(?!\d)"
)
# Sitemaps of an index that list no articles: pages, categories, tags, authors, media, and
# news sitemaps (the last two days, already in the others).
_NOT_POSTS = re.compile(
    r"(^|[-_/])(pages?|categor(y|ies)|post_tag|tags?|authors?|users?|taxonom(y|ies)|"
    r"attachments?|images?|videos?|news)([-_.\d]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` (both included), UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class DateRange:
    """``since`` to ``until`` (None: up to now), both included, timezone-aware."""

    since: datetime
    until: datetime | None = None

    def holds(self, moment: datetime) -> bool:
        return moment >= self.since and (self.until is None or moment <= self.until)

    def overlaps(self, period: Period) -> bool:
        return period.end >= self.since and (self.until is None or period.start <= self.until)

    def admits(self, entry: Entry) -> bool:
        """Whether an article entry may lie in the range: its address's date, else its own
        date (API date, lastmod), overlaps it; an entry without any date is admitted."""
        period = article_period(entry.url)
        if period is not None:
            return self.overlaps(period)
        return entry.published is None or self.holds(entry.published)


def _period(year: str, month: str | None, day: str | None) -> Period | None:
    y = int(year)
    try:
        if month is None:
            start, end = datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC)
        elif day is None:
            m = int(month)
            start = datetime(y, m, 1, tzinfo=UTC)
            end = start + timedelta(days=calendar.monthrange(y, m)[1])
        else:
            start = datetime(y, int(month), int(day), tzinfo=UTC)
            end = start + timedelta(days=1)
    except ValueError:  # 31 February: not a date after all
        return None
    return Period(start, end - timedelta(microseconds=1))


def article_period(url: str) -> Period | None:
    """The day or month an article's address names (``/2024/05/12/``), or None."""
    match = _ARTICLE_DATE.search(urlsplit(url).path + "/")
    if match is None:
        return None
    return _period(match["year"], match["month"], match["day"])


def sitemap_period(url: str) -> Period | None:
    """The year, month or day a sitemap's file name (or query) names, or None."""
    parts = urlsplit(url)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1] + ("?" + parts.query if parts.query else "")
    match = _NAME_DATE.search(name)
    if match is None:
        return None
    return _period(match["year"], match["month"], match["day"])


def entry_date(entry: Entry) -> datetime | None:
    """The date an article entry is counted under: its own, else its address's."""
    if entry.published is not None:
        return entry.published
    period = article_period(entry.url)
    return period.start if period is not None else None


def sitemaps_to_read(
    entries: Iterable[Entry], within: DateRange, *, newest_first: bool
) -> list[str]:
    """The sitemaps of an index worth reading for ``within``, in the order to read them.

    Sitemaps of pages, categories, tags, authors, media and news are left out; so are those
    whose name dates them outside the range, or whose ``lastmod`` (the last change of any
    entry) is older than ``since``. They are read by date (the name's, else ``lastmod``) when
    every one has one, else in the index's order; oldest first, or newest first.
    """
    kept: list[tuple[datetime | None, str]] = []
    for entry in entries:
        name = urlsplit(entry.url).path.rstrip("/").rsplit("/", 1)[-1]
        if _NOT_POSTS.search(name):
            continue
        period = sitemap_period(entry.url)
        if period is not None and not within.overlaps(period):
            continue
        if period is None and entry.published is not None and entry.published < within.since:
            continue
        kept.append((period.start if period is not None else entry.published, entry.url))
    if kept and all(date is not None for date, _ in kept):
        kept.sort(key=lambda item: item[0] or within.since)
    urls = [url for _, url in kept]
    return urls[::-1] if newest_first else urls


def listing_newest(html: Selector, article_urls: Iterable[str]) -> datetime | None:
    """The newest date a listing page shows: its articles' address dates (the period's end)
    and its ``<time datetime>`` elements; None when it shows none."""
    dates = [p.end for p in map(article_period, article_urls) if p is not None]
    for value in html.css("time::attr(datetime)").getall():
        parsed = parse_date(value)
        if parsed is not None:
            dates.append(parsed)
    return max(dates) if dates else None


_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def until_end(text: str, parsed: datetime) -> datetime:
    """``--until``'s moment: a bare date (``2024-03-31``) includes its whole day."""
    if _BARE_DATE.fullmatch(text.strip()):
        return parsed + timedelta(days=1) - timedelta(microseconds=1)
    return parsed
