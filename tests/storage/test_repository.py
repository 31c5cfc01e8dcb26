"""The idempotent repository, on SQLite and on real PostgreSQL."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, select

from storage.db import Store
from storage.models import Article, FailedPage, Page
from storage.record import article_id_for
from storage.repository import (
    known_urls,
    mark_page,
    record_failure,
    save_page,
    upsert_article,
    upsert_sources,
)


def _record(n: int, **extra: object) -> dict[str, object]:
    url = f"https://www.aps.sn/actualites/article-{n}"
    return {
        "url": url + "?utm_source=x",
        "canonical_url": url,
        "source": "aps",
        "source_name": "Agence de Presse Sénégalaise",
        "country": "SN",
        "title": f"Titre {n}",
        "text": f"Texte de l'article {n}.\n\nDeuxième paragraphe.",
        "published_at": datetime(2025, 2, 6, 19, 45, tzinfo=UTC),
        "language": "fr",
        "authors": ["Amen K."],
        "agencies": ["APS"],
        "byline": "Amen K.",
        "fetched_at": datetime(2025, 2, 7, tzinfo=UTC),
        **extra,
    }


def test_upsert_inserts_then_updates_in_place(store: Store) -> None:
    with store.session() as session:
        first_id, inserted = upsert_article(session, _record(1))
    assert inserted is True
    assert first_id == article_id_for("https://www.aps.sn/actualites/article-1")
    with store.session() as session:
        again_id, inserted_again = upsert_article(session, _record(1, title="Titre corrigé"))
    assert (again_id, inserted_again) == (first_id, False)
    with store.session() as session:
        rows = session.scalars(select(Article)).all()
    assert len(rows) == 1
    assert rows[0].title == "Titre corrigé"
    assert rows[0].authors == ["Amen K."]
    assert rows[0].published_at == datetime(2025, 2, 6, 19, 45, tzinfo=UTC)


def test_an_id_foreign_to_the_canonical_url_is_refused(store: Store) -> None:
    with store.session() as session, pytest.raises(ValueError, match="leave `id` out"):
        upsert_article(session, _record(3, id=article_id_for("https://elsewhere.sn/a")))
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 0


def test_articles_have_one_unique_key(store: Store) -> None:
    # ON CONFLICT resolves conflicts on one index only: a second unique key on articles would
    # make two workers storing the same new article at once fail (see migration 0002).
    inspector = inspect(store.engine)
    unique_indexes = [ix for ix in inspector.get_indexes("articles") if ix["unique"]]
    assert inspector.get_unique_constraints("articles") == []
    assert unique_indexes == []
    assert inspector.get_pk_constraint("articles")["constrained_columns"] == ["id"]


def test_upsert_keeps_cluster_assignment_of_first_store(store: Store) -> None:
    with store.session() as session:
        upsert_article(session, _record(2, cluster_id="c1", duplicate_of=None))
        upsert_article(session, _record(2, cluster_id="other", duplicate_of="x"))
    with store.session() as session:
        row = session.scalars(select(Article)).one()
    assert row.cluster_id == "c1"
    assert row.duplicate_of is None


def test_known_urls_matches_url_canonical_and_processed_pages(store: Store) -> None:
    with store.session() as session:
        upsert_article(session, _record(3))
        rejected = save_page(
            session, url="https://www.aps.sn/rubrique/politique", final_url="", source="aps",
            body=b"<html></html>",
        )
        mark_page(session, rejected, "rejected", reason="category_page")
        save_page(session, url="https://www.aps.sn/pending", final_url="", source="aps", body=b"x")
    asked = [
        "https://www.aps.sn/actualites/article-3",
        "https://www.aps.sn/actualites/article-3?utm_source=x",
        "https://www.aps.sn/rubrique/politique",
        "https://www.aps.sn/pending",  # fetched but not processed yet: fetch it again
        *(f"https://www.aps.sn/new-{n}" for n in range(1200)),  # more than one batch
    ]
    with store.session() as session:
        found = known_urls(session, asked)
    assert found == set(asked[:3])


def test_save_page_is_keyed_by_url_and_compressed(store: Store) -> None:
    with store.session() as session:
        first = save_page(
            session,
            url="https://a.sn/x",
            final_url="https://a.sn/y",
            source="aps",
            body=b"v1",
            headers={"content-type": "text/html"},
        )
        second = save_page(session, url="https://a.sn/x", final_url="", source="aps", body=b"v2")
    assert first == second
    with store.session() as session:
        page = session.get(Page, first)
        assert page is not None
        assert gzip.decompress(page.body_gz) == b"v2"
        assert page.final_url == "https://a.sn/x"


def test_failures_count_attempts(store: Store) -> None:
    for _ in range(3):
        with store.session() as session:
            record_failure(
                session, url="https://a.sn/bad", stage="clean", reason="empty_body", source="aps"
            )
    with store.session() as session:
        failure = session.scalars(select(FailedPage)).one()
    assert (failure.attempts, failure.stage, failure.reason) == (3, "clean", "empty_body")


def test_sources_upsert(store: Store) -> None:
    source = {
        "id": "aps",
        "name": "APS",
        "country": "SN",
        "language": "fr",
        "homepage": "https://www.aps.sn/",
        "kind": "agency",
        "selectors": {"body": ".x"},
    }
    with store.session() as session:
        upsert_sources(session, [source])
        upsert_sources(session, [{**source, "name": "Agence de Presse Sénégalaise"}])
    with store.session() as session:
        count = session.scalar(select(func.count()).select_from(Article))
        assert count == 0
        from storage.models import SourceRow

        row = session.get(SourceRow, "aps")
        assert row is not None and row.name == "Agence de Presse Sénégalaise"
        assert row.selectors == {"body": ".x"}
