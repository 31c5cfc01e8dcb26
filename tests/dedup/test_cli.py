"""``kibaru dedup rebuild``, run as operators run it (the console script, a real database)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from storage.db import open_store
from storage.models import DedupBucket
from tests.dedup.conftest import DEDUP_REDIS_URL, process, record
from workers.stages.dedup.decide import Rules
from workers.stages.dedup.redis_index import RedisIndex
from workers.stages.dedup.service import Deduplicator

KIBARU = [str(Path(sys.executable).with_name("kibaru"))]
TEXT = (
    "Le Port autonome de Cotonou a enregistré un trafic de 12,3 millions de tonnes en 2024, en "
    "hausse de 8 % par rapport à 2023, selon le rapport annuel présenté jeudi au conseil."
)


def _kibaru(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")}
    environment.update(env)
    return subprocess.run(
        [*KIBARU, *args], capture_output=True, text=True, env=environment, timeout=120, check=False
    )


def test_rebuild_in_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/k.db"
    store = open_store(url)
    dedup = Deduplicator(store, Rules())
    process(dedup, store, record("a", TEXT, None))
    process(dedup, store, record("b", TEXT + "\nSource : ABP", None))
    with store.session() as session:
        before = session.scalar(select(func.count()).select_from(DedupBucket))
        session.execute(DedupBucket.__table__.delete())
    result = _kibaru("dedup", "rebuild", KIBARU_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "2 stored articles indexed" in result.stdout
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(DedupBucket)) == before
    assert dedup.assign(record("c", TEXT, None)).duplicate_of == record("a", "", None).id
    dedup.close()
    store.dispose()


def test_rebuild_in_redis(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/k.db"
    store = open_store(url)
    # The CLI uses the default prefix: give it a database of its own, emptied of our keys.
    index = RedisIndex.from_url(DEDUP_REDIS_URL)
    dedup = Deduplicator(store, Rules(), index)
    try:
        index.clear()
        process(dedup, store, record("a", TEXT, None))
        index.clear()
        result = _kibaru(
            "dedup", "rebuild", KIBARU_DATABASE_URL=url, KIBARU_REDIS_URL=DEDUP_REDIS_URL
        )
        assert result.returncode == 0, result.stderr
        assert "redis: 1 stored articles indexed" in result.stdout
        assert dedup.assign(record("b", TEXT, None)).duplicate_of == record("a", "", None).id
    finally:
        index.clear()
        dedup.close()
        store.dispose()


def test_rebuild_with_unreachable_redis_says_what_to_fix(tmp_path: Path) -> None:
    result = _kibaru(
        "dedup", "rebuild", KIBARU_DATABASE_URL=f"sqlite:///{tmp_path}/k.db",
        KIBARU_REDIS_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode == 1
    assert "KIBARU_REDIS_URL" in result.stderr and "Traceback" not in result.stderr
