"""The write that ends the processing of a page: its article, its state, its old failures.

:func:`save_processed` upserts the article, marks the page ``stored``/``duplicate`` with the
article's id, and resolves the URL's recorded failures, all or nothing. On PostgreSQL that is
one statement (data-modifying CTEs) sent on an autocommit connection: one round trip, where a
transaction of three statements takes five, and every page pays for it. SQLite has no
data-modifying CTEs; there the three statements run in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql

from storage.db import Store
from storage.models import utcnow
from storage.repository import (
    ARTICLES,
    FAILED_PAGES,
    PAGES,
    article_values,
    mark_page,
    refreshed_article_fields,
    resolve_failures,
    upsert_article,
)

# Parameter names must not be column names of the three tables: SQLAlchemy would take a
# parameter named like a column as one more value to SET in the UPDATEs.
_ARTICLE_PARAM = "v_article_{}"


@lru_cache(maxsize=16)
def _statement(columns: tuple[str, ...], refreshed: tuple[str, ...], with_page: bool) -> Any:
    """WITH stored AS (upsert), marked AS (update pages), resolved AS (update failed_pages)
    SELECT id FROM stored; every value a named parameter (literal values inside CTEs are
    not carried over to executions of a cached statement), so the statement is built once."""
    insert = postgresql.insert(ARTICLES).values(
        {name: bindparam(_ARTICLE_PARAM.format(name), type_=ARTICLES.c[name].type)
         for name in columns}
    )
    stored = (
        insert.on_conflict_do_update(
            index_elements=["id"], set_={k: insert.excluded[k] for k in refreshed}
        )
        .returning(ARTICLES.c.id)
        .cte("stored")
    )
    resolved = (
        update(FAILED_PAGES)
        .where(FAILED_PAGES.c.url == bindparam("v_url"))
        .values(resolved=bindparam("v_resolved"))
        .returning(FAILED_PAGES.c.id)
        .cte("resolved")
    )
    statement = select(stored.c.id).add_cte(resolved)
    if with_page:
        marked = (
            update(PAGES)
            .where(PAGES.c.id == bindparam("v_page_id"))
            .values(
                state=bindparam("v_state"),
                reason=bindparam("v_reason"),
                article_id=select(stored.c.id).scalar_subquery(),
                processed_at=bindparam("v_processed_at", type_=PAGES.c.processed_at.type),
            )
            .returning(PAGES.c.id)
            .cte("marked")
        )
        statement = statement.add_cte(marked)
    return statement


def save_processed(
    store: Store, record: Mapping[str, Any], *, url: str, page_id: int | None, state: str
) -> str:
    """Upsert ``record``'s article, mark page ``page_id`` (if any) ``state`` with its id, and
    resolve the failures recorded for ``url``, atomically; return the article's id."""
    if store.engine.dialect.name != "postgresql":
        with store.session() as session:
            article_id, _ = upsert_article(session, record)
            if page_id is not None:
                mark_page(session, page_id, state, article_id=article_id)
            resolve_failures(session, url)
        return article_id
    values = article_values(record)
    statement = _statement(tuple(values), refreshed_article_fields(values), page_id is not None)
    parameters = {_ARTICLE_PARAM.format(name): value for name, value in values.items()}
    parameters.update(
        v_url=url, v_resolved=True, v_page_id=page_id, v_state=state, v_reason=None,
        v_processed_at=utcnow(),
    )
    with store.autocommit() as connection:
        return str(connection.execute(statement, parameters).scalar_one())
