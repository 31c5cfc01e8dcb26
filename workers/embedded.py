"""The embedded ingestor: every page goes through the stages in the crawl's own process."""

from __future__ import annotations

from collections import Counter

from storage.db import Store
from storage.runs import Progress, outcome_counts, page_state_counts
from workers.page_rows import save_fetched_page
from workers.pipeline import process_page
from workers.sources import SourceCatalog
from workers.stages.dedup.service import Deduplicator
from workers.stages.page import FetchedPage


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
        )
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
