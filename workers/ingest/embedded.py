"""The embedded ingestor: every page goes through the stages in the crawl's own process, but
for its extraction (clean + bylines), which runs in one child process.

Extraction is most of a page's CPU; the rest (the raw page's write, dedup, the article's
write) is done here. With the extraction in a child, the two overlap on two cores: while the
child extracts a page, this process stores the pages before and after it. Pages are finished
in the order they were submitted (dedup decides in that order), and at most
:data:`LOOKAHEAD` wait for their extraction, so memory stays flat.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from storage.db import Store
from storage.record import ArticleRecord
from storage.runs import Progress, outcome_counts, page_state_counts
from workers.extract import SourceInfo, extract_record
from workers.page_rows import save_fetched_page
from workers.pipeline import process_page
from workers.sources import SourceCatalog
from workers.stages.dedup.service import Deduplicator
from workers.stages.page import FetchedPage

log = logging.getLogger(__name__)

# Pages handed to the extraction process ahead of the one being finished: enough that it
# never waits for this process, few enough that little is redone if it dies.
LOOKAHEAD = 3


def _warm_up() -> None:
    """Load the stages and their tables in the child before its first page (about two
    seconds, see :mod:`workers.warmup`)."""
    from workers.warmup import warm_up

    warm_up()


@dataclass(frozen=True)
class Extraction:
    """A page's extraction under way: its future, and which child it was handed to."""

    future: Future[ArticleRecord]
    generation: int

    def done(self) -> bool:
        return self.future.done()


class ExtractionProcess:
    """One child process running :func:`extract_record`; replaced if it dies."""

    def __init__(self) -> None:
        self.generation = 0
        self.pool = self._start()

    @staticmethod
    def _start() -> ProcessPoolExecutor:
        # "spawn": the crawl's process runs Twisted's threads, which a fork would copy
        # half-way through whatever they were doing.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_warm_up)

    def start(self, page: FetchedPage, source: SourceInfo | None) -> Extraction:
        return Extraction(self.pool.submit(extract_record, page, source), self.generation)

    def record(
        self, extraction: Extraction, page: FetchedPage, source: SourceInfo | None
    ) -> ArticleRecord:
        """The page's record, or what extract_record raised on it. When the child died (a
        page that crashed a parser's C code, the OOM killer), the pages it held are handed
        to its replacement once more; a second death is the page's own failure (raised as
        BrokenProcessPool)."""
        try:
            return extraction.future.result()
        except BrokenProcessPool:
            if extraction.generation == self.generation:
                log.warning("the extraction process died on or near %s; restarting it", page.url)
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._start()
                self.generation += 1
            return self.pool.submit(extract_record, page, source).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Waiting:
    page: FetchedPage
    page_id: int
    source: SourceInfo | None
    extraction: Extraction


class EmbeddedIngestor:
    """Processes each page in this process and its extraction child (see the module
    docstring). ``submit``, ``flush_due``, ``flush`` and ``finish`` are called from one thread
    (the crawl's consumer thread, then its main thread once the crawl has stopped)."""

    def __init__(self, store: Store, dedup: Deduplicator, run_id: int | None) -> None:
        self.store = store
        self.dedup = dedup
        self.run_id = run_id
        self.catalog = SourceCatalog(store)
        self.counts: Counter[str] = Counter()
        self.extractor = ExtractionProcess()
        self.waiting: deque[_Waiting] = deque()

    def submit(self, page: FetchedPage) -> None:
        page_id = save_fetched_page(self.store, page, self.run_id)
        source = self.catalog.get(page.source)
        self.waiting.append(_Waiting(page, page_id, source, self.extractor.start(page, source)))
        while len(self.waiting) > LOOKAHEAD:
            self._finish_next()
        self.flush_due()

    def flush_due(self) -> None:
        """Finish the pages whose extraction is done."""
        while self.waiting and self.waiting[0].extraction.done():
            self._finish_next()

    def flush(self) -> None:
        """Finish every submitted page."""
        while self.waiting:
            self._finish_next()

    def _finish_next(self) -> None:
        waiting = self.waiting.popleft()

        def extracted(page: FetchedPage, source: SourceInfo | None) -> ArticleRecord:
            return self.extractor.record(waiting.extraction, page, source)

        outcome = process_page(
            waiting.page, store=self.store, dedup=self.dedup, source=waiting.source,
            page_id=waiting.page_id, run_id=self.run_id, extract=extracted,
        )
        self.counts["pages"] += 1
        counted = "articles" if outcome.status in ("stored", "duplicate") else outcome.status
        self.counts[counted] += 1
        if outcome.status == "duplicate":
            self.counts["duplicates"] += 1

    def finish(self, progress: Progress | None = None) -> dict[str, int]:
        try:
            self.flush()
        finally:
            self.extractor.close()
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
