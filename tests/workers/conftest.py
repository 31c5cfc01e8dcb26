"""Fixtures of the worker tests: a broker database of our own, the local site, workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.db import open_store
from storage.models import Article, FailedPage, Page
from tests.conftest import fresh_redis_db
from tests.services import suite_redis_url
from tests.workers.processes import Worker, environment
from tests.workers.site import Site, build_site

# Databases of the suite's own Redis used by these tests (other test areas use 9 and 15).
BROKER_DB = 10
SCRATCH_DB = 11

RECORD_FIELDS = (
    "url", "canonical_url", "source", "source_name", "country", "title", "text",
    "published_at", "language", "authors", "agencies", "byline", "content_hash",
)


def _fresh_redis(db: int) -> str:
    return fresh_redis_db(suite_redis_url(db))


@pytest.fixture
def broker_url() -> Iterator[str]:
    """The Celery broker (and shared Redis state) of one test, empty at start and end."""
    url = _fresh_redis(BROKER_DB)
    yield url
    _fresh_redis(BROKER_DB)


@pytest.fixture
def scratch_redis_url() -> Iterator[str]:
    url = _fresh_redis(SCRATCH_DB)
    yield url
    _fresh_redis(SCRATCH_DB)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    built = build_site(tmp_path, articles=40)
    yield built
    built.stop()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start ``kibaru worker`` processes (ready when returned); all stopped at the end."""
    started: list[Worker] = []

    def start(env: dict[str, str], *, name: str = "w1", **options: Any) -> Worker:
        log = tmp_path / f"worker-{name}-{len(started)}.log"
        worker = Worker(env, log, name=name, **options)
        started.append(worker)
        return worker.wait_ready()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def broker_env(pg_url: str, broker_url: str) -> dict[str, str]:
    """Environment of the distributed mode: real PostgreSQL and Redis."""
    return environment(KIBARU_DATABASE_URL=pg_url, KIBARU_BROKER_URL=broker_url)


def stored_records(database_url: str) -> dict[str, dict[str, Any]]:
    """Every stored article by canonical URL, record fields only."""
    store = open_store(database_url)
    try:
        with store.session() as session:
            rows = session.scalars(select(Article)).all()
            return {
                row.canonical_url: {name: getattr(row, name) for name in RECORD_FIELDS}
                | {"cluster_id": row.cluster_id, "duplicate_of": row.duplicate_of}
                for row in rows
            }
    finally:
        store.dispose()


def page_states(database_url: str) -> dict[str, str]:
    """Every stored page's state by URL."""
    store = open_store(database_url)
    try:
        with store.session() as session:
            return {url: state for url, state in session.execute(select(Page.url, Page.state))}
    finally:
        store.dispose()


def failures(database_url: str) -> list[tuple[str, str, int, bool]]:
    store = open_store(database_url)
    try:
        with store.session() as session:
            rows = session.execute(
                select(FailedPage.url, FailedPage.reason, FailedPage.attempts, FailedPage.resolved)
            )
            return sorted((r[0], r[1], r[2], r[3]) for r in rows)
    finally:
        store.dispose()


def cluster_partition(records: dict[str, dict[str, Any]]) -> set[frozenset[str]]:
    """Which URLs share a cluster, whatever the cluster ids are called."""
    clusters: dict[str, set[str]] = {}
    for url, record in records.items():
        clusters.setdefault(str(record["cluster_id"]), set()).add(url)
    return {frozenset(members) for members in clusters.values()}


def assert_site_stored_once(database_url: str, site: Site) -> None:
    """Every page of the site processed, every article stored exactly once."""
    states = page_states(database_url)
    assert sorted(states) == sorted([*site.article_urls, *site.rejected_urls, *site.failed_urls])
    assert "pending" not in states.values(), {u: s for u, s in states.items() if s == "pending"}
    for url in site.article_urls:
        assert states[url] in ("stored", "duplicate"), (url, states[url])
    for url in site.rejected_urls:
        assert states[url] == "rejected", (url, states[url])
    for url in site.failed_urls:
        assert states[url] == "failed", (url, states[url])
    records = stored_records(database_url)
    assert sorted(records) == sorted(site.article_urls)  # one row per article: upserts
    assert [reason for _, reason, _, _ in failures(database_url)] == ["binary_content"]
