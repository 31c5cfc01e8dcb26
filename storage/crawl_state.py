"""Reading crawl runs back: the most recent runs, and one run by id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CrawlRun


def recent_runs(session: Session, *, limit: int = 20, source: str | None = None) -> list[CrawlRun]:
    """The newest runs first; with ``source``, only the runs that crawled it."""
    query = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    if source is None:
        return list(session.scalars(query.limit(limit)))
    # The sources list is JSON (portable across SQLite and PostgreSQL): filter in Python,
    # reading in pages so that a long history does not load at once.
    found: list[CrawlRun] = []
    offset = 0
    while len(found) < limit:
        page = list(session.scalars(query.offset(offset).limit(200)))
        if not page:
            break
        found.extend(run for run in page if source in (run.sources or []))
        offset += len(page)
    return found[:limit]


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    """One run by id, or None."""
    return session.get(CrawlRun, run_id)
