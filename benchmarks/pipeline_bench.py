"""End-to-end rate on real and synthetic pages: embedded, 1 and 2 workers, backlogs, baselines.

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/pipeline_bench.py [--rounds N]
        [--site real|synthetic|both] [--pages N] [--synthetic-pages N] [--no-backlog]
        [--memory-growth]

Two local sites (benchmarks/bench_site.py): the **real-page site** (the ~840 pages of the
shared external suites, 50–300 KB, served gzipped under their own paths, with a sitemap and a
robots.txt) and the **synthetic site** (2,000 generated 8–12 KB pages, where fixed costs show).
Politeness is lifted through the sources file only (``crawl: {concurrency: 8, delay: 0,
autothrottle: false}``), as an operator would; the run's settings stay the defaults. For each
site, in one run, one after the other:

* **embedded default** — ``kibaru crawl bench --sources FILE`` on a fresh SQLite file: fetch,
  clean, bylines, dedup and store in the one process.
* **1 worker** / **2 workers** end to end — a fresh PostgreSQL database and an emptied Redis
  database (of a redis-server the benchmark starts itself: broker and dedup index) per run;
  the worker
  (``kibaru worker --queues process --concurrency 1``, then ``--concurrency 2``: one Celery
  worker with two prefork processes, the shape docker-compose deploys) is ready first, its
  pool processes warmed up (``workers.warmup``: a worker's start-up, not a page's), then
  ``kibaru crawl`` with ``KIBARU_BROKER_URL`` set returns once every page is processed and
  stored; the time is that crawl's wall clock (start-up included).
* **queued backlog** (skip with ``--no-backlog``) — the crawl first fetches and queues every
  page with no worker running; the workers start then, and their rate is pages over first to
  last ``pages.processed_at``: the workers alone.
* **kibaru extract --manifest** — the same pages (decompressed, as files) through
  ``kibaru extract --manifest FILE`` as one process, its wall clock (start-up included).
* **trafilatura alone** — ``trafilatura.bare_extraction(html, url=..., with_metadata=True)``
  over the same pages in one process (pages read into memory first, start-up not counted).
* **kibaru stages alone** (first round only) — ``workers.extract.extract_record`` over the
  same pages in one process, timed like trafilatura.

CPU per page by process is sampled (benchmarks/cpu_share.py) over the first round's 2-worker
end-to-end run. Peak memory is the maximum resident set: of the crawl process and each baseline
process (``wait4``), and of every worker process (``VmHWM`` in ``/proc``, read before it stops;
prefork pool processes share their parent's pages copy-on-write, so these do not add up).

``--rounds N`` repeats the runs the targets compare (embedded, extract --manifest, 2 workers
end to end, both backlogs, trafilatura alone) N times and reports the median of each ratio
measured within one round (this machine's speed drifts by a quarter within minutes). Targets
(real-page site): 2 workers end to end ≥ 1.0× trafilatura alone; backlog 2 workers ≥ 1.7× 1
worker; embedded ≥ 0.8× extract --manifest; peak RSS ≤ 350 MB per pool process.
``--memory-growth`` adds the embedded crawl's peak RSS at 500 and at 2,000 real pages.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_site import (  # noqa: E402
    CONCURRENCY,
    BenchSite,
    build_real_site,
    build_site,
    write_sources,
)
from cpu_share import CpuSampler, cpu_table  # noqa: E402
from crawl_bench import (  # noqa: E402
    KIBARU,
    Measure,
    kibaru_crawl,
    kibaru_environment,
    run_measured,
)

from storage.db import open_store  # noqa: E402
from storage.models import Page  # noqa: E402
from tests.services import suite_redis_url  # noqa: E402
from tests.workers.processes import Worker  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_HOST = "postgresql+psycopg://postgres@127.0.0.1:5432"
def broker_url() -> str:
    """The broker of every run: a redis-server of this benchmark's own (started on first use,
    stopped at exit), never the machine's Redis, which an operator's stack may be using."""
    return suite_redis_url(0)


def fresh_redis() -> None:
    client = redis.Redis.from_url(broker_url())
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
                    func.min(Page.fetched_at),
                    func.max(Page.fetched_at),
                    func.min(Page.processed_at),
                    func.max(Page.processed_at),
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
    all_articles: bool = True,
) -> WorkerRun:
    """A broker-mode crawl with workers of ``concurrencies`` (one ``kibaru worker`` each).

    Without ``backlog`` the workers are ready, their pool processes warmed up, before the timed
    crawl starts (end to end). With it, the crawl first fetches and queues every page with no
    worker running; the workers are started then, and their rate is read from the pages'
    processing times.
    """
    database = create_database()
    fresh_redis()
    env = kibaru_environment(KIBARU_DATABASE_URL=database, KIBARU_BROKER_URL=broker_url())
    if batch is not None:
        env["KIBARU_PROCESS_BATCH"] = str(batch)
    workers: list[Worker] = []
    crawl: list[Measure] = []

    def start_workers() -> None:
        for index, concurrency in enumerate(concurrencies):
            log = tmp / f"{label.replace(' ', '-')}-{backlog}-w{index}.log"
            workers.append(Worker(env, log, concurrency=concurrency, name=f"bench{index}"))
        for worker in workers:
            worker.wait_warm(120)

    try:
        if backlog:
            thread = threading.Thread(
                target=lambda: crawl.append(
                    kibaru_crawl(sources, env, label, pages, all_articles=all_articles)
                ),
                daemon=True,
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
            crawl.append(kibaru_crawl(sources, env, label, pages, all_articles=all_articles))
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


def load_manifest(manifest: Path) -> list[tuple[str, bytes]]:
    """(url, page bytes) of every line of a manifest written by BenchSite.write_manifest."""
    documents = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        documents.append((item["url"], Path(item["path"]).read_bytes()))
    return documents


def extract_alone(kind: str, manifest: Path) -> int:
    """In this process: read the pages, then time ``kind`` over them; print one JSON line."""
    documents = load_manifest(manifest)
    texts = 0
    if kind == "trafilatura":
        from trafilatura import bare_extraction

        started = time.perf_counter()
        for url, html in documents:
            document = bare_extraction(html, url=url, with_metadata=True)
            texts += bool(getattr(document, "text", None))
    else:
        from workers.extract import extract_record
        from workers.stages.errors import StageError
        from workers.stages.page import FetchedPage

        started = time.perf_counter()
        for url, html in documents:
            page = FetchedPage(url=url, source="bench", body=html, headers={})
            with suppress(StageError):  # not an article: refused, as the pipeline would
                texts += bool(extract_record(page, None).text)
    seconds = time.perf_counter() - started
    print(json.dumps({"pages": len(documents), "texts": texts, "seconds": seconds}))
    return 0


def extract_run(kind: str, name: str, manifest: Path) -> Measure:
    command = [sys.executable, __file__, "--extract-alone", kind, "--manifest", str(manifest)]
    _, peak, output = run_measured(command, kibaru_environment())
    result = json.loads(output.strip().splitlines()[-1])
    detail = f"text for {result['texts']} pages; extraction only, no start-up"
    return Measure(name, result["pages"], result["seconds"], peak, detail)


def manifest_run(manifest: Path, sources: Path, pages: int) -> Measure:
    """``kibaru extract --manifest FILE`` as one process, its whole wall clock."""
    command = [KIBARU, "extract", "--manifest", str(manifest), "--sources", str(sources)]
    seconds, peak, output = run_measured(command, kibaru_environment())
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    if len(records) != pages:
        raise RuntimeError(f"kibaru extract --manifest: {len(records)} records, {pages} pages")
    refused = sum(1 for record in records if "error" in record)
    detail = f"{pages - refused} records, {refused} refused; start-up included"
    return Measure("kibaru extract --manifest (1 process)", pages, seconds, peak, detail)


@dataclass
class Round:
    """The runs a round compares, as pages/s."""

    embedded: float
    manifest: float
    two_workers: float
    backlog_one: float
    backlog_two: float
    trafilatura: float

    def ratios(self) -> dict[str, float]:
        return {
            "2 workers e2e / trafilatura alone": self.two_workers / self.trafilatura,
            # No backlog runs (--no-backlog): no ratio (nan), rather than a division by zero.
            "backlog 2 workers / 1 worker": (
                self.backlog_two / self.backlog_one if self.backlog_one else math.nan
            ),
            "embedded / extract --manifest": self.embedded / self.manifest,
        }


TARGETS = {
    "2 workers e2e / trafilatura alone": 1.0,
    "backlog 2 workers / 1 worker": 1.7,
    "embedded / extract --manifest": 0.8,
}
POOL_RSS_TARGET_MB = 350


@dataclass
class SiteResult:
    """Everything measured on one site."""

    title: str
    pages: int
    end_to_end: list[Measure] = field(default_factory=list)
    fetching: dict[str, float] = field(default_factory=dict)
    alone: list[Measure] = field(default_factory=list)
    backlogs: dict[str, float] = field(default_factory=dict)
    worker_memory: list[tuple[str, float]] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    cpu: list[str] = field(default_factory=list)


def measure_site(
    site: BenchSite, title: str, rounds: int, *, backlog: bool, real: bool
) -> SiteResult:
    """Every configuration on ``site``; ``rounds`` of the compared ones."""
    n = len(site.article_urls)
    result = SiteResult(title, n)
    say: Callable[[str], None] = lambda line: print(f"  [{title}] {line}", flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="kibaru-pipeline-bench-") as tmp_name:
        tmp = Path(tmp_name)
        sources = write_sources(site, tmp / "sources.yaml")
        manifest = site.write_manifest(tmp / "pages")

        def broker(label: str, workers: list[int], queued: bool) -> WorkerRun:
            return broker_run(
                sources, tmp, workers, n, label, backlog=queued, all_articles=not real
            )

        for number in range(1, rounds + 1):
            db = f"sqlite:///{tmp}/embedded-{number}.db"
            embedded = kibaru_crawl(
                sources,
                kibaru_environment(KIBARU_DATABASE_URL=db),
                "embedded default (SQLite)",
                n,
                all_articles=not real,
            )
            say(f"round {number}: embedded {embedded.rate:.1f} pages/s")
            extract = manifest_run(manifest, sources, n)
            say(f"round {number}: extract --manifest {extract.rate:.1f} pages/s")
            if number == 1:
                one = broker("1 worker (concurrency 1)", [1], False)
                result.end_to_end += [embedded, one.measure]
                result.fetching[one.measure.name] = n / one.spans.fetching
                result.worker_memory += [(f"1 worker: {p}", m) for p, m in one.worker_memory]
                say(f"1 worker e2e {one.measure.rate:.1f} pages/s")
                with CpuSampler() as sampler:
                    two = broker("2 workers (concurrency 2)", [2], False)
                result.cpu = cpu_table(sampler.shares(), n)
            else:
                two = broker("2 workers (concurrency 2)", [2], False)
            say(f"round {number}: 2 workers e2e {two.measure.rate:.1f} pages/s")
            if number == 1:
                result.end_to_end.append(two.measure)
                result.fetching[two.measure.name] = n / two.spans.fetching
                result.worker_memory += [(f"2 workers: {p}", m) for p, m in two.worker_memory]
            backlog_rates = [0.0, 0.0]
            if backlog:
                for index, workers in enumerate(([1], [2])):
                    run = broker(f"backlog {workers[0]}", workers, True)
                    backlog_rates[index] = n / run.spans.processing
                    result.worker_memory += [
                        (f"backlog, {workers[0]} worker(s): {p}", m) for p, m in run.worker_memory
                    ]
                say(f"round {number}: backlog {backlog_rates[0]:.1f} / {backlog_rates[1]:.1f}")
            trafilatura = extract_run("trafilatura", "trafilatura alone (1 process)", manifest)
            say(f"round {number}: trafilatura alone {trafilatura.rate:.1f} pages/s")
            if number == 1:
                result.alone += [extract, trafilatura]
                result.alone.append(
                    extract_run("kibaru", "kibaru clean + bylines alone (1 process)", manifest)
                )
                if backlog:
                    result.backlogs = {
                        "1 worker (concurrency 1)": backlog_rates[0],
                        "2 workers (concurrency 2)": backlog_rates[1],
                    }
            result.rounds.append(
                Round(
                    embedded.rate, extract.rate, two.measure.rate, *backlog_rates, trafilatura.rate
                )
            )
    return result


def memory_growth(sizes: list[int]) -> list[Measure]:
    """The embedded crawl over the real-page site at each size (pages repeated past the
    suites' count): its peak RSS as the site grows."""
    found = []
    for size in sizes:
        site = build_real_site(size)
        try:
            with tempfile.TemporaryDirectory(prefix="kibaru-memory-growth-") as tmp_name:
                tmp = Path(tmp_name)
                sources = write_sources(site, tmp / "sources.yaml")
                env = kibaru_environment(KIBARU_DATABASE_URL=f"sqlite:///{tmp}/growth.db")
                run = kibaru_crawl(
                    sources, env, f"embedded, {size:,} real pages", size, all_articles=False
                )
                found.append(run)
                print(f"  {run.name}: peak RSS {run.peak_rss_mb:.0f} MB", flush=True)
        finally:
            site.stop()
    return found


def report(result: SiteResult, backlog: bool) -> None:
    n = result.pages
    print()
    print(
        f"### {result.title}: {n:,} pages, concurrency {CONCURRENCY}, delay 0, no AutoThrottle "
        "(through the sources file)"
    )
    print()
    print("| end to end (round 1) | pages/s | seconds | crawl's fetch rate | peak RSS, crawl | |")
    print("|---|---|---|---|---|---|")
    for run in result.end_to_end:
        fetch = result.fetching.get(run.name)
        fetch_text = f"{fetch:.0f}" if fetch else "–"
        print(
            f"| {run.name} | {run.rate:.1f} | {run.seconds:.2f} | {fetch_text} | "
            f"{run.peak_rss_mb:.0f} MB | {run.detail} |"
        )
    for run in result.alone:
        print(
            f"| {run.name} | {run.rate:.1f} | {run.seconds:.2f} | – | "
            f"{run.peak_rss_mb:.0f} MB | {run.detail} |"
        )
    if backlog and result.backlogs:
        print()
        print("| queued backlog (workers started after the crawl queued every page) | pages/s |")
        print("|---|---|")
        for label, rate in result.backlogs.items():
            print(f"| {label} | {rate:.1f} |")
    print()
    print("| worker process | peak RSS |")
    print("|---|---|")
    for process, peak in result.worker_memory:
        print(f"| {process} | {peak:.0f} MB |")
    print()
    print("CPU per page by process, round 1's 2-worker end-to-end run:")
    print()
    print("\n".join(result.cpu))
    print()
    names = list(TARGETS)
    print(
        "| round | embedded | extract --manifest | 2 workers e2e | backlog 1 | backlog 2 | "
        "trafilatura | " + " | ".join(names) + " |"
    )
    print("|---" * (7 + len(names)) + "|")
    for number, one in enumerate(result.rounds, start=1):
        ratios = one.ratios()
        print(
            f"| {number} | {one.embedded:.1f} | {one.manifest:.1f} | {one.two_workers:.1f} | "
            f"{one.backlog_one:.1f} | {one.backlog_two:.1f} | {one.trafilatura:.1f} | "
            + " | ".join(f"{ratios[name]:.2f}×" for name in names)
            + " |"
        )
    ok = {True: "met", False: "MISSED"}
    print()
    for name, target in TARGETS.items():
        if name.startswith("backlog") and not backlog:
            continue
        median = statistics.median(one.ratios()[name] for one in result.rounds)
        print(
            f"- {name}: median {median:.2f}× over {len(result.rounds)} round(s) "
            f"(target ≥ {target}×: {ok[median >= target]})"
        )
    pools = [peak for process, peak in result.worker_memory if "pool" in process]
    if pools:
        worst = max(pools)
        print(
            f"- peak RSS per pool process: at most {worst:.0f} MB "
            f"(target ≤ {POOL_RSS_TARGET_MB} MB: {ok[worst <= POOL_RSS_TARGET_MB]})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--site", choices=["real", "synthetic", "both", "none"], default="both",
        help="none: no compared runs (with --memory-growth, only the growth runs)",
    )
    parser.add_argument(
        "--pages", type=int, help="pages of each site (default: all real pages; 2,000 synthetic)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the compared runs")
    parser.add_argument("--synthetic-rounds", type=int, default=1)
    parser.add_argument("--synthetic-pages", type=int, help="pages of the synthetic site")
    parser.add_argument("--no-backlog", action="store_true", help="skip the backlog runs")
    parser.add_argument(
        "--memory-growth", action="store_true", help="embedded peak RSS at 500 and 2,000 real pages"
    )
    parser.add_argument(
        "--extract-alone", choices=["trafilatura", "kibaru"], help=argparse.SUPPRESS
    )
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.extract_alone:
        return extract_alone(args.extract_alone, args.manifest)

    backlog = not args.no_backlog
    results = []
    if args.site in ("real", "both"):
        site = build_real_site(args.pages)
        try:
            results.append(
                measure_site(site, "Real pages", args.rounds, backlog=backlog, real=True)
            )
        finally:
            site.stop()
    if args.site in ("synthetic", "both"):
        site = build_site(args.synthetic_pages or args.pages or 2000)
        try:
            results.append(
                measure_site(
                    site, "Synthetic pages", args.synthetic_rounds, backlog=backlog, real=False
                )
            )
        finally:
            site.stop()
    growth = memory_growth([500, 2000]) if args.memory_growth else []
    for result in results:
        report(result, backlog)
    if growth:
        print()
        print("| embedded crawl, real pages | pages/s | peak RSS |")
        print("|---|---|---|")
        for run in growth:
            print(f"| {run.name} | {run.rate:.1f} | {run.peak_rss_mb:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
