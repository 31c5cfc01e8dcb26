"""Fixtures of the dedup tests: the labelled syndication set, records, a private Redis index.

The Redis index lives under a key prefix of its own (database 15 of the test suite's own
redis-server), removed after the test, so that it never touches another test's keys.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from storage.record import ArticleRecord
from tests.conftest import real_redis
from tests.services import suite_redis_url
from workers.stages.dedup.entry import parse_published
from workers.stages.dedup.redis_index import RedisIndex

SYNDICATION = Path(__file__).parents[1] / "fixtures" / "syndication" / "syndication.jsonl"
DEDUP_REDIS_URL = suite_redis_url(15)


def load_syndication() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SYNDICATION.read_text(encoding="utf-8").splitlines()]


def as_record(doc: dict[str, Any]) -> ArticleRecord:
    """A labelled document as the pipeline hands it to dedup."""
    return ArticleRecord(
        url=doc["canonical_url"],
        canonical_url=doc["canonical_url"],
        source=doc["source"],
        title=doc["title"],
        text=doc["text"],
        published_at=parse_published(doc["published_at"]),
        language=doc.get("language"),
        fetched_at=None,
    )


def record(name: str, text: str, published_at: str | None, source: str = "test") -> ArticleRecord:
    url = f"https://{source}.example/{name}"
    return ArticleRecord(
        url=url, canonical_url=url, source=source, title=name, text=text,
        published_at=parse_published(published_at), fetched_at=None,
    )


@pytest.fixture(scope="session")
def syndication() -> list[dict[str, Any]]:
    return load_syndication()


def redis_client() -> redis.Redis:
    return real_redis(DEDUP_REDIS_URL)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix in the test Redis database, deleted afterwards."""
    prefix = f"kibaru-test:dedup:{uuid.uuid4().hex[:10]}:"
    client = redis_client()
    try:
        yield prefix
    finally:
        RedisIndex(client, prefix=prefix).clear()
        client.close()


@pytest.fixture
def redis_index(redis_prefix: str) -> Iterator[RedisIndex]:
    index = RedisIndex(redis_client(), prefix=redis_prefix)
    try:
        yield index
    finally:
        index.close()


def process(dedup: Any, store: Any, rec: ArticleRecord) -> Any:
    """What the pipeline does with a record: assign, store the row, commit; the decision."""
    from storage.repository import upsert_article

    decision = dedup.assign(rec)
    placed = rec.placed(
        content_hash=decision.content_hash, cluster_id=decision.cluster_id,
        duplicate_of=decision.duplicate_of,
    )
    with store.session() as session:
        upsert_article(session, {**placed.columns(), "signature": decision.signature})
    dedup.commit(rec.id, decision)
    return decision
