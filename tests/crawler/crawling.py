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
