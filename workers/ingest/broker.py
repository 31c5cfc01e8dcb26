"""The broker ingestor: pages of a run go to Celery workers, and ``finish`` waits for them.

``submit`` stores the raw page (compressed, under the run's id) and queues its id; the ids go to
the workers in batches of ``KIBARU_PROCESS_BATCH``, one task per batch (see
:func:`workers.queue.tasks.process_pages_task`). A batch is sent when it is full, when its
oldest page has waited ``FLUSH_SECONDS`` (checked at each page and by the crawl's timer,
``flush_due``), and by ``finish``. Progress is read from the pages table (see
:mod:`storage.runs`): a page is ``pending`` until a task records its outcome, so the count of
pending pages of the run is exact whatever happens to workers or to Redis in the meantime, and a
page processed twice is counted once.

A message can still be lost outright (a Redis restarted without persistence, a worker killed
before Redis recorded the delivery). ``finish`` therefore sends the tasks of pages that have
stayed pending, with no progress at all, for longer than the broker's visibility timeout (by
then Celery would have redelivered any message it still knew about). Tasks are idempotent, so
a page sent twice this way is still stored once. The pages of a batch never sent because the
crawl process died (at most one batch) stay stored and pending; ``kibaru reprocess`` sends them.

Nobody to wait for. While pages stay pending without progress, ``finish`` asks the broker which
workers consume the ``process`` queue. With none, every poll's progress carries a notice (the
pending, stored and failed counts, and "no worker is consuming the process queue"), and after
``KIBARU_WORKER_WAIT`` seconds without one the run gives up (:class:`NoWorker`): the pages stay
queued, and a worker started later processes them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import kombu.exceptions
import sqlalchemy.exc

from kibaru.settings import Settings
from storage.db import Store
from storage.runs import (
    Progress,
    outcome_counts,
    page_state_counts,
    page_state_counts_for,
    pending_among,
    pending_page_ids,
)
from workers.ingest.errors import IngestError
from workers.page_rows import save_fetched_page
from workers.queue.app import PROCESS_BATCH_TASK, PROCESS_QUEUE, PROCESS_TASK, configure
from workers.stages.page import FetchedPage

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# As the queue drains the wait polls sooner (down to this), so that the crawl returns soon
# after its last page is processed rather than up to a whole POLL_SECONDS later.
MIN_POLL_SECONDS = 0.05
# The longest a stored page waits in the crawl for its batch to fill before it is sent.
FLUSH_SECONDS = 1.0
# Extra wait on top of the visibility timeout before pending pages are sent again.
RESEND_MARGIN_SECONDS = 5.0
# Without progress for this long, the crawl asks the broker which workers consume the queue.
WORKER_CHECK_SECONDS = 3.0
# Seconds to wait for the broker's answer when checking it before a crawl.
BROKER_CHECK_TIMEOUT = 5.0


class BrokerUnavailable(IngestError):
    """The broker does not answer: no page could be handed on."""


class NoWorker(IngestError):
    """No worker consumed the process queue for ``KIBARU_WORKER_WAIT`` seconds."""


def _outcomes_line(counts: dict[str, Any]) -> str:
    return (
        f"{counts['pending']} pending, {counts['articles']} stored, "
        f"{counts['rejected']} rejected, {counts['failed']} failed"
    )


def no_worker_notice(counts: dict[str, Any], waited: float, bound: int) -> str:
    """What the operator is told while no worker consumes the process queue."""
    return (
        f"no worker is consuming the process queue: {_outcomes_line(counts)} (for "
        f"{waited:.0f}s; start one with `kibaru worker`, or the run fails after "
        f"KIBARU_WORKER_WAIT={bound}s)"
    )


class Throughput:
    """The rate at which pending pages get processed, to time the next poll of the wait."""

    def __init__(self) -> None:
        self.first: tuple[int, float] | None = None  # (pending, when) at the first poll
        self.per_second = 0.0

    def observe(self, pending: int, now: float) -> None:
        if self.first is None:
            self.first = (pending, now)
            return
        drained, elapsed = self.first[0] - pending, now - self.first[1]
        self.per_second = drained / elapsed if drained > 0 and elapsed > 0 else 0.0

    def next_poll(self, pending: int, longest: float) -> float:
        """Half the time the pending pages should take at the rate so far, between
        ``MIN_POLL_SECONDS`` and ``longest`` (``longest`` while nothing has drained yet)."""
        if self.per_second <= 0:
            return longest
        return min(longest, max(MIN_POLL_SECONDS, pending / self.per_second / 2))


class BrokerIngestor:
    """Stores each page and queues its processing task; ``finish`` waits for the run."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        run_id: int | None,
        *,
        poll_seconds: float = POLL_SECONDS,
        resend_after: float | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.run_id = run_id
        self.app = configure(settings)
        self.poll_seconds = poll_seconds
        self.resend_after = (
            resend_after
            if resend_after is not None
            else settings.visibility_timeout + RESEND_MARGIN_SECONDS
        )
        self.page_ids: list[int] = []  # only kept when there is no run id to track by
        self.batch_size = settings.process_batch
        self.unsent: list[int] = []
        self.unsent_since = 0.0
        self.worker_wait = settings.worker_wait

    def ensure_broker(self) -> None:
        """Raise :class:`BrokerUnavailable` (one line, how to fix) unless the broker answers.

        Called before a crawl fetches anything: publishing to a broker that is down is retried
        for a long while, page after page, and the pages would be fetched for nothing.
        """
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=BROKER_CHECK_TIMEOUT)
        except (kombu.exceptions.OperationalError, OSError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise BrokerUnavailable(
                f"the broker at KIBARU_BROKER_URL={self.settings.broker_url} does not answer "
                f"({reason}); start Redis there, or unset KIBARU_BROKER_URL to process the "
                "pages in this process"
            ) from exc

    def submit(self, page: FetchedPage) -> None:
        """Store the raw page, then queue its id (the page is in the store first)."""
        page_id = save_fetched_page(self.store, page, self.run_id)
        if self.run_id is None:
            self.page_ids.append(page_id)
        if not self.unsent:
            self.unsent_since = time.monotonic()
        self.unsent.append(page_id)
        if len(self.unsent) >= self.batch_size:
            self.flush()
        else:
            self.flush_due()

    def flush_due(self) -> None:
        """Send the queued ids if the oldest has waited ``FLUSH_SECONDS`` (a crawl's timer)."""
        if self.unsent and time.monotonic() - self.unsent_since >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Send the queued ids now, as one task."""
        if self.unsent:
            batch, self.unsent = self.unsent, []
            self.send_many(batch)

    def send(self, page_id: int) -> None:
        """Queue the processing task of one stored page (routed to the ``process`` queue).

        Progress is read from the pages table, never from task results: without
        ``ignore_result`` the client would also subscribe to each task's result in Redis.
        """
        self.app.send_task(PROCESS_TASK, args=[page_id], ignore_result=True)

    def send_many(self, page_ids: list[int]) -> None:
        """Queue the processing of stored pages, ``KIBARU_PROCESS_BATCH`` per task."""
        for start in range(0, len(page_ids), self.batch_size):
            batch = page_ids[start : start + self.batch_size]
            if len(batch) == 1:
                self.send(batch[0])
            else:
                self.app.send_task(PROCESS_BATCH_TASK, args=[batch], ignore_result=True)

    def states(self) -> dict[str, int]:
        """The run's pages by state."""
        with self.store.session() as session:
            if self.run_id is not None:
                return page_state_counts(session, self.run_id)
            return page_state_counts_for(session, self.page_ids)

    def _pending_ids(self) -> list[int]:
        with self.store.session() as session:
            if self.run_id is not None:
                return pending_page_ids(session, self.run_id)
            return pending_among(session, self.page_ids)

    def finish(self, progress: Progress | None = None) -> dict[str, int]:
        """Wait until no page of the run is pending; return counts by outcome.

        ``progress`` gets the counts (pages, articles, duplicates, rejected, failed, pending)
        at every poll, with a ``notice`` while no worker consumes the queue. A database that
        does not answer for a while is waited for. Raises :class:`NoWorker` once no worker
        has consumed the queue for ``KIBARU_WORKER_WAIT`` seconds; whatever ``progress``
        raises ends the wait too (that is how a crawl asked to stop stops waiting).
        """
        self.flush()
        last_pending: int | None = None
        last_change = last_check = time.monotonic()
        rate = Throughput()
        no_worker_since: float | None = None
        while True:
            try:
                counts: dict[str, Any] = dict(outcome_counts(self.states()))
            except sqlalchemy.exc.OperationalError as exc:
                log.warning("waiting for the database to answer: %s", exc)
                time.sleep(self.poll_seconds * 4)
                continue
            pending = counts["pending"]
            if pending == 0:
                if progress is not None:
                    progress(counts)
                return counts
            now = time.monotonic()
            rate.observe(pending, now)
            if pending != last_pending:
                last_pending, last_change, no_worker_since = pending, now, None
            elif now - last_change > self.resend_after:
                self._resend_stalled()
                last_change = now
            idle = now - max(last_change, last_check)
            if idle >= WORKER_CHECK_SECONDS:
                last_check = now
                no_worker_since = self._track_workers(no_worker_since, now, counts)
            if no_worker_since is not None:
                waited = time.monotonic() - no_worker_since
                if waited >= self.worker_wait:
                    raise NoWorker(
                        f"no worker is consuming the process queue: {_outcomes_line(counts)} "
                        f"after waiting {waited:.0f}s (KIBARU_WORKER_WAIT); start workers with "
                        "`kibaru worker`: the queued pages stay queued for them"
                    )
                counts["notice"] = no_worker_notice(counts, waited, self.worker_wait)
            if progress is not None:
                progress(counts)
            time.sleep(rate.next_poll(pending, self.poll_seconds))

    def _track_workers(
        self, since: float | None, now: float, counts: dict[str, Any]
    ) -> float | None:
        """Since when no worker consumes the process queue (None: one does, or the broker
        could not tell)."""
        workers = self.process_workers()
        if workers is None or workers:
            return None
        if since is None:
            log.warning("run %s: %s", self.run_id, no_worker_notice(counts, 0, self.worker_wait))
            return now
        return since

    def process_workers(self) -> list[str] | None:
        """The workers consuming the process queue (None when the broker does not answer)."""
        try:
            replies = self.app.control.inspect(timeout=1.0).active_queues() or {}
        except Exception as exc:  # the broker restarting: ask again at the next check
            log.warning("could not ask the broker for workers: %s", str(exc).splitlines()[0])
            return None
        return sorted(
            name for name, queues in replies.items()
            if any(queue.get("name") == PROCESS_QUEUE for queue in queues or [])
        )

    def _resend_stalled(self) -> None:
        try:
            stalled = self._pending_ids()
        except sqlalchemy.exc.OperationalError:
            return
        log.warning(
            "run %s: %d page(s) pending with no progress for %.0fs; sending their tasks again",
            self.run_id, len(stalled), self.resend_after,
        )
        self.send_many(stalled)
