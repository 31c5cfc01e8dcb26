"""The item pipeline: every fetched page goes on to processing through the run's ingestor."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

from workers.stages.page import FetchedPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.context import CrawlContext

log = logging.getLogger(__name__)

# This many pages failing in a row to be handed on means processing itself is broken (the
# database is down, a stage crashes on everything): stop fetching instead of wasting the sites'
# bandwidth, and let the run end as failed.
MAX_CONSECUTIVE_FAILURES = 20


class IngestPipeline:
    """Hands each :class:`FetchedPage` to the crawl context's ``submit`` (the ingestor).

    A page that cannot be handed on is counted (``errors_by_kind["ingest_<Error>"]``) and
    logged in one line; a run of failures closes the spider with reason ``ingest_failed``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.consecutive_failures = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

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
