"""Two copies processed by two workers at the same instant end in one cluster.

Real processes (multiprocessing), real PostgreSQL, and real Redis: every round, the workers
wait at a barrier and then all process a different copy of the same story at once.
"""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import select

from storage.db import open_store
from storage.models import Article
from tests.dedup.conftest import DEDUP_REDIS_URL, process, record
from workers.stages.dedup.decide import Rules
from workers.stages.dedup.redis_index import RedisIndex
from workers.stages.dedup.service import Deduplicator

WORKERS = 4
ROUNDS = 6
SENTENCES = [
    "Le conseil des ministres s’est réuni mercredi sous la présidence du chef de l’État.",
    "Il a adopté un projet de loi portant sur la réforme du code minier et de la fiscalité.",
    "Le porte-parole du gouvernement a indiqué que le texte sera transmis à l’Assemblée.",
    "Plusieurs nominations ont été prononcées dans les ministères et les sociétés publiques.",
    "Le conseil a enfin examiné la situation de la campagne agricole dans les régions du nord.",
]


def _story(round_no: int) -> str:
    topic = f"Session numéro {round_no * 7 + 3} consacrée au dossier {round_no}."
    return "\n".join([topic, *(s.replace("mercredi", f"mercredi {round_no}") for s in SENTENCES)])


def _copy(round_no: int, worker: int) -> dict[str, Any]:
    text = _story(round_no)
    if worker % 2:
        text += "\nSource : APS"
    if worker % 3 == 2:
        text = "Dakar, 5 mars (APS) - " + text
    return record(f"r{round_no}-w{worker}", text, None, source=f"outlet{worker}")


def _worker(db_url: str, redis_prefix: str | None, worker: int, barrier: Any, out: Any) -> None:
    store = open_store(db_url, migrate=False)
    index = RedisIndex.from_url(DEDUP_REDIS_URL, prefix=redis_prefix) if redis_prefix else None
    dedup = Deduplicator(store, Rules.for_days(30), index)
    try:
        for round_no in range(ROUNDS):
            barrier.wait(timeout=60)
            rec = _copy(round_no, worker)
            decision = process(dedup, store, rec)
            out.put((round_no, rec.id, decision.cluster_id, decision.duplicate_of))
    finally:
        dedup.close()
        store.dispose()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["database", "redis"])
def test_simultaneous_copies_end_in_one_cluster(
    pg_url: str, redis_prefix: str, backend: str
) -> None:
    open_store(pg_url).dispose()  # migrate once, before the workers start
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(WORKERS)
    out = ctx.Queue()
    prefix = redis_prefix if backend == "redis" else None
    procs = [
        ctx.Process(target=_worker, args=(pg_url, prefix, w, barrier, out)) for w in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=120) for _ in range(WORKERS * ROUNDS)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    by_round: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
    for round_no, article_id, cluster_id, duplicate_of in results:
        by_round[round_no].append((article_id, cluster_id, duplicate_of))
    for round_no, decisions in by_round.items():
        clusters = {cluster for _, cluster, _ in decisions}
        assert len(clusters) == 1, (round_no, decisions)
        originals = [a for a, _, dup in decisions if dup is None]
        assert len(originals) == 1, (round_no, decisions)
        assert {dup for _, _, dup in decisions if dup} == set(originals)
    assert (
        len({cluster for decisions in by_round.values() for _, cluster, _ in decisions}) == ROUNDS
    )
    store = open_store(pg_url, migrate=False)
    try:
        with store.session() as session:
            stored = session.execute(select(Article.id, Article.cluster_id)).all()
    finally:
        store.dispose()
    assert len(stored) == WORKERS * ROUNDS
    assert len({cluster for _, cluster in stored}) == ROUNDS
