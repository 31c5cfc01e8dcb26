"""The embedded ingestor's extraction process: pages come back stored in the order they were
submitted, and a child that dies (killed here, as the OOM killer would) is replaced without
losing a page."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from kibaru.settings import Settings
from storage.db import Store, open_store
from storage.models import Article, Page
from tests.crawler.outlets import article_html
from workers.ingest.embedded import EmbeddedIngestor
from workers.stages.dedup.service import open_dedup
from workers.stages.page import FetchedPage

PAGES = 8


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    opened = open_store(sqlite_url)
    yield opened
    opened.dispose()


def _page(number: int) -> FetchedPage:
    return FetchedPage(
        url=f"https://www.aps.sn/2025/02/extraction-{number}.html",
        source="aps",
        body=article_html(f"extraction-{number}").encode("utf-8"),
        headers={"content-type": "text/html; charset=utf-8"},
    )


def _child_pids(ingestor: EmbeddedIngestor) -> list[int]:
    return list(ingestor.extractor.pool._processes)


def test_every_page_is_stored_though_the_extraction_process_dies(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    ingestor = EmbeddedIngestor(store, open_dedup(Settings(database_url="sqlite://"), store), None)
    for number in range(PAGES // 2):
        ingestor.submit(_page(number))
    ingestor.flush()
    first = _child_pids(ingestor)
    assert first, "no extraction process"
    for pid in first:
        os.kill(pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="workers.ingest.embedded"):
        for number in range(PAGES // 2, PAGES):
            ingestor.submit(_page(number))
        ingestor.flush()
    second = _child_pids(ingestor)
    counts = ingestor.finish()
    assert counts["articles"] == PAGES
    assert counts.get("failed", 0) == 0
    # One replacement for the pages the dead child held, not one per page.
    assert second and set(second).isdisjoint(first)
    assert sum("restarting it" in record.message for record in caplog.records) == 1
    with store.session() as session:
        stored = set(session.scalars(select(Article.url)))
        states = set(session.scalars(select(Page.state)))
    assert stored == {_page(number).url for number in range(PAGES)}
    assert states == {"stored"}
