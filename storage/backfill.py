"""A backfill's state in the store: its checkpoints, the pages a killed one left unprocessed,
and the articles of a range month by month.

A checkpoint is one row per source (:class:`storage.models.BackfillCheckpoint`), written by
one upsert each time the first step not yet done moves on, so that a backfill killed at any
instant is found where it stood at its last completed step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from storage.models import Article, BackfillCheckpoint, Page, utcnow
from storage.repository import dialect_insert

CHECKPOINTS = cast(Table, BackfillCheckpoint.__table__)
PAGES = cast(Table, Page.__table__)
UNDATED = "undated"


@dataclass(frozen=True)
class Checkpoint:
    """Where the backfill of ``source`` over ``since``–``until`` stands: the ``strategy`` it
    walks and its ``position`` there (``{}``: from the start); ``finished`` once it is done."""

    source: str
    since: datetime
    until: datetime | None
    newest_first: bool
    strategy: str
    position: dict[str, Any] = field(default_factory=dict)
    finished: bool = False

    def same_range(self, since: datetime, until: datetime | None, newest_first: bool) -> bool:
        """Whether a backfill of ``since``–``until`` in this order goes on from here."""
        return (self.since, self.until, self.newest_first) == (since, until, newest_first)


def read_checkpoint(session: Session, source: str) -> Checkpoint | None:
    """The checkpoint of ``source``, or None when it was never backfilled."""
    row = session.get(BackfillCheckpoint, source)
    if row is None:
        return None
    return Checkpoint(
        source=row.source, since=row.since, until=row.until, newest_first=row.newest_first,
        strategy=row.strategy, position=dict(row.position or {}),
        finished=row.finished_at is not None,
    )


def write_checkpoint(session: Session, checkpoint: Checkpoint, *, run_id: int | None) -> None:
    """Store ``checkpoint`` as the one of its source (replacing any other range's)."""
    now = utcnow()
    values = {
        "source": checkpoint.source, "since": checkpoint.since, "until": checkpoint.until,
        "newest_first": checkpoint.newest_first, "strategy": checkpoint.strategy,
        "position": dict(checkpoint.position), "run_id": run_id, "started_at": now,
        "updated_at": now, "finished_at": now if checkpoint.finished else None,
    }
    statement = dialect_insert(session, CHECKPOINTS).values(**values)
    kept = ("since", "until", "newest_first", "strategy", "position", "run_id", "updated_at",
            "finished_at")
    session.execute(statement.on_conflict_do_update(
        index_elements=["source"], set_={name: statement.excluded[name] for name in kept}
    ))


def forget_checkpoint(session: Session, source: str) -> None:
    """Drop the checkpoint of ``source`` (``kibaru backfill --restart``)."""
    session.execute(CHECKPOINTS.delete().where(CHECKPOINTS.c.source == source))


def unprocessed_pages(session: Session, sources: Iterable[str], origin: str) -> list[Row[Any]]:
    """The stored pages of ``sources`` that came by ``origin`` and are still ``pending``: a
    killed run fetched and stored them, but never processed them. Call it while holding the
    sources' locks, so that no live run is processing them."""
    return list(session.execute(
        select(PAGES).where(
            PAGES.c.source.in_(list(sources)), PAGES.c.origin == origin,
            PAGES.c.state == "pending",
        ).order_by(PAGES.c.id)
    ))


def month_of(moment: datetime | None) -> str:
    """``YYYY-MM`` of ``moment`` (UTC), or ``undated``."""
    return moment.strftime("%Y-%m") if moment is not None else UNDATED


def articles_by_month(
    session: Session, source: str, since: datetime, until: datetime | None,
    *, run_id: int | None = None,
) -> Counter[str]:
    """How many articles of ``source`` published within ``since``–``until`` are stored, by
    month of publication; with ``run_id``, those that run stored instead, whatever their
    date (undated ones under ``undated``)."""
    query = select(Article.published_at).where(Article.source == source)
    if run_id is not None:
        query = query.where(Article.run_id == run_id)
    else:
        query = query.where(Article.published_at >= since)
        if until is not None:
            query = query.where(Article.published_at <= until)
    months: Counter[str] = Counter()
    for published in session.scalars(query):
        months[month_of(published)] += 1
    return months
