"""``kibaru extract URL`` and ``kibaru sources check`` under the crawl's address policy and
a deadline per fetch: real commands against HTTP servers on loopback addresses (each
127.0.0.x a host of its own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawler.outlets import FakeOutlet, article_html

KIBARU = [sys.executable, "-m", "kibaru"]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")}
    return subprocess.run(
        [*KIBARU, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "KIBARU_BUILTIN_SOURCES": "false", **env},
    )


def drip() -> Iterator[bytes]:
    """One byte a second for a minute: never silent long enough for a read timeout."""
    yield b"<html><body>"
    for _ in range(60):
        time.sleep(1)
        yield b"x"


@pytest.fixture
def outlets() -> Iterator[tuple[FakeOutlet, FakeOutlet]]:
    first, second = FakeOutlet("127.0.0.84").start(), FakeOutlet("127.0.0.85").start()
    for site in (first, second):
        site.add("/2025/02/story.html", article_html(f"story on {site.host}").encode())
    first.add("/away", b"", status=302, Location=second.url("/2025/02/story.html"))
    first.add("/drip", drip)
    first.add("/robots.txt", drip, Content_Type="text/plain")
    yield first, second
    first.stop()
    second.stop()


def source_on(site: FakeOutlet, path: Path, **fields: str) -> Path:
    lines = [
        f"  - id: {fields.pop('id', 'local')}",
        '    name: "Local"',
        "    country: SN",
        "    language: fr",
        f"    homepage: {site.url('/')}",
    ]
    lines += [f"    {key}: {value}" for key, value in fields.items()]
    path.write_text("sources:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_extract_refuses_a_loopback_address_nobody_allowed(
    outlets: tuple[FakeOutlet, FakeOutlet], tmp_path: Path
) -> None:
    first, _ = outlets
    result = run(["extract", first.url("/2025/02/story.html")], tmp_path)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert "private address" in error and "KIBARU_ALLOWED_NETWORKS" in error
    assert first.requests == []


def test_extract_follows_the_operator_setting_and_checks_every_redirect(
    outlets: tuple[FakeOutlet, FakeOutlet], tmp_path: Path
) -> None:
    first, second = outlets
    allowed = {"KIBARU_ALLOWED_NETWORKS": "127.0.0.84/32"}
    fetched = run(["extract", first.url("/2025/02/story.html")], tmp_path, **allowed)
    assert fetched.returncode == 0, fetched.stderr
    assert "story on 127.0.0.84" in json.loads(fetched.stdout)["title"]
    redirected = run(["extract", first.url("/away")], tmp_path, **allowed)
    assert redirected.returncode == 2
    assert "127.0.0.85" in json.loads(redirected.stdout)["error"]
    assert first.hits("/away") == 1 and second.requests == []


def test_extract_may_reach_the_source_that_lives_there_and_only_its_hosts(
    outlets: tuple[FakeOutlet, FakeOutlet], tmp_path: Path
) -> None:
    first, second = outlets
    sources = source_on(first, tmp_path / "s.yaml")
    fetched = run(
        ["extract", first.url("/2025/02/story.html"), "--sources", str(sources)], tmp_path
    )
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)["source"] == "local"
    redirected = run(["extract", first.url("/away"), "--sources", str(sources)], tmp_path)
    assert redirected.returncode == 2 and "private address" in redirected.stdout
    assert second.requests == []


def test_extract_gives_up_on_a_slow_drip_at_the_deadline(
    outlets: tuple[FakeOutlet, FakeOutlet], tmp_path: Path
) -> None:
    first, _ = outlets
    started = time.monotonic()
    result = run(
        ["extract", first.url("/drip")],
        tmp_path,
        KIBARU_ALLOWED_NETWORKS="127.0.0.84",
        KIBARU_FETCH_TIMEOUT="3",
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert "KIBARU_FETCH_TIMEOUT" in json.loads(result.stdout)["error"]
    assert elapsed < 30, elapsed  # the drip lasts 60 s
    assert "Traceback" not in result.stderr


def test_sources_check_gives_up_on_a_slow_drip_at_the_deadline(
    outlets: tuple[FakeOutlet, FakeOutlet], tmp_path: Path
) -> None:
    first, _ = outlets
    sources = source_on(first, tmp_path / "s.yaml", feeds=f"['{first.url('/drip')}']")
    started = time.monotonic()
    result = run(
        ["sources", "check", "--json", "--sources", str(sources)],
        tmp_path,
        KIBARU_FETCH_TIMEOUT="3",
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "within 3 s" in report["robots"]
    feed = next(f for f in report["findings"] if f["kind"] == "feed")
    assert feed["ok"] is False and "3 s" in feed["detail"]
    assert elapsed < 40, elapsed  # robots.txt and the feed drip for 60 s each
