"""The round trip: a real crawl of a local site → ``kibaru export --format warc`` →
``kibaru import-warc`` into an empty store gives the same articles, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from storage.db import open_store
from storage.models import Article
from tests.conftest import fresh_pg_database
from tests.crawler.crawling import REPO, crawl_env, run_crawl_process
from tests.crawler.outlets import article_html, urlset
from tests.crawler.warcs import fixture_page, import_warc, last_run
from tests.workers.site import build_site

pytestmark = pytest.mark.slow

# What must come back the same; ``origin`` says "import" on the way back.
COMPARED = ("id", "url", "canonical_url", "source", "source_name", "country", "title", "text",
            "published_at", "language", "authors", "agencies", "byline", "content_hash",
            "fetched_at", "duplicate_of")
REAL_PAGES = ("aps/campagne-arachidiere", "essor/examens-fin-annee", "lefaso/route-nationale-1")


@pytest.fixture(params=["sqlite", "postgres"])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The crawl's store and the empty store the import goes to, of the same kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/crawled.db", f"sqlite:///{tmp_path}/imported.db"
        return
    with ExitStack() as stack:
        yield (stack.enter_context(fresh_pg_database()),
               stack.enter_context(fresh_pg_database()))


def _articles(database_url: str) -> dict[str, dict[str, Any]]:
    store = open_store(database_url)
    try:
        with store.session() as session:
            return {
                article.id: {name: getattr(article, name) for name in (*COMPARED, "origin")}
                for article in session.scalars(select(Article))
            }
    finally:
        store.dispose()


def test_export_then_import_gives_the_same_articles(
    tmp_path: Path, two_stores: tuple[str, str]
) -> None:
    crawled_url, imported_url = two_stores
    site = build_site(tmp_path, articles=5, host="127.0.0.151")
    try:
        main = site.outlets[0]
        # Real West African pages among the site's own (their canonical links name the
        # outlets' real addresses: the ids come from those).
        for name in REAL_PAGES:
            path = f"/2025/02/{name.replace('/', '-')}.html"
            main.add(path, fixture_page(name))
            site.article_urls.append(main.url(path))
        # A moved article: the page is stored under the address asked for, its content came
        # from the one redirected to (and it names no canonical URL: its id is the former's).
        main.add("/2025/02/ancien.html", b"", status=301, Location=main.url("/2025/02/neuf.html"))
        main.add("/2025/02/neuf.html", article_html("redirige").encode())
        site.article_urls.append(main.url("/2025/02/ancien.html"))
        moved = main.url("/2025/02/ancien.html")
        listed = [url for url in site.article_urls if url.startswith(main.base)]
        main.add("/sitemap.xml", urlset([*listed, *site.rejected_urls, *site.failed_urls]),
                 Content_Type="application/xml")
        summary = run_crawl_process(site.sources_file, crawled_url)
        assert summary["status"] == "succeeded", summary["_stderr"][-3000:]
    finally:
        site.stop()
    crawled = _articles(crawled_url)
    assert len(crawled) == 5 + 1 + len(REAL_PAGES) + 1  # the copy on the second outlet too
    assert any(article["url"] == moved for article in crawled.values())
    assert {article["origin"] for article in crawled.values()} == {"crawl"}

    archive = tmp_path / "export.warc.gz"
    exported = subprocess.run(
        [sys.executable, "-m", "kibaru", "export", "--format", "warc", "-o", str(archive)],
        cwd=REPO, env=crawl_env(crawled_url), capture_output=True, text=True, timeout=300,
    )
    assert exported.returncode == 0, exported.stderr
    assert f"exported {len(crawled)} pages" in exported.stderr

    # A valid WARC/1.1: a warcinfo record, then responses whose digests and Content-Length
    # agree with their (decoded) bodies.
    with archive.open("rb") as handle:
        kinds, requested = [], {}
        for record in ArchiveIterator(handle, check_digests=True):
            kinds.append(record.rec_type)
            requested[record.rec_headers.get_header("WARC-Target-URI")] = (
                record.rec_headers.get_header("Kibaru-Requested-URI")
            )
            assert record.rec_headers.protocol == "WARC/1.1"
            if record.rec_type == "response":
                body = record.content_stream().read()
                assert int(record.http_headers.get_header("Content-Length")) == len(body)
                assert record.rec_headers.get_header("WARC-Payload-Digest")
                assert record.http_headers.get_header("Content-Encoding") is None
            assert record.digest_checker.passed is not False, record.digest_checker.problems
    assert kinds == ["warcinfo"] + ["response"] * len(crawled)
    assert requested[moved.replace("ancien", "neuf")] == moved

    done = import_warc(imported_url, site.sources_file, archive)

    assert done.returncode == 0, done.stderr[-3000:]
    run = last_run(imported_url)
    assert run.status == "succeeded" and run.counts["pages"] == len(crawled)
    imported = _articles(imported_url)
    assert {article["origin"] for article in imported.values()} == {"import"}
    assert set(imported) == set(crawled)
    for article_id, article in crawled.items():
        back = imported[article_id]
        assert {name: back[name] for name in COMPARED} == {
            name: article[name] for name in COMPARED
        }, article["url"]
