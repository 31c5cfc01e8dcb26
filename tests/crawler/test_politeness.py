"""A source's ``crawl:`` override, as a site sees it: the spacing and the parallelism of the
requests that reach a local server (each answer takes a little while, so that parallel
requests overlap), for a crawl run as an operator runs it, the override in a sources file."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.crawler.crawling import run_crawl_process
from tests.crawler.outlets import FakeOutlet, sitemap_site

FAST_ARTICLES = 40
GENTLE_ARTICLES = 6
GENTLE_DELAY = 0.6


def _sources(tmp: Path, outlet: FakeOutlet, crawl: dict[str, Any]) -> Path:
    source = {
        "id": "politesse",
        "name": "Politesse",
        "country": "SN",
        "language": "fr",
        "homepage": outlet.url("/"),
        "sitemaps": [outlet.url("/sitemap.xml")],
        "crawl": crawl,
    }
    path = tmp / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    return path


def _article_arrivals(outlet: FakeOutlet) -> list[float]:
    return sorted(at for at, path in outlet.arrivals if path.startswith("/2025/"))


@pytest.fixture
def fast_site() -> Iterator[FakeOutlet]:
    outlet = sitemap_site("127.0.0.41", FAST_ARTICLES, slug="politesse", latency=0.3)
    yield outlet
    outlet.stop()


@pytest.fixture
def gentle_site() -> Iterator[FakeOutlet]:
    outlet = sitemap_site("127.0.0.42", GENTLE_ARTICLES, slug="politesse", latency=0.05)
    yield outlet
    outlet.stop()


def test_a_faster_override_sends_parallel_requests_without_spacing(
    fast_site: FakeOutlet, tmp_path: Path
) -> None:
    # The run's defaults stay polite (2 at a time, 0.25 s apart, AutoThrottle on): only the
    # source's own entry lifts them.
    sources = _sources(tmp_path, fast_site, {"concurrency": 16, "delay": 0, "autothrottle": False})
    summary = run_crawl_process(
        sources,
        f"sqlite:///{tmp_path}/fast.db",
        KIBARU_DOWNLOAD_DELAY="0.25",
        KIBARU_CONCURRENCY_PER_DOMAIN="2",
        KIBARU_AUTOTHROTTLE="true",
    )
    assert summary["_exit"] == 0, summary["_stderr"][-3000:]
    assert summary["articles"] == FAST_ARTICLES
    arrivals = _article_arrivals(fast_site)
    assert len(arrivals) == FAST_ARTICLES
    assert fast_site.max_in_flight >= 12, fast_site.max_in_flight
    # Without spacing: requests leave together, where the run's default delay would keep
    # every two at least 0.125 s apart (0.25 s, ±50%).
    bursts = sum(1 for a, b in pairwise(arrivals) if b - a < 0.05)
    assert bursts >= FAST_ARTICLES // 2, bursts


def test_a_gentler_override_sends_spaced_serial_requests(
    gentle_site: FakeOutlet, tmp_path: Path
) -> None:
    # The run's defaults are fast here (8 at a time, no delay, AutoThrottle on, which would
    # bring a delay down towards the site's latency): the source asks for one at a time,
    # GENTLE_DELAY apart, and gets it.
    sources = _sources(tmp_path, gentle_site, {"concurrency": 1, "delay": GENTLE_DELAY})
    summary = run_crawl_process(
        sources,
        f"sqlite:///{tmp_path}/gentle.db",
        KIBARU_DOWNLOAD_DELAY="0",
        KIBARU_CONCURRENCY_PER_DOMAIN="8",
        KIBARU_AUTOTHROTTLE="true",
    )
    assert summary["_exit"] == 0, summary["_stderr"][-3000:]
    assert summary["articles"] == GENTLE_ARTICLES
    assert gentle_site.max_in_flight == 1
    # Every request to the site (robots.txt and sitemap too) waits for the delay, which
    # varies by ±50% (Scrapy's jitter) so that requests do not come like clockwork.
    every = sorted(at for at, _ in gentle_site.arrivals)
    assert len(every) == GENTLE_ARTICLES + 2
    gaps = [b - a for a, b in pairwise(every)]
    assert min(gaps) >= GENTLE_DELAY * 0.5 * 0.95, gaps
    assert sum(gaps) / len(gaps) >= GENTLE_DELAY * 0.8, gaps
