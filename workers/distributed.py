"""The broker ingestor: pages of a run go to Celery workers, and ``finish`` waits for them.

``submit`` stores the raw page (compressed, under the run's id) and queues its id; the ids go to
the workers in batches of ``KIBARU_PROCESS_BATCH``, one task per batch (see
:func:`workers.tasks.process_pages_task`). A batch is sent when it is full, when its oldest page
has waited ``FLUSH_SECONDS`` (checked at each page and by the crawl's timer, ``flush_due``),
and by ``finish``. Progress is read from the pages table (see :mod:`storage.runs`): a page is
``pending`` until a task records its outcome, so the count of pending pages of the run is exact
whatever happens to workers or to Redis in the meantime, and a page processed twice is counted
once.

A message can still be lost outright (a Redis restarted without persistence, a worker killed
before Redis recorded the delivery). ``finish`` therefore sends the tasks of pages that have
stayed pending, with no progress at all, for longer than the broker's visibility timeout (by
then Celery would have redelivered any message it still knew about). Tasks are idempotent, so
a page sent twice this way is still stored once. The pages of a batch never sent because the
crawl process died (at most one batch) stay stored and pending; ``kibaru reprocess`` sends them.
"""

from __future__ import annotations

import logging
import time

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
from workers.app import PROCESS_BATCH_TASK, PROCESS_TASK, configure
from workers.page_rows import save_fetched_page
from workers.stages.page import FetchedPage

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# The longest a stored page waits in the crawl for its batch to fill before it is sent.
FLUSH_SECONDS = 1.0
# Extra wait on top of the visibility timeout before pending pages are sent again.
RESEND_MARGIN_SECONDS = 5.0


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
        at every poll. A database that does not answer for a while is waited for.
        """
        self.flush()
        last_pending: int | None = None
        last_change = time.monotonic()
        while True:
            try:
                counts = outcome_counts(self.states())
            except sqlalchemy.exc.OperationalError as exc:
                log.warning("waiting for the database to answer: %s", exc)
                time.sleep(self.poll_seconds * 4)
                continue
            if progress is not None:
                progress(counts)
            pending = counts["pending"]
            if pending == 0:
                return counts
            now = time.monotonic()
            if pending != last_pending:
                last_pending, last_change = pending, now
            elif now - last_change > self.resend_after:
                self._resend_stalled()
                last_change = now
            time.sleep(self.poll_seconds)

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
