"""A fetched page into the store and back, on SQLite and on real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from storage.db import Store
from workers.page_rows import fetched_page, load_stored_page, load_stored_pages, save_fetched_page
from workers.stages.page import FetchedPage

PAGE = FetchedPage(
    url="https://www.aps.sn/actualites/article-1",
    source="aps",
    body="<html><body><p>Le préfet a signé.</p></body></html>".encode("windows-1252"),
    final_url="https://www.aps.sn/actualites/article-1?amp",
    status=200,
    headers={"Content-Type": "text/html; charset=windows-1252"},
    encoding="cp1252",
    fetched_at=datetime(2025, 2, 6, 19, 45, tzinfo=UTC),
    hints={"published_at": "2025-02-06T19:45:00+00:00"},
)


def test_a_saved_page_loads_back_as_it_was_fetched(store: Store) -> None:
    page_id = save_fetched_page(store, PAGE, run_id=None)
    row = load_stored_page(store, page_id)
    assert row is not None
    assert (row.state, row.run_id) == ("pending", None)
    assert fetched_page(row) == PAGE


def test_saving_again_refreshes_the_same_row(store: Store) -> None:
    first = save_fetched_page(store, PAGE, run_id=None)
    refetched = FetchedPage(url=PAGE.url, source="aps", body=b"<p>v2</p>", final_url=PAGE.url)
    assert save_fetched_page(store, refetched, run_id=None) == first
    row = load_stored_page(store, first)
    assert row is not None and fetched_page(row).body == b"<p>v2</p>"


def test_a_missing_page_loads_as_none(store: Store) -> None:
    assert load_stored_page(store, 424242) is None


def test_a_batch_of_pages_loads_in_one_go(store: Store) -> None:
    pages = [replace(PAGE, url=f"{PAGE.url}-{n}", body=f"<p>{n}</p>".encode()) for n in range(3)]
    ids = [save_fetched_page(store, page, run_id=None) for page in pages]
    rows = load_stored_pages(store, [ids[2], 424242, ids[0], ids[1]])
    assert sorted(rows) == sorted(ids)  # the missing id is left out
    assert [fetched_page(rows[page_id]) for page_id in ids] == pages
