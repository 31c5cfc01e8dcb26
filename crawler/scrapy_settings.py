"""Scrapy settings for a run, from kibaru's settings and the sources' politeness overrides."""

from __future__ import annotations

from typing import Any

from crawler.compressed import ORDER as COMPRESSED_ORDER
from crawler.context import SourceScope
from crawler.registry import Source
from crawler.throttle import DEFAULT_SETTING, SCRAPY_AUTOTHROTTLE
from kibaru.settings import Settings

# Our retry middleware replaces Scrapy's (same slot in the chain); the guard runs before the
# robots.txt middleware (100) so that a refused host is never contacted at all; the response
# counter sits next to the downloader, where it still sees 3xx responses; compressed answers
# reach Scrapy's decompression as plain responses (crawler/compressed.py says why).
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SourceGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.PoliteRetryMiddleware": 550,
    "crawler.compressed.CompressedAsPlainMiddleware": COMPRESSED_ORDER,
    "crawler.middlewares.ResponseCounterMiddleware": 950,
}


def download_slots(sources: list[Source], settings: Settings) -> dict[str, dict[str, Any]]:
    """Per-host politeness of the sources that override it (``crawl:`` in a sources file).

    Every host of such a source gets its concurrency, its delay (also the floor AutoThrottle
    keeps to, see :mod:`crawler.throttle`) and whether AutoThrottle adjusts it; fields the
    source leaves unset take the run's settings. A host shared by two sources takes the
    later one's entry.
    """
    slots: dict[str, dict[str, Any]] = {}
    for source in sources:
        policy = source.crawl
        if policy.concurrency is None and policy.delay is None and policy.autothrottle is None:
            continue
        delay = settings.download_delay if policy.delay is None else policy.delay
        slot = {
            "concurrency": policy.concurrency or settings.concurrency_per_domain,
            "delay": delay,
            # Scrapy varies a delay by ±50% so that requests do not come like clockwork.
            "jitter": 0.5 if delay > 0 else 0.0,
            "autothrottle": (
                settings.autothrottle if policy.autothrottle is None else policy.autothrottle
            ),
        }
        for host in SourceScope.of(source).domains:
            slots[host] = slot
    return slots


def scrapy_settings(settings: Settings, sources: list[Source]) -> dict[str, Any]:
    """The Scrapy settings dict: polite by default (robots.txt, AutoThrottle, 2 requests per
    domain, identifying User-Agent, retries with backoff), size caps from the settings."""
    scrapy_log_level = "DEBUG" if settings.log_level.upper() == "DEBUG" else "WARNING"
    per_domain = settings.concurrency_per_domain
    slots = download_slots(sources, settings)
    per_source = [source.crawl.concurrency or per_domain for source in sources]
    throttled = settings.autothrottle or any(slot["autothrottle"] for slot in slots.values())
    return {
        "BOT_NAME": "kibaru",
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": settings.obey_robots,
        "CONCURRENT_REQUESTS": max(16, min(256, 2 * sum(per_source))),
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_domain,
        "DOWNLOAD_DELAY": settings.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.5 if settings.download_delay > 0 else 0,
        "DOWNLOAD_SLOTS": slots,
        # Scrapy's AutoThrottle is one policy for every site; ours keeps each source's own.
        "EXTENSIONS": {SCRAPY_AUTOTHROTTLE: None, "crawler.throttle.SourceAutoThrottle": 0},
        "AUTOTHROTTLE_ENABLED": throttled,
        DEFAULT_SETTING: settings.autothrottle,
        "AUTOTHROTTLE_START_DELAY": settings.download_delay,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(per_domain),
        "DOWNLOAD_MAXSIZE": settings.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        # Connect to the addresses the source guard checked, not to a second DNS answer.
        "DNS_RESOLVER": "crawler.resolver.CheckedResolver",
        "DOWNLOAD_TIMEOUT": settings.fetch_timeout,  # the whole download, not each read
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "RETRY_BACKOFF_BASE": 0.5,
        "RETRY_AFTER_MAX": 120.0,
        "REDIRECT_MAX_TIMES": 5,
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
        "ITEM_PIPELINES": {"crawler.pipeline.IngestPipeline": 300},
        # A response yields a page and a few links: Scrapy's default of 100 parallel item
        # handlers per response only starts 100 asyncio tasks for each page.
        "CONCURRENT_ITEMS": 4,
        # The bound of the hand-off to the ingestor's consumer thread (crawler.pipeline): a
        # response is held until its page is handed on, and no new download starts while the
        # held responses pass this many bytes (Scrapy's default, stated because memory
        # depends on it: some 50 pages of 100 KB wait at most).
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 5_000_000,
        # Many hosts at once: schedule so that one slow site does not starve the others.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": scrapy_log_level,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "LOGSTATS_INTERVAL": 0,
    }
