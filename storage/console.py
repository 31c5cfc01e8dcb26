"""What the web console reads: each source's overview, a source's articles, a run's pages,
failures grouped by stage and reason, stories (dedup clusters), and the page counts that
``/metrics`` exposes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.coverage import SourceCoverage, coverage_report, open_flags
from storage.models import Article, CrawlRun, FailedPage, Page, SourceRow
from storage.runs import source_health

# Fetch error kinds that mean the site refuses us rather than has nothing (crawler.tally).
BLOCKING_KINDS = ("http_403", "http_429")
RECENT_RUNS = 2000


def blocking_errors(counts: dict[str, Any] | None, source: str) -> dict[str, int]:
    """The errors of ``source`` in a run's counts that say it was blocked (403, 429, a
    challenge page)."""
    by_source = ((counts or {}).get("by_source") or {}).get(source) or {}
    kinds = by_source.get("errors_by_kind") or {}
    return {
        kind: int(n) for kind, n in kinds.items() if kind in BLOCKING_KINDS or "challenge" in kind
    }


@dataclass(frozen=True)
class SourceOverview:
    """One row of the sources page."""

    id: str
    name: str
    country: str
    kind: str
    last_run_id: int | None
    last_run_status: str | None
    last_run_at: datetime | None
    last_run_articles: int | None
    last_error: str | None
    # ok | empty (answered, nothing new stored) | blocked (403/429/challenge) | failing | never
    state: str
    blocked_by: dict[str, int]
    coverage: SourceCoverage | None
    flags: tuple[str, ...]

    def share(self, name: str) -> float | None:
        return self.coverage.recent.get(name) if self.coverage else None

    def baseline(self, name: str) -> float | None:
        return self.coverage.baseline.get(name) if self.coverage else None


def _state(status: str | None, articles: int | None, blocked: dict[str, int]) -> str:
    if status is None:
        return "never"
    if blocked:
        return "blocked"
    if status != "succeeded":
        return "failing"
    return "ok" if articles else "empty"


def source_overview(
    session: Session, now: datetime, *, heartbeat: float, tolerance: float
) -> list[SourceOverview]:
    """Every known source (the ``sources`` table and any source with runs), by id."""
    rows = {row.id: row for row in session.scalars(select(SourceRow))}
    health = {item.source: item for item in source_health(session, heartbeat=heartbeat)}
    coverage = coverage_report(session, now, tolerance=tolerance)
    flags: dict[str, list[str]] = {}
    for flag in open_flags(session):
        flags.setdefault(flag.source, []).append(flag.metric)
    result = []
    for source in sorted({*rows, *health}):
        row = rows.get(source)
        item = health.get(source)
        run = session.get(CrawlRun, item.last_run_id) if item and item.last_run_id else None
        blocked = blocking_errors(run.counts if run else None, source)
        result.append(
            SourceOverview(
                id=source,
                name=row.name if row else source,
                country=row.country if row else "",
                kind=row.kind if row else "",
                last_run_id=item.last_run_id if item else None,
                last_run_status=item.last_run_status if item else None,
                last_run_at=item.last_run_at if item else None,
                last_run_articles=item.last_run_articles if item else None,
                last_error=item.last_error if item else None,
                state=_state(
                    item.last_run_status if item else None,
                    item.last_run_articles if item else None,
                    blocked,
                ),
                blocked_by=blocked,
                coverage=coverage.get(source),
                flags=tuple(flags.get(source, ())),
            )
        )
    return result


def recent_articles(session: Session, source: str, *, limit: int = 50) -> list[Article]:
    """The source's articles, last fetched first."""
    return list(
        session.scalars(
            select(Article)
            .where(Article.source == source)
            .order_by(Article.fetched_at.desc(), Article.id)
            .limit(limit)
        )
    )


def run_pages(session: Session, run_id: int, *, limit: int = 500) -> list[Page]:
    """The pages of a run (without their bodies' use: url, state, reason), in order."""
    return list(
        session.scalars(
            select(Page).where(Page.run_id == run_id).order_by(Page.id).limit(limit)
        )
    )


@dataclass(frozen=True)
class FailureGroup:
    """Unresolved failures of one stage and reason."""

    stage: str
    reason: str
    count: int
    sources: int
    last_failed_at: datetime


def failure_groups(session: Session) -> list[FailureGroup]:
    """Unresolved failures by (stage, reason), the most frequent first."""
    rows = session.execute(
        select(
            FailedPage.stage,
            FailedPage.reason,
            func.count(),
            func.count(func.distinct(FailedPage.source)),
            func.max(FailedPage.last_failed_at),
        )
        .where(FailedPage.resolved.is_(False))
        .group_by(FailedPage.stage, FailedPage.reason)
        .order_by(func.count().desc(), FailedPage.stage, FailedPage.reason)
    )
    return [
        FailureGroup(str(stage), str(reason), int(count), int(sources), last)
        for stage, reason, count, sources, last in rows
    ]


def cluster_articles(session: Session, cluster_id: str) -> list[Article]:
    """The copies of one story, the original first, then by publication and fetch time."""
    articles = list(session.scalars(select(Article).where(Article.cluster_id == cluster_id)))
    articles.sort(key=lambda article: (article.duplicate_of is not None, _moment(article)))
    return articles


def _moment(article: Article) -> str:
    moment = article.published_at or article.fetched_at
    return moment.isoformat() if moment else ""


@dataclass(frozen=True)
class StorySummary:
    """A cluster with more than one stored copy."""

    cluster_id: str
    copies: int
    outlets: int
    last_fetched_at: datetime | None
    title: str | None


def recent_stories(session: Session, *, limit: int = 50) -> list[StorySummary]:
    """Clusters of two copies or more, the most recently grown first."""
    rows = session.execute(
        select(
            Article.cluster_id,
            func.count(),
            func.count(func.distinct(Article.source)),
            func.max(Article.fetched_at),
            func.min(Article.title),
        )
        .where(Article.cluster_id.is_not(None))
        .group_by(Article.cluster_id)
        .having(func.count() > 1)
        .order_by(func.max(Article.fetched_at).desc())
        .limit(limit)
    )
    return [
        StorySummary(str(cluster), int(copies), int(outlets), last, title)
        for cluster, copies, outlets, last, title in rows
    ]


def page_counts_by_source(session: Session) -> dict[str, dict[str, int]]:
    """Stored pages per source and state (pending, stored, duplicate, rejected, failed)."""
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(Page.source, Page.state, func.count()).group_by(Page.source, Page.state)
    )
    for source, state, count in rows:
        counts.setdefault(str(source), {})[str(state)] = int(count)
    return counts


def last_successful_runs(session: Session) -> dict[str, datetime]:
    """For each source, when its latest succeeded run finished (newest 2,000 runs)."""
    found: dict[str, datetime] = {}
    query = (
        select(CrawlRun)
        .where(CrawlRun.status == "succeeded")
        .order_by(CrawlRun.id.desc())
        .limit(RECENT_RUNS)
    )
    for run in session.scalars(query):
        for source in run.sources or []:
            if run.finished_at is not None:
                found.setdefault(str(source), run.finished_at)
    return found

