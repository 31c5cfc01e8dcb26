"""Every real page ends in a final state: the broker mode over the real-page site.

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/real_site_outcomes.py \
        [--workers 2] [--pages N] [--timeout 900]

The real-page site of benchmarks/bench_site.py (the pages of ../shared/extsuites/, served on
loopback with a sitemap), crawled in the broker mode as an operator runs it: a redis-server of
this script's own on a free port (broker, locks, dedup index), a fresh PostgreSQL database,
``kibaru worker --concurrency N`` ready first, then ``kibaru crawl``, which must return on its
own. Prints the crawl's exit code and wall time, the pages by final state, the failed pages by
reason (bugs, ``bug:…``, apart), and how many stayed ``pending``: a page left pending with no
task anywhere is a lost page. Exits 1 when any page is pending or the crawl did not end.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_site import SOURCE_ID, build_real_site, write_sources  # noqa: E402
from crawl_bench import KIBARU, kibaru_environment  # noqa: E402
from pipeline_bench import create_database, drop_database  # noqa: E402

from storage.db import open_store  # noqa: E402
from storage.models import FailedPage, Page  # noqa: E402
from tests.services import RedisServer, free_port  # noqa: E402
from tests.workers.processes import Worker  # noqa: E402


def outcomes(database_url: str) -> tuple[Counter[str], Counter[str]]:
    """Pages by state, and unresolved failures by reason."""
    store = open_store(database_url)
    try:
        with store.session() as session:
            states = Counter(
                {state: int(n) for state, n in session.execute(
                    select(Page.state, func.count()).group_by(Page.state)
                )}
            )
            reasons = Counter(
                {reason: int(n) for reason, n in session.execute(
                    select(FailedPage.reason, func.count())
                    .where(FailedPage.resolved.is_(False))
                    .group_by(FailedPage.reason)
                )}
            )
        return states, reasons
    finally:
        store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="pool processes of the worker")
    parser.add_argument("--pages", type=int, help="default: every page of the suites")
    parser.add_argument("--timeout", type=float, default=900, help="seconds the crawl may take")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kibaru-outcomes-"))
    site = build_real_site(args.pages)
    redis_server = RedisServer(free_port(), tmp).start()
    database = create_database()
    worker: Worker | None = None
    try:
        sources = write_sources(site, tmp / "sources.yaml")
        env = kibaru_environment(
            KIBARU_DATABASE_URL=database,
            KIBARU_BROKER_URL=redis_server.url,
            KIBARU_BUILTIN_SOURCES="false",
        )
        worker = Worker(env, tmp / "worker.log", concurrency=args.workers, name="outcomes")
        worker.wait_ready(120)
        started = time.perf_counter()
        try:
            crawl = subprocess.run(
                [KIBARU, "crawl", SOURCE_ID, "--sources", str(sources)], env=env, cwd=ROOT,
                capture_output=True, text=True, timeout=args.timeout,
            )
            exit_code: int | str = crawl.returncode
            lines = (crawl.stdout + crawl.stderr).splitlines()
            summary = next((line.strip() for line in lines if "pages fetched" in line), "")
        except subprocess.TimeoutExpired:
            exit_code, summary = "did not end", ""
        seconds = time.perf_counter() - started
        states, reasons = outcomes(database)
        pending = states.get("pending", 0)
        bugs = sum(n for reason, n in reasons.items() if reason.startswith("bug:"))
        print(f"pages served: {len(site.article_urls)}; worker concurrency {args.workers}")
        print(f"crawl: exit {exit_code}, {seconds:.1f} s; {summary}")
        print("| state | pages |\n|---|---|")
        for state, count in sorted(states.items()):
            print(f"| {state} | {count} |")
        print(f"| **total** | {sum(states.values())} |")
        print("\n| failure reason | pages |\n|---|---|")
        for reason, count in reasons.most_common():
            print(f"| {reason} | {count} |")
        print(f"\npending: {pending}; bugs: {bugs}")
        if bugs:
            print("bugs: see the worker log, " + str(tmp / "worker.log"))
        return 0 if pending == 0 and exit_code != "did not end" else 1
    finally:
        if worker is not None:
            worker.stop()
        drop_database(database)
        redis_server.stop()
        site.stop()


if __name__ == "__main__":
    raise SystemExit(main())
