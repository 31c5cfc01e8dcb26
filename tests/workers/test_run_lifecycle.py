"""A crawl's life with real processes: stopped by signals, waiting for workers that are not
there, killed outright, run twice at once, started with the broker down, watched in a terminal.

Every test runs ``kibaru crawl`` as a subprocess against a local site, with a redis-server of
its own on a free port (never the shared one), and sends its signals for real.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import yaml
from sqlalchemy import select

from storage.db import open_store
from storage.models import CrawlRun
from tests.crawler.outlets import FakeOutlet, article_html, urlset
from tests.services import RedisServer, free_port
from tests.workers.conftest import assert_site_stored_once, page_states
from tests.workers.processes import (
    KIBARU,
    REPO,
    Worker,
    environment,
    start_crawl,
    wait_until,
)
from tests.workers.site import Site, build_site

pytestmark = [pytest.mark.slow, pytest.mark.redis]

# Seconds a stopped crawl may take to exit: "at once", with room for a loaded machine.
STOP_BOUND = 15
ARTICLES = 12


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own: the broker of its crawl and workers."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(free_port(), directory).start()
    yield server
    server.stop()


@pytest.fixture
def lifecycle_site(tmp_path: Path) -> Iterator[Site]:
    built = build_site(tmp_path, articles=ARTICLES, host="127.0.0.131")
    yield built
    built.stop()


def _env(database_url: str, broker_url: str | None, **extra: str) -> dict[str, str]:
    # The built-in registry names real sites that this machine cannot reach; heartbeats every
    # second, so that a dead run is seen within seconds. Nothing here is about slow tasks: a
    # loaded machine must not push a page over the time limit.
    return environment(
        KIBARU_DATABASE_URL=database_url, KIBARU_BROKER_URL=broker_url,
        KIBARU_BUILTIN_SOURCES="false", KIBARU_RUN_HEARTBEAT="1", KIBARU_TASK_TIME_LIMIT="120",
        KIBARU_VISIBILITY_TIMEOUT="300", **extra,
    )


def _runs(database_url: str) -> list[CrawlRun]:
    store = open_store(database_url)
    try:
        with store.session() as session:
            return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    finally:
        store.dispose()


def _crawl_waiting_for_workers(
    env: dict[str, str], site: Site, log: Path, *extra: str
) -> subprocess.Popen[bytes]:
    """Start the crawl with no worker; return once every page is stored and queued, so that
    the crawl is waiting for the workers."""
    crawl = start_crawl(env, site.sources_file, log, *extra)
    database_url = env["KIBARU_DATABASE_URL"]

    def all_stored() -> bool:
        if crawl.poll() is not None:
            raise AssertionError(f"the crawl exited early:\n{log.read_text()}")
        return len(page_states(database_url)) == site.page_count

    wait_until(all_stored, 120, "every page of the site to be stored and queued")
    time.sleep(1.5)  # past the last batch's flush: the crawl is in its wait for the workers
    assert crawl.poll() is None, log.read_text()
    return crawl


def _exits_within(crawl: subprocess.Popen[bytes], seconds: float, log: Path) -> int:
    try:
        return crawl.wait(seconds)
    except subprocess.TimeoutExpired:
        crawl.kill()
        crawl.wait(10)
        raise AssertionError(
            f"the crawl was still running {seconds:.0f}s later:\n{log.read_text()[-3000:]}"
        ) from None


def _failed_crawl_output(env: dict[str, str], site: Site, tmp_path: Path, seconds: float) -> str:
    """Crawl ``site`` with ``env``; what the crawl printed, once it has exited with status 1
    within ``seconds``."""
    log = tmp_path / "crawl.log"
    crawl = start_crawl(env, site.sources_file, log)
    try:
        assert _exits_within(crawl, seconds, log) == 1
    finally:
        _kill(crawl)
    return log.read_text()


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(10)


def _queued_tasks(broker_url: str) -> int:
    client = redis.Redis.from_url(broker_url)
    try:
        return int(client.llen("process"))
    finally:
        client.close()


@pytest.mark.postgres
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_crawl_waiting_for_workers_stops_at_once_on_a_signal(
    signum: int, lifecycle_site: Site, tmp_path: Path, pg_url: str,
    private_redis: RedisServer, start_worker: Callable[..., Worker],
) -> None:
    env = _env(pg_url, private_redis.url)
    log = tmp_path / "crawl.log"
    crawl = _crawl_waiting_for_workers(env, lifecycle_site, log)
    try:
        if signum == signal.SIGINT:
            os.killpg(crawl.pid, signum)  # what Ctrl-C does: the terminal's process group
        else:
            crawl.send_signal(signum)  # what `timeout` and `docker stop` do
        assert _exits_within(crawl, STOP_BOUND, log) == 1
    finally:
        _kill(crawl)
    output = log.read_text()
    assert "Traceback" not in output, output
    name = signal.Signals(signum).name
    assert f"interrupted: stopped by {name}" in output, output
    [run] = _runs(pg_url)
    assert run.status == "interrupted" and f"stopped by {name}" in (run.error or "")
    # Nothing was processed, and the queued pages are left to the workers, which store them.
    assert set(page_states(pg_url).values()) == {"pending"}
    assert _queued_tasks(private_redis.url) > 0
    start_worker(env, name="after", concurrency=2)
    wait_until(
        lambda: "pending" not in page_states(pg_url).values(), 120,
        "the worker to process the pages the stopped crawl queued",
    )
    assert_site_stored_once(pg_url, lifecycle_site)


def test_a_crawl_without_workers_says_so_and_gives_up_as_failed(
    lifecycle_site: Site, tmp_path: Path, private_redis: RedisServer
) -> None:
    database_url = f"sqlite:///{tmp_path}/kibaru.db"
    env = _env(database_url, private_redis.url, KIBARU_WORKER_WAIT="8")
    output = _failed_crawl_output(env, lifecycle_site, tmp_path, 120)
    pages = lifecycle_site.page_count
    counts = f"{pages} pending, 0 stored, 0 rejected, 0 failed"
    # Said while waiting, then as the reason of the failure, in one line, no traceback.
    assert f"no worker is consuming the process queue: {counts} (for" in output, output
    assert re.search(
        rf"error: no worker is consuming the process queue: {counts} after waiting \d+s "
        r"\(KIBARU_WORKER_WAIT\)", output,
    ), output
    assert "Traceback" not in output, output
    [run] = _runs(database_url)
    assert run.status == "failed"
    assert "no worker is consuming the process queue" in (run.error or "")
    assert set(page_states(database_url).values()) == {"pending"}
    assert _queued_tasks(private_redis.url) > 0  # still there for a worker started later


def test_a_reprocess_waiting_for_workers_stops_at_once_on_sigterm(
    lifecycle_site: Site, tmp_path: Path, private_redis: RedisServer
) -> None:
    database_url = f"sqlite:///{tmp_path}/kibaru.db"
    stored = _kibaru(_env(database_url, None), "crawl", "--all", "--sources",
                     str(lifecycle_site.sources_file))
    assert stored.returncode == 0, stored.stdout + stored.stderr
    env = _env(database_url, private_redis.url)
    log = tmp_path / "reprocess.log"
    with log.open("ab") as out:
        reprocess = subprocess.Popen(
            [KIBARU, "reprocess", "--source", "wk-main"], env=env, stdout=out,
            stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True,
        )
    try:
        wait_until(
            lambda: len(_runs(database_url)) == 2
            and "pending" in page_states(database_url).values(), 60,
            "the reprocess run to put its pages back in the queue",
        )
        time.sleep(1.5)  # in its wait for the workers
        reprocess.send_signal(signal.SIGTERM)
        assert _exits_within(reprocess, STOP_BOUND, log) == 1
    finally:
        _kill(reprocess)
    output = log.read_text()
    assert "interrupted: stopped by SIGTERM" in output and "Traceback" not in output, output
    assert [run.status for run in _runs(database_url)] == ["succeeded", "interrupted"]
    assert _queued_tasks(private_redis.url) > 0


def _kibaru(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KIBARU, *args], env=env, capture_output=True, text=True, timeout=120, cwd=REPO
    )


def _shown_status(env: dict[str, str]) -> tuple[str, str]:
    """The run's status as `kibaru runs` and as `kibaru status` show it."""
    listed = _kibaru(env, "runs")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if "wk-main" in line]
    status = _kibaru(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    health = {item["source"]: item for item in json.loads(status.stdout)["sources"]}
    runs_status = next(word for word in ("running", "abandoned", "interrupted") if word in row)
    return runs_status, str(health["wk-main"]["last_run_status"])


def test_a_crawl_killed_outright_is_shown_abandoned(
    lifecycle_site: Site, tmp_path: Path, private_redis: RedisServer
) -> None:
    database_url = f"sqlite:///{tmp_path}/kibaru.db"
    env = _env(database_url, private_redis.url)
    log = tmp_path / "crawl.log"
    crawl = _crawl_waiting_for_workers(env, lifecycle_site, log)
    try:
        time.sleep(5)  # longer than the abandoned bound: a live run keeps beating
        assert _shown_status(env) == ("running", "running")
        crawl.send_signal(signal.SIGKILL)  # no chance to record anything
        crawl.wait(10)
    finally:
        _kill(crawl)
    wait_until(
        lambda: _shown_status(env) == ("abandoned", "abandoned"), 30,
        "kibaru runs and kibaru status to show the killed run abandoned",
    )
    status = json.loads(_kibaru(env, "status", "--json").stdout)
    assert "wk-main" in status["attention"]
    [run] = _runs(database_url)
    shown = _kibaru(env, "runs", "show", str(run.id))
    assert "abandoned" in shown.stdout and "no heartbeat since" in shown.stdout, shown.stdout


SLOW_SECONDS = 20


def _slow_site(tmp_path: Path, host: str) -> tuple[FakeOutlet, Path, list[str]]:
    """An outlet of a few articles, one of which takes ``SLOW_SECONDS`` to send, so that a
    crawl of it is still fetching when the second one starts."""
    outlet = FakeOutlet(host).start()
    paths = [f"/2025/02/lent-{number}.html" for number in range(4)]
    for number, path in enumerate(paths[1:], start=1):
        outlet.add(path, article_html(f"lent{number}").encode())
    page = article_html("lent0").encode()

    def trickle() -> Iterator[bytes]:
        step = len(page) // SLOW_SECONDS + 1
        for start in range(0, len(page), step):
            time.sleep(1)
            yield page[start : start + step]

    outlet.add(paths[0], trickle)
    outlet.add("/sitemap.xml", urlset([outlet.url(path) for path in paths]),
               Content_Type="application/xml")
    sources = [{"id": "lent", "name": "Le Lent", "country": "ML", "language": "fr",
                "homepage": outlet.url("/"), "sitemaps": [outlet.url("/sitemap.xml")]}]
    sources_file = tmp_path / "slow-sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return outlet, sources_file, paths


@pytest.mark.parametrize("mode", ["embedded", "broker"])
def test_a_second_crawl_of_a_source_being_crawled_refuses(
    mode: str, tmp_path: Path, private_redis: RedisServer
) -> None:
    outlet, sources_file, articles = _slow_site(tmp_path, "127.0.0.135")
    paths = ["/robots.txt", "/sitemap.xml", *articles]
    database_url = f"sqlite:///{tmp_path}/kibaru.db"
    broker = private_redis.url if mode == "broker" else None
    env = _env(database_url, broker)
    log = tmp_path / "first.log"
    first = start_crawl(env, sources_file, log)
    try:
        wait_until(lambda: outlet.hits(articles[0]) == 1, 60, "the first crawl to be fetching")
        started = time.monotonic()
        second = _kibaru(env, "crawl", "--all", "--sources", str(sources_file))
        assert time.monotonic() - started < 60
        assert second.returncode == 1, second.stdout + second.stderr
        first_run = _runs(database_url)[0]
        assert f"source lent is being crawled by run {first_run.id}" in second.stderr
        assert first.poll() is None, "the first crawl ended before the second one refused"
        assert "Traceback" not in second.stdout + second.stderr
        # The second crawl fetched nothing at all: no path was asked for twice.
        assert all(outlet.hits(path) <= 1 for path in paths), outlet.requests
        if mode == "broker":  # the first waits for workers: stop it
            first.send_signal(signal.SIGTERM)
        code = _exits_within(first, 60, log)
        assert code == (0 if mode == "embedded" else 1), log.read_text()
    finally:
        _kill(first)
        outlet.stop()
    assert {path: outlet.hits(path) for path in paths} == {path: 1 for path in paths}
    statuses = [run.status for run in _runs(database_url)]
    assert statuses == ["succeeded" if mode == "embedded" else "interrupted", "skipped"]


def test_a_crawl_with_the_broker_down_fetches_nothing_and_fails_in_one_line(
    lifecycle_site: Site, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/kibaru.db"
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    env = _env(database_url, nobody)
    output = _failed_crawl_output(env, lifecycle_site, tmp_path, 60)
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"the broker at KIBARU_BROKER_URL={nobody}" in errors[0], output
    assert all(outlet.requests == [] for outlet in lifecycle_site.outlets)
    [run] = _runs(database_url)
    assert run.status == "failed" and "does not answer" in (run.error or "")


ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """A process on a pseudo-terminal (what an operator's shell gives it), its output kept
    with the time each piece arrived."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        primary, secondary = pty.openpty()
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 160, 0, 0))
        self.primary = primary
        self.chunks: list[tuple[float, bytes]] = []
        self.process = subprocess.Popen(
            command, env=env | {"TERM": "xterm", "COLUMNS": "160", "LINES": "60"},
            stdin=secondary, stdout=secondary, stderr=secondary, cwd=REPO,
            start_new_session=True,
        )
        os.close(secondary)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.primary, 65536)
            except OSError:
                return
            if not data:
                return
            self.chunks.append((time.monotonic(), data))

    def shown_since(self, moment: float) -> str:
        data = b"".join(chunk for at, chunk in list(self.chunks) if at >= moment)
        return ANSI.sub(b"", data).decode("utf-8", "replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        os.close(self.primary)


def test_the_progress_table_stays_while_the_crawl_waits_for_workers(
    lifecycle_site: Site, tmp_path: Path, private_redis: RedisServer
) -> None:
    database_url = f"sqlite:///{tmp_path}/kibaru.db"
    env = _env(database_url, private_redis.url)
    command = [KIBARU, "crawl", "--all", "--sources", str(lifecycle_site.sources_file)]
    terminal = Terminal(command, env)
    try:
        wait_until(
            lambda: len(page_states(database_url)) == lifecycle_site.page_count, 120,
            "every page of the site to be stored and queued",
        )
        time.sleep(2)  # fetching is over: the crawl waits for the workers
        waiting = time.monotonic()
        time.sleep(3)
        shown = terminal.shown_since(waiting)
        assert terminal.process.poll() is None, shown
        # The table, redrawn while waiting, still has each source's row and its page count,
        # and the processing counts under it.
        main_pages = ARTICLES + 2  # the articles, the category page, the binary page
        assert re.search(rf"wk-main\s.*\s{main_pages}\s", shown), shown
        pages = lifecycle_site.page_count
        assert f"processed 0/{pages} pages" in shown and f"{pages} pending" in shown, shown
        os.killpg(terminal.process.pid, signal.SIGINT)
        assert terminal.process.wait(STOP_BOUND) == 1
    finally:
        terminal.close()
