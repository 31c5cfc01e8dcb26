"""The discovery spider: from source entries to fetched article pages.

For each source it reads the declared feeds, sitemaps and listing pages; a source that
declares neither feeds nor sitemaps is discovered from its homepage (``<link rel=alternate>``
feeds, robots.txt ``Sitemap:`` lines, then the usual paths). Candidate article URLs are
canonicalised, filtered (``article_pattern``, ``--since``, already stored, ``--limit``) in
batches and fetched; each article response becomes a :class:`FetchedPage` item.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler.context import CrawlContext
from crawler.discovery import (
    FEED_PATHS,
    SITEMAP_PATHS,
    anchors,
    feed_links,
    next_page_links,
    sitemaps_in_robots,
    with_path,
)
from crawler.encoding import resolve_encoding
from crawler.feeds import Entry, is_feed, parse_feed
from crawler.middlewares import AlreadyStored, GuardRefused
from crawler.registry import Source
from crawler.sitemaps import SitemapRejected, parse_sitemap
from crawler.urls import canonical_url, host_of, is_within
from crawler.xmlsafety import UnsafeXml
from workers.stages.page import FetchedPage

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Scrapy 2.13+ wraps Twisted's download errors in its own; by name, for every version.
DOWNLOAD_ERROR_KINDS = {
    "CannotResolveHostError": "dns",
    "DownloadTimeoutError": "timeout",
    "DownloadConnectionRefusedError": "connection_refused",
    "ResponseDataLossError": "data_loss",
}


class NewsSpider(scrapy.Spider):
    """One spider for every source of the run; ``request.meta["source"]`` says whose."""

    name = "kibaru-news"
    # How the pages of this spider reach kibaru (workers.stages.page.ORIGINS).
    origin = "crawl"

    def __init__(self, context: CrawlContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context
        self.requested: dict[str, set[str]] = {sid: set() for sid in context.sources}
        self.budget: dict[str, int | None] = {sid: context.options.limit for sid in context.sources}
        self.feed_found: set[str] = set()
        self.sitemap_found: set[str] = set()

    # -- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for source in self.context.sources.values():
            for request in self.start_requests_for(source):
                yield request

    def start_requests_for(self, source: Source) -> Iterator[Request]:
        for url in source.feeds:
            yield self.request(source, url, "feed", self.parse_feed)
        for url in source.sitemaps:
            yield self.request(source, url, "sitemap", self.parse_sitemap)
        for url in source.listings:
            yield self.request(source, url, "listing", self.parse_listing, depth=0)
        if not source.feeds and not source.sitemaps:
            robots = with_path(source.homepage, "/robots.txt")
            yield self.request(source, robots, "robots", self.parse_robots, quiet=True)
            yield self.request(source, source.homepage, "homepage", self.parse_homepage)
        elif source.article_pattern and not source.listings:
            yield self.request(source, source.homepage, "listing", self.parse_listing, depth=0)

    def request(
        self,
        source: Source,
        url: str,
        kind: str,
        callback: Any,
        *,
        quiet: bool = False,
        **meta: Any,
    ) -> Request:
        """A request of ``kind`` for ``source``; ``quiet`` ones (probes of the usual paths)
        reach their callback whatever the status, and their misses are not errors."""
        meta.update(source=source.id, kind=kind, kibaru_url=canonical_url(url))
        if quiet:
            meta["handle_httpstatus_all"] = True
        if kind == "sitemap":
            meta["download_maxsize"] = self.context.options.max_sitemap_bytes
        return Request(meta["kibaru_url"], callback=callback, errback=self.on_error, meta=meta)

    # -- discovery -----------------------------------------------------------------------

    def source_of(self, response: Response) -> Source:
        return self.context.sources[response.meta["source"]]

    def parse_robots(self, response: Response) -> Iterator[Request]:
        source = self.source_of(response)
        found = sitemaps_in_robots(response.body, response.url) if response.status == 200 else []
        for url in found:
            yield self.request(source, url, "sitemap", self.parse_sitemap)
        if not found:
            for path in SITEMAP_PATHS:
                yield self.request(
                    source,
                    with_path(source.homepage, path),
                    "sitemap",
                    self.parse_sitemap,
                    quiet=True,
                )

    async def parse_homepage(self, response: Response) -> AsyncIterator[Request]:
        source = self.source_of(response)
        found = feed_links(html_of(response), response.url) if self.is_html(response) else []
        for url in found:
            yield self.request(source, url, "feed", self.parse_feed)
        if not found:
            for path in FEED_PATHS:
                url = with_path(source.homepage, path)
                yield self.request(source, url, "feed", self.parse_feed, quiet=True)
        if source.article_pattern and not source.listings:
            async for request in self.parse_listing(response):
                yield request

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        source = self.source_of(response)
        if response.status != 200 or not is_feed(response.body):
            if not response.meta.get("handle_httpstatus_all"):
                self.context.record_error(source.id, "not_a_feed", response.url)
            return
        try:
            entries = parse_feed(response.body, response.url)
        except UnsafeXml as exc:
            self.context.record_error(source.id, exc.reason, response.url)
            self.logger.warning("feed %s dropped: %s", response.url, exc)
            return
        self.feed_found.add(source.id)
        async for request in self.articles(source, entries):
            yield request

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Request]:
        source = self.source_of(response)
        probing = bool(response.meta.get("handle_httpstatus_all"))
        if response.status != 200:
            return
        try:
            document = parse_sitemap(response.body, self.context.options.max_sitemap_bytes)
        except SitemapRejected as exc:
            if not (probing and exc.reason == "not_a_sitemap"):
                self.context.record_error(source.id, exc.reason, response.url)
                self.logger.warning("sitemap %s dropped: %s", response.url, exc)
            return
        self.sitemap_found.add(source.id)
        if document.kind == "sitemapindex":
            since = self.context.options.since
            for entry in document.entries:
                if since and entry.published and entry.published < since:
                    self.context.tally.of(source.id).add("old")
                    continue
                yield self.request(source, entry.url, "sitemap", self.parse_sitemap)
        else:
            async for request in self.articles(source, document.entries):
                yield request

    async def parse_listing(self, response: Response) -> AsyncIterator[Request]:
        source = self.source_of(response)
        if not self.is_html(response):
            return
        pattern = source.article_pattern
        links = anchors(html_of(response), response.url)
        if pattern:
            async for request in self.articles(source, [Entry(url) for url in links]):
                yield request
        depth = int(response.meta.get("depth_of_listing", 0))
        if depth < self.context.options.max_pagination_depth:
            for url in next_page_links(html_of(response), response.url):
                yield self.request(
                    source, url, "listing", self.parse_listing, depth_of_listing=depth + 1
                )

    # -- articles ------------------------------------------------------------------------

    async def articles(self, source: Source, entries: Iterable[Entry]) -> AsyncIterator[Request]:
        """Requests for the new article URLs among ``entries`` (one storage query per batch,
        made off the reactor: see :meth:`stored_among`)."""
        tally = self.context.tally.of(source.id)
        scope = self.context.scopes[source.id]
        pattern = source.article_pattern
        fresh: dict[str, Entry] = {}
        for entry in entries:
            url = canonical_url(entry.url)
            if not is_within(host_of(url), scope.domains):
                continue
            if pattern and not matches_pattern(pattern, url):
                continue
            if url in self.requested[source.id] or url in fresh:
                continue
            fresh[url] = entry
        tally.add("discovered", len(fresh))
        since = self.context.options.since
        if since:
            old = [u for u, e in fresh.items() if e.published and e.published < since]
            tally.add("old", len(old))
            for url in old:
                del fresh[url]
        self.requested[source.id].update(fresh)
        if fresh and not self.context.options.refresh:
            known = await self.stored_among(list(fresh))
            tally.add("known", len(known))
            fresh = {u: e for u, e in fresh.items() if u not in known}
        ordered = self.fetch_order(fresh.items())
        budget = self.budget[source.id]
        if budget is not None:
            tally.add("over_limit", max(0, len(ordered) - budget))
            ordered = ordered[:budget]
            self.budget[source.id] = budget - len(ordered)
        for url, entry in ordered:
            yield self.article_request(source, url, entry)

    def fetch_order(self, found: Iterable[tuple[str, Entry]]) -> list[tuple[str, Entry]]:
        """The order in which new article URLs are fetched: newest first, undated last."""
        return sorted(found, key=_newest_first)

    def article_request(self, source: Source, url: str, entry: Entry) -> Request:
        """The request of a new article URL; its ``hints`` travel with the fetched page."""
        hints = {"published_at": entry.published.isoformat()} if entry.published else {}
        return self.request(source, url, "article", self.parse_article, hints=hints)

    async def stored_among(self, urls: list[str]) -> set[str]:
        """The ``urls`` already stored. The query runs on a thread of the reactor's pool: a
        blocking database call on the reactor thread would stop every download meanwhile."""
        return await self.off_reactor(self.context.known, urls)

    @staticmethod
    async def off_reactor(function: Callable[[list[str]], set[str]], urls: list[str]) -> set[str]:
        """``function(urls)`` on a thread of the reactor's pool (unit tests replace it)."""
        return await maybe_deferred_to_future(deferToThread(function, urls))

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        source = self.source_of(response)
        if not self.is_html(response):
            self.context.record_error(source.id, "not_html", response.url)
            return
        tally = self.context.tally.of(source.id)
        tally.add("pages")
        headers = {
            key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
            for key, values in response.headers.items()
        }
        yield FetchedPage(
            url=response.meta["kibaru_url"],
            final_url=response.url,
            source=source.id,
            status=response.status,
            headers=headers,
            body=response.body,
            encoding=resolve_encoding(headers.get("content-type"), response.body),
            hints=dict(response.meta.get("hints") or {}),
            origin=self.origin,
        )

    # -- failures ------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source_id = request.meta.get("source")
        if source_id is None:
            return
        if isinstance(failure.value, AlreadyStored):
            self.context.tally.of(source_id).add("known")
            return
        kind = error_kind(failure)
        self.context.record_error(source_id, kind, request.url)
        self.logger.info("%s %s: %s", kind, request.url, failure.getErrorMessage())

    @staticmethod
    def is_html(response: Response) -> bool:
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        return not content_type or any(kind in content_type for kind in HTML_TYPES)

    def closed(self, reason: str) -> None:
        self.context.close_reason = reason


def error_kind(failure: Failure) -> str:
    """A short code for a failed request, used as key of ``errors_by_kind``."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if isinstance(error, GuardRefused):
        return error.reason
    if isinstance(error, IgnoreRequest):
        message = str(error).lower()
        if "robots.txt" in message:
            return "robots"
        if "max redirections" in message:
            return "too_many_redirects"
        if "maxsize" in message or "max size" in message or "larger than" in message:
            return "too_large"
        return "ignored"
    name = type(error).__name__
    if name == "DownloadCancelledError" or "maxsize" in str(error).lower():
        return "too_large"
    if name in DOWNLOAD_ERROR_KINDS:
        return DOWNLOAD_ERROR_KINDS[name]
    if isinstance(error, DNSLookupError):
        return "dns"
    if isinstance(error, TimeoutError | TCPTimedOutError):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "connection_refused"
    return name.lower()


def html_of(response: Response) -> Selector:
    """The page as a selector (empty for a non-text response)."""
    if isinstance(response, TextResponse):
        return response.selector
    return Selector(text="")


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches_pattern(pattern: str, url: str) -> bool:
    return _compiled(pattern).search(url) is not None


def _newest_first(item: tuple[str, Entry]) -> tuple[int, float]:
    published = item[1].published
    return (0, -published.timestamp()) if published else (1, 0.0)
