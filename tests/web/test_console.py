"""The console end to end: a real crawl of local sites into SQLite, a real ``kibaru web``
over it, driven in headless Chromium (and, for what a browser cannot send, plain HTTP)."""

from __future__ import annotations

import gzip
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from storage.db import open_store
from storage.models import Article, CrawlRun, FailedPage, Page
from tests.crawler.crawling import REPO, run_crawl_process
from tests.crawler.outlets import article_html, urlset
from tests.crawler.warcs import (
    ARTICLES,
    fixture_page,
    import_warc,
    response,
    write_sources,
    write_warc,
)
from tests.web.console import Console, browser, follow, running_console, wait_for, web_env
from tests.workers.site import Site, build_site

pytestmark = pytest.mark.slow

HOSTILE = "<script>window.hacked = 1</script> Alerte à Gao"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str, Path]]:
    """The worker tests' local site (articles, a copy on a second outlet, a category page,
    a page no stage can read) plus an article whose headline is markup, crawled once."""
    tmp = tmp_path_factory.mktemp("console")
    site = build_site(tmp, articles=6, host="127.0.0.71")
    main = site.outlets[0]
    escaped = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")
    main.add("/2025/02/hostile.html", article_html("hostile", title=escaped).encode())
    site.article_urls.append(main.url("/2025/02/hostile.html"))
    listed = [url for url in site.article_urls if url.startswith(main.base)]
    main.add("/sitemap.xml", urlset([*listed, *site.rejected_urls, *site.failed_urls]),
             Content_Type="application/xml")
    database_url = f"sqlite:///{tmp}/kibaru.db"
    summary = run_crawl_process(site.sources_file, database_url)
    assert summary["status"] == "succeeded", summary["_stderr"][-3000:]
    try:
        yield site, database_url, tmp
    finally:
        site.stop()


@pytest.fixture(scope="module")
def console(crawled: tuple[Site, str, Path]) -> Iterator[Console]:
    site, database_url, tmp = crawled
    env = web_env(database_url, KIBARU_SOURCES=str(site.sources_file),
                  KIBARU_BUILTIN_SOURCES="false")
    with running_console(tmp, env) as running:
        yield running


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    chrome = browser()
    try:
        yield chrome
    finally:
        chrome.quit()


def _store(database_url: str) -> Any:
    return open_store(database_url)


def test_sources_page_lists_every_source_with_its_coverage(
    console: Console, driver: Any
) -> None:
    driver.get(console.url("/sources"))
    rows = driver.find_elements(By.CSS_SELECTOR, "table.sources tbody tr")
    by_source = {row.get_attribute("data-source"): row for row in rows}
    assert set(by_source) == {"wk-main", "wk-agg"}
    main_cells = [cell.text for cell in by_source["wk-main"].find_elements(By.TAG_NAME, "td")]
    # authors, date, agencies, language: latest run's share / median of the 14 days before
    # (the first run is all there is, so no median yet).
    assert main_cells[6].startswith("100%"), main_cells
    assert main_cells[7].startswith("100%"), main_cells
    assert main_cells[9].startswith("100%"), main_cells
    assert "ok" in main_cells[4]
    assert by_source["wk-main"].find_elements(By.CSS_SELECTOR, "svg.spark polyline")
    # Filtering by country with the form (no script on the page).
    driver.find_element(By.CSS_SELECTOR, "select[name=country] option[value=SN]").click()
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button").click)
    shown = driver.find_elements(By.CSS_SELECTOR, "table.sources tbody tr")
    assert [row.get_attribute("data-source") for row in shown] == ["wk-agg"]
    # Sorting by a header link.
    driver.get(console.url("/sources?sort=source&order=desc"))
    shown = driver.find_elements(By.CSS_SELECTOR, "table.sources tbody tr")
    assert [row.get_attribute("data-source") for row in shown] == ["wk-main", "wk-agg"]


def test_a_hostile_title_renders_as_text(console: Console, driver: Any) -> None:
    driver.get(console.url("/sources/wk-main"))
    assert HOSTILE in driver.find_element(By.TAG_NAME, "body").text
    assert driver.execute_script("return window.hacked === undefined")
    driver.get(console.url("/search?q=Gao"))
    assert HOSTILE in driver.find_element(By.TAG_NAME, "body").text
    assert driver.execute_script("return window.hacked === undefined")
    assert "&lt;script&gt;window.hacked" in console.get("/search?q=Gao")[1]


def test_search_finds_an_article_by_a_body_word_and_by_its_agency(
    crawled: tuple[Site, str, Path], console: Console, driver: Any
) -> None:
    _, database_url, _ = crawled
    store = _store(database_url)
    with store.session() as session:
        article = session.scalars(select(Article).where(Article.source == "wk-main")).first()
        copy = session.scalars(select(Article).where(Article.source == "wk-agg")).one()
    store.dispose()
    assert article is not None and copy.agencies, copy.agencies
    word = max(article.text.split(), key=len).strip(".,")
    driver.get(console.url("/search"))
    box = driver.find_element(By.NAME, "q")
    box.send_keys(word)
    follow(driver, box.submit)
    links = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "tr.result td:first-child a")]
    assert article.title in links
    driver.get(console.url("/search?" + urllib.parse.urlencode({"agency": copy.agencies[0]})))
    sources = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "tr.result td:nth-child(2)")]
    assert sources == ["wk-agg"]
    driver.get(console.url("/search?" + urllib.parse.urlencode({"q": word, "country": "SN"})))
    found = driver.find_elements(By.CSS_SELECTOR, "tr.result")
    assert all("wk-agg" in row.text for row in found)


def test_the_story_page_shows_the_original_and_its_copy(
    crawled: tuple[Site, str, Path], console: Console, driver: Any
) -> None:
    driver.get(console.url("/stories"))
    follow(driver, driver.find_element(By.CSS_SELECTOR, "table tbody tr td a").click)
    items = driver.find_elements(By.CSS_SELECTOR, "ol.story li")
    assert len(items) == 2
    assert items[0].get_attribute("class") == "original" and "Le Quotidien Test" in items[0].text
    assert items[1].get_attribute("class") == "copy" and "Portail Test" in items[1].text


def test_retry_on_a_failed_page_requeues_it_and_it_is_stored(
    crawled: tuple[Site, str, Path], console: Console, driver: Any
) -> None:
    _, database_url, _ = crawled
    store = _store(database_url)
    with store.session() as session:
        failure = session.scalars(select(FailedPage).where(FailedPage.resolved.is_(False))).one()
        # What a fix of the stage would do, done to the page: it can be read now.
        page = session.get(Page, failure.page_id)
        assert page is not None
        page.body_gz = gzip.compress(article_html("repaired").encode())
    driver.get(console.url("/failures"))
    assert failure.reason in driver.find_element(By.CSS_SELECTOR, "tr[data-reason]").text
    row = driver.find_element(By.CSS_SELECTOR, f"tr[data-failure='{failure.id}']")
    follow(driver, row.find_element(By.TAG_NAME, "button").click)
    assert "retry of failure" in driver.find_element(By.CSS_SELECTOR, ".notice").text

    def stored() -> bool:
        with store.session() as session:
            state = session.scalar(select(Page.state).where(Page.id == failure.page_id))
            resolved = session.scalar(
                select(FailedPage.resolved).where(FailedPage.id == failure.id)
            )
        return state == "stored" and bool(resolved)

    wait_for(stored, what="the retried page to be stored")
    with store.session() as session:
        retry_run = session.scalars(select(CrawlRun).where(CrawlRun.trigger == "retry")).one()
    store.dispose()
    driver.get(console.url("/runs"))
    assert driver.find_elements(By.CSS_SELECTOR, f"tr[data-run='{retry_run.id}']")


def test_crawl_now_starts_a_run_that_appears_on_the_runs_page(
    crawled: tuple[Site, str, Path], console: Console, driver: Any
) -> None:
    _, database_url, _ = crawled
    store = _store(database_url)
    with store.session() as session:
        before = session.scalar(select(func.max(CrawlRun.id))) or 0
    driver.get(console.url("/sources/wk-agg"))
    follow(driver, driver.find_element(By.XPATH, "//button[text()='Crawl now']").click)
    assert "crawl of wk-agg started" in driver.find_element(By.CSS_SELECTOR, ".notice").text

    def finished_run() -> CrawlRun | None:
        with store.session() as session:
            run = session.scalars(
                select(CrawlRun).where(CrawlRun.id > before, CrawlRun.trigger == "cli")
            ).first()
        return run if run is not None and run.finished_at is not None else None

    run = wait_for(finished_run, what="the crawl started from the console to finish")
    store.dispose()
    assert run.sources == ["wk-agg"] and run.status == "succeeded", (run.status, run.error)
    driver.get(console.url("/runs"))
    row = driver.find_element(By.CSS_SELECTOR, f"tr[data-run='{run.id}']")
    assert "wk-agg" in row.text and "succeeded" in row.text


def test_a_source_page_shows_evidence_and_origin_and_checks_the_site(
    crawled: tuple[Site, str, Path], console: Console, driver: Any
) -> None:
    site, database_url, _ = crawled
    main = site.outlets[0]
    store = _store(database_url)
    with store.session() as session:
        stored = session.scalars(select(Article).where(Article.source == "wk-main")).first()
        assert stored is not None and stored.evidence
        title_evidence = stored.evidence["title"]
    store.dispose()
    driver.get(console.url("/sources/wk-main"))
    row = driver.find_element(By.XPATH, f"//tr[td/a[@href='{stored.url}']]")
    assert row.find_element(By.XPATH, "td[4]").text == "crawl"
    row.find_element(By.CSS_SELECTOR, "td.evidence summary").click()
    assert f"title\n{title_evidence}" in row.find_element(By.CSS_SELECTOR, "td.evidence dl").text
    # The check fetches the site now, as `kibaru sources check` does: the server sees it.
    seen = len(main.arrivals)
    follow(driver, driver.find_element(By.XPATH, "//button[text()='Check the site']").click)
    fetched = {path for _, path in main.arrivals[seen:]}
    assert {"/robots.txt", "/", "/sitemap.xml"} <= fetched, fetched
    sitemap = driver.find_element(By.CSS_SELECTOR, "table.check tr[data-kind=sitemap]")
    listed = [url for url in site.article_urls if url.startswith(main.base)]
    entries = len(listed) + len(site.rejected_urls) + len(site.failed_urls)
    assert "yes" in sitemap.text and f"urlset of {entries} entries" in sitemap.text


def test_an_action_without_its_csrf_token_is_refused(
    crawled: tuple[Site, str, Path], console: Console
) -> None:
    _, database_url, _ = crawled
    store = _store(database_url)
    with store.session() as session:
        runs = session.scalar(select(func.count()).select_from(CrawlRun))
    form = urllib.parse.urlencode({"csrf_token": "forged"}).encode()
    status, body = console.request(
        "POST", "/sources/wk-main/crawl", data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": "kibaru_csrf=another"},
    )
    assert status == 403 and "security token" in body
    status, _ = console.request("POST", "/failures/retry", data=b"stage=fetch&reason=x",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == runs
    store.dispose()


def test_metrics_parse_and_match_the_database(
    crawled: tuple[Site, str, Path], console: Console
) -> None:
    _, database_url, _ = crawled
    status, body = console.get("/metrics")
    assert status == 200
    samples = {
        (sample.name, sample.labels.get("source")): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    store = _store(database_url)
    with store.session() as session:
        for source in ("wk-main", "wk-agg"):
            states = dict(session.execute(
                select(Page.state, func.count()).where(Page.source == source)
                .group_by(Page.state)
            ).all())
            assert samples[("kibaru_pages_fetched_total", source)] == sum(states.values())
            assert samples[("kibaru_pages_stored_total", source)] == (
                states.get("stored", 0) + states.get("duplicate", 0)
            )
            assert samples[("kibaru_pages_rejected_total", source)] == states.get("rejected", 0)
            assert samples[("kibaru_pages_failed_total", source)] == states.get("failed", 0)
            assert samples[("kibaru_last_success_age_seconds", source)] >= 0
    store.dispose()


def test_the_console_refuses_to_listen_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    env = web_env(f"sqlite:///{tmp_path}/kibaru.db")
    done = subprocess.run(
        [sys.executable, "-m", "kibaru", "web", "--host", "0.0.0.0", "--port", "8765"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "KIBARU_WEB_TOKEN" in lines[0]


def test_with_a_token_the_console_asks_for_it(tmp_path: Path, driver: Any) -> None:
    env = web_env(f"sqlite:///{tmp_path}/kibaru.db", KIBARU_WEB_TOKEN="s3cret-token")
    with running_console(tmp_path, env) as guarded:
        status, _ = guarded.get("/metrics")
        assert status == 401
        status, body = guarded.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert status == 200 and "kibaru_pages_fetched" in body
        driver.delete_all_cookies()
        driver.get(guarded.url("/runs"))
        assert driver.current_url.startswith(guarded.url("/login"))
        driver.find_element(By.NAME, "token").send_keys("wrong")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form.login button").click)
        assert "not the console's token" in driver.find_element(By.TAG_NAME, "body").text
        driver.find_element(By.NAME, "token").send_keys("s3cret-token")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form.login button").click)
        assert driver.current_url == guarded.url("/runs")
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Runs")


def _column(driver: Any, heading: str) -> list[str]:
    """The cells under the header ``heading`` of the page's first table that has one."""
    for table in driver.find_elements(By.TAG_NAME, "table"):
        headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
        if heading in headers:
            index = headers.index(heading) + 1
            cells = table.find_elements(By.CSS_SELECTOR, f"tbody tr td:nth-child({index})")
            return [cell.text for cell in cells]
    raise AssertionError(f"no table with a {heading!r} column")


def test_an_article_says_how_it_reached_kibaru(
    console: Console, driver: Any, tmp_path: Path
) -> None:
    driver.get(console.url("/sources/wk-main"))
    assert set(_column(driver, "Origin")) == {"crawl"}

    sources = write_sources(tmp_path)
    archive = tmp_path / "pages.warc.gz"
    url, name = next(iter(ARTICLES.items()))
    write_warc(archive, [response(url, fixture_page(name))], gzip=True)
    database_url = f"sqlite:///{tmp_path}/imported.db"
    done = import_warc(database_url, sources, archive)
    assert done.returncode == 0, done.stderr[-3000:]
    env = web_env(database_url, KIBARU_SOURCES=str(sources), KIBARU_BUILTIN_SOURCES="false")
    with running_console(tmp_path, env) as imported:
        driver.get(imported.url("/sources/arch-sn"))
        assert _column(driver, "Origin") == ["import"]
        driver.get(imported.url("/search?q=arachidière"))
        assert _column(driver, "Origin") == ["import"]
