"""A bug in a stage is loud and kept with its page; it never loses the page nor stops others."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import select

from kibaru.settings import Settings
from storage.db import Store, open_store
from storage.models import FailedPage, Page
from storage.runs import unresolved_bug_counts
from tests.crawler.outlets import article_html
from workers.page_rows import save_fetched_page
from workers.pipeline import process_page
from workers.stages.dedup.service import Deduplicator, open_dedup
from workers.stages.page import FetchedPage


class _BrokenDedup(Deduplicator):
    """The real dedup service with a bug planted for the one page whose body names ``trigger``
    (``article_html`` writes "Le dossier <slug> numéro <n> reste suivi." in each paragraph)."""

    trigger = "dossier bug-1 numéro"

    def assign(self, record: Any) -> Any:
        if self.trigger in record.text:
            raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")
        return super().assign(record)


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Any:
    store = open_store(sqlite_url)
    yield store
    store.dispose()


def _page(slug: str) -> FetchedPage:
    return FetchedPage(
        url=f"https://www.aps.sn/2025/02/{slug}.html", source="aps",
        body=article_html(slug).encode("utf-8"), headers={"content-type": "text/html"},
    )


def test_a_stage_bug_is_logged_with_its_traceback_and_kept_on_the_failed_page(
    sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    real = open_dedup(Settings(database_url="sqlite://"), sqlite_store)
    dedup = _BrokenDedup(sqlite_store, real.rules)
    pages = [_page(f"bug-{n}") for n in range(3)]
    page_ids = [save_fetched_page(sqlite_store, page, None) for page in pages]
    with caplog.at_level(logging.INFO, logger="workers.pipeline"):
        outcomes = [
            process_page(page, store=sqlite_store, dedup=dedup, source=None, page_id=page_id)
            for page, page_id in zip(pages, page_ids, strict=True)
        ]
    assert [o.status for o in outcomes] == ["stored", "failed", "stored"]
    assert outcomes[1].reason == "dedup: bug:TypeError"
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert logged.exc_info is not None and "bug in stage dedup" in logged.getMessage()
    with sqlite_store.session() as session:
        [failure] = session.scalars(select(FailedPage)).all()
        states = dict(session.execute(select(Page.id, Page.state)).all())
        bugs = unresolved_bug_counts(session)
    assert (failure.url, failure.stage, failure.reason) == (pages[1].url, "dedup", "bug:TypeError")
    assert failure.error is not None
    assert failure.error.startswith("Traceback (most recent call last):")
    assert "unsupported operand type(s)" in failure.error and "def assign" not in failure.error
    assert "in assign" in failure.error  # the frame where it was raised
    assert [states[i] for i in page_ids] == ["stored", "failed", "stored"]
    assert bugs == {"aps": 1}


class _InterruptedDedup(Deduplicator):
    def assign(self, record: Any) -> Any:
        raise SoftTimeLimitExceeded()


def test_the_soft_time_limit_is_not_a_bug_it_reaches_the_task_layer(sqlite_store: Store) -> None:
    real = open_dedup(Settings(database_url="sqlite://"), sqlite_store)
    page = _page("slow")
    page_id = save_fetched_page(sqlite_store, page, None)
    with pytest.raises(SoftTimeLimitExceeded):
        process_page(
            page, store=sqlite_store, dedup=_InterruptedDedup(sqlite_store, real.rules),
            source=None, page_id=page_id,
        )
    with sqlite_store.session() as session:
        assert session.scalars(select(FailedPage)).all() == []
        assert session.get(Page, page_id).state == "pending"  # the task layer retries it
