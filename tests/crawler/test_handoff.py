"""The embedded crawl keeps fetching while pages wait to be processed: processing runs on a
consumer thread, not on the reactor. Shown by what a local server sees while the store is
locked by another writer (the consumer waits for the lock; the reactor must not)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawler.crawling import REPO, crawl_env, source_ids
from tests.crawler.outlets import FakeOutlet, sitemap_site

ARTICLES = 30


@pytest.fixture
def site() -> Iterator[FakeOutlet]:
    outlet = sitemap_site("127.0.0.43", ARTICLES, slug="attente")
    yield outlet
    outlet.stop()


def _articles_seen(outlet: FakeOutlet) -> int:
    return sum(1 for _, path in outlet.arrivals if path.startswith("/2025/"))


def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_fetching_goes_on_while_the_store_is_busy(site: FakeOutlet, tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - {id: attente, name: Attente, country: ML, language: fr,\n"
        f"     homepage: '{site.url('/')}', sitemaps: ['{site.url('/sitemap.xml')}'],\n"
        "     crawl: {concurrency: 4, delay: 0, autothrottle: false}}\n",
        encoding="utf-8",
    )
    database = tmp_path / "busy.db"
    command = [
        sys.executable,
        "-m",
        "crawler.run",
        *source_ids(sources),
        "--sources",
        str(sources),
        "--trigger",
        "test",
    ]
    crawl = subprocess.Popen(
        command,
        cwd=REPO,
        env=crawl_env(f"sqlite:///{database}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The run is recorded before discovery starts; from the sitemap on, only pages are
        # written. Another writer then holds the store's write lock.
        assert _wait(lambda: site.hits("/sitemap.xml") > 0, 60), "the sitemap was not fetched"
        blocker = sqlite3.connect(database, isolation_level=None, timeout=30)
        blocker.execute("BEGIN IMMEDIATE")
        stored_before = blocker.execute("SELECT count(*) FROM pages").fetchone()[0]
        try:
            # Every article is fetched though no page can be written meanwhile.
            all_seen = _wait(lambda: _articles_seen(site) == ARTICLES, 20)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert all_seen, f"{_articles_seen(site)} of {ARTICLES} articles fetched"
        assert stored_before < ARTICLES // 2
        out, err = crawl.communicate(timeout=120)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert crawl.returncode == 0, err[-3000:]
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["articles"] == ARTICLES
