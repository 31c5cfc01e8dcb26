"""A backfill's state in the store, on SQLite and PostgreSQL: checkpoints written, replaced and
dropped; the pages a killed backfill left pending; the articles of a range by month; and the
stored-URL check that counts pending pages for a backfill only."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.backfill import (
    Checkpoint,
    articles_by_month,
    forget_checkpoint,
    read_checkpoint,
    unprocessed_pages,
    write_checkpoint,
)
from storage.db import Store
from storage.repository import known_urls, mark_page, save_page, upsert_article

SINCE = datetime(2022, 6, 1, tzinfo=UTC)
UNTIL = datetime(2023, 2, 28, 23, 59, tzinfo=UTC)


def test_a_checkpoint_is_written_moved_replaced_and_dropped(store: Store) -> None:
    first = Checkpoint("aps", SINCE, UNTIL, False, "wp-json", {"step": 1})
    with store.session() as session:
        assert read_checkpoint(session, "aps") is None
        write_checkpoint(session, first, run_id=1)
    with store.session() as session:
        write_checkpoint(session, Checkpoint("aps", SINCE, UNTIL, False, "wp-json",
                                             {"step": 4}), run_id=2)
    with store.session() as session:
        moved = read_checkpoint(session, "aps")
    assert moved == Checkpoint("aps", SINCE, UNTIL, False, "wp-json", {"step": 4})
    assert moved.same_range(SINCE, UNTIL, False)
    assert not moved.same_range(SINCE, None, False)
    assert not moved.same_range(SINCE, UNTIL, True)
    other = Checkpoint("aps", SINCE, None, True, "sitemap",
                       {"root": "https://aps.sn/sitemap.xml"}, finished=True)
    with store.session() as session:
        write_checkpoint(session, other, run_id=3)
    with store.session() as session:
        assert read_checkpoint(session, "aps") == other
        forget_checkpoint(session, "aps")
    with store.session() as session:
        assert read_checkpoint(session, "aps") is None


def _page(store: Store, url: str, origin: str) -> int:
    with store.session() as session:
        return save_page(session, url=url, final_url=url, source="aps", body=b"<html></html>",
                         origin=origin)


def test_pending_backfill_pages_are_found_and_known_to_a_backfill_only(store: Store) -> None:
    pending = _page(store, "https://aps.sn/a", "backfill")
    done = _page(store, "https://aps.sn/b", "backfill")
    _page(store, "https://aps.sn/c", "crawl")
    with store.session() as session:
        mark_page(session, done, "stored")
    with store.session() as session:
        left = unprocessed_pages(session, ["aps"], "backfill")
        assert [row.id for row in left] == [pending]
        urls = ["https://aps.sn/a", "https://aps.sn/b", "https://aps.sn/z"]
        assert known_urls(session, urls) == {"https://aps.sn/b"}
        assert known_urls(session, urls, every_page=True) == {"https://aps.sn/a",
                                                               "https://aps.sn/b"}


def test_articles_of_a_range_by_month(store: Store) -> None:
    articles = [("https://aps.sn/1", datetime(2022, 5, 31, 23, tzinfo=UTC), 7),
                ("https://aps.sn/2", datetime(2022, 6, 1, 8, tzinfo=UTC), 7),
                ("https://aps.sn/3", datetime(2022, 6, 20, tzinfo=UTC), 8),
                ("https://aps.sn/4", None, 8),
                ("https://aps.sn/5", datetime(2023, 2, 2, tzinfo=UTC), 8)]
    with store.session() as session:
        for url, published, run_id in articles:
            upsert_article(session, {"url": url, "source": "aps", "published_at": published,
                                     "run_id": run_id})
    with store.session() as session:
        assert articles_by_month(session, "aps", SINCE, UNTIL) == {"2022-06": 2, "2023-02": 1}
        assert articles_by_month(session, "aps", SINCE, UNTIL, run_id=8) == {
            "2022-06": 1, "2023-02": 1, "undated": 1
        }
