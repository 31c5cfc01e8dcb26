"""The item pipeline: every fetched page goes on to processing through the run's ingestor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.stages.page import FetchedPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class IngestPipeline:
    """Hands each :class:`FetchedPage` to the crawl context's ``submit`` (the ingestor)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if isinstance(item, FetchedPage):
            self.crawler.spider.context.submit(item)  # type: ignore[union-attr]
        return item
