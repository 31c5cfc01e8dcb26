"""Downloader middlewares: the source guard, and retries that back off and honour
``Retry-After``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import safe_url_string

from crawler.urls import canonical_url, host_of, is_within

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.context import CrawlContext


class GuardRefused(IgnoreRequest):
    """A request the source guard would not send; ``reason`` goes into the run's errors."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class AlreadyStored(IgnoreRequest):
    """A redirect leads to an article that is already stored: counted as known, not fetched."""


class SourceGuardMiddleware:
    """Refuse any request (redirects included) outside its source's own hosts, and any to an
    address the source's policy refuses (:mod:`crawler.netguard`).

    Runs before the robots.txt middleware so that not even robots.txt is fetched from a
    refused host. A request without a source (robots.txt itself) is on a host already
    checked, but where it redirects is checked here too, with the rules of the source whose
    host it started from: a robots.txt redirecting to the metadata service is not followed.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SourceGuardMiddleware:
        return cls(crawler)

    @property
    def context(self) -> CrawlContext:
        return self.crawler.spider.context  # type: ignore[union-attr]

    def process_request(self, request: Request) -> None:
        source_id = request.meta.get("source")
        if source_id is None:
            self._guard_sourceless_redirect(request)
            return
        scope = self.context.scopes[source_id]
        host = host_of(request.url)
        if not is_within(host, scope.domains):
            raise GuardRefused(
                "offsite", f"{request.url}: {host} is not one of source {source_id}'s hosts"
            )
        reason = scope.policy.refusal(host)
        if reason:
            raise GuardRefused(reason, f"{request.url}: refused ({reason})")
        if request.meta.get("redirect_urls") and request.meta.get("kind") == "article":
            self._skip_stored_target(request)
        self.context.tally.of(source_id).add("requests")

    def _guard_sourceless_redirect(self, request: Request) -> None:
        chain = request.meta.get("redirect_urls")
        if not chain:
            return
        origin = host_of(chain[0])
        found = next(
            (sid for sid, s in self.context.scopes.items() if is_within(origin, s.domains)), None
        )
        host = host_of(request.url)
        if found is None:
            raise GuardRefused("offsite", f"{request.url}: redirected from {origin}, no source's")
        scope = self.context.scopes[found]
        reason = "offsite" if not is_within(host, scope.domains) else scope.policy.refusal(host)
        if reason:
            self.context.record_error(found, reason, request.url)
            raise GuardRefused(reason, f"{request.url}: refused ({reason}), from {origin}")

    def _skip_stored_target(self, request: Request) -> None:
        """An old address redirecting to an article stored under its new one: do not fetch
        the article again (one query per redirect; redirects are few)."""
        if self.context.options.refresh:
            return
        target = canonical_url(request.url)
        if target != request.meta.get("kibaru_url") and self.context.known([target]):
            raise AlreadyStored(f"{request.url}: already stored")


class RedirectLoop(GuardRefused):
    """A redirect back to an address of its own chain: counted as ``redirect_loop`` (the
    scheduler would otherwise drop the repeated request as already seen, without a word)."""


class ResponseCounterMiddleware:
    """Counts, per source, the answers (responses below 400: a run in which no request got
    one has failed) and the redirects; refuses a redirect that loops back into its chain.

    It sits next to the downloader, so it sees 3xx responses before Scrapy's
    RedirectMiddleware follows them (or drops them as already requested)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseCounterMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        source_id = request.meta.get("source")
        if source_id is None:
            return response
        context: CrawlContext = self.crawler.spider.context  # type: ignore[union-attr]
        tally = context.tally.of(source_id)
        if response.status < 400:
            tally.add("answered")
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location:
            tally.add("redirects")
            target = safe_url_string(urljoin(request.url, location.decode("latin-1").strip()))
            chain = {*request.meta.get("redirect_urls", ()), request.url}
            if target in chain:
                raise RedirectLoop(
                    "redirect_loop", f"{request.url}: redirects back to {target}, a loop"
                )
        return response


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """The delay a ``Retry-After`` header asks for (seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    # isdigit() also holds for "²", which float() refuses: only ASCII decimals are seconds.
    if text.isascii() and text.isdecimal():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry: ``Retry-After`` on 429/503
    (capped by ``RETRY_AFTER_MAX``), else exponential backoff from ``RETRY_BACKOFF_BASE``."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    def backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 1))
        return float(min(self.backoff_max, self.backoff_base * 2 ** max(0, attempt - 1)))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            wait = None
            if response.status in (429, 503):
                wait = retry_after_seconds(response.headers.get("Retry-After"))
            wait = self.backoff(result) if wait is None else min(wait, self.retry_after_max)
            await asyncio.sleep(wait)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await asyncio.sleep(self.backoff(result))
        return result
