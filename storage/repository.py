"""Idempotent writes and the batched reads the crawler and workers need.

Every write here can run twice, or in two processes at the same moment, and leave the same
rows: articles are upserted on their id (derived from the canonical URL, so one row per
canonical URL), pages on their unique URL, failures
on (url, stage). ``INSERT … ON CONFLICT`` does the work in the database (PostgreSQL and SQLite
both have it), so there is no read-then-write race.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Article, FailedPage, Page, SourceRow, utcnow
from storage.record import ARTICLE_FIELDS, article_id_for

BATCH = 500
# The Core tables of the per-page writes and reads (see mark_page).
PAGES = cast(Table, Page.__table__)
FAILED_PAGES = cast(Table, FailedPage.__table__)
ARTICLES = cast(Table, Article.__table__)


def _dialect(executor: Session | Connection) -> str:
    if isinstance(executor, Connection):
        return executor.dialect.name
    return executor.get_bind().dialect.name


def dialect_insert(session: Session, target: Any) -> Any:
    """The dialect's INSERT (both PostgreSQL's and SQLite's have ``on_conflict_do_update``)."""
    return _insert_for(_dialect(session), target)


def _insert_for(dialect: str, target: Any) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(target)
    if dialect == "sqlite":
        return sqlite.insert(target)
    raise NotImplementedError(f"database dialect {dialect!r} is not supported")


@lru_cache(maxsize=64)
def _upsert_statement(
    dialect: str, model: type[Any], conflict: str, refreshed: tuple[str, ...],
    returning: tuple[str, ...],
) -> Any:
    """``INSERT … ON CONFLICT (conflict) DO UPDATE SET refreshed … RETURNING returning`` on the
    model's table, built once: the values come as parameters of each execution.

    Built per call, the statement (and its ``excluded`` columns) cost more than the
    round trip on the crawler's and workers' per-page writes; on the Core table the write also
    skips the ORM's bulk-insert bookkeeping. The compiled form is cached by SQLAlchemy.
    """
    table = model.__table__
    insert = _insert_for(dialect, table)
    return insert.on_conflict_do_update(
        index_elements=[conflict], set_={k: insert.excluded[k] for k in refreshed}
    ).returning(*(table.c[name] for name in returning))


# Fields refreshed when the same canonical URL is stored again (a re-fetch or reprocess).
# id, cluster_id, duplicate_of and created_at stay as first stored: clusters are stable.
_REFRESHED = (
    "url", "source", "source_name", "country", "title", "text", "published_at", "language",
    "authors", "agencies", "byline", "content_hash", "fetched_at", "evidence", "signature",
    "page_id", "run_id",
)


def upsert_article(session: Session, record: Mapping[str, Any]) -> tuple[str, bool]:
    """Store one article record keyed by its canonical URL (through the id derived from it);
    return (id, inserted).

    ``record`` has the article-record fields (``id`` optional: it is derived from the canonical
    URL) and optionally ``signature``, ``page_id``, ``run_id``. Running it twice, or from two
    workers at once, leaves exactly one row.
    """
    values = article_values(record)
    statement = _upsert_statement(
        _dialect(session), Article, "id", refreshed_article_fields(values),
        ("id", "created_at"),
    )
    row = session.execute(statement, values).one()
    # On conflict the row keeps its id and created_at: a created_at other than ours
    # means the row was there before.
    return str(row[0]), row[1] == values["created_at"]


def article_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``articles`` columns of ``record``, its id derived from the canonical URL.

    The id is the table's one unique key (see migration 0002), so an id that does not belong
    to the canonical URL would store two rows for one URL: it raises ``ValueError``.
    """
    canonical = record.get("canonical_url") or record["url"]
    columns = (*ARTICLE_FIELDS, "signature", "page_id", "run_id")
    values = {k: record[k] for k in columns if k in record}
    values["canonical_url"] = canonical
    derived = article_id_for(canonical)
    if values.setdefault("id", derived) != derived:
        raise ValueError(
            f"article id {values['id']!r} is not the id of its canonical URL {canonical!r}; "
            "leave `id` out of the record (it is derived from `canonical_url`)"
        )
    values.setdefault("authors", [])
    values.setdefault("agencies", [])
    values.setdefault("text", "")
    now = utcnow()
    values["created_at"] = now
    values["updated_at"] = now
    return values


def refreshed_article_fields(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns an upsert of ``values`` overwrites on an existing row."""
    return (*(k for k in _REFRESHED if k in values), "updated_at")


def known_urls(session: Session, urls: Iterable[str], *, every_page: bool = False) -> set[str]:
    """Which of ``urls`` are already stored as an article (url or canonical URL) or page.

    A page counts once processed (stored, duplicate, rejected): a failed or pending one is
    fetched again by a crawl. With ``every_page``, any stored page counts, whatever its state
    (a backfill never fetches a stored page again; it hands a pending one on instead).
    One query per batch of 500 URLs, never one per URL.
    """
    pending = list(dict.fromkeys(urls))
    found: set[str] = set()
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        found.update(session.scalars(select(Article.url).where(Article.url.in_(chunk))))
        found.update(
            session.scalars(select(Article.canonical_url).where(Article.canonical_url.in_(chunk)))
        )
        pages = select(Page.url).where(Page.url.in_(chunk))
        if not every_page:
            pages = pages.where(Page.state.in_(_DONE_STATES))
        found.update(session.scalars(pages))
    return found & set(pending)


_DONE_STATES = ("stored", "duplicate", "rejected")


def urls_of_run(session: Session, urls: Iterable[str], run_id: int) -> set[str]:
    """Which of ``urls`` are pages of run ``run_id``, whatever their state: an import that
    meets a URL it has already handed on (one query per batch of 500 URLs)."""
    pending = list(dict.fromkeys(urls))
    found: set[str] = set()
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        found.update(
            session.scalars(select(Page.url).where(Page.url.in_(chunk), Page.run_id == run_id))
        )
    return found


def save_page(
    session: Session | Connection,
    *,
    url: str,
    final_url: str,
    source: str,
    body: bytes,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    encoding: str | None = None,
    hints: Mapping[str, str] | None = None,
    fetched_at: datetime | None = None,
    run_id: int | None = None,
    origin: str = "crawl",
) -> int:
    """Store (or refresh) a fetched page, gzip-compressed; return its id. Keyed by ``url``."""
    values: dict[str, Any] = {
        "url": url,
        "final_url": final_url or url,
        "source": source,
        "status": status,
        "headers": dict(headers or {}),
        "encoding": encoding,
        "hints": dict(hints or {}),
        # Level 1: a third of level 6's CPU on news pages for a fifth more bytes; every
        # page a crawl fetches pays it (4.6 against 1.6 ms on the real-page benchmark site).
        "body_gz": gzip.compress(body, compresslevel=1),
        "fetched_at": fetched_at or utcnow(),
        "run_id": run_id,
        "origin": origin,
        "state": "pending",
    }
    refreshed = tuple(k for k in values if k != "url")
    statement = _upsert_statement(_dialect(session), Page, "url", refreshed, ("id",))
    return int(session.execute(statement, values).scalar_one())


def page_body(page: Page | Row[Any]) -> bytes:
    """The raw bytes of a stored page (an ORM row or a :func:`read_pages` row)."""
    return gzip.decompress(page.body_gz)


def read_pages(connection: Session | Connection, page_ids: Iterable[int]) -> dict[int, Row[Any]]:
    """The ``pages`` rows of ``page_ids`` by id (every column, as attributes; ids not in the
    store are left out). One statement per 500 ids, without the ORM: this is the first read of
    every processing task."""
    wanted = list(dict.fromkeys(page_ids))
    rows: dict[int, Row[Any]] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        rows.update((row.id, row) for row in connection.execute(
            select(PAGES).where(PAGES.c.id.in_(chunk))
        ))
    return rows


def mark_page(
    session: Session, page_id: int, state: str, *, reason: str | None = None,
    article_id: str | None = None,
) -> None:
    """Record what processing made of a page: stored, duplicate, rejected or failed."""
    # On the Core table: the ORM's update would also look for the row among loaded objects.
    session.execute(
        update(PAGES)
        .where(PAGES.c.id == page_id)
        .values(state=state, reason=reason, article_id=article_id, processed_at=utcnow())
    )


def record_failure(
    session: Session,
    *,
    url: str,
    stage: str,
    reason: str,
    error: str | None = None,
    source: str | None = None,
    page_id: int | None = None,
    run_id: int | None = None,
) -> None:
    """Record a page a stage could not process; a repeat bumps ``attempts``."""
    now = utcnow()
    statement = dialect_insert(session, FailedPage).values(
        url=url, stage=stage, reason=reason, error=error, source=source, page_id=page_id,
        run_id=run_id, attempts=1, first_failed_at=now, last_failed_at=now, resolved=False,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["url", "stage"],
        set_={
            "reason": statement.excluded.reason,
            "error": statement.excluded.error,
            "run_id": statement.excluded.run_id,
            "page_id": statement.excluded.page_id,
            "attempts": FailedPage.attempts + 1,
            "last_failed_at": statement.excluded.last_failed_at,
            "resolved": False,
        },
    )
    session.execute(statement)


def resolve_failures(session: Session, url: str) -> None:
    """Mark every failure of ``url`` resolved (it has since been processed)."""
    session.execute(update(FAILED_PAGES).where(FAILED_PAGES.c.url == url).values(resolved=True))


def upsert_sources(session: Session, sources: Iterable[Mapping[str, Any]]) -> None:
    """Keep the sources table in step with the registry (id, name, country, language…).

    Call it before crawling: workers read a page's source (name, country, selectors) from here.
    """
    for source in sources:
        columns = ("id", "name", "country", "language", "homepage", "kind", "selectors")
        values = {k: source.get(k) for k in columns}
        statement = dialect_insert(session, SourceRow).values(**values, updated_at=utcnow())
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["id"],
                set_={k: statement.excluded[k] for k in (*values, "updated_at") if k != "id"},
            )
        )
