"""The one recorder of a crawl run's life: opened, claimed, kept alive, its sources locked, closed.

Every entry point writes runs through it: ``kibaru crawl`` and ``python -m crawler.run``
(:mod:`crawler.run`), a crawl task's job (:mod:`workers.queue.crawl_job`), reprocess and
retry-failed (:mod:`kibaru.cli.operate`). A run is ``running`` from :meth:`RunRecorder.open`
(or :meth:`RunRecorder.claim` of a run queued earlier) until :meth:`RunRecorder.finish` gives
it its final status: ``succeeded``, ``failed``, ``skipped`` or ``interrupted``.

Liveness. While :meth:`RunRecorder.keep_alive` holds, a thread writes the run's
``heartbeat_at`` every ``heartbeat`` seconds (``KIBARU_RUN_HEARTBEAT``) and extends its source
locks. A process killed outright (SIGKILL, out of memory, a lost machine) stops beating: after
``ABANDONED_AFTER_BEATS`` missed heartbeats the run is shown ``abandoned`` (:func:`shown_status`;
the stored status stays ``running``, since nobody is left to write another), and its source
locks have expired, so the next crawl of its sources goes ahead.

Source locks. A crawl holds one ``crawl_locks`` row per source, in the store, so that the lock
holds across processes and machines in the broker mode and needs no Redis in the embedded one:
two crawls of one source into the same store cannot run at once, whoever started them (beat,
an operator, a detached task). A lock is taken by one atomic ``INSERT … ON CONFLICT DO UPDATE
… WHERE`` the row is free, expired, or already this run's; the locks of a run are taken in one
transaction, all or none, and released with the run's final status.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy.exc
from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from storage.db import Store
from storage.models import CrawlLock, CrawlRun, utcnow
from storage.repository import dialect_insert

log = logging.getLogger(__name__)

# A run silent for this many heartbeats is abandoned (a slow database may delay one or two).
ABANDONED_AFTER_BEATS = 4
RUNNING = "running"
ABANDONED = "abandoned"
LOCKS = cast(Table, CrawlLock.__table__)


class SourceBusy(Exception):
    """A source of the run is being crawled by another run (the message says which, and how
    to proceed)."""

    def __init__(self, source: str, holder: int, free_in: float) -> None:
        self.source = source
        self.holder = holder
        self.free_in = free_in
        super().__init__(
            f"source {source} is being crawled by run {holder}; this run is skipped to avoid "
            f"two crawls of one site at once (wait for run {holder} to end, see `kibaru runs`; "
            f"if its process is gone, the source is free again within {free_in:.0f}s)"
        )


def stale_after(heartbeat: float) -> timedelta:
    """How long a run may stay silent before it is abandoned (and its locks expire)."""
    return timedelta(seconds=heartbeat * ABANDONED_AFTER_BEATS)


def shown_status(run: CrawlRun, *, heartbeat: float, now: datetime | None = None) -> str:
    """The status to show for ``run``: its stored status, or ``abandoned`` for a running run
    whose last sign of life (heartbeat, else start) is older than the stale bound."""
    if run.status != RUNNING:
        return run.status
    alive_at = run.heartbeat_at or run.started_at
    if alive_at is None:
        return run.status
    return ABANDONED if (now or utcnow()) - alive_at > stale_after(heartbeat) else run.status


def open_run(
    session: Session, sources: list[str], *, trigger: str = "cli", started_by: str | None = None
) -> int:
    """Insert a ``running`` run and return its id (:meth:`RunRecorder.open` in a session)."""
    now = utcnow()
    run = CrawlRun(
        sources=sources, trigger=trigger, started_by=started_by, status=RUNNING,
        started_at=now, heartbeat_at=now,
    )
    session.add(run)
    session.flush()
    return run.id


def claim_run(session: Session, run_id: int, sources: list[str]) -> None:
    """Start recording into a run opened earlier (queued by a crawl task's sender, or the job).

    Raises LookupError when there is no such run.
    """
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"run {run_id} does not exist; queue the crawl again")
    now = utcnow()
    run.sources = sources
    run.status = RUNNING
    run.started_at = now
    run.heartbeat_at = now


def close_run(
    session: Session, run_id: int, *, status: str, counts: Mapping[str, Any],
    error: str | None = None, sources: list[str] | None = None,
) -> None:
    """Give the run its final status and counts, and free the sources it held. ``sources``
    (when given) become the run's sources: an import learns them from its files' records."""
    values: dict[str, Any] = {
        "status": status, "counts": dict(counts), "error": error, "finished_at": utcnow(),
    }
    if sources is not None:
        values["sources"] = sources
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))
    session.execute(delete(LOCKS).where(LOCKS.c.run_id == run_id))


def lock_sources(session: Session, run_id: int, sources: list[str], *, ttl: timedelta) -> None:
    """Take every source's lock for ``run_id`` until now + ``ttl``; raise :class:`SourceBusy`
    (naming the holder) when one is held by a live run. Call it in a session of its own: on
    SourceBusy the caller's rollback undoes the locks taken before."""
    now = utcnow()
    for source in sorted(set(sources)):
        statement = dialect_insert(session, LOCKS).values(
            source=source, run_id=run_id, acquired_at=now, expires_at=now + ttl
        )
        statement = statement.on_conflict_do_update(
            index_elements=["source"],
            set_={name: statement.excluded[name] for name in ("run_id", "acquired_at",
                                                                "expires_at")},
            where=(LOCKS.c.expires_at < now) | (LOCKS.c.run_id == run_id),
        ).returning(LOCKS.c.run_id)
        if session.execute(statement).first() is None:
            holder = session.execute(
                select(LOCKS.c.run_id, LOCKS.c.expires_at).where(LOCKS.c.source == source)
            ).one()
            free_in = (holder.expires_at - now).total_seconds()
            raise SourceBusy(source, int(holder.run_id), free_in)


class RunRecorder:
    """Records one run in ``store``; ``heartbeat`` is ``KIBARU_RUN_HEARTBEAT`` (seconds)."""

    def __init__(self, store: Store, run_id: int, *, heartbeat: float) -> None:
        self.store = store
        self.run_id = run_id
        self.heartbeat = heartbeat

    @classmethod
    def open(
        cls, store: Store, sources: list[str], *, trigger: str, heartbeat: float,
        started_by: str | None = None,
    ) -> RunRecorder:
        """Open a new ``running`` run of ``sources``."""
        with store.session() as session:
            run_id = open_run(session, sources, trigger=trigger, started_by=started_by)
        return cls(store, run_id, heartbeat=heartbeat)

    @classmethod
    def claim(
        cls, store: Store, run_id: int, sources: list[str], *, heartbeat: float
    ) -> RunRecorder:
        """Record into run ``run_id``, opened earlier; LookupError when it does not exist."""
        with store.session() as session:
            claim_run(session, run_id, sources)
        return cls(store, run_id, heartbeat=heartbeat)

    def lock_sources(self, sources: list[str]) -> None:
        """Hold every source's lock for this run (extended by :meth:`beat`, freed by
        :meth:`finish`); :class:`SourceBusy` when another live run holds one."""
        with self.store.session() as session:
            lock_sources(session, self.run_id, sources, ttl=stale_after(self.heartbeat))

    def beat(self) -> None:
        """Say the run is alive: its heartbeat now, its locks extended."""
        now = utcnow()
        with self.store.session() as session:
            session.execute(
                update(CrawlRun).where(CrawlRun.id == self.run_id).values(heartbeat_at=now)
            )
            session.execute(
                update(LOCKS)
                .where(LOCKS.c.run_id == self.run_id)
                .values(expires_at=now + stale_after(self.heartbeat))
            )

    @contextlib.contextmanager
    def keep_alive(self) -> Iterator[None]:
        """Beat every ``heartbeat`` seconds, from a thread, for the duration of the block."""
        stopped = threading.Event()

        def beat_until_stopped() -> None:
            while not stopped.wait(self.heartbeat):
                try:
                    self.beat()
                except sqlalchemy.exc.SQLAlchemyError as exc:  # a database blip: beat again
                    log.warning("run %s: heartbeat not written: %s", self.run_id,
                                str(exc).splitlines()[0])

        thread = threading.Thread(
            target=beat_until_stopped, name=f"run-{self.run_id}-heartbeat", daemon=True
        )
        thread.start()
        try:
            yield
        finally:
            stopped.set()
            thread.join(self.heartbeat + 5)

    def finish(
        self, status: str, counts: Mapping[str, Any] | None = None, error: str | None = None,
        *, sources: list[str] | None = None,
    ) -> None:
        """Close the run with ``status`` and ``counts`` (None: keep the counts recorded so
        far), and free its sources; ``sources`` (when given) replace the run's sources."""
        with self.store.session() as session:
            if counts is None:
                counts = self._counts(session)
            close_run(
                session, self.run_id, status=status, counts=counts, error=error, sources=sources
            )

    def status(self) -> str | None:
        """The stored status of the run (None if it no longer exists)."""
        with self.store.session() as session:
            run = session.get(CrawlRun, self.run_id)
            return run.status if run is not None else None

    def _counts(self, session: Session) -> dict[str, Any]:
        run = session.get(CrawlRun, self.run_id)
        return dict(run.counts or {}) if run is not None else {}
