"""Search on PostgreSQL: the French and English full-text configurations of migration 0004,
through a real ``kibaru web`` over a database of its own."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.db import open_store
from storage.repository import upsert_article
from storage.search import SearchFilters, search_articles
from tests.web.console import running_console, web_env

pytestmark = pytest.mark.postgres

ARTICLES = [
    {"url": "https://www.aps.sn/actualites/riz", "source": "aps", "country": "SN",
     "title": "Les producteurs de riz de la vallée", "agencies": ["APS"],
     "text": "Les cultivateurs espèrent une récolte abondante cette année.",
     "published_at": datetime(2025, 2, 6, tzinfo=UTC)},
    {"url": "https://www.gna.org.gh/cocoa", "source": "gna", "country": "GH",
     "title": "Cocoa farmers expect better prices", "agencies": ["GNA"],
     "text": "The farmers were harvesting cocoa across the Ashanti region.",
     "published_at": datetime(2025, 3, 1, tzinfo=UTC)},
    {"url": "https://www.lessor.site/coton", "source": "essor", "country": "ML",
     "title": "Campagne cotonnière", "agencies": ["AMAP"],
     "text": "Le coton malien reste la première culture d'exportation.",
     "published_at": datetime(2025, 2, 20, tzinfo=UTC)},
]


def _titles(results: list[object]) -> set[str]:
    return {getattr(article, "title", "") for article in results}


def test_search_uses_french_and_english_stemming_and_the_filters(
    pg_url: str, tmp_path: Path
) -> None:
    store = open_store(pg_url)
    try:
        with store.session() as session:
            for article in ARTICLES:
                upsert_article(session, article)
        with store.session() as session:
            # French stemming: "récoltes" finds "récolte"; English: "harvest" finds "harvesting".
            assert _titles(search_articles(session, "récoltes")) == {ARTICLES[0]["title"]}
            assert _titles(search_articles(session, "harvest")) == {ARTICLES[1]["title"]}
            assert _titles(search_articles(session, "", SearchFilters(agency="AMAP"))) == {
                ARTICLES[2]["title"]
            }
            assert search_articles(session, "coton", SearchFilters(country="SN")) == []
            since = SearchFilters(since=datetime(2025, 2, 15, tzinfo=UTC))
            assert _titles(search_articles(session, "", since)) == {
                ARTICLES[1]["title"], ARTICLES[2]["title"]
            }
    finally:
        store.dispose()
    with running_console(tmp_path, web_env(pg_url)) as console:
        status, page = console.get("/search?" + urllib.parse.urlencode({"q": "cultivateurs"}))
        assert status == 200 and ARTICLES[0]["title"] in page
        assert ARTICLES[1]["title"] not in page
        _, page = console.get("/search?" + urllib.parse.urlencode({"agency": "GNA"}))
        assert ARTICLES[1]["title"] in page and ARTICLES[0]["title"] not in page
