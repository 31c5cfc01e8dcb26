"""The backfill spider: an outlet's past, one step at a time, through the best way it offers.

For each source, unless its checkpoint says where to go on: the WordPress REST API (page 1 of
the posts in the range), else a sitemap (the source's own, robots.txt's, the usual paths; an
index is read sitemap by sitemap, those dated outside the range left out), else listing pages
(the source's listings, or its homepage) followed past the live crawl's depth until a page
shows only dates before ``--since``. A walk requests its next step only after the articles of
the current one, oldest or newest first (the scheduler is first in, first out, and articles go
before steps), so that its checkpoint (see :mod:`crawler.backfill.walk`) always names a step
to go on from. Everything else is the live crawl's spider: the address guard, robots.txt, the
stored-URL check, the articles' requests and pages, which carry ``origin="backfill"`` and a
``found_via`` hint (``wp-json``, ``sitemap`` or ``listing``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler.backfill.periods import (
    DateRange,
    article_period,
    entry_date,
    listing_newest,
    sitemaps_to_read,
)
from crawler.backfill.walk import Step, Walk
from crawler.backfill.wpapi import NotAnApi, posts_url, read_posts_page
from crawler.context import CrawlContext
from crawler.discovery import SITEMAP_PATHS, anchors, next_page_links, sitemaps_in_robots, with_path
from crawler.feeds import Entry
from crawler.registry import Source
from crawler.sitemaps import SitemapRejected, parse_sitemap
from crawler.spiders.news import NewsSpider, error_kind, html_of, matches_pattern
from crawler.urls import canonical_url
from storage.backfill import Checkpoint, month_of
from workers.stages.page import FetchedPage

# Articles are fetched before the walk's next step (see the module docstring).
ARTICLE_PRIORITY = 1
# Failures that may pass: the article's step stays undone, to be read again next time.
PASSING = ("timeout", "dns", "connection_refused", "data_loss", "http_429")


@dataclass
class BackfillPlan:
    """What the spider needs besides the run's context: the range and order, the API page
    size, the listing pages to follow at most, the checkpoints to go on from (by source),
    how to save a checkpoint (``save``, then ``saved`` to wait for the last write), and the
    pages a killed backfill left unprocessed."""

    within: DateRange
    newest_first: bool
    api_page_size: int
    max_listing_pages: int
    resumed: dict[str, Checkpoint]
    save: Callable[[Checkpoint], None]
    saved: Callable[[], None]
    leftovers: Callable[[], list[FetchedPage]]


def may_pass(kind: str) -> bool:
    """Whether a failed request of this error kind may succeed another time."""
    return kind in PASSING or kind.startswith("http_5")


class BackfillSpider(NewsSpider):
    """Walks each source's past (one :class:`Walk` per source); see the module docstring."""

    name = "kibaru-backfill"
    origin = "backfill"

    def __init__(self, context: CrawlContext, plan: BackfillPlan, **kwargs: Any) -> None:
        super().__init__(context, **kwargs)
        self.plan = plan
        self.walks = {
            sid: Walk(sid, plan.within, newest_first=plan.newest_first,
                      resumed=plan.resumed.get(sid), save=plan.save)
            for sid in context.sources
        }
        self.sitemap_queue: dict[str, list[str]] = {sid: [] for sid in context.sources}
        self.sitemap_candidates: dict[str, list[str]] = {sid: [] for sid in context.sources}
        self.leftovers = 0
        hand_on = context.submit

        def submit(page: FetchedPage) -> None:
            hand_on(page)
            walk = self.walks.get(page.source)
            if walk is not None:
                walk.article_stored(page.url)

        context.submit = submit

    # -- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        pages = await maybe_deferred_to_future(deferToThread(self.plan.leftovers))
        self.leftovers = len(pages)
        for page in pages:  # stored by a killed backfill, never processed: no fetch
            yield page
        for source in self.context.sources.values():
            for request in self.begin(source):
                yield request

    def begin(self, source: Source) -> Iterator[Request]:
        walk = self.walks[source.id]
        start = walk.start
        if walk.strategy == "wp-json":
            yield self.api_page(source, int(start.get("step", 1)))
        elif walk.strategy == "sitemap":
            yield self.step_request(source, start["root"], "sitemap", self.parse_sitemap_root)
        elif walk.strategy == "listing":
            yield from self.listing_walk(source, int(start.get("listing", 0)), start.get("step"),
                                         int(start.get("depth", 0)))
        else:  # no checkpoint: probe the API first
            yield self.api_page(source, 1, probing=True)

    def step_request(
        self, source: Source, url: str, kind: str, callback: Any, **meta: Any
    ) -> Request:
        """A request of the walk itself (API page, sitemap, listing page): answered whatever
        its status, so that a probe that misses moves on to the next way."""
        request = self.request(source, url, kind, callback, quiet=True, **meta)
        return request.replace(errback=self.on_step_error)

    # -- the WordPress API ---------------------------------------------------------------

    def api_page(self, source: Source, page: int, *, probing: bool = False) -> Request:
        """Page ``page`` of the posts API; a step of the walk from the moment it is asked
        for, unless it is the probe that decides whether there is an API at all."""
        url = posts_url(source.homepage, self.plan.within, page=page,
                        per_page=self.plan.api_page_size, newest_first=self.plan.newest_first)
        step = None if probing else self.walks[source.id].step(page)
        return self.step_request(source, url, "api", self.parse_api_page, page=page,
                                 probing=probing, step=step)

    async def parse_api_page(self, response: Response) -> AsyncIterator[Request]:
        source = self.source_of(response)
        walk = self.walks[source.id]
        number = int(response.meta["page"])
        headers = {
            key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
            for key, values in response.headers.items()
        }
        try:
            posts = read_posts_page(response.status, headers, response.body, page=number,
                                    per_page=self.plan.api_page_size)
        except NotAnApi as exc:
            if response.meta.get("probing"):
                for request in self.probe_sitemaps(source):
                    yield request
                return
            self.step_failed(source, exc.reason, response.url)
            return
        step = response.meta.get("step")
        if step is None:  # the probe: there is an API
            walk.begin("wp-json")
            step = walk.step(number)
        async for request in self.walk_articles(source, step, posts.entries, "wp-json"):
            yield request
        walk.received(step)
        if posts.more and self.budget[source.id] != 0:
            yield self.api_page(source, number + 1)
        elif posts.more:
            walk.stop("limit")
        else:
            walk.end()

    # -- sitemaps ------------------------------------------------------------------------

    def probe_sitemaps(self, source: Source) -> Iterator[Request]:
        robots = with_path(source.homepage, "/robots.txt")
        yield self.step_request(source, robots, "robots", self.parse_backfill_robots)

    def parse_backfill_robots(self, response: Response) -> Iterator[Request]:
        source = self.source_of(response)
        listed = sitemaps_in_robots(response.body, response.url) if response.status == 200 else []
        self.sitemap_candidates[source.id] = self.sitemaps_to_try(source, listed)
        yield from self.next_probe(source)

    @staticmethod
    def sitemaps_to_try(source: Source, listed: list[str]) -> list[str]:
        """The source's own sitemaps, robots.txt's, then the usual paths; not news sitemaps
        (the last two days only: nothing for a backfill)."""
        usual = [with_path(source.homepage, path) for path in SITEMAP_PATHS]
        candidates = [canonical_url(u) for u in (*source.sitemaps, *listed, *usual)]
        return [url for url in dict.fromkeys(candidates)
                if "news" not in url.rsplit("/", 1)[-1].lower()]

    def next_probe(self, source: Source) -> Iterator[Request]:
        """The next sitemap to try, or the listings once none is left."""
        candidates = self.sitemap_candidates[source.id]
        if candidates:
            url = candidates.pop(0)
            yield self.step_request(source, url, "sitemap", self.parse_sitemap_root,
                                    probing=True)
            return
        listings = self.listings_of(source)
        self.walks[source.id].begin("listing")
        yield from self.listing_walk(source, 0, listings[0], 0)

    async def parse_sitemap_root(self, response: Response) -> AsyncIterator[Request]:
        """The sitemap the walk starts from: an index (its sitemaps in the range are read one
        after the other), or a url set (the only step)."""
        source = self.source_of(response)
        walk = self.walks[source.id]
        probing = bool(response.meta.get("probing"))
        document = self.read_sitemap(source, response, probing=probing)
        if document is None:
            if probing:
                for request in self.next_probe(source):
                    yield request
            else:
                walk.stop("sitemap_failed")
            return
        if probing:
            walk.begin("sitemap", root=response.meta["kibaru_url"])
        if document.kind == "urlset":
            step = walk.step(response.meta["kibaru_url"])
            async for request in self.walk_articles(source, step, document.entries, "sitemap"):
                yield request
            walk.received(step)
            walk.end()
            return
        queue = sitemaps_to_read(document.entries, self.plan.within,
                                 newest_first=self.plan.newest_first)
        resume_at = walk.start.get("step")
        if resume_at in queue:  # the sitemaps before it are done
            queue = queue[queue.index(resume_at):]
        self.sitemap_queue[source.id] = queue
        for request in self.next_sitemap(source):
            yield request

    def next_sitemap(self, source: Source) -> Iterator[Request]:
        queue = self.sitemap_queue[source.id]
        walk = self.walks[source.id]
        if not queue:
            walk.end()
            return
        if self.budget[source.id] == 0:
            walk.stop("limit")
            return
        url = queue.pop(0)
        step = walk.step(url)
        yield self.step_request(source, url, "sitemap", self.parse_sitemap_part, step=step)

    async def parse_sitemap_part(self, response: Response) -> AsyncIterator[Request]:
        source = self.source_of(response)
        walk = self.walks[source.id]
        step: Step = response.meta["step"]
        document = self.read_sitemap(source, response, probing=False)
        if document is None:
            walk.stop("sitemap_failed")
            return
        if document.kind == "sitemapindex":  # an index within the index: its parts next
            nested = sitemaps_to_read(document.entries, self.plan.within,
                                      newest_first=self.plan.newest_first)
            self.sitemap_queue[source.id][:0] = nested
        else:
            async for request in self.walk_articles(source, step, document.entries, "sitemap"):
                yield request
        walk.received(step)
        for request in self.next_sitemap(source):
            yield request

    def read_sitemap(self, source: Source, response: Response, *, probing: bool) -> Any:
        """The parsed sitemap, or None (an error recorded, unless a probe missed)."""
        if response.status != 200:
            if not probing:
                self.context.record_error(source.id, f"http_{response.status}", response.url)
            return None
        try:
            return parse_sitemap(response.body, self.context.options.max_sitemap_bytes)
        except SitemapRejected as exc:
            if not (probing and exc.reason == "not_a_sitemap"):
                self.context.record_error(source.id, exc.reason, response.url)
            return None

    # -- listings ------------------------------------------------------------------------

    def listings_of(self, source: Source) -> list[str]:
        return list(source.listings) or [source.homepage]

    def listing_walk(
        self, source: Source, index: int, url: str | None, depth: int
    ) -> Iterator[Request]:
        """Listing ``index`` of the source, from page ``url`` (its first page when None)."""
        listings = self.listings_of(source)
        walk = self.walks[source.id]
        if index >= len(listings):
            walk.end()
            return
        url = url or listings[index]
        step = walk.step(canonical_url(url), listing=index, depth=depth)
        yield self.step_request(source, url, "listing", self.parse_backfill_listing,
                                step=step, listing=index, depth_of_listing=depth)

    async def parse_backfill_listing(self, response: Response) -> AsyncIterator[Request]:
        source = self.source_of(response)
        walk = self.walks[source.id]
        step: Step = response.meta["step"]
        index, depth = int(response.meta["listing"]), int(response.meta["depth_of_listing"])
        if response.status != 200 or not self.is_html(response):
            self.step_failed(source, f"http_{response.status}" if response.status != 200
                             else "not_html", response.url)
            return
        html = html_of(response)
        links = [url for url in anchors(html, response.url) if self.is_article_link(source, url)]
        async for request in self.walk_articles(source, step, [Entry(u) for u in links],
                                                "listing"):
            yield request
        walk.received(step)
        newest = listing_newest(html, links)
        following = next_page_links(html, response.url)
        if newest is not None and newest < self.plan.within.since:
            following = []  # the listing has gone past the range: older pages are older still
        if self.budget[source.id] == 0 and following:
            walk.stop("limit")
            return
        if following and depth + 1 < self.plan.max_listing_pages:
            for request in self.listing_walk(source, index, following[0], depth + 1):
                yield request
        else:
            for request in self.listing_walk(source, index + 1, None, 0):
                yield request

    @staticmethod
    def is_article_link(source: Source, url: str) -> bool:
        """An article on a listing: the source's ``article_pattern``, else a dated address."""
        if source.article_pattern:
            return matches_pattern(source.article_pattern, canonical_url(url))
        return article_period(url) is not None

    # -- articles of a step --------------------------------------------------------------

    async def walk_articles(
        self, source: Source, step: Step, entries: Iterable[Entry], found_via: str
    ) -> AsyncIterator[Request]:
        """Requests for the articles of ``step`` in the range and not stored, each counted
        in its month and registered with the walk."""
        walk = self.walks[source.id]
        tally = self.context.tally.of(source.id)
        in_range = []
        for entry in entries:
            if self.plan.within.admits(entry):
                in_range.append(entry)
            else:
                tally.add("old")
        cut = tally.counts["over_limit"]
        seen = set(self.requested[source.id])
        async for request in self.articles(source, in_range):
            request.meta["hints"]["found_via"] = found_via
            walk.requested(step, request.meta["kibaru_url"])
            yield request
        requested = self.requested[source.id]
        for entry in in_range:  # each article once, when first found (stored or not)
            url = canonical_url(entry.url)
            if url in requested and url not in seen:
                seen.add(url)
                walk.found[month_of(entry_date(entry))] += 1
        if tally.counts["over_limit"] > cut:
            walk.leave_undone(step)

    def fetch_order(self, found: Iterable[tuple[str, Entry]]) -> list[tuple[str, Entry]]:
        """Oldest first, or newest first, as the operator chose (undated last, in the
        order the site gave them)."""
        items = list(found)
        dated = [item for item in items if entry_date(item[1]) is not None]
        undated = [item for item in items if entry_date(item[1]) is None]
        dated.sort(key=lambda item: entry_date(item[1]),  # type: ignore[arg-type,return-value]
                   reverse=self.plan.newest_first)
        return dated + undated

    def article_request(self, source: Source, url: str, entry: Entry) -> Request:
        # Ours to deduplicate (self.requested): a request the scheduler dropped silently
        # would leave its step undone for ever.
        request = super().article_request(source, url, entry)
        return request.replace(priority=ARTICLE_PRIORITY, dont_filter=True)

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        pages = list(super().parse_article(response))
        if not pages:  # not HTML: nothing to store, ever
            self.walks[response.meta["source"]].article_failed(
                response.meta["kibaru_url"], may_pass=False
            )
        yield from pages

    # -- failures ------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        super().on_error(failure)
        request = failure.request  # type: ignore[attr-defined]
        walk = self.walks.get(request.meta.get("source"))
        if walk is not None and request.meta.get("kind") == "article":
            walk.article_failed(request.meta["kibaru_url"], may_pass=may_pass(error_kind(failure)))

    def on_step_error(self, failure: Failure) -> Iterator[Request]:
        """A step that got no answer (robots.txt forbids it, the site is down…)."""
        request = failure.request  # type: ignore[attr-defined]
        source = self.context.sources[request.meta["source"]]
        kind = request.meta.get("kind")
        if kind == "robots":  # no robots.txt to read: the declared and usual sitemaps
            self.sitemap_candidates[source.id] = self.sitemaps_to_try(source, [])
            yield from self.next_probe(source)
        elif request.meta.get("probing"):
            yield from self.probe_sitemaps(source) if kind == "api" else self.next_probe(source)
        else:
            super().on_error(failure)
            self.walks[source.id].stop(error_kind(failure))

    def step_failed(self, source: Source, reason: str, url: str) -> None:
        self.context.record_error(source.id, reason, url)
        self.walks[source.id].stop(reason)

    def closed(self, reason: str) -> None:
        super().closed(reason)
        self.plan.saved()  # every page is handed on: the last positions are final

    def report(self) -> dict[str, Any]:
        """Each source's walk, for the run's counts."""
        return {sid: walk.report() for sid, walk in self.walks.items()}
