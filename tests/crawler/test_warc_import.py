"""``kibaru import-warc``: web archive files written by the tests go through the stages with
origin "import", every record counted, what is not imported counted by reason."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import open_store
from storage.models import Article, Page
from tests.crawler.crawling import REPO, crawl_env
from tests.crawler.outlets import article_html
from tests.crawler.warcs import (
    ARTICLES,
    ML,
    SN,
    cut_last_record,
    fixture_page,
    http_response,
    import_warc,
    last_run,
    metadata,
    request,
    response,
    revisit,
    write_arc,
    write_sources,
    write_warc,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def sources_file(tmp_path: Path) -> Path:
    return write_sources(tmp_path)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/kibaru.db"


def _table(database_url: str, model: type) -> list:  # type: ignore[type-arg]
    store = open_store(database_url)
    try:
        with store.session() as session:
            rows = list(session.scalars(select(model)))
            session.expunge_all()
            return rows
    finally:
        store.dispose()


def _count(database_url: str, model: type) -> int:
    store = open_store(database_url)
    try:
        with store.session() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        store.dispose()


def test_a_mixed_archive_imports_its_pages_and_counts_the_rest_by_reason(
    tmp_path: Path, sources_file: Path, database_url: str
) -> None:
    archive = tmp_path / "mixed.warc"
    records = [response(url, fixture_page(name), date="2025-02-06T10:00:00Z")
               for url, name in ARTICLES.items()]
    records += [
        # A category page of a registered host: handed on, rejected by the stages.
        response(f"{ML}/category/politique/", fixture_page("maliweb/category-politique")),
        response(f"{SN}/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(300), content_type="image/png"),
        response(f"{SN}/disparu/", b"<html>Introuvable</html>", status="404 Not Found"),
        response(f"{SN}/ancien/", b"", status="301 Moved Permanently",
                 headers=[("Location", f"{SN}/nouveau/")]),
        revisit(f"{SN}/campagne-arachidiere/"),
        request(f"{SN}/campagne-arachidiere/"),
        metadata(f"{SN}/campagne-arachidiere/"),
        response("https://www.lemonde.fr/afrique/article.html", fixture_page("aps/home")),
        response("http://archives-sn.test.example.org/x", fixture_page("aps/home")),
    ]
    write_warc(archive, records, gzip=False)

    done = import_warc(database_url, sources_file, archive)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    run = last_run(database_url)
    assert (run.trigger, run.status) == ("import", "succeeded")
    assert sorted(run.sources) == ["arch-ml", "arch-sn"]
    counts = run.counts
    assert counts["records"] == 1 + len(records)  # the warcinfo record first
    assert counts["pages"] == 4
    assert counts["skipped"] == {
        "warcinfo": 1, "not_html": 1, "status": 2, "revisit": 1, "request": 1, "metadata": 1,
        "off_registry": 2,
    }
    assert (counts["articles"], counts["rejected"], counts["failed"]) == (3, 1, 0)
    # The command's summary names every reason.
    for reason in counts["skipped"]:
        assert reason in done.stdout

    pages = {page.url: page for page in _table(database_url, Page)}
    assert set(pages) == {*ARTICLES, f"{ML}/category/politique/"}
    for page in pages.values():
        assert page.origin == "import"
        assert page.run_id == run.id
        assert page.final_url == page.url
        assert page.fetched_at == datetime(2025, 2, 6, 10, 0, tzinfo=UTC)
        assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert pages[f"{ML}/category/politique/"].state == "rejected"
    articles = _table(database_url, Article)
    assert len(articles) == 3
    assert {article.origin for article in articles} == {"import"}
    assert {article.url for article in articles} == set(ARTICLES)
    assert {article.source for article in articles} == {"arch-sn", "arch-ml"}
    by_url = {article.url: article for article in articles}
    assert by_url[f"{SN}/campagne-arachidiere/"].title.startswith("Campagne arachidière")


def test_importing_twice_stores_nothing_twice(
    tmp_path: Path, sources_file: Path, database_url: str
) -> None:
    gzipped = tmp_path / "pages.warc.gz"
    write_warc(gzipped, [response(url, fixture_page(name)) for url, name in ARTICLES.items()],
               gzip=True)

    first = import_warc(database_url, sources_file, gzipped)
    assert first.returncode == 0, first.stderr[-3000:]
    assert last_run(database_url).counts["articles"] == 3
    pages_before = {(p.id, p.url, p.state) for p in _table(database_url, Page)}
    articles_before = {(a.id, a.url, a.title, a.text) for a in _table(database_url, Article)}

    second = import_warc(database_url, sources_file, gzipped)

    assert second.returncode == 0, second.stderr[-3000:]
    run = last_run(database_url)
    assert run.status == "succeeded"
    assert run.counts["pages"] == 0
    assert run.counts["skipped"] == {"warcinfo": 1, "already_stored": 3}
    assert {(p.id, p.url, p.state) for p in _table(database_url, Page)} == pages_before
    assert {(a.id, a.url, a.title, a.text) for a in _table(database_url, Article)} == (
        articles_before
    )


def test_a_url_twice_in_one_import_is_handed_on_once(
    tmp_path: Path, sources_file: Path, database_url: str
) -> None:
    url, name = next(iter(ARTICLES.items()))
    first = tmp_path / "a.warc.gz"
    write_warc(first, [response(url, fixture_page(name)), response(url, fixture_page(name))],
               gzip=True)
    again = tmp_path / "b.warc"
    write_warc(again, [response(url, fixture_page(name))], gzip=False)

    done = import_warc(database_url, sources_file, first, again)

    assert done.returncode == 0, done.stderr[-3000:]
    counts = last_run(database_url).counts
    assert counts["pages"] == 1
    assert counts["skipped"] == {"warcinfo": 2, "repeated": 2}
    assert _count(database_url, Page) == 1 and _count(database_url, Article) == 1


@pytest.mark.parametrize("within", ["body", "header"])
@pytest.mark.parametrize("gzip", [True, False], ids=["gzip-per-record", "plain"])
def test_a_truncated_last_record_ends_the_file_and_the_rest_is_kept(
    tmp_path: Path, sources_file: Path, database_url: str, gzip: bool, within: str
) -> None:
    archive = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    urls = list(ARTICLES)
    offsets = write_warc(
        archive, [response(url, fixture_page(name)) for url, name in ARTICLES.items()], gzip=gzip
    )
    cut_last_record(archive, offsets, within=within)

    done = import_warc(database_url, sources_file, archive)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    run = last_run(database_url)
    assert run.status == "succeeded"
    assert run.counts["records"] == 4
    assert run.counts["pages"] == 2
    assert run.counts["skipped"] == {"warcinfo": 1, "truncated": 1}
    assert "truncated" in done.stdout
    assert {page.url for page in _table(database_url, Page)} == set(urls[:2])
    assert _count(database_url, Article) == 2


def test_an_arc_file_imports_like_a_warc(
    tmp_path: Path, sources_file: Path, database_url: str
) -> None:
    archive = tmp_path / "old.arc"
    write_arc(archive, [
        (f"{SN}/campagne-arachidiere/", http_response(fixture_page("aps/campagne-arachidiere"))),
        (f"{SN}/feuille.css", http_response(b"body{}", "text/css")),
    ])

    done = import_warc(database_url, sources_file, archive)

    assert done.returncode == 0, done.stderr[-3000:]
    counts = last_run(database_url).counts
    assert (counts["records"], counts["pages"], counts["articles"]) == (3, 1, 1)
    assert counts["skipped"] == {"warcinfo": 1, "not_html": 1}
    [article] = _table(database_url, Article)
    assert article.origin == "import" and article.fetched_at == datetime(2025, 2, 6, 10,
                                                                          tzinfo=UTC)


def test_a_file_with_nothing_importable_fails_the_run_and_keeps_the_others(
    tmp_path: Path, sources_file: Path, database_url: str
) -> None:
    good = tmp_path / "good.warc.gz"
    write_warc(good, [response(f"{SN}/campagne-arachidiere/",
                               fixture_page("aps/campagne-arachidiere"))], gzip=True)
    elsewhere = tmp_path / "elsewhere.warc.gz"
    write_warc(elsewhere, [response("https://www.lemonde.fr/a.html", fixture_page("aps/home"))],
               gzip=True)

    done = import_warc(database_url, sources_file, good, elsewhere)

    assert done.returncode == 1
    error_lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "elsewhere.warc.gz" in error_lines[0], done.stderr
    assert "Traceback" not in done.stderr
    run = last_run(database_url)
    assert run.status == "failed" and "elsewhere.warc.gz" in (run.error or "")
    assert run.counts["pages"] == 1 and run.counts["skipped"]["off_registry"] == 1
    assert _count(database_url, Article) == 1


def test_bad_input_is_one_line_and_records_no_run(
    tmp_path: Path, sources_file: Path, database_url: str
) -> None:
    text = tmp_path / "notes.warc"
    text.write_text("these are my notes\nnot an archive at all\n", encoding="utf-8")
    five_words = tmp_path / "five.warc.gz"  # warcio alone would read this line as an ARC record
    five_words.write_text("this is not a warc\n", encoding="utf-8")
    empty = tmp_path / "empty.warc"
    empty.write_bytes(b"")
    for bad, expected in (
        (tmp_path / "missing.warc.gz", "no such file"),
        (text, "not a WARC or ARC file"),
        (five_words, "not a WARC or ARC file"),
        (empty, "empty file"),
    ):
        done = import_warc(database_url, sources_file, bad)
        assert done.returncode != 0, bad
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
        assert expected in lines[0] and bad.name in lines[0]
    assert _count(database_url, Page) == 0


def _stored_pages(database_url: str) -> int:
    try:
        store = open_store(database_url)
    except Exception:  # the import is creating the schema at this instant
        return 0
    try:
        with store.session() as session:
            return int(session.scalar(
                select(func.count()).select_from(Page).where(Page.state == "stored")
            ) or 0)
    except Exception:  # locked by the import's write at this instant
        return 0
    finally:
        store.dispose()


def test_an_import_stopped_by_sigterm_is_interrupted_and_the_next_one_completes_it(
    tmp_path: Path, sources_file: Path, database_url: str
) -> None:
    pages = 120
    archive = tmp_path / "many.warc.gz"
    urls = [f"{SN}/2025/02/article-{n:03d}.html" for n in range(pages)]
    write_warc(archive, [response(url, article_html(f"arret{n}").encode())
                         for n, url in enumerate(urls)], gzip=True)
    command = [sys.executable, "-m", "kibaru", "import-warc", str(archive),
               "--sources", str(sources_file)]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=crawl_env(database_url, KIBARU_BUILTIN_SOURCES="false"),
    )
    try:
        deadline = time.monotonic() + 240
        while _stored_pages(database_url) < 5 and process.poll() is None:
            assert time.monotonic() < deadline, "no page was stored in time"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].endswith("interrupted: stopped by SIGTERM"), stderr
    run = last_run(database_url)
    assert run.status == "interrupted"
    assert 0 < _count(database_url, Article) < pages

    done = import_warc(database_url, sources_file, archive)

    assert done.returncode == 0, done.stderr[-3000:]
    assert last_run(database_url).status == "succeeded"
    stored = _table(database_url, Page)
    assert sorted(page.url for page in stored) == urls
    assert {page.state for page in stored} == {"stored"}
    articles = _table(database_url, Article)
    assert sorted(article.url for article in articles) == urls
