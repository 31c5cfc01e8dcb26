"""``kibaru sources check``: what a source's robots.txt, feeds and sitemaps offer today.

For operators maintaining the registry: each source's robots.txt is fetched (is the homepage
allowed for our User-Agent? which sitemaps does it list?), then its homepage (which feeds does
it advertise?), then every declared or found feed and sitemap (how many entries, how recent).
The same safety rules as crawling apply: own hosts only, size caps, no XML entities.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from parsel import Selector
from protego import Protego

from crawler.context import SourceScope
from crawler.discovery import feed_links, sitemaps_in_robots, with_path
from crawler.feeds import is_feed, parse_feed
from crawler.fetch import FetchError, fetch
from crawler.registry import Source
from crawler.sitemaps import SitemapRejected, parse_sitemap
from crawler.urls import is_within
from crawler.xmlsafety import UnsafeXml
from kibaru.settings import Settings


@dataclass
class Finding:
    """One checked address: what it is, whether it works, and what it holds."""

    url: str
    kind: str
    ok: bool
    detail: str


@dataclass
class SourceReport:
    """Everything found for one source."""

    source: str
    robots: str = ""
    homepage_allowed: bool | None = None
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _Fetcher:
    """Small blocking GETs with the crawler's User-Agent, size caps, deadline and host rules:
    the source's own hosts only, under its address policy."""

    def __init__(self, settings: Settings, scope: SourceScope) -> None:
        self.settings = settings
        self.scope = scope

    def offsite(self, host: str) -> str | None:
        return None if is_within(host, self.scope.domains) else "offsite"

    def get(self, url: str, max_bytes: int) -> tuple[int, bytes]:
        fetched = fetch(
            url,
            user_agent=self.settings.user_agent,
            policy=self.scope.policy,
            max_bytes=max_bytes,
            timeout=self.settings.fetch_timeout,
            host_rule=self.offsite,
        )
        return fetched.status, fetched.body


def _check_feed(fetcher: _Fetcher, url: str) -> Finding:
    try:
        status, body = fetcher.get(url, fetcher.settings.max_page_bytes)
    except FetchError as exc:
        return Finding(url, "feed", False, f"unreachable: {exc}")
    if status != 200 or not is_feed(body):
        return Finding(url, "feed", False, f"HTTP {status}, not a feed")
    try:
        entries = parse_feed(body, url)
    except UnsafeXml as exc:
        return Finding(url, "feed", False, str(exc))
    dates = [e.published for e in entries if e.published]
    newest = max(dates).date().isoformat() if dates else "undated"
    return Finding(url, "feed", bool(entries), f"{len(entries)} entries, newest {newest}")


def _check_sitemap(fetcher: _Fetcher, url: str) -> Finding:
    try:
        status, body = fetcher.get(url, fetcher.settings.max_sitemap_bytes)
    except FetchError as exc:
        return Finding(url, "sitemap", False, f"unreachable: {exc}")
    if status != 200:
        return Finding(url, "sitemap", False, f"HTTP {status}")
    try:
        document = parse_sitemap(body, fetcher.settings.max_sitemap_bytes)
    except SitemapRejected as exc:
        return Finding(url, "sitemap", False, f"{exc.reason}: {exc}")
    news = sum(1 for e in document.entries if e.published)
    return Finding(
        url,
        "sitemap",
        bool(document.entries),
        f"{document.kind} of {len(document.entries)} entries ({news} dated)",
    )


def check_source(source: Source, settings: Settings) -> SourceReport:
    """Fetch and report on ``source``'s robots.txt, homepage feeds, feeds and sitemaps."""
    fetcher = _Fetcher(settings, SourceScope.of(source, settings.allowed_network_list))
    report = SourceReport(source=source.id)
    sitemaps = list(source.sitemaps)
    feeds = list(source.feeds)
    robots_url = with_path(source.homepage, "/robots.txt")
    try:
        status, body = fetcher.get(robots_url, 512 * 1024)
        report.robots = f"HTTP {status}"
        if status == 200:
            rules = Protego.parse(body.decode("utf-8", "replace"))
            report.homepage_allowed = rules.can_fetch(source.homepage, settings.user_agent)
            sitemaps += [u for u in sitemaps_in_robots(body, robots_url) if u not in sitemaps]
    except FetchError as exc:
        report.robots = f"unreachable: {exc}"
    try:
        status, body = fetcher.get(source.homepage, settings.max_page_bytes)
        found = feed_links(Selector(body=body), source.homepage) if status == 200 else []
        feeds += [u for u in found if u not in feeds]
        report.findings.append(
            Finding(
                source.homepage,
                "homepage",
                status == 200,
                f"HTTP {status}, {len(found)} feed link(s)",
            )
        )
    except FetchError as exc:
        report.findings.append(Finding(source.homepage, "homepage", False, f"unreachable: {exc}"))
    report.findings += [_check_feed(fetcher, url) for url in feeds]
    report.findings += [_check_sitemap(fetcher, url) for url in sitemaps]
    return report


def check_sources(
    sources: Iterable[Source], settings: Settings, *, workers: int = 8
) -> list[SourceReport]:
    """Check several sources in parallel (one thread per source, at most ``workers``)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda source: check_source(source, settings), sources))
