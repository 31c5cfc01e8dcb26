"""Where the crawler hands fetched pages on: in-process, or to the workers.

``open_ingestor(settings, store, run_id)`` picks the mode from the settings: without
``KIBARU_BROKER_URL`` every page is processed as soon as it is submitted (the embedded
default); with it, pages are stored and queued for Celery workers, and ``finish`` waits until
every page of the run has been processed.

Before crawling, the caller keeps the ``sources`` table in step with the registry
(``storage.repository.upsert_sources``): processing reads a page's source (name, country,
selectors) from there, never from the registry, so that workers need no registry file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Protocol

from kibaru.settings import Settings
from storage.db import Store
from storage.runs import outcome_counts, page_state_counts
from workers.dedup import Deduplicator, open_dedup
from workers.page_rows import save_fetched_page
from workers.pipeline import process_page
from workers.sources import SourceCatalog
from workers.stages.page import FetchedPage

Progress = Callable[[dict[str, int]], None]


class Ingestor(Protocol):
    """Takes the pages of one crawl run."""

    def submit(self, page: FetchedPage) -> None:
        """Hand one fetched page on (processed now, or queued)."""

    def flush_due(self) -> None:
        """Hand on the pages that have waited long enough for their batch (if it batches)."""

    def flush(self) -> None:
        """Hand on every page submitted so far (if it batches)."""

    def finish(self, progress: Progress | None = None) -> dict[str, int]:
        """Wait until every submitted page is processed; return counts by outcome."""
        ...


class EmbeddedIngestor:
    """Processes each page in the calling process, as it is submitted."""

    def __init__(self, store: Store, dedup: Deduplicator, run_id: int | None) -> None:
        self.store = store
        self.dedup = dedup
        self.run_id = run_id
        self.catalog = SourceCatalog(store)
        self.counts: Counter[str] = Counter()

    def submit(self, page: FetchedPage) -> None:
        page_id = save_fetched_page(self.store, page, self.run_id)
        outcome = process_page(
            page, store=self.store, dedup=self.dedup, source=self.catalog.get(page.source),
            page_id=page_id, run_id=self.run_id,
        )  # fmt: skip
        self.counts["pages"] += 1
        counted = "articles" if outcome.status in ("stored", "duplicate") else outcome.status
        self.counts[counted] += 1
        if outcome.status == "duplicate":
            self.counts["duplicates"] += 1

    def flush_due(self) -> None:
        """Nothing waits: each page is processed as it is submitted."""

    def flush(self) -> None:
        """Nothing waits: each page is processed as it is submitted."""

    def finish(self, progress: Progress | None = None) -> dict[str, int]:
        result = dict(self.counts)
        if self.run_id is not None:
            # A copy stored before its (earlier published) original was counted as an
            # original when it was processed; the page states say what each page is now.
            with self.store.session() as session:
                states = outcome_counts(page_state_counts(session, self.run_id))
            result.update({key: states[key] for key in ("articles", "duplicates")})
        if progress is not None:
            progress(result)
        return result


def open_ingestor(settings: Settings, store: Store, run_id: int | None) -> Ingestor:
    """The embedded ingestor, or the broker one when ``settings.broker_url`` is set."""
    if settings.broker_url:
        from workers.distributed import BrokerIngestor

        return BrokerIngestor(settings, store, run_id)
    return EmbeddedIngestor(store, open_dedup(settings, store), run_id)
