"""The write that ends a page's processing, on SQLite and on real PostgreSQL (one statement)."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Store
from storage.models import Article, FailedPage, Page
from storage.processed import save_processed
from storage.record import article_id_for
from storage.repository import mark_page, record_failure, save_page
from tests.storage.test_repository import _record

URL = "https://www.aps.sn/actualites/article-1?utm_source=x"


def _failed_page(store: Store) -> int:
    with store.session() as session:
        page_id = save_page(session, url=URL, final_url=URL, source="aps", body=b"<p>x</p>")
        record_failure(session, url=URL, stage="clean", reason="empty_body", page_id=page_id)
        record_failure(session, url="https://a.sn/other", stage="clean", reason="empty_body")
        mark_page(session, page_id, "failed", reason="clean: empty_body")
    return page_id


def test_stores_the_article_marks_the_page_and_resolves_its_failures(store: Store) -> None:
    page_id = _failed_page(store)
    article_id = save_processed(
        store, _record(1, cluster_id="c1", page_id=page_id), url=URL, page_id=page_id,
        state="duplicate",
    )
    assert article_id == article_id_for("https://www.aps.sn/actualites/article-1")
    with store.session() as session:
        article = session.scalars(select(Article)).one()
        page = session.get(Page, page_id)
        failures = {row.url: row.resolved for row in session.scalars(select(FailedPage))}
    assert (article.id, article.title, article.authors) == (article_id, "Titre 1", ["Amen K."])
    assert article.cluster_id == "c1"
    assert page is not None
    assert (page.state, page.reason, page.article_id) == ("duplicate", None, article_id)
    assert page.processed_at is not None
    assert failures == {URL: True, "https://a.sn/other": False}


def test_twice_leaves_one_row_refreshed_and_the_first_cluster(store: Store) -> None:
    page_id = _failed_page(store)
    first = save_processed(
        store, _record(1, cluster_id="c1"), url=URL, page_id=page_id, state="stored"
    )
    again = save_processed(
        store, _record(1, cluster_id="c2", title="Titre corrigé"), url=URL, page_id=page_id,
        state="stored",
    )
    assert again == first
    with store.session() as session:
        rows = session.scalars(select(Article)).all()
    assert [(row.title, row.cluster_id) for row in rows] == [("Titre corrigé", "c1")]


def test_without_a_page_stores_the_article_only(store: Store) -> None:
    article_id = save_processed(
        store, _record(3), url="https://a.sn/3", page_id=None, state="stored"
    )
    with store.session() as session:
        assert session.scalars(select(Article.id)).all() == [article_id]
        assert session.scalars(select(Page)).all() == []
