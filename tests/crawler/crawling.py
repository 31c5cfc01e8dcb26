"""Running real crawls from tests: each in its own process (Twisted's reactor runs once per
process), against the fake outlets, into a SQLite store the test then reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
TEST_USER_AGENT = "kibaru-tests/1.0 (+https://example.org/kibaru; crawl tests)"


def crawl_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a test crawl: its own store, no delay (loopback), test UA."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")}
    env.update(
        KIBARU_DATABASE_URL=database_url,
        KIBARU_DOWNLOAD_DELAY="0",
        KIBARU_USER_AGENT=TEST_USER_AGENT,
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def source_ids(sources_file: Path) -> list[str]:
    return [entry["id"] for entry in yaml.safe_load(sources_file.read_text())["sources"]]


def run_crawl_process(
    sources_file: Path, database_url: str, *args: str, **env: str
) -> dict[str, Any]:
    """``python -m crawler.run`` over every source of ``sources_file``; its JSON summary."""
    command = [sys.executable, "-m", "crawler.run", *source_ids(sources_file),
               "--sources", str(sources_file), "--trigger", "test", *args]
    done = subprocess.run(
        command, cwd=REPO, env=crawl_env(database_url, **env), capture_output=True, text=True,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"crawl printed no summary (exit {done.returncode}):\n{done.stderr[-4000:]}"
    summary: dict[str, Any] = json.loads(lines[-1])
    summary["_exit"] = done.returncode
    summary["_stderr"] = done.stderr
    return summary


def write_sources(path: Path, entries: list[dict[str, Any]]) -> Path:
    """A sources file of test outlets (country ML, French) from ``{"id", "homepage", …}``."""
    sources = [{"name": f"Test {e['id']}", "country": "ML", "language": "fr", **e}
               for e in entries]
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True))
    return path


def backfill_command(sources_file: Path, *args: str) -> list[str]:
    """``kibaru backfill`` of every source of ``sources_file``, as a command line."""
    return [sys.executable, "-m", "kibaru", "backfill", *source_ids(sources_file),
            "--sources", str(sources_file), *args]


def backfill_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a test backfill: a test crawl's, no delay, only the test sources."""
    return crawl_env(database_url, KIBARU_BACKFILL_DELAY="0", KIBARU_BUILTIN_SOURCES="false",
                     COLUMNS="200", **extra)


def run_backfill_process(
    sources_file: Path, database_url: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``kibaru backfill`` in its own process, to its end."""
    return subprocess.run(
        backfill_command(sources_file, *args), cwd=REPO, env=backfill_env(database_url, **env),
        capture_output=True, text=True, timeout=300,
    )
