"""The broker ingestor: pages of a run go to Celery workers, and ``finish`` waits for them.

``submit`` stores the raw page (compressed, under the run's id) and then sends a task carrying
only the page id. Progress is read from the pages table (see :mod:`storage.runs`): a page is
``pending`` until a task records its outcome, so the count of pending pages of the run is exact
whatever happens to workers or to Redis in the meantime, and a page processed twice is counted
once.

A message can still be lost outright (a Redis restarted without persistence, a worker killed
before Redis recorded the delivery). ``finish`` therefore sends the tasks of pages that have
stayed pending, with no progress at all, for longer than the broker's visibility timeout (by
then Celery would have redelivered any message it still knew about). Tasks are idempotent, so
a page sent twice this way is still stored once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import sqlalchemy.exc

from kibaru.settings import Settings
from storage.db import Store
from storage.runs import (
    outcome_counts,
    page_state_counts,
    page_state_counts_for,
    pending_among,
    pending_page_ids,
)
from workers.app import PROCESS_TASK, configure
from workers.page_rows import save_fetched_page
from workers.stages.page import FetchedPage

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, int]], None]
POLL_SECONDS = 0.5
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

    def submit(self, page: FetchedPage) -> None:
        """Store the raw page, then queue its task (the page is in the store first)."""
        page_id = save_fetched_page(self.store, page, self.run_id)
        if self.run_id is None:
            self.page_ids.append(page_id)
        self.send(page_id)

    def send(self, page_id: int) -> None:
        """Queue the processing task of a stored page (routed to the ``process`` queue).

        Progress is read from the pages table, never from task results: without
        ``ignore_result`` the client would also subscribe to each task's result in Redis.
        """
        self.app.send_task(PROCESS_TASK, args=[page_id], ignore_result=True)

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
        )  # fmt: skip
        for page_id in stalled:
            self.send(page_id)
