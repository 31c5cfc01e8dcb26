"""The dedup service end to end, on SQLite and PostgreSQL, with the database or Redis index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from kibaru.settings import Settings
from storage.db import Store
from storage.models import Article, DedupBucket
from tests.dedup.conftest import DEDUP_REDIS_URL, process, record, redis_client
from workers.stages.dedup.database_index import DatabaseIndex
from workers.stages.dedup.decide import Rules
from workers.stages.dedup.redis_index import RedisIndex
from workers.stages.dedup.service import Deduplicator, open_dedup

STORY = (
    "Les pluies diluviennes qui s’abattent sur le Niger depuis le début de la saison ont fait "
    "53 morts et 16 240 sinistrés, selon un bilan publié lundi par la protection civile.\n"
    "La région de Maradi est la plus touchée avec 21 décès, suivie de Zinder et de Tahoua. "
    "Au total, 2 310 maisons se sont effondrées et 1 845 têtes de bétail ont été emportées.\n"
    "Le gouvernement a débloqué une enveloppe d’urgence de 2 milliards de francs CFA pour "
    "l’achat de vivres, de tentes et de kits d’hygiène destinés aux familles sans abri."
)
OTHER = (
    "Les Lions de la Teranga ont battu le Bénin deux buts à zéro samedi soir au stade "
    "Abdoulaye Wade de Diamniadio, en match comptant pour les éliminatoires de la CAN."
)
T0 = "2025-08-19T14:00:00+00:00"
T_LATER = "2025-08-19T20:00:00+00:00"
T_EARLIER = "2025-08-19T08:00:00+00:00"


@pytest.fixture(params=["database", "redis"])
def dedup(
    request: pytest.FixtureRequest, store: Store, redis_prefix: str
) -> Iterator[Deduplicator]:
    redis_index = (
        RedisIndex(redis_client(), prefix=redis_prefix) if request.param == "redis" else None
    )
    service = Deduplicator(store, Rules.for_days(30), redis_index)
    try:
        yield service
    finally:
        service.close()


def _rows(store: Store) -> dict[str, Any]:
    with store.session() as session:
        return {r.id: r for r in session.execute(select(Article)).scalars()}


def test_copies_share_a_cluster_and_point_at_the_first(dedup: Deduplicator, store: Store) -> None:
    first = process(dedup, store, record("a", "Niamey, 19 août (ANP) - " + STORY, T0, "anp"))
    copy = process(dedup, store, record("b", STORY + "\nSource : ANP", T_LATER, "actuniger"))
    other = process(dedup, store, record("c", OTHER, T0, "aps"))
    a, b, c = (
        record(n, "", None, s).id for n, s in (("a", "anp"), ("b", "actuniger"), ("c", "aps"))
    )
    assert (first.cluster_id, first.duplicate_of) == (a, None)
    assert (copy.cluster_id, copy.duplicate_of) == (a, a)
    assert (other.cluster_id, other.duplicate_of) == (c, None)
    assert first.content_hash == copy.content_hash and len(first.content_hash) == 64
    rows = _rows(store)
    assert rows[b].cluster_id == a and rows[b].duplicate_of == a and rows[b].signature


def test_assign_is_idempotent(dedup: Deduplicator, store: Store) -> None:
    rec = record("a", STORY, T0)
    first = process(dedup, store, rec)
    again = process(dedup, store, rec)
    assert again == first
    assert again.duplicate_of is None  # never its own duplicate
    copy = record("b", STORY, T_LATER)
    assert process(dedup, store, copy) == process(dedup, store, copy)
    assert dedup.assign(copy).duplicate_of == rec.id


def test_a_copy_published_earlier_but_stored_later_becomes_the_original(
    dedup: Deduplicator, store: Store
) -> None:
    late = record("late", STORY, T_LATER)
    later = record("later", STORY + "\nSource : ANP", "2025-08-20T09:00:00+00:00")
    early = record("early", STORY, T_EARLIER)
    process(dedup, store, late)
    process(dedup, store, later)
    decision = process(dedup, store, early)
    assert (decision.cluster_id, decision.duplicate_of) == (late.id, None)
    rows = _rows(store)
    assert rows[early.id].duplicate_of is None
    assert rows[late.id].duplicate_of == early.id
    assert rows[later.id].duplicate_of == early.id
    # The next copy points at the new original too, and a re-delivery changes nothing.
    nxt = process(dedup, store, record("next", STORY, "2025-08-21T09:00:00+00:00"))
    assert (nxt.cluster_id, nxt.duplicate_of) == (late.id, early.id)
    assert process(dedup, store, early) == decision


def test_undated_copies_keep_the_first_stored_as_original(
    dedup: Deduplicator, store: Store
) -> None:
    first = record("first", STORY, None)
    process(dedup, store, first)
    second = process(dedup, store, record("second", STORY, T_EARLIER))
    assert second.duplicate_of == first.id


def test_the_index_survives_a_restart(dedup: Deduplicator, store: Store) -> None:
    rec = record("a", STORY, T0)
    process(dedup, store, rec)
    reopened = Deduplicator(store, dedup.rules, _same_index(dedup))
    try:
        assert reopened.assign(record("b", STORY, T_LATER)).duplicate_of == rec.id
    finally:
        reopened.db_index.dispose()


def _same_index(dedup: Deduplicator) -> RedisIndex | None:
    if dedup.redis_index is None:
        return None
    return RedisIndex(redis_client(), prefix=dedup.redis_index.prefix)


def test_rebuild_restores_the_index_from_stored_signatures(
    dedup: Deduplicator, store: Store
) -> None:
    a = record("a", STORY, T0)
    process(dedup, store, a)
    process(dedup, store, record("b", STORY + "\nSource : ANP", T_LATER))
    process(dedup, store, record("c", OTHER, T0))
    # Lose the index entirely.
    if dedup.redis_index is not None:
        dedup.redis_index.clear()
    else:
        DatabaseIndex(store).clear()
    assert dedup.rebuild() == 3
    with store.session() as session:
        buckets = session.scalar(select(DedupBucket.article_id).limit(1))
    assert buckets is not None or dedup.redis_index is not None
    late = process(dedup, store, record("d", STORY, "2025-08-20T14:00:00+00:00"))
    assert (late.cluster_id, late.duplicate_of) == (a.id, a.id)
    assert dedup.assign(a).duplicate_of is None  # its own entry came back, not a new one


def test_open_dedup_picks_the_index_from_the_settings(store: Store, redis_prefix: str) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    embedded = open_dedup(Settings(database_url=url), store)
    assert embedded.backend == "database"
    embedded.close()
    shared = open_dedup(Settings(database_url=url, broker_url=DEDUP_REDIS_URL), store)
    assert shared.backend == "redis"
    shared.close()


def _index_state(prefix: str) -> dict[bytes, Any]:
    """Every key of the index but the lock and the storage counter, with its contents."""
    client = redis_client()
    try:
        return {
            key: client.hgetall(key)
            for key in client.scan_iter(match=prefix + "*", count=1000)
            if key not in {(prefix + "lock").encode(), (prefix + "seq").encode()}
        }
    finally:
        client.close()


def test_the_decision_sees_the_index_as_the_lookup_found_it(
    store: Store, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story with no candidate is indexed by the lookup script itself; one with candidates
    is decided on the index as it was (the buckets its lookup created are gone again) and
    indexed by the insert script, which gives the index it would have had either way."""
    import workers.stages.dedup.redis_index as redis_index_module

    seen: list[dict[bytes, Any]] = []  # the index when each decision is taken in Python
    decide = redis_index_module.assign_cluster

    def snapshot(*args: Any, **kwargs: Any) -> Any:
        seen.append(_index_state(redis_prefix))
        return decide(*args, **kwargs)

    monkeypatch.setattr(redis_index_module, "assign_cluster", snapshot)
    dedup = Deduplicator(store, Rules.for_days(30), RedisIndex(redis_client(), prefix=redis_prefix))
    try:
        first = process(dedup, store, record("a", STORY, T0, "anp"))
        assert seen == []  # no candidate: one script, no decision in Python
        before = _index_state(redis_prefix)
        # An edited copy: some of its bands are new buckets, created by its lookup.
        edited = STORY.replace("publié lundi", "rendu public lundi") + "\nSource : ANP"
        copy = process(dedup, store, record("b", edited, T_LATER, "aps"))
        assert seen == [before]
        assert copy.cluster_id == first.cluster_id
        after = _index_state(redis_prefix)
        assert after != before
        # The same stories indexed again from their stored rows (insert script only).
        dedup.rebuild()
        assert _index_state(redis_prefix) == after
    finally:
        dedup.close()
