"""``kibaru backfill`` end to end: real backfill processes against fake outlets on loopback
(a WordPress site and its REST API, a SPIP site with yearly sitemaps, a site with deep
listings only), into a SQLite store the tests then read; and one killed mid-way and run again."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.urls import canonical_url
from storage.backfill import read_checkpoint
from storage.db import Store, open_store
from storage.models import Article, CrawlRun, Page
from storage.run_recorder import RunRecorder
from tests.crawler.backfill_sites import (
    Archive,
    Post,
    dates,
    listing_site,
    spip_site,
    wordpress_site,
    yoast_site,
)
from tests.crawler.crawling import (
    REPO,
    backfill_command,
    backfill_env,
    run_backfill_process,
    write_sources,
)

SINCE = datetime(2022, 6, 1, tzinfo=UTC)
UNTIL_DAY = "2023-02-28"
UNTIL = datetime(2023, 2, 28, 23, 59, 59, 999999, tzinfo=UTC)
API = "/wp-json/wp/v2/posts"


@pytest.fixture
def opened() -> Iterator[list[Store]]:
    stores: list[Store] = []
    yield stores
    for store in stores:
        store.dispose()


def open_db(url: str, opened: list[Store]) -> Store:
    store = open_store(url)
    opened.append(store)
    return store


def stored_urls(store: Store, source: str) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Article.canonical_url).where(Article.source == source)))


def expected(archive: Archive, posts: list[Post]) -> set[str]:
    return {canonical_url(url) for url in archive.urls(posts)}


def api_requests(archive: Archive) -> list[str]:
    return [path for path in archive.outlet.requests if path.startswith(API)]


def api_pages(archive: Archive) -> list[int]:
    """The page numbers of the API requests, in order."""
    return [int(re.search(r"[?&]page=(\d+)", path)[1])  # type: ignore[index]
            for path in api_requests(archive)]


def wordpress_dates() -> list[datetime]:
    # Every 9 days over two years, and one post on each side of the range within the day
    # of margin the API is asked for: the API lists them, the backfill must leave them.
    return [*dates(80), datetime(2022, 5, 31, 20, 0, tzinfo=UTC),
            datetime(2023, 3, 1, 3, 0, tzinfo=UTC)]


def test_wordpress_api_backfill_stores_the_range_oldest_first(
    tmp_path: Path, opened: list[Store], database_url: str
) -> None:
    site = wordpress_site("127.0.0.71", wordpress_dates())
    try:
        sources = write_sources(tmp_path / "sources.yaml",
                                [{"id": "t-wp", "homepage": site.outlet.url("/")}])
        url = database_url  # SQLite, then PostgreSQL
        done = run_backfill_process(sources, url, "--since", "2022-06-01", "--until", UNTIL_DAY,
                                    KIBARU_BACKFILL_API_PAGE_SIZE="7")
        assert done.returncode == 0, done.stderr[-3000:]
        in_range = site.in_range(SINCE, UNTIL)
        store = open_db(url, opened)
        assert stored_urls(store, "t-wp") == expected(site, in_range)
        # Only the range's articles were fetched, each once, oldest first.
        asked = site.article_requests()
        assert asked == [p.path for p in sorted(in_range, key=lambda p: p.published)]
        # Every API page once, up to X-WP-TotalPages (the posts of the range and the two
        # within the margin, 7 a page); nothing past it; no sitemap looked for.
        pages = -(-(len(in_range) + 2) // 7)
        assert api_pages(site) == list(range(1, pages + 1))
        assert site.outlet.hits("/sitemap.xml") == 0
        assert site.outlet.max_in_flight == 1  # a backfill asks one thing at a time
        with store.session() as session:
            rows = list(session.scalars(select(Page).where(Page.source == "t-wp")))
            assert {(p.origin, p.hints.get("found_via"), p.state) for p in rows} == {
                ("backfill", "wp-json", "stored")
            }
            assert {a.origin for a in session.scalars(select(Article))} == {"backfill"}
            run = session.scalars(select(CrawlRun)).one()
            assert (run.trigger, run.status) == ("backfill", "succeeded")
            checkpoint = read_checkpoint(session, "t-wp")
        assert checkpoint is not None and checkpoint.finished
        assert checkpoint.strategy == "wp-json"
        assert "pages per month" in done.stdout
        assert "2022-06" in done.stdout and "2023-02" in done.stdout
        assert "2022-05" not in done.stdout
        shown = subprocess.run([sys.executable, "-m", "kibaru", "runs", "show", str(run.id)],
                               cwd=REPO, env=backfill_env(url), capture_output=True, text=True,
                               timeout=120)
        assert "pages per month" in shown.stdout and "t-wp: wp-json, range complete" in (
            shown.stdout)

        # The same range again: complete, nothing asked of the site.
        site.outlet.requests.clear()
        again = run_backfill_process(sources, url, "--since", "2022-06-01", "--until", UNTIL_DAY,
                                     KIBARU_BACKFILL_API_PAGE_SIZE="7")
        assert again.returncode == 0, again.stderr[-3000:]
        assert "backfilled completely already" in again.stdout
        assert site.outlet.requests == []
    finally:
        site.outlet.stop()


def test_an_api_without_pagination_headers_ends_at_its_400_newest_first(
    tmp_path: Path, opened: list[Store]
) -> None:
    # Posts every 9 days: the range holds 30 of them, 5 pages of 6 exactly, so that only
    # WordPress's 400 past the last page says there is no sixth.
    posts = dates(80)
    site = wordpress_site("127.0.0.72", posts, pagination_headers=False)
    try:
        sources = write_sources(tmp_path / "sources.yaml",
                                [{"id": "t-wp-bare", "homepage": site.outlet.url("/")}])
        url = f"sqlite:///{tmp_path / 'kibaru.db'}"
        in_range = site.in_range(SINCE, UNTIL)
        assert len(in_range) == 30
        done = run_backfill_process(sources, url, "--since", "2022-06-01", "--until", UNTIL_DAY,
                                    "--order", "newest", KIBARU_BACKFILL_API_PAGE_SIZE="6")
        assert done.returncode == 0, done.stderr[-3000:]
        assert stored_urls(open_db(url, opened), "t-wp-bare") == expected(site, in_range)
        asked = site.article_requests()
        assert asked == [p.path for p in sorted(in_range, key=lambda p: p.published,
                                                reverse=True)]
        assert api_pages(site) == [1, 2, 3, 4, 5, 6]  # five full pages, then the 400
    finally:
        site.outlet.stop()


def test_spip_site_backfilled_through_its_yearly_sitemaps(
    tmp_path: Path, opened: list[Store]
) -> None:
    site = spip_site("127.0.0.73", dates(75, every_days=19,
                                         start=datetime(2021, 1, 4, 8, tzinfo=UTC)))
    try:
        sources = write_sources(tmp_path / "sources.yaml",
                                [{"id": "t-spip", "homepage": site.outlet.url("/")}])
        url = f"sqlite:///{tmp_path / 'kibaru.db'}"
        done = run_backfill_process(sources, url, "--since", "2022-03-01", "--until",
                                    "2023-06-30", "--order", "newest")
        assert done.returncode == 0, done.stderr[-3000:]
        since, until = datetime(2022, 3, 1, tzinfo=UTC), datetime(2023, 7, 1, tzinfo=UTC)
        in_range = site.in_range(since, until)
        assert stored_urls(open_db(url, opened), "t-spip") == expected(site, in_range)
        assert site.article_requests() == [
            p.path for p in sorted(in_range, key=lambda p: p.published, reverse=True)
        ]
        # robots.txt forbids the API: never asked; the years outside the range never read.
        assert api_requests(site) == []
        hits = {year: site.outlet.hits(f"/sitemap-{year}.xml") for year in range(2021, 2025)}
        assert hits == {2021: 0, 2022: 1, 2023: 1, 2024: 0}
        store = opened[0]
        with store.session() as session:
            assert {p.hints.get("found_via") for p in session.scalars(select(Page))} == {
                "sitemap"
            }
            checkpoint = read_checkpoint(session, "t-spip")
        assert checkpoint is not None and checkpoint.finished
        assert checkpoint.strategy == "sitemap"
    finally:
        site.outlet.stop()


def test_deep_listing_followed_past_the_crawl_depth_until_before_since(
    tmp_path: Path, opened: list[Store]
) -> None:
    # 48 stories, 3 a listing page, newest first: 16 pages going back 8 months.
    site = listing_site("127.0.0.74", dates(48, every_days=5,
                                            start=datetime(2024, 1, 2, 7, tzinfo=UTC)))
    site.outlet.latency = 0.1  # so that parallel requests overlap
    try:
        sources = write_sources(tmp_path / "sources.yaml", [{
            "id": "t-deep", "homepage": site.outlet.url("/"),
            "listings": [site.outlet.url("/actu/")],
            "article_pattern": r"/\d{4}/\d{2}/\d{2}/story-\d+\.html$",
            "crawl": {"concurrency": 3},  # the outlet's own politeness wins over the default
        }])
        url = f"sqlite:///{tmp_path / 'kibaru.db'}"
        since = datetime(2024, 2, 20, tzinfo=UTC)
        done = run_backfill_process(sources, url, "--since", "2024-02-20")
        assert done.returncode == 0, done.stderr[-3000:]
        in_range = site.in_range(since)
        assert stored_urls(open_db(url, opened), "t-deep") == expected(site, in_range)
        assert set(site.article_requests()) == {p.path for p in in_range}
        assert len(site.article_requests()) == len(in_range)
        assert 1 < site.outlet.max_in_flight <= 3
        assert len(api_requests(site)) == 1  # the API's probe met a 404
        # Listing pages: far past the live crawl's depth (5), up to the first whose stories
        # are all older than --since, and not one further.
        newest_first = sorted(site.posts, key=lambda p: p.published, reverse=True)
        last_page = next(n for n in range(16) if all(
            p.published < since for p in newest_first[3 * n: 3 * n + 3])) + 1
        assert last_page > 6
        listed = [f"/actu/page/{n}/" for n in range(2, 17)]
        assert [site.outlet.hits(path) for path in listed] == [
            1 if n <= last_page else 0 for n in range(2, 17)
        ]
        store = opened[0]
        with store.session() as session:
            assert {p.hints.get("found_via") for p in session.scalars(select(Page))} == {
                "listing"
            }
            checkpoint = read_checkpoint(session, "t-deep")
        assert checkpoint is not None and checkpoint.finished
        assert checkpoint.strategy == "listing"
    finally:
        site.outlet.stop()


def _rows(database: Path, query: str) -> list[tuple[object, ...]]:
    """Rows read with a connection of its own while the backfill writes (SQLite in WAL)."""
    connection = sqlite3.connect(database, timeout=30)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def _wait_for(condition: object, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_a_killed_backfill_goes_on_from_its_checkpoint(tmp_path: Path,
                                                       opened: list[Store]) -> None:
    site = wordpress_site("127.0.0.75", dates(80))
    gate = threading.Event()
    site.gates[3] = gate  # API page 3 is held until the first backfill is dead
    try:
        sources = write_sources(tmp_path / "sources.yaml",
                                [{"id": "t-wp-kill", "homepage": site.outlet.url("/")}])
        database = tmp_path / "kibaru.db"
        url = f"sqlite:///{database}"
        args = ("--since", "2022-06-01", "--until", UNTIL_DAY)
        env = backfill_env(url, KIBARU_BACKFILL_API_PAGE_SIZE="5", KIBARU_RUN_HEARTBEAT="1")
        first = subprocess.Popen(
            backfill_command(sources, *args), cwd=REPO, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            _wait_for(lambda: 3 in api_pages(site), "API page 3")
            # Page 3 is asked for once the articles of pages 1 and 2 are fetched; wait
            # until the ten of them are stored (some maybe not processed yet), then kill.
            _wait_for(lambda: _rows(database, "SELECT count(*) FROM pages")[0][0] == 10,
                      "ten stored pages")
            # ...and until the checkpoint, written on a thread of its own, has moved on.
            _wait_for(lambda: _rows(database, "SELECT position FROM backfill_checkpoints")
                      == [('{"step": 3}',)], "the checkpoint at API page 3")
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(30)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
            gate.set()
        assert first.returncode == -signal.SIGKILL
        unprocessed = _rows(database, "SELECT count(*) FROM pages WHERE state = 'pending'")[0][0]
        checkpoint = _rows(database, "SELECT strategy, position, finished_at "
                                     "FROM backfill_checkpoints")
        assert checkpoint == [("wp-json", '{"step": 3}', None)]
        time.sleep(4.5)  # the dead run's locks expire after four missed heartbeats

        again = run_backfill_process(sources, url, *args, KIBARU_BACKFILL_API_PAGE_SIZE="5",
                                     KIBARU_RUN_HEARTBEAT="1")
        assert again.returncode == 0, again.stderr[-3000:]
        in_range = site.in_range(SINCE, UNTIL)
        store = open_db(url, opened)
        assert stored_urls(store, "t-wp-kill") == expected(site, in_range)
        # Every article asked for once in all, across the two processes; the second began
        # at API page 3 (pages 1 and 2 were asked for once).
        asked = site.article_requests()
        assert sorted(asked) == sorted(p.path for p in in_range)
        assert len(asked) == len(set(asked))
        assert api_pages(site) == [1, 2, 3, 3, 4, 5, 6]  # page 3 twice: held, then killed
        with store.session() as session:
            rows = list(session.scalars(select(Page)))
            assert len(rows) == len({row.url for row in rows}) == len(in_range)
            assert {row.state for row in rows} == {"stored"}
            runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
            assert [(r.trigger, r.status) for r in runs] == [
                ("backfill", "running"), ("backfill", "succeeded")  # the first one abandoned
            ]
            # Pages the killed run stored but never processed went through the stages
            # without a fetch.
            assert runs[1].counts["unprocessed_handed_on"] == unprocessed
            assert read_checkpoint(session, "t-wp-kill").finished  # type: ignore[union-attr]
    finally:
        gate.set()
        site.outlet.stop()


def test_a_backfill_that_stores_nothing_and_meets_errors_fails_and_goes_on_later(
    tmp_path: Path, opened: list[Store]
) -> None:
    site = wordpress_site("127.0.0.76", dates(80))
    since, until = datetime(2022, 3, 1, tzinfo=UTC), datetime(2022, 3, 31, 23, 59, tzinfo=UTC)
    in_range = site.in_range(since, until)
    pages = {post.path: site.outlet.routes[post.path] for post in in_range}
    for path in pages:  # the articles' server is down for a while
        site.outlet.add(path, b"<html>Erreur</html>", status=503)
    try:
        sources = write_sources(tmp_path / "sources.yaml",
                                [{"id": "t-wp-down", "homepage": site.outlet.url("/")}])
        url = f"sqlite:///{tmp_path / 'kibaru.db'}"
        args = ("--since", "2022-03-01", "--until", "2022-03-31")
        failed = run_backfill_process(sources, url, *args)
        assert failed.returncode == 1
        assert "nothing stored" in failed.stderr and "http_503" in failed.stderr
        store = open_db(url, opened)
        with store.session() as session:
            run = session.scalars(select(CrawlRun)).one()
            assert run.status == "failed"
            checkpoint = read_checkpoint(session, "t-wp-down")
        assert checkpoint is not None and not checkpoint.finished  # page 1 is to read again
        assert checkpoint.position == {"step": 1}

        site.outlet.routes.update(pages)  # back up
        again = run_backfill_process(sources, url, *args)
        assert again.returncode == 0, again.stderr[-3000:]
        assert stored_urls(store, "t-wp-down") == expected(site, in_range)
        with store.session() as session:
            assert read_checkpoint(session, "t-wp-down").finished  # type: ignore[union-attr]
    finally:
        site.outlet.stop()


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (("--since", "2024-03-01", "--until", "2024-01-01"), "is before --since"),
        (("--since", "2024-03-01", "--order", "sideways"), "--order oldest or --order newest"),
        (("--since", "last spring"), "--since: 'last spring' is not a date"),
        (("--since", "2024-03-01", "--until", "soon"), "--until: 'soon' is not a date"),
        ((), "--since is required"),
    ],
)
def test_bad_options_get_one_line_and_store_nothing(
    tmp_path: Path, arguments: tuple[str, ...], says: str
) -> None:
    sources = write_sources(tmp_path / "sources.yaml",
                            [{"id": "t-any", "homepage": "http://127.0.0.77:9/"}])
    database = tmp_path / "kibaru.db"
    done = run_backfill_process(sources, f"sqlite:///{database}", *arguments)
    assert done.returncode != 0
    assert done.stderr.startswith("error:") and says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not database.exists() or _rows(database, "SELECT count(*) FROM crawl_runs") == [(0,)]


def test_an_unknown_source_is_named(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.yaml",
                            [{"id": "t-any", "homepage": "http://127.0.0.77:9/"}])
    done = subprocess.run(
        [*backfill_command(sources, "--since", "2024-01-01"), "t-nowhere"], cwd=REPO,
        env=backfill_env(f"sqlite:///{tmp_path / 'kibaru.db'}"), capture_output=True, text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "unknown source id(s): t-nowhere" in done.stderr


def test_a_backfill_waits_for_no_crawl_of_the_same_source(tmp_path: Path,
                                                          opened: list[Store]) -> None:
    site = wordpress_site("127.0.0.78", dates(10))
    try:
        sources = write_sources(tmp_path / "sources.yaml",
                                [{"id": "t-wp-busy", "homepage": site.outlet.url("/")}])
        url = f"sqlite:///{tmp_path / 'kibaru.db'}"
        store = open_db(url, opened)
        crawl = RunRecorder.open(store, ["t-wp-busy"], trigger="cli", heartbeat=30)
        crawl.lock_sources(["t-wp-busy"])  # a live crawl of the source holds its lock
        done = run_backfill_process(sources, url, "--since", "2022-01-01")
        assert done.returncode == 1
        assert f"being crawled by run {crawl.run_id}" in done.stderr
        assert site.outlet.requests == []
        with store.session() as session:
            runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        assert [(r.trigger, r.status) for r in runs] == [("cli", "running"),
                                                         ("backfill", "skipped")]
    finally:
        site.outlet.stop()


def test_numbered_post_sitemaps_when_the_api_is_closed(tmp_path: Path,
                                                       opened: list[Store]) -> None:
    # 60 posts, 10 a sitemap: post-sitemap.xml (the oldest) to post-sitemap6.xml.
    site = yoast_site("127.0.0.79", dates(60, every_days=11))
    try:
        sources = write_sources(tmp_path / "sources.yaml",
                                [{"id": "t-yoast", "homepage": site.outlet.url("/")}])
        url = f"sqlite:///{tmp_path / 'kibaru.db'}"
        since, until = datetime(2022, 8, 1, tzinfo=UTC), datetime(2023, 1, 31, 23, 59, tzinfo=UTC)
        done = run_backfill_process(sources, url, "--since", "2022-08-01", "--until",
                                    "2023-01-31")
        assert done.returncode == 0, done.stderr[-3000:]
        in_range = site.in_range(since, until)
        assert stored_urls(open_db(url, opened), "t-yoast") == expected(site, in_range)
        assert site.article_requests() == [p.path for p in in_range]  # oldest first
        # The sitemaps whose posts all predate the range (lastmod) and the pages' sitemap
        # were never read; the index was found at its usual path.
        read = {name: site.outlet.hits(name) for name in [
            "/post-sitemap.xml", *(f"/post-sitemap{n}.xml" for n in range(2, 7)),
            "/page-sitemap.xml"]}
        assert read["/page-sitemap.xml"] == 0
        assert read["/post-sitemap.xml"] == 0 and read["/post-sitemap2.xml"] == 0
        # The later ones are read (a lastmod after the range may be an old post's edit),
        # and none of their posts is fetched.
        assert all(read[f"/post-sitemap{n}.xml"] == 1 for n in (3, 4, 5, 6))
        assert site.outlet.hits("/sitemap_index.xml") == 1
    finally:
        site.outlet.stop()


def test_limit_leaves_the_rest_for_the_next_backfill(tmp_path: Path, opened: list[Store]) -> None:
    site = wordpress_site("127.0.0.80", dates(40))
    try:
        sources = write_sources(tmp_path / "sources.yaml",
                                [{"id": "t-wp-limit", "homepage": site.outlet.url("/")}])
        url = f"sqlite:///{tmp_path / 'kibaru.db'}"
        args = ("--since", "2022-03-01", "--until", "2022-08-31")
        in_range = site.in_range(datetime(2022, 3, 1, tzinfo=UTC),
                                 datetime(2022, 8, 31, 23, 59, tzinfo=UTC))
        oldest = sorted(in_range, key=lambda p: p.published)
        first = run_backfill_process(sources, url, *args, "--limit", "7",
                                     KIBARU_BACKFILL_API_PAGE_SIZE="5")
        assert first.returncode == 0, first.stderr[-3000:]
        assert "stopped at page 2 (limit)" in first.stdout
        store = open_db(url, opened)
        assert stored_urls(store, "t-wp-limit") == expected(site, oldest[:7])
        assert api_pages(site) == [1, 2]

        again = run_backfill_process(sources, url, *args, KIBARU_BACKFILL_API_PAGE_SIZE="5")
        assert again.returncode == 0, again.stderr[-3000:]
        assert stored_urls(store, "t-wp-limit") == expected(site, in_range)
        assert site.article_requests() == [p.path for p in oldest]  # each once, in order
        assert api_pages(site)[:3] == [1, 2, 2]  # the second went on from page 2
    finally:
        site.outlet.stop()
