"""Field coverage and daily volume of each source against its own trailing median.

For each source the *recent* figures are those of its latest run that stored articles (the
share of those articles with authors, a date, agencies, a language) and its articles of the
last 24 hours; the *baseline* is the median, over the ``days`` days before, of the same
shares per day (days with articles, the latest run's left out) and of the daily counts (every
day). A field whose recent share is more than ``tolerance`` points under its baseline, or a
volume under half of its baseline, is a drop; :func:`record_flags` keeps one open
``coverage_flags`` row per drop until the source recovers.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.orm import Session

from storage.models import Article, CoverageFlag

FIELDS = ("authors", "published_at", "agencies", "language")
VOLUME = "volume"
DEFAULT_DAYS = 14


@dataclass
class FieldCounts:
    """Articles, and how many of them have each field of :data:`FIELDS`."""

    articles: int = 0
    with_field: dict[str, int] = field(default_factory=dict)

    def share(self, name: str) -> float | None:
        """The share (0 to 1) of the articles with ``name``; None without articles."""
        return self.with_field.get(name, 0) / self.articles if self.articles else None


def _present(name: str) -> Any:
    column = getattr(Article, name)
    if name in ("authors", "agencies"):
        return case((func.coalesce(cast(column, Text), "[]").not_in(["[]", "null"]), 1), else_=0)
    return case((column.is_not(None), 1), else_=0)


def _field_counts(count: object, present: list[Any]) -> FieldCounts:
    """A row of (count, one sum per field of FIELDS) as FieldCounts."""
    return FieldCounts(
        int(str(count)),
        {name: int(value or 0) for name, value in zip(FIELDS, present, strict=True)},
    )


def _counted_fields() -> list[Any]:
    return [func.count(), *(func.sum(_present(name)) for name in FIELDS)]


def _day(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Article.fetched_at))
    return func.date(Article.fetched_at)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def daily_field_counts(
    session: Session, since: datetime, sources: Iterable[str] | None = None
) -> dict[str, dict[date, FieldCounts]]:
    """Articles fetched since ``since`` per source and UTC day, with each field's count."""
    day = _day(session)
    query = (
        select(
            Article.source, day, *_counted_fields()
        )
        .where(Article.fetched_at >= since)
        .group_by(Article.source, day)
    )
    if sources is not None:
        query = query.where(Article.source.in_(list(sources)))
    result: dict[str, dict[date, FieldCounts]] = defaultdict(dict)
    for source, when, count, *present in session.execute(query):
        result[str(source)][_as_date(when)] = _field_counts(count, present)
    return result


def latest_run_field_counts(session: Session) -> dict[str, tuple[int, FieldCounts]]:
    """For each source, its latest run that stored articles: (run id, counts of them)."""
    latest = (
        select(Article.source, func.max(Article.run_id).label("run_id"))
        .where(Article.run_id.is_not(None))
        .group_by(Article.source)
        .subquery()
    )
    query = (
        select(
            Article.source, Article.run_id, *_counted_fields()
        )
        .join(latest, (latest.c.source == Article.source) & (latest.c.run_id == Article.run_id))
        .group_by(Article.source, Article.run_id)
    )
    return {
        str(source): (
            int(run_id),
            _field_counts(count, present),
        )
        for source, run_id, count, *present in session.execute(query)
    }


def _latest_run_daily(
    session: Session, since: datetime, runs: dict[str, int]
) -> dict[str, dict[date, FieldCounts]]:
    """The latest run's articles per source and day (to take out of the baseline)."""
    if not runs:
        return {}
    day = _day(session)
    query = (
        select(
            Article.source, Article.run_id, day, *_counted_fields()
        )
        .where(Article.fetched_at >= since, Article.run_id.in_(set(runs.values())))
        .group_by(Article.source, Article.run_id, day)
    )
    result: dict[str, dict[date, FieldCounts]] = defaultdict(dict)
    for source, run_id, when, count, *present in session.execute(query):
        if runs.get(str(source)) != run_id:
            continue
        result[str(source)][_as_date(when)] = _field_counts(count, present)
    return result


@dataclass(frozen=True)
class SourceCoverage:
    """One source's recent coverage and volume against its baseline, and its drops."""

    source: str
    run_id: int | None
    recent: dict[str, float | None]
    baseline: dict[str, float | None]
    recent_articles: int
    volume_recent: int
    volume_baseline: float | None
    daily_volume: list[int]
    drops: tuple[str, ...]


def _subtract(total: FieldCounts, part: FieldCounts | None) -> FieldCounts:
    if part is None:
        return total
    return FieldCounts(
        total.articles - part.articles,
        {name: total.with_field.get(name, 0) - part.with_field.get(name, 0) for name in FIELDS},
    )


def coverage_report(
    session: Session,
    now: datetime,
    *,
    tolerance: float = 30.0,
    days: int = DEFAULT_DAYS,
    sources: Iterable[str] | None = None,
) -> dict[str, SourceCoverage]:
    """Each source's :class:`SourceCoverage` (sources with articles in the last ``days``+1
    days or a latest run). ``tolerance`` is in percentage points."""
    today = now.date()
    start = datetime.combine(today - timedelta(days=days), datetime.min.time(), now.tzinfo)
    daily = daily_field_counts(session, start, sources)
    runs = latest_run_field_counts(session)
    if sources is not None:
        wanted = set(sources)
        runs = {sid: value for sid, value in runs.items() if sid in wanted}
    latest_daily = _latest_run_daily(session, start, {sid: run for sid, (run, _) in runs.items()})
    last_day = now - timedelta(days=1)
    volume_recent = _volume_since(session, last_day, sources)
    report = {}
    for source in sorted({*daily, *runs}):
        by_day = daily.get(source, {})
        run_id, recent_counts = runs.get(source, (None, FieldCounts()))
        baseline_days = [
            _subtract(counts, latest_daily.get(source, {}).get(when))
            for when, counts in by_day.items()
        ]
        baseline: dict[str, float | None] = {}
        for name in FIELDS:
            shares = [s for s in (c.share(name) for c in baseline_days) if s is not None]
            baseline[name] = statistics.median(shares) if shares else None
        recent = {name: recent_counts.share(name) for name in FIELDS}
        # Daily counts of the days before the last 24 hours, oldest first (zeros included).
        series = [
            by_day[when].articles if when in by_day else 0
            for when in (today - timedelta(days=offset) for offset in range(days, 0, -1))
        ]
        volume_baseline = statistics.median(series) if any(series) else None
        drops = [
            name
            for name in FIELDS
            if recent[name] is not None
            and baseline[name] is not None
            and (baseline[name] or 0) * 100 - (recent[name] or 0) * 100 > tolerance
        ]
        recent_volume = volume_recent.get(source, 0)
        if volume_baseline and recent_volume < volume_baseline / 2:
            drops.append(VOLUME)
        report[source] = SourceCoverage(
            source=source,
            run_id=run_id,
            recent=recent,
            baseline=baseline,
            recent_articles=recent_counts.articles,
            volume_recent=recent_volume,
            volume_baseline=volume_baseline,
            daily_volume=[*series, by_day.get(today, FieldCounts()).articles],
            drops=tuple(drops),
        )
    return report


def _volume_since(
    session: Session, since: datetime, sources: Iterable[str] | None
) -> dict[str, int]:
    query = (
        select(Article.source, func.count())
        .where(Article.fetched_at >= since)
        .group_by(Article.source)
    )
    if sources is not None:
        query = query.where(Article.source.in_(list(sources)))
    return {str(source): int(count) for source, count in session.execute(query)}


def open_flags(session: Session) -> list[CoverageFlag]:
    """The flags still open, by source then metric."""
    return list(
        session.scalars(
            select(CoverageFlag)
            .where(CoverageFlag.closed_at.is_(None))
            .order_by(CoverageFlag.source, CoverageFlag.metric)
        )
    )


def _values(coverage: SourceCoverage, metric: str) -> tuple[float, float]:
    if metric == VOLUME:
        return float(coverage.volume_recent), float(coverage.volume_baseline or 0)
    return float(coverage.recent[metric] or 0), float(coverage.baseline[metric] or 0)


def record_flags(
    session: Session, report: dict[str, SourceCoverage], now: datetime
) -> list[CoverageFlag]:
    """Open a flag for each new drop of ``report``, close the open flags of its sources that
    recovered; return the flags opened now."""
    current = {(flag.source, flag.metric): flag for flag in open_flags(session)}
    opened = []
    for coverage in report.values():
        for metric in coverage.drops:
            if (coverage.source, metric) in current:
                continue
            recent, baseline = _values(coverage, metric)
            flag = CoverageFlag(
                source=coverage.source, metric=metric, recent=recent, baseline=baseline,
                run_id=coverage.run_id, opened_at=now, alert_attempts=0,
            )
            session.add(flag)
            opened.append(flag)
    for (source, metric), flag in current.items():
        if source in report and metric not in report[source].drops:
            flag.closed_at = now
    session.flush()
    return opened


def unalerted_flags(session: Session) -> list[CoverageFlag]:
    """Open flags whose alert the webhook has not accepted yet, oldest first."""
    return list(
        session.scalars(
            select(CoverageFlag)
            .where(CoverageFlag.closed_at.is_(None), CoverageFlag.alerted_at.is_(None))
            .order_by(CoverageFlag.id)
        )
    )
