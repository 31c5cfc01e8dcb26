"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from storage.db import (
    Store,
    current_revision,
    head_revision,
    make_engine,
    open_store,
    upgrade,
)
from storage.models import Article, Base
from storage.record import article_id_for
from storage.repository import upsert_article
from storage.search import include_name

URL = "https://www.aps.sn/actualites/article-1"


def test_migrations_match_models(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"include_name": include_name}),
            Base.metadata,
        )
    assert differences == []


def test_upgrade_from_the_first_schema_keeps_the_articles(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, url, canonical_url, source, text, authors, agencies,"
                " created_at, updated_at) VALUES (:id, :url, :url, 'aps', 'corps', '[]', '[]',"
                " :now, :now)"
            ),
            {"id": article_id_for(URL), "url": URL, "now": datetime(2026, 12, 1, tzinfo=UTC)},
        )
    engine.dispose()
    store = open_store(database_url)
    try:
        assert current_revision(store.engine) == head_revision()
        with store.session() as session:
            article_id, inserted = upsert_article(
                session, {"url": URL, "source": "aps", "title": "again"}
            )
            assert (article_id, inserted) == (article_id_for(URL), False)
            assert session.scalar(select(func.count()).select_from(Article)) == 1
    finally:
        store.dispose()
