"""One crawl run by a worker: a per-source lock, a spider subprocess, and what became of it.

Twisted's reactor cannot be restarted inside a long-lived worker process, so each crawl runs
``python -m crawler.run`` in a fresh subprocess (the worker does not import the crawler: the
command line is the seam). Before starting, the job takes one Redis lock per source, with an
expiry a little longer than ``crawl_time_limit``; when a source is still locked by an earlier
run (overrunning its schedule), this run is recorded as ``skipped`` with the holder's run id,
rather than crawling the same site twice at once. A crawl that outlasts ``crawl_time_limit``
is stopped and recorded as ``interrupted`` (overran).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis
from redis.lock import Lock

from kibaru.settings import Settings
from storage.db import Store, open_store
from storage.models import CrawlRun
from storage.repository import finish_run, start_run

log = logging.getLogger(__name__)

LOCK_PREFIX = "kibaru:crawl-lock:"
LOCK_MARGIN_SECONDS = 120
STOP_GRACE_SECONDS = 30


@dataclass(frozen=True)
class CrawlRequest:
    """What to crawl, and the run it belongs to (None: the job opens one)."""

    source_ids: list[str]
    trigger: str = "beat"
    run_id: int | None = None
    limit: int | None = None
    sources_file: str | None = None


class SourceBusy(Exception):
    """A source of the request is locked by another run."""

    def __init__(self, source: str, holder: str | None, ttl: int) -> None:
        self.source = source
        self.holder = holder
        self.ttl = ttl
        super().__init__(
            f"source {source} is still being crawled by run {holder or '?'} (lock "
            f"{LOCK_PREFIX}{source} expires in {ttl}s); skipped to avoid overlapping crawls"
        )


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return None if value is None else str(value)


def lock_name(source: str) -> str:
    return f"{LOCK_PREFIX}{source}"


@contextlib.contextmanager
def source_locks(
    client: redis.Redis, sources: list[str], *, token: str, ttl: int
) -> Iterator[list[Lock]]:
    """Hold one lock per source for the block; raise :class:`SourceBusy` if one is taken."""
    held: list[Lock] = []
    try:
        for source in sorted(set(sources)):
            lock = client.lock(lock_name(source), timeout=ttl, blocking=False)
            if not lock.acquire(token=token):
                holder = client.get(lock_name(source))
                remaining = int(client.ttl(lock_name(source)))
                raise SourceBusy(source, _text(holder), remaining)
            held.append(lock)
        yield held
    finally:
        for lock in held:
            with contextlib.suppress(redis.exceptions.LockError):
                lock.release()


def crawl_command(request: CrawlRequest, run_id: int) -> list[str]:
    """The subprocess command line that crawls ``request`` as run ``run_id``."""
    command = [sys.executable, "-m", "crawler.run", *request.source_ids]
    command += ["--trigger", request.trigger, "--run-id", str(run_id)]
    if request.limit is not None:
        command += ["--limit", str(request.limit)]
    if request.sources_file:
        command += ["--sources", request.sources_file]
    return command


def settings_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with ``settings`` written over it as KIBARU_* variables."""
    env = dict(os.environ)
    for name, value in settings.model_dump(mode="json").items():
        variable = f"KIBARU_{name.upper()}"
        if value is None:
            env.pop(variable, None)
        else:
            env[variable] = str(value)
    return env


def _run_counts(store: Store, run_id: int) -> dict[str, Any]:
    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        return dict(run.counts or {}) if run is not None else {}


def _run_status(store: Store, run_id: int) -> str | None:
    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        return run.status if run is not None else None


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM first (Scrapy closes the run cleanly), SIGKILL if it does not stop."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _last_json_line(output: str) -> dict[str, Any]:
    for line in reversed(output.strip().splitlines()):
        with contextlib.suppress(ValueError):
            parsed = json.loads(line)
            if isinstance(parsed, dict):
                return parsed
    return {}


def run_crawl_job(request: CrawlRequest, settings: Settings) -> dict[str, Any]:
    """Crawl under the source locks; return ``{"run_id", "status", ...counts}``."""
    redis_url = settings.effective_redis_url
    if not redis_url:
        raise RuntimeError(
            "crawl tasks need Redis for their source locks: set KIBARU_BROKER_URL "
            "(redis://…) or KIBARU_REDIS_URL"
        )
    store = open_store(settings.database_url)
    client = redis.Redis.from_url(redis_url)
    try:
        run_id = request.run_id
        if run_id is None:
            with store.session() as session:
                run_id = start_run(session, request.source_ids, trigger=request.trigger)
        ttl = settings.crawl_time_limit + STOP_GRACE_SECONDS + LOCK_MARGIN_SECONDS
        try:
            with source_locks(client, request.source_ids, token=str(run_id), ttl=ttl):
                return _crawl_in_subprocess(request, settings, store, run_id)
        except SourceBusy as busy:
            log.warning("run %s: %s", run_id, busy)
            with store.session() as session:
                finish_run(
                    session, run_id, status="skipped", error=str(busy),
                    counts={"skipped_for_run": busy.holder},
                )
            return {"run_id": run_id, "status": "skipped", "error": str(busy)}
    finally:
        client.close()
        store.dispose()


def _crawl_in_subprocess(
    request: CrawlRequest, settings: Settings, store: Store, run_id: int
) -> dict[str, Any]:
    command = crawl_command(request, run_id)
    log.info("run %s: %s", run_id, " ".join(command))
    process = subprocess.Popen(
        command, env=settings_environment(settings), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=settings.crawl_time_limit)
    except subprocess.TimeoutExpired:
        _stop(process)
        error = (
            f"overran: still crawling after KIBARU_CRAWL_TIME_LIMIT={settings.crawl_time_limit}s"
            "; stopped (raise the limit or crawl this source less at a time with --limit)"
        )
        with store.session() as session:
            counts = _run_counts(store, run_id)
            finish_run(session, run_id, status="interrupted", counts=counts, error=error)
        return {"run_id": run_id, "status": "interrupted", "error": error}
    summary = _last_json_line(stdout)
    if process.returncode != 0 and _run_status(store, run_id) in ("running", "queued"):
        error = f"crawl exited with code {process.returncode}: {stderr.strip()[-1500:]}"
        with store.session() as session:
            finish_run(session, run_id, status="failed", counts=_run_counts(store, run_id),
                       error=error)
        return {"run_id": run_id, "status": "failed", "error": error}
    return {"run_id": run_id, **summary}
