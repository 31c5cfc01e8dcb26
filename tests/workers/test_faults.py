"""Faults with real processes: each run ends with every page of the site stored exactly once.

The crawl is started before any worker, so that every page of the run is stored and queued
first; the fault then strikes while the workers are processing the queue (the tests check
that part of the run, and not all of it, was processed when it struck). ``kibaru crawl``
returns only once no page of its run is pending, and the stored rows are then compared with
what the site holds (:func:`assert_site_stored_once`).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import select, update

from kibaru.settings import Settings
from storage.db import open_store
from storage.models import FailedPage, Page
from tests.crawler.outlets import article_html, urlset
from tests.services import RedisServer, free_port
from tests.workers.conftest import (
    assert_site_stored_once,
    cluster_partition,
    page_states,
    stored_records,
)
from tests.workers.processes import (
    TcpProxy,
    Worker,
    environment,
    run_kibaru,
    start_crawl,
    wait_until,
)
from tests.workers.site import Site, build_site
from workers.queue.app import PROCESS_BATCH_TASK, PROCESS_TASK, configure

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

CRAWL_TIMEOUT = 240
ARTICLES = 120
OUTAGE_SECONDS = 6


@pytest.fixture
def big_site(tmp_path: Path) -> Iterator[Site]:
    """Enough pages that the workers are still busy when the fault strikes."""
    built = build_site(tmp_path, articles=ARTICLES, host="127.0.0.71")
    yield built
    built.stop()


def _only_the_test_sources(env: dict[str, str]) -> dict[str, str]:
    # The built-in registry names real sites that this machine cannot reach.
    return env | {"KIBARU_BUILTIN_SOURCES": "false"}


def _processed(database_url: str) -> int:
    return sum(1 for state in page_states(database_url).values() if state != "pending")


def _queue_everything_first(
    env: dict[str, str], site: Site, log: Path
) -> subprocess.Popen[bytes]:
    """Start the crawl with no worker running; return once every page is stored and queued."""
    crawl = start_crawl(env, site.sources_file, log)
    database_url = env["KIBARU_DATABASE_URL"]

    def all_queued() -> bool:
        if crawl.poll() is not None:
            raise AssertionError(f"the crawl exited early:\n{log.read_text()}")
        return len(page_states(database_url)) == site.page_count

    wait_until(all_queued, 120, "every page of the site to be stored and queued")
    assert _processed(database_url) == 0
    return crawl


def _wait_for_crawl(crawl: subprocess.Popen[bytes], log: Path) -> str:
    try:
        crawl.wait(CRAWL_TIMEOUT)
    except subprocess.TimeoutExpired:
        crawl.kill()
        raise AssertionError(f"the crawl did not finish:\n{log.read_text()}") from None
    output = log.read_text()
    assert crawl.returncode == 0, output
    return output


class RestartPolicy:
    """What docker-compose's ``restart: unless-stopped`` does for the worker service: a worker
    that exits is started again (Celery's consumer can die of a lost broker connection)."""

    def __init__(self, start: Callable[[], Worker]) -> None:
        self.start = start
        self.workers = [start()]
        self.restarts = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopped.wait(0.5):
            if self.workers[-1].process.poll() is not None:
                self.restarts += 1
                self.workers.append(self.start())

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(90)


def _run_through_a_fault(
    site: Site, log: Path, env: dict[str, str], start: Callable[[], Worker],
    fault: Callable[[Worker], None], *, restart_policy: bool = False,
) -> None:
    """Queue the whole site, start a worker with ``start``, strike it with ``fault`` once a
    few pages (and not all) are processed; the crawl must still store every page once.
    With ``restart_policy``, a worker that exits is started again, as the stack does."""
    database_url = env["KIBARU_DATABASE_URL"]
    crawl = _queue_everything_first(env, site, log)
    policy = RestartPolicy(start) if restart_policy else None
    worker = policy.workers[0] if policy else start()
    wait_until(lambda: _processed(database_url) >= 3, 90, "the workers to process pages")
    fault(worker)
    done = _processed(database_url)
    assert done < ARTICLES, f"all {done} pages were processed before the fault: not mid-run"
    try:
        output = _wait_for_crawl(crawl, log)
    finally:
        if policy is not None:
            policy.stop()
    assert f"{len(site.article_urls)} articles stored" in output
    assert_site_stored_once(database_url, site)



def test_a_worker_killed_mid_run_loses_no_page(
    big_site: Site, tmp_path: Path, broker_env: dict[str, str],
    start_worker: Callable[..., Worker],
) -> None:
    env = _only_the_test_sources(broker_env)

    def kill_and_replace(doomed: Worker) -> None:
        doomed.kill()  # SIGKILL, the whole process group: no chance to clean up
        assert doomed.process.returncode == -9
        start_worker(env, name="successor", concurrency=2)

    _run_through_a_fault(
        big_site, tmp_path / "crawl.log", env,
        lambda: start_worker(env, name="doomed", concurrency=2), kill_and_replace,
    )


def test_redis_restarted_mid_run_loses_no_page(
    big_site: Site, tmp_path: Path, pg_url: str, start_worker: Callable[..., Worker]
) -> None:
    private = RedisServer(free_port(), tmp_path, append_only=True).start()
    env = _only_the_test_sources(
        environment(KIBARU_DATABASE_URL=pg_url, KIBARU_BROKER_URL=private.url)
    )

    def restart_redis(_: Worker) -> None:
        private.stop()  # SIGTERM: the append-only file is complete, as in docker-compose
        private.start()

    try:
        _run_through_a_fault(
            big_site, tmp_path / "crawl.log", env,
            lambda: start_worker(env, name="steady", concurrency=2), restart_redis,
            restart_policy=True,
        )
    finally:
        private.stop()


def test_postgresql_unreachable_for_a_while_loses_no_page(
    big_site: Site, tmp_path: Path, pg_url: str, broker_url: str,
    start_worker: Callable[..., Worker],
) -> None:
    proxy = TcpProxy(("127.0.0.1", 5432))
    # The crawl reaches PostgreSQL directly; the workers only through the proxy.
    env = _only_the_test_sources(
        environment(KIBARU_DATABASE_URL=pg_url, KIBARU_BROKER_URL=broker_url)
    )
    host, name = pg_url.rsplit("/", 1)
    proxied = host.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    assert proxied != host, pg_url
    worker_env = env | {"KIBARU_DATABASE_URL": f"{proxied}/{name}"}

    struck: list[Worker] = []

    def outage(worker: Worker) -> None:
        struck.append(worker)
        proxy.cut()
        # Longer than a few retries' backoff (KIBARU_RETRY_BACKOFF_MAX=2 in the tests).
        time.sleep(OUTAGE_SECONDS)
        proxy.restore()

    try:
        _run_through_a_fault(
            big_site, tmp_path / "crawl.log", env,
            lambda: start_worker(worker_env, name="cutoff", concurrency=2), outage,
        )
        # The workers did meet the outage, and retried through it.
        assert "retry" in struck[0].output()
    finally:
        proxy.close()


def _batches(page_ids: list[int], size: int) -> list[list[int]]:
    return [page_ids[start : start + size] for start in range(0, len(page_ids), size)]


def test_the_same_task_delivered_twice_stores_each_page_once(
    site: Site, broker_env: dict[str, str], start_worker: Callable[..., Worker]
) -> None:
    env = _only_the_test_sources(broker_env)
    start_worker(env, name="first", concurrency=2)
    start_worker(env, name="second", concurrency=2)
    run_kibaru(env, "crawl", "--all", "--sources", str(site.sources_file))
    before = stored_records(env["KIBARU_DATABASE_URL"])

    # Every page pending again, and its task sent twice: the two workers get both copies of
    # many of them at the same moment. Half the pages go one task per page, the other half in
    # batches (as a crawl sends them), the second copy cut at other places than the first.
    store = open_store(env["KIBARU_DATABASE_URL"])
    try:
        with store.session() as session:
            page_ids = list(session.scalars(select(Page.id)))
            session.execute(update(Page).values(state="pending"))
    finally:
        store.dispose()
    app = configure(Settings(broker_url=env["KIBARU_BROKER_URL"]))
    single, batched = page_ids[: len(page_ids) // 2], page_ids[len(page_ids) // 2 :]
    for page_id in single:
        app.send_task(PROCESS_TASK, args=[page_id])
        app.send_task(PROCESS_TASK, args=[page_id])
    first_cuts = _batches(batched, 5)
    second_cuts = [batched[:2], *_batches(batched[2:], 5)]
    for pair in itertools.zip_longest(first_cuts, second_cuts):
        for batch in pair:
            if batch:
                app.send_task(PROCESS_BATCH_TASK, args=[batch])
    database_url = env["KIBARU_DATABASE_URL"]
    broker = redis.Redis.from_url(env["KIBARU_BROKER_URL"])
    wait_until(lambda: broker.llen("process") == 0, 120, "both deliveries to be taken")
    wait_until(lambda: _processed(database_url) == len(page_ids), 120, "every page processed")
    broker.close()

    assert_site_stored_once(database_url, site)
    after = stored_records(database_url)
    assert after == before  # same rows, same clusters, same originals
    assert cluster_partition(after) == cluster_partition(before)


# Planted in the worker processes only (PYTHONPATH): the dedup stage raises an unexpected
# exception on a page whose text carries the marker, as the ASCII-only figure hash did on a
# page with Bengali digits.
_PLANTED_BUG = '''
from workers.stages.dedup.service import Deduplicator

_real_assign = Deduplicator.assign


def assign(self, record):
    if "KIBARU-PLANTED-BUG" in record.text:
        raise TypeError("a bug planted by the test")
    return _real_assign(self, record)


Deduplicator.assign = assign
'''


def test_a_bug_on_one_page_loses_nothing_else_of_its_batch(
    tmp_path: Path, broker_env: dict[str, str], start_worker: Callable[..., Worker]
) -> None:
    site = build_site(tmp_path, articles=24, host="127.0.0.77")
    main = site.outlets[0]
    bad_url = main.url("/2025/02/article-planted.html")
    main.add("/2025/02/article-planted.html",
             article_html("planted").replace("</h1>", "</h1><p>KIBARU-PLANTED-BUG</p>").encode())
    main.add("/sitemap.xml", urlset([*site.article_urls[:-1], *site.rejected_urls,
                                     *site.failed_urls, bad_url]),
             Content_Type="application/xml")
    hook = tmp_path / "planted"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_PLANTED_BUG, encoding="utf-8")
    env = _only_the_test_sources(broker_env)
    worker = start_worker(env | {"PYTHONPATH": str(hook)}, name="planted", concurrency=2)
    log = tmp_path / "crawl.log"
    try:
        crawl = start_crawl(env | {"KIBARU_PROCESS_BATCH": "10"}, site.sources_file, log)
        output = _wait_for_crawl(crawl, log)
    finally:
        site.stop()
    database_url = env["KIBARU_DATABASE_URL"]
    states = page_states(database_url)
    assert "pending" not in states.values(), states
    assert states[bad_url] == "failed"
    for url in site.article_urls:
        assert states[url] in ("stored", "duplicate"), (url, states[url])
    assert sorted(stored_records(database_url)) == sorted(site.article_urls)
    store = open_store(database_url)
    try:
        with store.session() as session:
            planted = session.scalars(select(FailedPage).where(FailedPage.url == bad_url)).one()
    finally:
        store.dispose()
    assert (planted.stage, planted.reason) == ("dedup", "bug:TypeError")
    assert planted.error and "Traceback" in planted.error
    assert "a bug planted by the test" in planted.error
    assert f"{len(site.article_urls)} articles stored" in output
    assert "2 failed" in output  # the binary page and the planted bug
    worker_log = worker.output()
    assert "ERROR" in worker_log and "bug in stage dedup" in worker_log
    assert "Traceback" in worker_log and "a bug planted by the test" in worker_log
    report = json.loads(run_kibaru(env, "status", "--json"))
    assert report["bugs"] == 1
    assert {s["source"]: s["bugs"] for s in report["sources"]}["wk-main"] == 1
