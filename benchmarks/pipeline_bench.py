"""End-to-end rate: the embedded default, 1 worker, 2 workers; trafilatura alone as baseline.

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/pipeline_bench.py [--pages N]
        [--two-processes] [--no-backlog] [--rounds N]

One local 2,000-page site (benchmarks/bench_site.py, politeness off as in crawl_bench.py) and,
in the same run, one after the other:

* **embedded default** — ``kibaru crawl bench --sources FILE`` on a fresh SQLite file: fetch,
  clean, bylines, dedup and store in the one process.
* **1 worker** / **2 workers** — a fresh PostgreSQL database and an emptied Redis database
  (``redis://127.0.0.1:6379/13``, broker and dedup index) per configuration; the workers
  (``kibaru worker --queues process --concurrency 1``, then ``--concurrency 2``: one Celery
  worker with two prefork processes, the shape docker-compose deploys; ``--two-processes``
  adds two ``kibaru worker --concurrency 1`` processes) are started and ready first, then
  ``kibaru crawl bench --sources FILE`` runs with ``KIBARU_BROKER_URL`` set: it stores each raw
  page in PostgreSQL, queues its task, and returns once every page has been processed and
  stored. The time is that crawl's wall clock (its start-up included): fetch, all stages,
  store. The "fetching" column is the crawl's own rate in that run (first to last
  ``pages.fetched_at``), to tell a fetch-bound run from a processing-bound one.
* **queued backlog** (skip with ``--no-backlog``) — the same worker configurations, but the
  crawl first fetches and queues all 2,000 pages with no worker running; the workers start
  then, and their rate is pages over first to last ``pages.processed_at``: the workers alone,
  without the crawler, the HTTP server and PostgreSQL inserts of the crawl on the same 2 cores.
* **trafilatura alone** — ``trafilatura.bare_extraction(html, url=..., with_metadata=True)``
  over the same 2,000 pages (HTML already in memory, start-up not counted) in one process.
* **kibaru stages alone** — for the analysis: ``workers.extract.extract_record`` (clean and
  bylines, no dedup, no store) over the same pages in one process, timed the same way.

Peak memory is the maximum resident set: of the crawl process and each baseline process
(``wait4``), and of every worker process (``VmHWM`` in ``/proc``, read before it stops; the
prefork pool processes share their parent's pages copy-on-write, so these do not add up).
Targets (issue 7): 2 workers ≥ 1.6× one worker; 2 workers end to end ≥ 0.5× trafilatura alone.
This machine's speed drifts by a quarter within minutes, so ``--rounds N`` repeats
(1 worker, 2 workers, trafilatura alone) N-1 more times and reports the median of the
ratios, each measured within one round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_site import DEFAULT_PAGES, article_page, article_path, build_site, write_sources  # noqa: E402
from crawl_bench import Measure, kibaru_crawl, kibaru_environment, run_measured  # noqa: E402

from storage.db import open_store  # noqa: E402
from storage.models import Page  # noqa: E402
from tests.workers.processes import Worker  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_HOST = "postgresql+psycopg://postgres@127.0.0.1:5432"
BROKER = "redis://127.0.0.1:6379/13"  # tests use 9, 10, 11, 14, 15; dedup_bench.py 12


def fresh_redis() -> None:
    client = redis.Redis.from_url(BROKER)
    try:
        client.flushdb()
    finally:
        client.close()


def create_database() -> str:
    name = f"kibaru_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_HOST}/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def processes_of(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    found = [pid]
    for tid in Path(f"/proc/{pid}/task").iterdir():
        children = (tid / "children").read_text().split()
        for child in children:
            found.extend(processes_of(int(child)))
    return found


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Spans:
    """From the pages table: how long fetching, processing and the whole run took."""

    fetching: float  # first page fetched → last page fetched
    processing: float  # first page processed → last page processed
    busy: float  # first page fetched → last page processed


def spans(database_url: str) -> Spans:
    store = open_store(database_url)
    try:
        with store.session() as session:
            f0, f1, p0, p1 = session.execute(
                select(
                    func.min(Page.fetched_at), func.max(Page.fetched_at),
                    func.min(Page.processed_at), func.max(Page.processed_at),
                )
            ).one()
        if f0 is None or f1 is None or p0 is None or p1 is None:
            raise RuntimeError("no page was fetched or processed")
        return Spans(
            (f1 - f0).total_seconds(), (p1 - p0).total_seconds(), (p1 - f0).total_seconds()
        )
    finally:
        store.dispose()


def queued(database_url: str) -> int:
    """Pages stored by the crawl so far (each is queued right after it is stored)."""
    store = open_store(database_url)
    try:
        with store.session() as session:
            return int(session.scalar(select(func.count(Page.id))) or 0)
    finally:
        store.dispose()


@dataclass
class WorkerRun:
    measure: Measure
    spans: Spans
    worker_memory: list[tuple[str, float]]  # (process, peak RSS MB)


def broker_run(
    sources: Path,
    tmp: Path,
    concurrencies: list[int],
    pages: int,
    label: str,
    *,
    backlog: bool,
    batch: int | None = None,
) -> WorkerRun:
    """A broker-mode crawl with workers of ``concurrencies`` (one ``kibaru worker`` each).

    Without ``backlog`` the workers are ready before the timed crawl starts (end to end). With
    it, the crawl first fetches and queues every page with no worker running; the workers are
    started then, and their rate is read from the pages' processing times.
    """
    database = create_database()
    fresh_redis()
    env = kibaru_environment(KIBARU_DATABASE_URL=database, KIBARU_BROKER_URL=BROKER)
    if batch is not None:
        env["KIBARU_PROCESS_BATCH"] = str(batch)
    workers: list[Worker] = []
    crawl: list[Measure] = []

    def start_workers() -> None:
        for index, concurrency in enumerate(concurrencies):
            log = tmp / f"{label.replace(' ', '-')}-{backlog}-w{index}.log"
            workers.append(Worker(env, log, concurrency=concurrency, name=f"bench{index}"))
        for worker in workers:
            worker.wait_ready(120)

    try:
        if backlog:
            thread = threading.Thread(
                target=lambda: crawl.append(kibaru_crawl(sources, env, label, pages)), daemon=True
            )
            thread.start()
            deadline = time.monotonic() + 600
            while queued(database) < pages and thread.is_alive():
                if time.monotonic() > deadline:
                    raise RuntimeError("the crawl did not queue every page within 600 s")
                time.sleep(0.5)
            time.sleep(1.0)  # the last page's task is sent right after its row is stored
            start_workers()
            thread.join(900)
            if not crawl:
                raise RuntimeError(f"{label}: the backlog crawl failed (see its output)")
        else:
            start_workers()
            crawl.append(kibaru_crawl(sources, env, label, pages))
        memory = []
        for index, worker in enumerate(workers):
            for number, pid in enumerate(processes_of(worker.process.pid)):
                role = "main" if number == 0 else f"pool {number}"
                memory.append((f"worker {index + 1} {role}", peak_rss_mb(pid)))
        timeline = spans(database)
    finally:
        for worker in workers:
            worker.stop()
        drop_database(database)
        fresh_redis()
    return WorkerRun(crawl[0], timeline, memory)


def extract_alone(kind: str, pages: int) -> int:
    """In this process: build the pages, then time ``kind`` over them; print one JSON line."""
    base = "http://127.0.0.90"
    documents = [(base + article_path(n), article_page(n, pages)) for n in range(pages)]
    if kind == "trafilatura":
        from trafilatura import bare_extraction

        started = time.perf_counter()
        texts = 0
        for url, html in documents:
            document = bare_extraction(html, url=url, with_metadata=True)
            texts += bool(getattr(document, "text", None))
    else:
        from workers.extract import extract_record
        from workers.stages.page import FetchedPage

        headers = {"Content-Type": "text/html; charset=utf-8"}
        started = time.perf_counter()
        texts = 0
        for url, html in documents:
            page = FetchedPage(url=url, source="bench", body=html.encode(), headers=headers)
            texts += bool(extract_record(page, None)["text"])
    print(json.dumps({"pages": pages, "texts": texts, "seconds": time.perf_counter() - started}))
    return 0


def extract_run(kind: str, name: str, pages: int) -> Measure:
    command = [sys.executable, __file__, "--extract-alone", kind, "--pages", str(pages)]
    _, peak, output = run_measured(command, kibaru_environment())
    result = json.loads(output.strip().splitlines()[-1])
    if result["texts"] != pages:
        raise RuntimeError(f"{name}: text for {result['texts']} of {pages} pages")
    return Measure(name, pages, result["seconds"], peak, "extraction only, no start-up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    parser.add_argument(
        "--two-processes", action="store_true",
        help="also measure two `kibaru worker --concurrency 1` processes",
    )
    parser.add_argument(
        "--no-backlog", action="store_true", help="skip the queued-backlog worker runs"
    )
    parser.add_argument(
        "--rounds", type=int, default=1,
        help="rounds of (1 worker, 2 workers, trafilatura alone) for the target ratios; "
        "the first is the full run, the median ratio over the rounds is reported",
    )
    parser.add_argument(
        "--per-page-baseline", action="store_true",
        help="also measure 2 workers with one task per page (KIBARU_PROCESS_BATCH=1)",
    )
    parser.add_argument(
        "--extract-alone", choices=["trafilatura", "kibaru"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.extract_alone:
        return extract_alone(args.extract_alone, args.pages)

    configurations = [("1 worker (concurrency 1)", [1]), ("2 workers (concurrency 2)", [2])]
    if args.two_processes:
        configurations.append(("2 worker processes (2 × concurrency 1)", [1, 1]))
    site = build_site(args.pages)
    runs: dict[str, WorkerRun] = {}
    backlogs: dict[str, WorkerRun] = {}
    extra_rounds: list[tuple[float, float, float]] = []  # (1 worker, 2 workers, trafilatura)
    try:
        with tempfile.TemporaryDirectory(prefix="kibaru-pipeline-bench-") as tmp_name:
            tmp = Path(tmp_name)
            sources = write_sources(site, tmp / "sources.yaml")
            env = kibaru_environment(KIBARU_DATABASE_URL=f"sqlite:///{tmp}/embedded.db")
            embedded = kibaru_crawl(sources, env, "embedded default (SQLite)", args.pages)
            print(f"  {embedded.name}: {embedded.rate:.0f} pages/s", flush=True)
            for label, concurrencies in configurations:
                run = broker_run(sources, tmp, concurrencies, args.pages, label, backlog=False)
                runs[label] = run
                print(f"  {label}: {run.measure.rate:.0f} pages/s end to end", flush=True)
            if args.per_page_baseline:
                label = "2 workers (concurrency 2), one task per page"
                run = broker_run(sources, tmp, [2], args.pages, label, backlog=False, batch=1)
                runs[label] = run
                print(f"  {label}: {run.measure.rate:.0f} pages/s end to end", flush=True)
            for label, concurrencies in [] if args.no_backlog else configurations:
                run = broker_run(sources, tmp, concurrencies, args.pages, label, backlog=True)
                backlogs[label] = run
                rate = args.pages / run.spans.processing
                print(f"  {label}: {rate:.0f} pages/s on a queued backlog", flush=True)
            trafilatura = extract_run("trafilatura", "trafilatura alone (1 process)", args.pages)
            for number in range(2, args.rounds + 1):
                rates = [
                    broker_run(sources, tmp, workers, args.pages, label, backlog=False).measure.rate
                    for label, workers in configurations[:2]
                ]
                alone = extract_run("trafilatura", "trafilatura alone", args.pages).rate
                extra_rounds.append((rates[0], rates[1], alone))
                print(f"  round {number}: {rates[0]:.0f} / {rates[1]:.0f} / {alone:.0f} pages/s "
                      "(1 worker / 2 workers / trafilatura alone)", flush=True)
    finally:
        site.stop()
    stages = extract_run("kibaru", "kibaru clean + bylines alone (1 process)", args.pages)
    n = args.pages

    print()
    print(f"{n:,} pages (8–12 KB), concurrency 8, delay 0, no AutoThrottle")
    print()
    print("| end to end | pages/s | seconds | fetching (pages/s) | peak RSS, crawl process |")
    print("|---|---|---|---|---|")
    print(
        f"| {embedded.name} | {embedded.rate:.0f} | {embedded.seconds:.2f} | – | "
        f"{embedded.peak_rss_mb:.0f} MB |"
    )
    for label, run in runs.items():
        print(
            f"| {label} | {run.measure.rate:.0f} | {run.measure.seconds:.2f} | "
            f"{n / run.spans.fetching:.0f} | {run.measure.peak_rss_mb:.0f} MB |"
        )
    for alone in (trafilatura, stages):
        print(
            f"| {alone.name} | {alone.rate:.0f} | {alone.seconds:.2f} | – | "
            f"{alone.peak_rss_mb:.0f} MB |"
        )
    if backlogs:
        print()
        print("| queued backlog (workers started after the crawl queued every page) | pages/s |")
        print("|---|---|")
        for label, run in backlogs.items():
            print(f"| {label} | {n / run.spans.processing:.0f} |")
    print()
    print("| worker process (end-to-end runs) | peak RSS |")
    print("|---|---|")
    for label, run in runs.items():
        for process, peak in run.worker_memory:
            print(f"| {label}: {process} | {peak:.0f} MB |")
    ok = {True: "met", False: "MISSED"}
    one = runs[configurations[0][0]].measure.rate
    two = runs[configurations[1][0]].measure.rate
    print()
    print(
        f"2 workers / 1 worker, end to end: {two / one:.2f}× "
        f"(target ≥ 1.6×: {ok[two / one >= 1.6]})"
    )
    if backlogs:
        one_b = n / backlogs[configurations[0][0]].spans.processing
        two_b = n / backlogs[configurations[1][0]].spans.processing
        print(f"2 workers / 1 worker, queued backlog: {two_b / one_b:.2f}×")
    print(
        f"2 workers end to end / trafilatura alone: {two / trafilatura.rate:.2f}× "
        f"(target ≥ 0.5×: {ok[two / trafilatura.rate >= 0.5]})"
    )
    print(f"embedded / trafilatura alone: {embedded.rate / trafilatura.rate:.2f}×")
    if extra_rounds:
        rounds = [(one, two, trafilatura.rate), *extra_rounds]
        scaling = [b / a for a, b, _ in rounds]
        versus = [b / t for _, b, t in rounds]
        print(
            f"over {len(rounds)} rounds, median 2 workers / 1 worker: "
            f"{statistics.median(scaling):.2f}× ({', '.join(f'{x:.2f}' for x in scaling)}); "
            f"median 2 workers / trafilatura: {statistics.median(versus):.2f}× "
            f"({', '.join(f'{x:.2f}' for x in versus)})"
        )
    print(
        f"kibaru clean + bylines alone / trafilatura alone: {stages.rate / trafilatura.rate:.2f}×"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
