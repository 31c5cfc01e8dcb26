"""One crawl run by a worker: a spider subprocess, and what became of it.

Twisted's reactor cannot be restarted inside a long-lived worker process, so each crawl runs
``python -m crawler.run`` in a fresh subprocess (the worker does not import the crawler: the
command line is the seam). The job opens the run (unless its sender did), and the subprocess
records into it through :mod:`storage.run_recorder`, like every other crawl: it takes the
sources' locks, so that a source still being crawled by an earlier run (overrunning its
schedule, or started by hand) is recorded as ``skipped`` with the holder's run id rather than
crawled twice at once. A crawl that outlasts ``crawl_time_limit`` is stopped (SIGTERM, then
SIGKILL) and recorded as ``interrupted`` (overran); one that dies is recorded as ``failed``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from kibaru.settings import Settings
from storage.db import open_store
from storage.run_recorder import RUNNING, RunRecorder

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 30


@dataclass(frozen=True)
class CrawlRequest:
    """What to crawl, and the run it belongs to (None: the job opens one)."""

    source_ids: list[str]
    trigger: str = "beat"
    run_id: int | None = None
    limit: int | None = None
    sources_file: str | None = None


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
    """Crawl in a subprocess; return ``{"run_id", "status", ...counts}``."""
    store = open_store(settings.database_url)
    try:
        if request.run_id is None:
            recorder = RunRecorder.open(
                store, request.source_ids, trigger=request.trigger,
                heartbeat=settings.run_heartbeat,
            )
        else:
            recorder = RunRecorder(store, request.run_id, heartbeat=settings.run_heartbeat)
        return _crawl_in_subprocess(request, settings, recorder)
    finally:
        store.dispose()


def _crawl_in_subprocess(
    request: CrawlRequest, settings: Settings, recorder: RunRecorder
) -> dict[str, Any]:
    run_id = recorder.run_id
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
        recorder.finish("interrupted", error=error)
        return {"run_id": run_id, "status": "interrupted", "error": error}
    summary = _last_json_line(stdout)
    if process.returncode != 0 and recorder.status() in (RUNNING, "queued"):
        error = f"crawl exited with code {process.returncode}: {stderr.strip()[-1500:]}"
        recorder.finish("failed", error=error)
        return {"run_id": run_id, "status": "failed", "error": error}
    return {"run_id": run_id, **summary}
