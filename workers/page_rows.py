"""A fetched page in the store and back: the row the crawler writes, the page a task reads.

Both are single statements on an autocommit connection (see :meth:`storage.db.Store.autocommit`):
they are atomic by themselves, and every page pays for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row

from storage.db import Store
from storage.models import Page
from storage.repository import page_body, read_pages, save_page
from workers.stages.page import FetchedPage


def save_fetched_page(store: Store, page: FetchedPage, run_id: int | None) -> int:
    """Store the raw page (compressed) as pending under ``run_id``; return its id."""
    with store.autocommit() as connection:
        return save_page(
            connection, url=page.url, final_url=page.final_url, source=page.source,
            body=page.body, status=page.status, headers=page.headers, encoding=page.encoding,
            hints=page.hints, fetched_at=page.fetched_at, run_id=run_id, origin=page.origin,
        )


def load_stored_page(store: Store, page_id: int) -> Row[Any] | None:
    """The stored row of page ``page_id`` (None when it is not in the store)."""
    return load_stored_pages(store, [page_id]).get(page_id)


def load_stored_pages(store: Store, page_ids: Iterable[int]) -> dict[int, Row[Any]]:
    """The stored rows of ``page_ids`` by id, in one statement (a task's batch of pages)."""
    with store.autocommit() as connection:
        return read_pages(connection, page_ids)


def fetched_page(page_row: Page | Row[Any]) -> FetchedPage:
    """The fetched page as the crawler handed it on, from its stored row."""
    return FetchedPage(
        url=page_row.url,
        source=page_row.source,
        body=page_body(page_row),
        final_url=page_row.final_url,
        status=page_row.status,
        headers=dict(page_row.headers or {}),
        encoding=page_row.encoding,
        fetched_at=page_row.fetched_at,
        hints=dict(page_row.hints or {}),
        origin=page_row.origin,
    )
