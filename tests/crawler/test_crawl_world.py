"""Crawling the fake outlets end to end, through run_crawl in its own process and the real
ingestor (embedded mode, SQLite): every discovery path, every trap, and a second run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from crawler.urls import canonical_url
from storage.db import Store, open_store
from storage.models import Article, CrawlRun, Page
from tests.crawler.crawling import TEST_USER_AGENT, run_crawl_process
from tests.crawler.world import ACCENTED, World, build_world


@dataclass
class Crawled:
    world: World
    store: Store
    first: dict[str, Any]
    second: dict[str, Any]
    first_hits: dict[str, list[str]]
    second_hits: dict[str, list[str]]

    def hits(self, outlet: str, path: str, *, run: int = 1) -> int:
        requests = (self.first_hits if run == 1 else self.second_hits)[outlet]
        return sum(1 for requested in requests if requested == path)

    def articles(self) -> list[Article]:
        with self.store.session() as session:
            return list(session.scalars(select(Article)))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("world")
    world = build_world(tmp)
    database_url = f"sqlite:///{tmp / 'kibaru.db'}"
    try:
        first = run_crawl_process(world.sources_file, database_url)
        first_hits = {name: list(o.requests) for name, o in world.outlets.items()}
        for outlet in world.outlets.values():
            outlet.requests.clear()
        second = run_crawl_process(world.sources_file, database_url)
        second_hits = {name: list(o.requests) for name, o in world.outlets.items()}
        store = open_store(database_url)
        yield Crawled(world, store, first, second, first_hits, second_hits)
        store.dispose()
    finally:
        world.stop()


def by_source(summary: dict[str, Any], source_id: str) -> dict[str, Any]:
    return summary["by_source"][source_id]  # type: ignore[no-any-return]


def test_runs_succeed_and_are_recorded(crawled: Crawled) -> None:
    assert crawled.first["_exit"] == 0, crawled.first["_stderr"][-3000:]
    assert crawled.first["status"] == "succeeded"
    assert crawled.second["status"] == "succeeded"
    with crawled.store.session() as session:
        runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    assert [run.status for run in runs] == ["succeeded", "succeeded"]
    assert runs[0].finished_at is not None
    assert runs[0].counts["pages"] == crawled.first["pages"] > 0
    assert "t-traps" in runs[0].sources


def test_every_article_is_stored_and_nothing_else(crawled: Crawled) -> None:
    stored = {article.canonical_url for article in crawled.articles()}
    expected = {canonical_url(url) for url in crawled.world.articles}
    assert stored == expected
    assert crawled.first["articles"] == len(expected)
    assert crawled.first["failed"] == 0
    assert crawled.first["rejected"] == 0


def test_polite_identifying_user_agent(crawled: Crawled) -> None:
    for outlet in crawled.world.outlets.values():
        assert outlet.user_agents <= {TEST_USER_AGENT}


def test_rss_and_tracking_parameters(crawled: Crawled) -> None:
    # Listed three ways (utm_*/fbclid, fragment, plain): fetched once, stored once.
    assert crawled.hits("rss", "/2025/02/un.html") == 1
    assert not any("utm_" in path or "fbclid" in path for path in crawled.first_hits["rss"])
    assert by_source(crawled.first, "t-rss")["pages"] == 3


def test_atom_feed(crawled: Crawled) -> None:
    assert crawled.hits("atom", "/atom/a.html") == 1
    assert crawled.hits("atom", "/atom/b.html") == 1


def test_sitemap_index_to_gzipped_sitemap(crawled: Crawled) -> None:
    assert crawled.hits("gzindex", "/sitemap-posts.xml.gz") == 1
    assert by_source(crawled.first, "t-gzindex")["pages"] == 3


def test_news_sitemap_dates_travel_with_the_page(crawled: Crawled) -> None:
    with crawled.store.session() as session:
        pages = list(session.scalars(select(Page).where(Page.source == "t-news")))
    assert len(pages) == 2
    assert all(page.hints["published_at"] == "2025-02-06T19:45:00+00:00" for page in pages)


def test_listing_pagination_is_followed_and_bounded(crawled: Crawled) -> None:
    for number in range(2, 7):
        assert crawled.hits("listing", f"/actu/page/{number}") == 1
    assert crawled.hits("listing", "/actu/page/7") == 0  # beyond max_pagination_depth=5
    assert crawled.hits("listing", "/story/70") == 0
    assert crawled.hits("listing", "/apropos") == 0  # not an article_pattern link
    assert by_source(crawled.first, "t-listing")["pages"] == 12


def test_discovery_from_the_homepage_alone(crawled: Crawled) -> None:
    # <link rel="alternate"> and the robots.txt Sitemap: line.
    assert crawled.hits("auto", "/flux/") == 1
    assert crawled.hits("auto", "/carte.xml") == 1
    assert by_source(crawled.first, "t-auto")["pages"] == 2
    # Nothing advertised: the usual paths.
    assert crawled.hits("usual", "/feed/") == 1
    assert crawled.hits("usual", "/sitemap.xml") == 1
    assert by_source(crawled.first, "t-usual")["pages"] == 2
    assert by_source(crawled.first, "t-usual")["errors_by_kind"] == {}  # misses are no errors


def test_robots_txt_disallow_is_honoured(crawled: Crawled) -> None:
    assert crawled.hits("robots", "/private/secret") == 0
    assert crawled.hits("robots", "/public/ok") == 1
    assert by_source(crawled.first, "t-robots")["errors_by_kind"] == {"robots": 1}


def test_traps_are_counted_never_fatal(crawled: Crawled) -> None:
    errors = by_source(crawled.first, "t-traps")["errors_by_kind"]
    assert errors == {"http_404": 1, "offsite": 1, "too_large": 1, "xml_entities": 1}
    assert by_source(crawled.first, "t-traps")["redirects"] >= 2  # the 301 and the 302
    # The 301 and its target: stored once, under the canonical URL.
    stored = [a for a in crawled.articles() if a.source == "t-traps"]
    assert [a.canonical_url.rsplit("/", 2)[-2:] for a in stored] == [["canonical", "story"]]
    # A redirect off the site is never followed.
    assert crawled.first_hits["elsewhere"] == []
    # The entity bomb was never expanded: the URL hidden in its entities was never fetched.
    assert crawled.hits("traps", "/bomb-target") == 0
    # The 30 MB page was cut off at the cap and not handed on.
    assert crawled.hits("traps", "/huge") == 1
    assert crawled.first["error_samples"]["too_large"][0].endswith("/huge")


def test_windows_1252_declared_in_meta_only(crawled: Crawled) -> None:
    with crawled.store.session() as session:
        page = session.scalars(select(Page).where(Page.source == "t-cp1252")).one()
        article = session.scalars(select(Article).where(Article.source == "t-cp1252")).one()
    assert page.encoding == "cp1252"
    text = f"{article.title}\n{article.text}"
    assert "Ã" not in text and "\ufffd" not in text
    assert any(word in text for word in ("présidé", "sécurité", "délégations", "échanges",
                                         "Ségou", "été", "préfet", "réclame"))
    assert ACCENTED.split(",")[0] in text or "é" in text


def test_second_run_fetches_no_article_again(crawled: Crawled) -> None:
    article_paths = {url.split("/", 3)[3] for url in crawled.world.articles}
    for name, requests in crawled.second_hits.items():
        fetched_again = [p for p in requests if p.lstrip("/") in article_paths]
        assert fetched_again == [], name
    assert crawled.second["pages"] == 0
    assert crawled.second["known"] >= len(crawled.world.articles)
    assert crawled.second["articles"] == 0
