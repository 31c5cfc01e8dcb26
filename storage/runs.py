"""Run progress and operator queries: page states per run, failed pages, source health.

The pages table is the record of a run's progress: a page is ``pending`` from the moment it is
stored until a stage outcome replaces it (stored, duplicate, rejected, failed). Counting states
by ``run_id`` therefore tells how far a run has got, survives any process or broker restart,
and cannot double count a page processed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import CrawlRun, FailedPage, Page
from storage.run_recorder import shown_status

BATCH = 500
# Called with a run's counts by outcome (outcome_counts) while it is processed; a "notice"
# key, when present, is a line for the operator about why the run is not progressing.
Progress = Callable[[dict[str, Any]], None]


def page_state_counts(session: Session, run_id: int) -> dict[str, int]:
    """Pages of the run by state, e.g. ``{"pending": 3, "stored": 40, "rejected": 2}``."""
    rows = session.execute(
        select(Page.state, func.count()).where(Page.run_id == run_id).group_by(Page.state)
    )
    return {str(state): int(count) for state, count in rows}


def page_state_counts_for(session: Session, page_ids: Sequence[int]) -> dict[str, int]:
    """Like :func:`page_state_counts`, for explicit page ids (queried in batches)."""
    counts: dict[str, int] = {}
    for start in range(0, len(page_ids), BATCH):
        chunk = page_ids[start : start + BATCH]
        rows = session.execute(
            select(Page.state, func.count()).where(Page.id.in_(chunk)).group_by(Page.state)
        )
        for state, count in rows:
            counts[str(state)] = counts.get(str(state), 0) + int(count)
    return counts


def outcome_counts(states: dict[str, int]) -> dict[str, int]:
    """Page states as the run summary counts them (same keys as the embedded ingestor)."""
    stored = states.get("stored", 0)
    duplicates = states.get("duplicate", 0)
    return {
        "pages": sum(states.values()),
        "articles": stored + duplicates,
        "duplicates": duplicates,
        "rejected": states.get("rejected", 0),
        "failed": states.get("failed", 0),
        "pending": states.get("pending", 0),
    }


def pending_page_ids(session: Session, run_id: int) -> list[int]:
    """Ids of the run's pages that no task has finished yet."""
    return list(
        session.scalars(
            select(Page.id).where(Page.run_id == run_id, Page.state == "pending").order_by(Page.id)
        )
    )


def pending_among(session: Session, page_ids: Sequence[int]) -> list[int]:
    """Which of ``page_ids`` are still pending, in the given order."""
    pending: set[int] = set()
    for start in range(0, len(page_ids), BATCH):
        chunk = page_ids[start : start + BATCH]
        pending.update(
            session.scalars(select(Page.id).where(Page.id.in_(chunk), Page.state == "pending"))
        )
    return [page_id for page_id in page_ids if page_id in pending]


def select_page_ids(
    session: Session, *, source: str | None = None, since: datetime | None = None
) -> list[int]:
    """Stored pages of ``source`` fetched on or after ``since`` (for reprocessing)."""
    query = select(Page.id).order_by(Page.id)
    if source is not None:
        query = query.where(Page.source == source)
    if since is not None:
        query = query.where(Page.fetched_at >= since)
    return list(session.scalars(query))


def assign_pages_to_run(session: Session, page_ids: Iterable[int], run_id: int) -> int:
    """Mark pages pending again under ``run_id`` (reprocess, retry-failed); return how many."""
    ids = list(page_ids)
    for start in range(0, len(ids), BATCH):
        session.execute(
            update(Page)
            .where(Page.id.in_(ids[start : start + BATCH]))
            .values(state="pending", run_id=run_id, reason=None)
        )
    return len(ids)


@dataclass(frozen=True)
class FailedPageView:
    """A failed page as operators see it."""

    id: int
    url: str
    source: str | None
    page_id: int | None
    run_id: int | None
    stage: str
    reason: str
    error: str | None
    attempts: int
    last_failed_at: datetime


def unresolved_failures(
    session: Session,
    *,
    run_id: int | None = None,
    source: str | None = None,
    failure_id: int | None = None,
    stage: str | None = None,
    reason: str | None = None,
    limit: int | None = None,
) -> list[FailedPageView]:
    """Failed pages not processed successfully since, newest first; narrowed to one run,
    source, failure (its id), stage or reason when given."""
    query = (
        select(FailedPage)
        .where(FailedPage.resolved.is_(False))
        .order_by(FailedPage.last_failed_at.desc(), FailedPage.id.desc())
    )
    if run_id is not None:
        query = query.where(FailedPage.run_id == run_id)
    if source is not None:
        query = query.where(FailedPage.source == source)
    if failure_id is not None:
        query = query.where(FailedPage.id == failure_id)
    if stage is not None:
        query = query.where(FailedPage.stage == stage)
    if reason is not None:
        query = query.where(FailedPage.reason == reason)
    if limit is not None:
        query = query.limit(limit)
    names = [field.name for field in fields(FailedPageView)]  # the row's columns of the same names
    return [
        FailedPageView(**{name: getattr(row, name) for name in names})
        for row in session.scalars(query)
    ]


# The reason prefix of a failure that is a bug of ours, not a bad page (workers.pipeline).
BUG_REASON_PREFIX = "bug:"


def unresolved_bug_counts(session: Session) -> dict[str, int]:
    """Unresolved failures that are bugs (an unexpected exception in a stage), by source."""
    rows = session.execute(
        select(FailedPage.source, func.count())
        .where(FailedPage.resolved.is_(False), FailedPage.reason.startswith(BUG_REASON_PREFIX))
        .group_by(FailedPage.source)
    )
    return {str(source or "-"): int(count) for source, count in rows}


@dataclass(frozen=True)
class SourceHealth:
    """The last run of one source and its last recorded failure."""

    source: str
    last_run_id: int | None
    last_run_status: str | None
    last_run_at: datetime | None
    last_run_articles: int | None
    last_error: str | None
    last_error_at: datetime | None
    last_run_unanswered: bool = False

    @property
    def needs_attention(self) -> bool:
        """The last run failed, was skipped, stored nothing, or none of this source's
        requests was answered."""
        if self.last_run_status is None:
            return False
        return (
            self.last_run_status != "succeeded"
            or not self.last_run_articles
            or self.last_run_unanswered
        )


def _articles_of(counts: dict[str, Any] | None) -> int:
    value = (counts or {}).get("articles", 0)
    return int(value) if isinstance(value, int | float) else 0


def _fetch_errors(counts: dict[str, Any] | None, source: str) -> str | None:
    """The fetch errors of ``source`` in a run's counts, e.g. ``"fetch errors: dns 12"``."""
    by_source = (counts or {}).get("by_source") or {}
    kinds = (by_source.get(source) or {}).get("errors_by_kind") or {}
    if not kinds:
        return None
    return "fetch errors: " + ", ".join(f"{kind} {n}" for kind, n in kinds.items())


def _unanswered(counts: dict[str, Any] | None, source: str) -> bool:
    """The run counted this source's answers and there were none (runs recorded before the
    count existed say nothing)."""
    tally = ((counts or {}).get("by_source") or {}).get(source) or {}
    return "answered" in tally and not tally["answered"]


def source_health(
    session: Session, source_ids: Iterable[str] | None = None, *, heartbeat: float
) -> list[SourceHealth]:
    """For each source that has runs or failures (or each of ``source_ids``): its health.

    Runs naming several sources count for each of them. Reads the newest 2,000 runs, which
    covers months of scheduled crawls of a full registry. A run is shown with its
    :func:`~storage.run_recorder.shown_status` (``heartbeat``: ``KIBARU_RUN_HEARTBEAT``), so a
    run whose process died is ``abandoned``, not running forever.
    """
    latest: dict[str, CrawlRun] = {}
    for recent in session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(2000)):
        for source in recent.sources or []:
            latest.setdefault(str(source), recent)
    errors: dict[str, FailedPage] = {}
    failure_rows = session.scalars(
        select(FailedPage).order_by(FailedPage.last_failed_at.desc()).limit(5000)
    )
    for failed in failure_rows:
        if failed.source:
            errors.setdefault(failed.source, failed)
    wanted = list(source_ids) if source_ids is not None else sorted({*latest, *errors})
    result = []
    for source in wanted:
        run: CrawlRun | None = latest.get(source)
        failure: FailedPage | None = errors.get(source)
        run_error = (run.error or _fetch_errors(run.counts, source)) if run is not None else None
        failure_text = f"{failure.stage}: {failure.reason} ({failure.url})" if failure else None
        result.append(
            SourceHealth(
                source=source,
                last_run_id=run.id if run else None,
                last_run_status=shown_status(run, heartbeat=heartbeat) if run else None,
                last_run_at=run.started_at if run else None,
                last_run_articles=_articles_of(run.counts) if run else None,
                last_error=run_error or failure_text,
                last_error_at=(run.finished_at if run_error and run else None)
                or (failure.last_failed_at if failure else None),
                last_run_unanswered=_unanswered(run.counts, source) if run else False,
            )
        )
    return result
