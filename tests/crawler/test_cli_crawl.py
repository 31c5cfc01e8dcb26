"""The operator's commands end to end, in subprocesses: `kibaru crawl --all --sources FILE`
(embedded default, SQLite), `kibaru runs`, `kibaru sources`, `kibaru sources check`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.urls import canonical_url
from storage.db import open_store
from storage.models import Article
from tests.crawler.crawling import REPO, crawl_env
from tests.crawler.world import World, build_world

KIBARU = str(REPO / ".venv" / "bin" / "kibaru")


def kibaru(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KIBARU, *args], cwd=REPO, env={**env, "COLUMNS": "250"}, capture_output=True,
        text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = build_world(tmp_path_factory.mktemp("cli-world"))
    yield built
    built.stop()


@pytest.fixture(scope="module")
def env(world: World) -> dict[str, str]:
    database = world.sources_file.parent / "cli.db"
    # Only the fake outlets: the built-in registry names real sites on the internet.
    return crawl_env(f"sqlite:///{database}", KIBARU_BUILTIN_SOURCES="false")


def test_crawl_all_stores_every_article_and_nothing_else(world: World, env: dict[str, str]) -> None:
    done = kibaru("crawl", "--all", "--sources", str(world.sources_file), env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "articles stored" in done.stdout
    store = open_store(env["KIBARU_DATABASE_URL"])
    with store.session() as session:
        stored = set(session.scalars(select(Article.canonical_url)))
    store.dispose()
    assert stored == {canonical_url(url) for url in world.articles}
    # A log, not a terminal: progress comes as plain lines, without terminal control codes.
    assert "\x1b[" not in done.stdout

    listed = kibaru("runs", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "succeeded" in listed.stdout
    shown = kibaru("runs", "show", "1", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["status"] == "succeeded"
    assert record["counts"]["errors_by_kind"]["too_large"] == 1
    assert set(record["counts"]["by_source"]) >= {"t-rss", "t-traps"}
    assert kibaru("runs", "show", "999", env=env).returncode != 0


def test_sources_lists_by_country_with_language_and_mode(world: World, env: dict[str, str]) -> None:
    done = kibaru("sources", "--sources", str(world.sources_file), env=env)
    assert done.returncode == 0, done.stderr
    assert "t-listing" in done.stdout and "listings" in done.stdout
    assert "t-auto" in done.stdout and "auto" in done.stdout
    builtin = kibaru("sources", env={**env, "KIBARU_BUILTIN_SOURCES": "true"})
    assert "Agence de Presse Sénégalaise" in builtin.stdout
    assert "sources in 16 countries" in builtin.stdout


def test_malformed_sources_file_names_file_entry_and_field(
    tmp_path: Path, env: dict[str, str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {id: oops, name: X, country: ML, language: french,"
                   " homepage: 'https://x.ml/'}\n")
    for command in (["sources"], ["crawl", "--all"]):
        done = kibaru(*command, "--sources", str(bad), env=env)
        assert done.returncode != 0
        message = " ".join(done.stderr.split())
        assert str(bad) in message and "oops" in message and "language" in message
        assert "Traceback" not in done.stderr


def test_sources_check_reports_feeds_and_sitemaps(world: World, env: dict[str, str]) -> None:
    done = kibaru("sources", "check", "t-auto", "t-robots", "--json",
                  "--sources", str(world.sources_file), env=env)
    assert done.returncode == 0, done.stderr
    reports = {r["source"]: r for r in map(json.loads, done.stdout.splitlines())}
    auto = reports["t-auto"]
    assert auto["robots"] == "HTTP 200" and auto["homepage_allowed"] is True
    found = {(f["kind"], f["url"].rsplit("/", 2)[-2] or f["url"].rsplit("/", 1)[-1], f["ok"])
             for f in auto["findings"]}
    assert ("feed", "flux", True) in found
    assert any(f["kind"] == "sitemap" and f["ok"] and "1 entries" in f["detail"]
               for f in auto["findings"])
    assert reports["t-robots"]["robots"] == "HTTP 200"
