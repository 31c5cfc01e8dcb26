"""The item pipeline: every fetched page goes on to processing through the run's ingestor,
on a consumer thread of its own, so that the crawl's event loop goes on fetching meanwhile."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import LoopingCall
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from workers.stages.page import FetchedPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.context import CrawlContext

log = logging.getLogger(__name__)

# This many pages failing in a row to be handed on means processing itself is broken (the
# database is down, a stage crashes on everything): stop fetching instead of wasting the sites'
# bandwidth, and let the run end as failed.
MAX_CONSECUTIVE_FAILURES = 20
# How often pages waiting in the ingestor's batch are checked (see BrokerIngestor.flush_due).
FLUSH_TICK_SECONDS = 0.5


class IngestPipeline:
    """Hands each :class:`FetchedPage` to the crawl context's ``submit`` (the ingestor).

    Every call into the ingestor (``submit``, ``flush_due``) runs on one consumer thread, in
    order: the embedded ingestor's stages and SQLite writes, or the broker ingestor's page
    write and task send, no longer stop the reactor, which keeps fetching; the ingestor is
    only ever used by that one thread while the crawl runs. The hand-off is bounded by
    Scrapy itself: a response stays in the scraper until its page has been handed on, and
    the engine starts no new download while the responses held pass
    ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` (see crawler.scrapy_settings), so memory stays flat
    however large the site.

    A page that cannot be handed on is counted (``errors_by_kind["ingest_<Error>"]``) and
    logged in one line; a run of failures closes the spider with reason ``ingest_failed``.
    While the spider runs, a timer calls the context's ``flush_due``, so that pages waiting in a
    batch go on when fetching slows down.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.consecutive_failures = 0
        self.flusher: LoopingCall | None = None
        self.consumer = ThreadPool(minthreads=1, maxthreads=1, name="kibaru-ingest")
        self.flushing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.consumer.start()
        # A crawl that stops without closing the spider still ends the consumer thread.
        reactor.addSystemEventTrigger("during", "shutdown", self._stop_consumer)  # type: ignore[arg-type]
        self.flusher = LoopingCall(self._flush_due)
        self.flusher.start(FLUSH_TICK_SECONDS, now=False)

    def close_spider(self) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        # Every page was handed on before the spider closes (Scrapy waits for its items);
        # this waits for a flush that may still be running, then ends the thread.
        self._stop_consumer()

    def _stop_consumer(self) -> None:
        if self.consumer.started and not self.consumer.joined:
            self.consumer.stop()

    @property
    def context(self) -> CrawlContext:
        return self.crawler.spider.context  # type: ignore[union-attr]

    def _flush_due(self) -> None:
        if self.flushing:  # the last one is still running (or waiting behind pages)
            return
        self.flushing = True
        done = deferToThreadPool(reactor, self.consumer, self.context.flush_due)
        done.addErrback(self._flush_failed)
        done.addBoth(self._flushed)

    @staticmethod
    def _flush_failed(failure: Failure) -> None:
        # The next tick, or the run's finish, sends them.
        message = str(failure.value).splitlines()[0] if str(failure.value) else failure.type
        log.warning("could not send the waiting pages yet: %s", message)

    def _flushed(self, _: object) -> None:
        self.flushing = False

    async def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedPage):
            return item
        context = self.context
        try:
            await maybe_deferred_to_future(
                deferToThreadPool(reactor, self.consumer, context.submit, item)
            )
        except Exception as exc:  # any failure of processing must not kill the crawl silently
            self.consecutive_failures += 1
            context.record_error(item.source, f"ingest_{type(exc).__name__}", item.url)
            log.error("could not hand on %s: %s", item.url, str(exc).splitlines()[0][:300])
            engine = self.crawler.engine
            if self.consecutive_failures == MAX_CONSECUTIVE_FAILURES and engine is not None:
                deferred_from_coro(engine.close_spider_async(reason="ingest_failed"))
        else:
            self.consecutive_failures = 0
        return item
