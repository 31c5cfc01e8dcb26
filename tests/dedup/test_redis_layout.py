"""The Redis index's hashes grow with it, and an index of the earlier layout is rebuilt.

Real Redis (the dedup test database) and the real console script for the rebuild.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from kibaru.settings import Settings
from storage.db import Store, open_store
from storage.models import Article, CrawlRun, FailedPage, Page
from tests.crawler.outlets import article_html
from tests.dedup.conftest import DEDUP_REDIS_URL, as_record, process, redis_client
from tests.dedup.test_cli import _kibaru
from workers.ingest import open_ingestor
from workers.ingest.errors import IngestError
from workers.page_rows import save_fetched_page
from workers.pipeline import process_page
from workers.stages.dedup.decide import Original, Rules
from workers.stages.dedup.entry import (
    BANDS,
    LEAD_BANDS,
    NO_MINUTE,
    Entry,
    Features,
    band_keys,
    encode_id,
    pack_entry,
    to_minute,
)
from workers.stages.dedup.fingerprint import LEAD_PERM, NUM_PERM, from_signature_bytes
from workers.stages.dedup.redis_index import MIN_LEVEL, IndexLayoutError, RedisIndex
from workers.stages.dedup.service import Deduplicator, open_dedup
from workers.stages.page import FetchedPage

pytestmark = pytest.mark.redis

Decisions = dict[str, tuple[str, str | None]]


def _run(docs: Sequence[dict[str, Any]], dedup: Deduplicator, store: Store) -> Decisions:
    out: Decisions = {}
    for doc in docs:
        decision = process(dedup, store, as_record(doc))
        out[doc["id"]] = (decision.cluster_id, decision.duplicate_of)
    return out


def _fresh(tmp_path: Path, name: str, index: RedisIndex) -> tuple[Store, Deduplicator]:
    store = open_store(f"sqlite:///{tmp_path}/{name}.db")
    return store, Deduplicator(store, Rules.for_days(30), index)


def test_many_splits_give_the_same_decisions(
    tmp_path: Path, syndication: list[dict[str, Any]], redis_prefix: str
) -> None:
    # target=2: some 2,400 band fields (copies share some) over 1,200 hashes, split one by one.
    small = RedisIndex(redis_client(), prefix=redis_prefix + "small:", target=2)
    large = RedisIndex(redis_client(), prefix=redis_prefix + "large:", target=100_000)
    stores = []
    try:
        results = []
        for name, index in (("small", small), ("large", large)):
            store, dedup = _fresh(tmp_path, name, index)
            stores.append(store)
            results.append(_run(syndication, dedup, store))
            dedup.db_index.dispose()
        assert results[0] == results[1]
        grown, fixed = small.layout(), large.layout()
        assert grown["b:level"] > MIN_LEVEL + 1 and grown["b:count"] > 2000
        assert (fixed["b:level"], fixed["b:split"]) == (MIN_LEVEL, 0)
        assert grown["b:count"] == fixed["b:count"]  # the same fields, only spread wider
        client = redis_client()
        hashes = sum(1 for _ in client.scan_iter(match=redis_prefix + "small:b:*", count=1000))
        assert hashes <= 2 ** grown["b:level"] + grown["b:split"]
        client.close()
    finally:
        small.clear()
        large.clear()
        for store in stores:
            store.dispose()


def _random_entry(rng: random.Random, n: int) -> tuple[Entry, list[int], Original]:
    values = np.array([rng.getrandbits(16) for _ in range(NUM_PERM + LEAD_PERM)], np.uint16)
    features = Features(values[:NUM_PERM], values[NUM_PERM:], 100, (), None)
    article_id = f"{rng.getrandbits(80):020x}"
    bands = [rng.getrandbits(63) for _ in range(BANDS + LEAD_BANDS)]
    return Entry(article_id, features, n, article_id), bands, Original(article_id, None)


def test_band_hashes_stay_listpacks_past_the_fixed_layouts_limit(redis_prefix: str) -> None:
    """6,000 stories, 216,000 band fields: the 256 hashes the index starts with would hold
    844 fields each, past the listpack limit; grown, every hash is still a listpack."""
    client = redis_client()
    limit = int(next(iter(client.config_get("hash-max-listpack-entries").values())))
    index = RedisIndex(client, prefix=redis_prefix)
    rng = random.Random(15)
    try:
        items = [_random_entry(rng, n) for n in range(1, 6001)]
        for start in range(0, len(items), 500):
            index.load(items[start : start + 500])
        layout = index.layout()
        assert layout["target"] == limit // 4
        assert layout["b:count"] == 6000 * (BANDS + LEAD_BANDS)
        pipe = client.pipeline(transaction=False)
        keys = list(client.scan_iter(match=redis_prefix + "b:*", count=1000))
        for key in keys:
            pipe.object("encoding", key)
            pipe.hlen(key)
        replies = pipe.execute()
        encodings, sizes = set(replies[0::2]), replies[1::2]
        assert len(keys) == 2 ** layout["b:level"] + layout["b:split"] > 2**MIN_LEVEL * 3
        assert encodings == {b"listpack"}
        assert sum(sizes) == layout["b:count"] and max(sizes) < limit
    finally:
        index.clear()
        index.close()


def _write_layout_1(client: Any, prefix: str, store: Store) -> None:
    """The index as kibaru wrote it before the hashes grew: 16,384 band hashes addressed by the
    band key's low 16 bits, 8-byte fields, 4,096 cluster hashes, no layout record."""
    with store.session() as session:
        rows = session.execute(
            select(
                Article.id, Article.signature, Article.published_at, Article.cluster_id,
                Article.duplicate_of,
            ).order_by(Article.created_at, Article.id)
        ).all()
    minutes = {row[0]: to_minute(row[2]) for row in rows}
    pipe = client.pipeline(transaction=False)
    buckets: dict[tuple[int, bytes], list[bytes]] = {}
    for seq, (article_id, signature, published, cluster_id, duplicate_of) in enumerate(rows, 1):
        fp = from_signature_bytes(signature)
        cluster_id = cluster_id or article_id
        entry = Entry(article_id, Features.of(fp, published), seq, cluster_id)
        encoded = encode_id(article_id)
        pipe.hset(f"{prefix}e:{(encoded[-1] + 256 * encoded[-2]) & 0xFFF}", encoded,
                  pack_entry(entry))
        for band in band_keys(fp):
            ids = buckets.setdefault(((band & 0xFFFF) % 16384, struct.pack("<q", band)), [])
            if len(ids) >= 5:  # at most 5 ids a bucket: the first and the newest
                del ids[1]
            ids.append(encoded)
        if duplicate_of is None:
            cluster = encode_id(cluster_id)
            minute = minutes[article_id]
            original = encoded + struct.pack("<i", NO_MINUTE if minute is None else minute)
            pipe.hset(f"{prefix}c:{(cluster[-1] + 256 * cluster[-2]) & 0xFFF}", cluster, original)
    for (shard, field), ids in buckets.items():
        pipe.hset(f"{prefix}b:{shard}", field, b"".join(ids))
    pipe.set(prefix + "seq", len(rows))
    pipe.execute()


@pytest.mark.slow
def test_an_index_of_layout_1_is_refused_then_rebuilt_with_the_same_decisions(
    tmp_path: Path, syndication: list[dict[str, Any]], redis_prefix: str
) -> None:
    first, second = syndication[: len(syndication) // 2], syndication[len(syndication) // 2 :]
    # Reference: the whole set through an index of the current layout from the start.
    fresh = RedisIndex(redis_client(), prefix=redis_prefix)
    store, dedup = _fresh(tmp_path, "fresh", fresh)
    expected = _run(syndication, dedup, store)
    fresh.clear()
    dedup.close()
    store.dispose()
    # The first half processed and stored, the index then written in layout 1 (the CLI works
    # under the default prefix: the dedup test database is emptied of it first and after).
    index = RedisIndex.from_url(DEDUP_REDIS_URL)
    store, dedup = _fresh(tmp_path, "old", index)
    try:
        index.clear()
        assert _run(first, dedup, store) == {d["id"]: expected[d["id"]] for d in first}
        index.clear()
        _write_layout_1(index.client, index.prefix, store)
        with pytest.raises(IndexLayoutError, match=r"layout 1.*kibaru dedup rebuild"):
            dedup.assign(as_record(second[0]))
        url = store.engine.url.render_as_string(hide_password=False)
        result = _kibaru(
            "dedup", "rebuild", KIBARU_DATABASE_URL=url, KIBARU_REDIS_URL=DEDUP_REDIS_URL
        )
        assert result.returncode == 0, result.stderr
        assert f"redis: {len(first)} stored articles indexed" in result.stdout
        assert index.layout()["version"] == 2
        assert _run(second, dedup, store) == {d["id"]: expected[d["id"]] for d in second}
        # A story of the first half, delivered again, keeps its place.
        again = dedup.assign(as_record(first[3]))
        assert (again.cluster_id, again.duplicate_of) == expected[first[3]["id"]]
    finally:
        index.clear()
        dedup.close()
        store.dispose()


def test_an_index_of_layout_1_is_an_operators_error_not_a_page_failure(
    tmp_path: Path, syndication: list[dict[str, Any]]
) -> None:
    """Left by an earlier version, the index stops the crawl, the commands and the workers
    with one line that says what to run; no page is recorded as failed (nor as a bug)."""
    url = f"sqlite:///{tmp_path}/k.db"
    index = RedisIndex.from_url(DEDUP_REDIS_URL)
    store, dedup = _fresh(tmp_path, "k", index)
    try:
        index.clear()
        _run(syndication[:3], dedup, store)
        index.clear()
        _write_layout_1(index.client, index.prefix, store)
        settings = Settings(database_url=url, redis_url=DEDUP_REDIS_URL)
        with pytest.raises(IndexLayoutError, match=r"layout 1.*kibaru dedup rebuild"):
            open_dedup(settings, store)
        with pytest.raises(IngestError, match=r"layout 1.*kibaru dedup rebuild"):
            open_ingestor(settings, store, None)
        # Opened before the index went old: the pipeline raises the error through.
        page = FetchedPage(
            url="https://www.aps.sn/2025/02/layout.html", source="aps",
            body=article_html("layout").encode("utf-8"), headers={"content-type": "text/html"},
        )
        page_id = save_fetched_page(store, page, None)
        with pytest.raises(IndexLayoutError):
            process_page(page, store=store, dedup=dedup, source=None, page_id=page_id)
        with store.session() as session:
            assert session.scalars(select(FailedPage)).all() == []
            assert session.get(Page, page_id).state == "pending"  # type: ignore[union-attr]
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            "sources:\n  - id: local\n    name: Local\n    country: SN\n    language: fr\n"
            "    homepage: http://127.0.0.1:9/\n    kind: daily\n", encoding="utf-8",
        )
        env = {"KIBARU_DATABASE_URL": url, "KIBARU_REDIS_URL": DEDUP_REDIS_URL}
        crawl = _kibaru("crawl", "local", "--sources", str(sources), **env)
        assert crawl.returncode == 1
        assert crawl.stderr.startswith("error: the dedup index in Redis"), crawl.stderr
        assert "kibaru dedup rebuild" in crawl.stderr and "Traceback" not in crawl.stderr
        worker = _kibaru("worker", KIBARU_BROKER_URL=DEDUP_REDIS_URL, **env)
        assert worker.returncode == 1
        assert worker.stderr.startswith("error: the dedup index in Redis"), worker.stderr
        with store.session() as session:
            assert session.scalars(select(FailedPage)).all() == []
            run = session.scalars(select(CrawlRun)).one()
            assert run.status == "failed" and "kibaru dedup rebuild" in (run.error or "")
    finally:
        index.clear()
        dedup.close()
        store.dispose()
