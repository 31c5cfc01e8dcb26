"""``kibaru import-warc`` in the broker mode: the pages go to real Celery workers over Redis
and are stored in PostgreSQL, with origin "import", once however often the file is imported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import open_store
from storage.models import Article, Page
from tests.crawler.warcs import (
    ARTICLES,
    fixture_page,
    last_run,
    response,
    write_sources,
    write_warc,
)
from tests.workers.processes import Worker, run_kibaru

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def test_an_import_hands_its_pages_to_the_workers(
    tmp_path: Path, broker_env: dict[str, str], start_worker: Callable[..., Worker]
) -> None:
    sources = write_sources(tmp_path)
    archive = tmp_path / "pages.warc.gz"
    write_warc(archive, [response(url, fixture_page(name)) for url, name in ARTICLES.items()],
               gzip=True)
    start_worker(broker_env, name="w1", concurrency=1)
    database_url = broker_env["KIBARU_DATABASE_URL"]

    output = run_kibaru(broker_env, "import-warc", str(archive), "--sources", str(sources))

    assert "3 articles stored" in output, output
    run = last_run(database_url)
    assert run.status == "succeeded" and run.counts["pages"] == 3
    store = open_store(database_url)
    try:
        with store.session() as session:
            articles = list(session.scalars(select(Article)))
            pages = list(session.scalars(select(Page)))
        assert {article.url for article in articles} == set(ARTICLES)
        assert {article.origin for article in articles} == {"import"}
        assert {(page.origin, page.state) for page in pages} == {("import", "stored")}
    finally:
        store.dispose()

    again = run_kibaru(broker_env, "import-warc", str(archive), "--sources", str(sources))

    assert "3 already stored" in again, again
    assert last_run(database_url).counts["skipped"] == {"warcinfo": 1, "already_stored": 3}
