"""Crawl rate: ``kibaru crawl`` against a bare Scrapy spider, same local 2,000-page site.

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/crawl_bench.py [--pages N] [--repeat N]

Both run as subprocesses, one after the other, against the same site (benchmarks/bench_site.py,
served from this process on a loopback address):

* ``kibaru crawl bench --sources FILE`` on the embedded default (a fresh SQLite file per run):
  sitemap discovery, fetch, every stage (clean, bylines, dedup) and store, in one process.
* a bare Scrapy ``SitemapSpider`` (this file with ``--bare-spider SITEMAP``, a
  ``CrawlerProcess``) that reads the same sitemap, fetches the same 2,000 URLs and only counts
  the responses.

Politeness is switched off alike for both, so that neither measures a delay: kibaru's source
has ``crawl: {concurrency: 8, delay: 0, autothrottle: false}`` in its sources file, as an
operator would set it (the run's own settings stay the polite defaults); the bare spider has
``CONCURRENT_REQUESTS_PER_DOMAIN=8``, ``DOWNLOAD_DELAY=0``, AutoThrottle off. Both obey
robots.txt and send kibaru's User-Agent. Pages/s is article pages over the wall-clock time of the
whole process (interpreter and import start-up included); peak memory is the process's maximum
resident set (``ru_maxrss`` from ``wait4``). With ``--repeat N`` each side runs N times
(alternating) and the median run is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_site import CONCURRENCY, DEFAULT_PAGES, SOURCE_ID, build_site, write_sources  # noqa: E402

KIBARU = str(Path(sys.executable).with_name("kibaru"))
SUMMARY = re.compile(
    r"(\d+) pages fetched, (\d+) articles stored \((\d+) duplicates\), (\d+) rejected, "
    r"(\d+) failed"
)


@dataclass
class Measure:
    """One subprocess run: what it did, how long it took, its peak memory."""

    name: str
    pages: int
    seconds: float
    peak_rss_mb: float
    detail: str = ""

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def run_measured(
    command: list[str], env: dict[str, str], *, timeout: float = 900
) -> tuple[float, float, str]:
    """Run ``command`` to completion: (wall seconds, peak RSS in MB, its output)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT,
            start_new_session=True,
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(process.pid, 9)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{text[-4000:]}")
    return seconds, usage.ru_maxrss / 1024, text


def kibaru_environment(**variables: str) -> dict[str, str]:
    """This environment without the caller's KIBARU_*, plus ``variables``.

    Politeness stays at its defaults here: the benchmark sources file lifts it for the
    benchmark site alone (``crawl:``), as an operator would.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")}
    env.update(KIBARU_LOG_LEVEL="WARNING", **variables)
    return env


def kibaru_crawl(
    sources_file: Path, env: dict[str, str], name: str, expected: int, *, all_articles: bool = True
) -> Measure:
    """``kibaru crawl bench --sources FILE`` as a subprocess; checks that ``expected`` pages
    were fetched and (``all_articles``) every one stored as an article; real pages include
    some that are not articles."""
    command = [KIBARU, "crawl", SOURCE_ID, "--sources", str(sources_file)]
    seconds, peak, output = run_measured(command, env)
    found = SUMMARY.search(re.sub(r"\s+", " ", output))
    if not found:
        raise RuntimeError(f"no summary in the crawl's output:\n{output[-3000:]}")
    fetched, stored, duplicates, rejected, failed = map(int, found.groups())
    if fetched != expected or (all_articles and stored != expected):
        raise RuntimeError(
            f"{name}: {fetched} fetched, {stored} stored, {expected} expected:\n{output[-3000:]}"
        )
    detail = f"{stored} stored, {duplicates} dup, {rejected} rejected, {failed} failed"
    return Measure(name, fetched, seconds, peak, detail)


def bare_crawl(sitemap_url: str, expected: int) -> Measure:
    """The bare spider (this file, ``--bare-spider``) as a subprocess."""
    command = [sys.executable, __file__, "--bare-spider", sitemap_url]
    seconds, peak, output = run_measured(command, kibaru_environment())
    counts = json.loads(output.strip().splitlines()[-1])
    if counts["pages"] != expected:
        raise RuntimeError(f"bare spider fetched {counts['pages']} pages, {expected} expected")
    return Measure("bare Scrapy spider", counts["pages"], seconds, peak, f"{counts['bytes']} bytes")


def bare_spider(sitemap_url: str) -> int:
    """Fetch every URL of the sitemap with plain Scrapy; print the counts as one JSON line."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiders import SitemapSpider

    from kibaru.settings import load_settings

    counts = {"pages": 0, "bytes": 0}

    class BareSpider(SitemapSpider):
        name = "bare"

        def parse(self, response: Any) -> None:
            if response.status == 200:
                counts["pages"] += 1
                counts["bytes"] += len(response.body)

    process = CrawlerProcess(
        {
            "USER_AGENT": load_settings().user_agent,
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "LOGSTATS_INTERVAL": 0,
        }
    )
    process.crawl(BareSpider, sitemap_urls=[sitemap_url])
    process.start()
    print(json.dumps(counts))
    return 0


def median_run(runs: list[Measure]) -> Measure:
    """The run of median duration."""
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


def table(rows: list[Measure]) -> str:
    lines = [
        "| | pages | seconds | pages/s | peak RSS | |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | {row.pages:,} | {row.seconds:.2f} | {row.rate:.0f} | "
            f"{row.peak_rss_mb:.0f} MB | {row.detail} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side (median kept)")
    parser.add_argument("--bare-spider", metavar="SITEMAP", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_spider:
        return bare_spider(args.bare_spider)

    site = build_site(args.pages)
    try:
        with tempfile.TemporaryDirectory(prefix="kibaru-crawl-bench-") as tmp:
            sources = write_sources(site, Path(tmp) / "sources.yaml")
            kibaru_runs, bare_runs = [], []
            for attempt in range(args.repeat):
                database = f"sqlite:///{tmp}/bench-{attempt}.db"
                env = kibaru_environment(KIBARU_DATABASE_URL=database)
                kibaru_runs.append(
                    kibaru_crawl(sources, env, "kibaru crawl (embedded)", args.pages)
                )
                bare_runs.append(bare_crawl(site.sitemap_url, args.pages))
                for run in (kibaru_runs[-1], bare_runs[-1]):
                    print(f"  run {attempt + 1}: {run.name}: {run.rate:.0f} pages/s", flush=True)
    finally:
        site.stop()

    kibaru, bare = median_run(kibaru_runs), median_run(bare_runs)
    print()
    print(
        f"{args.pages:,} pages, concurrency {CONCURRENCY}, delay 0, no AutoThrottle; "
        f"median of {args.repeat} run(s)"
    )
    print(table([kibaru, bare]))
    print()
    print(
        f"kibaru / bare Scrapy: {kibaru.rate / bare.rate:.2f}× the pages/s, "
        f"{kibaru.peak_rss_mb / bare.peak_rss_mb:.2f}× the peak memory"
    )
    if args.repeat > 1:
        spread = statistics.pstdev(run.rate for run in kibaru_runs)
        rates = [round(run.rate) for run in kibaru_runs]
        print(f"kibaru pages/s over the runs: {rates} (sd {spread:.0f})")
        print(f"bare pages/s over the runs: {[round(r.rate) for r in bare_runs]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
