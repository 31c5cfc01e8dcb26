"""The item pipeline: every fetched page goes on to processing through the run's ingestor."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

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

    A page that cannot be handed on is counted (``errors_by_kind["ingest_<Error>"]``) and
    logged in one line; a run of failures closes the spider with reason ``ingest_failed``.
    While the spider runs, a timer calls the context's ``flush_due``, so that pages waiting in a
    batch go on when fetching slows down.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.consecutive_failures = 0
        self.flusher: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.flusher = LoopingCall(self._flush_due)
        self.flusher.start(FLUSH_TICK_SECONDS, now=False)

    def close_spider(self) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()

    def _flush_due(self) -> None:
        context: CrawlContext = self.crawler.spider.context  # type: ignore[union-attr]
        try:
            context.flush_due()
        except Exception as exc:  # the next tick, or the run's finish, sends them
            log.warning("could not send the waiting pages yet: %s", str(exc).splitlines()[0])

    def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedPage):
            return item
        context: CrawlContext = self.crawler.spider.context  # type: ignore[union-attr]
        try:
            context.submit(item)
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
