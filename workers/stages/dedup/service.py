"""The dedup service the processing pipeline calls: fills cluster_id, duplicate_of, content_hash.

Usage (``workers.pipeline``)::

    dedup = open_dedup(settings, store)      # Redis index if settings.effective_redis_url,
                                             # else the database index
    decision = dedup.assign(record)          # record: id, canonical_url, text, title,
                                             #   published_at (ISO string or None), source
    ... upsert_article(session, record | decision fields) ...
    dedup.commit(article_id, decision)

:meth:`Deduplicator.assign` fingerprints the body, looks up the shared index and **indexes the
story at once**, all under the index's lock (lookup → decision → insert), so that a copy
processed by another worker at the same instant finds it and joins its cluster:

* Redis index: the story's compact entry goes to Redis; the caller stores the article row.
* Database index: the article row itself is upserted (with its dedup fields) in the locked
  transaction, together with its bucket rows; the caller's upsert then refreshes that row.

:meth:`Deduplicator.commit` does what must follow the caller's store: when the new story was
published earlier than its cluster's original (it is stored later but is the original), the
cluster's stored copies are repointed at it (``duplicate_of``). It is idempotent.

Idempotence: assigning a record id that is already indexed returns its earlier cluster and
original (a story is never its own duplicate). A story whose ``assign`` ran but whose row was
never stored stays in the Redis index until ``kibaru dedup rebuild``; copies of it then point
at an id that has no row. ``rebuild`` drops such entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kibaru.settings import Settings
from storage.db import Store
from workers.stages.dedup.database_index import DatabaseIndex, StoredStory
from workers.stages.dedup.decide import Original, Rules, assign_cluster
from workers.stages.dedup.entry import Entry, Features, band_keys, parse_published, to_minute
from workers.stages.dedup.fingerprint import analyse, from_signature_bytes, to_signature_bytes
from workers.stages.dedup.redis_index import Placement, RedisIndex

REBUILD_BATCH = 1000


@dataclass(frozen=True)
class DedupDecision:
    """What dedup decided for one article; the caller stores these four fields on its row."""

    content_hash: str
    signature: bytes
    cluster_id: str
    duplicate_of: str | None


class Deduplicator:
    """Assign stories to clusters through a shared index (see the module docstring)."""

    def __init__(self, store: Store, rules: Rules, redis_index: RedisIndex | None = None) -> None:
        self.store = store
        self.rules = rules
        self.redis_index = redis_index
        self.db_index = DatabaseIndex(store)

    @property
    def backend(self) -> str:
        return "redis" if self.redis_index is not None else "database"

    def assign(self, record: Mapping[str, Any]) -> DedupDecision:
        """Decide (and index) the cluster of ``record``; see the module docstring."""
        article_id = str(record["id"])
        text = str(record.get("text") or "")
        fp, digest = analyse(text)
        published = parse_published(record.get("published_at"))
        features = Features.of(fp, published)
        bands = band_keys(fp)
        signature = to_signature_bytes(fp)
        if self.redis_index is not None:
            placement = self.redis_index.place(article_id, features, bands, self.rules)
        else:
            placement = self._place_in_database(
                article_id, record, features, bands, digest, signature, published
            )
        return DedupDecision(digest, signature, placement.cluster_id, placement.duplicate_of)

    def commit(self, record_id: str, decision: DedupDecision) -> None:
        """Finish after the row is stored: repoint the cluster if this story is its original."""
        if self.redis_index is None:
            return  # the locked transaction of assign() did it already
        if decision.duplicate_of is None and decision.cluster_id != record_id:
            self.db_index.repoint_cluster(decision.cluster_id, record_id)

    # -- database backend ------------------------------------------------------------------
    def _place_in_database(
        self,
        article_id: str,
        record: Mapping[str, Any],
        features: Features,
        bands: Sequence[int],
        digest: str,
        signature: bytes,
        published: datetime | None,
    ) -> Placement:
        with self.db_index.locked() as index:
            own = index.own(article_id)
            if own is not None and own.cluster_id is not None:
                return Placement(own.cluster_id, own.duplicate_of, False)
            stories = index.candidates(article_id, bands)
            # Newest first: the storage order is the reverse of the position.
            entries = (_entry(story, seq=-i) for i, story in enumerate(stories))
            candidates = [entry for entry in entries if entry is not None]
            wanted = {s.duplicate_of or s.article_id for s in stories}
            known = {s.article_id: s for s in stories}
            missing = [i for i in wanted if i not in known]
            known.update(index.stories(missing) if missing else {})
            originals = _originals(stories, known)
            assignment = assign_cluster(article_id, features, candidates, originals, self.rules)
            row = dict(record)
            row.update(
                id=article_id, content_hash=digest, signature=signature,
                cluster_id=assignment.cluster_id, duplicate_of=assignment.duplicate_of,
                published_at=published, fetched_at=parse_published(record.get("fetched_at")),
            )
            index.store(row, bands)
            if assignment.becomes_original:
                index.repoint_cluster(assignment.cluster_id, article_id)
        return Placement(
            assignment.cluster_id, assignment.duplicate_of, assignment.becomes_original
        )

    # -- maintenance ---------------------------------------------------------------------
    def rebuild(self) -> int:
        """Rebuild the index from the stored signatures; return the number of stories indexed."""
        if self.redis_index is not None:
            return self._rebuild_redis(self.redis_index)
        self.db_index.clear()
        count = 0
        for batch in self.db_index.stored_stories(REBUILD_BATCH):
            items = []
            for story in batch:
                assert story.signature is not None
                items.append((story.article_id, band_keys(from_signature_bytes(story.signature))))
            with self.db_index.locked() as index:
                index.add_buckets(items)
            count += len(items)
        return count

    def _rebuild_redis(self, index: RedisIndex) -> int:
        index.clear()
        minutes: dict[str, int | None] = {}
        originals: dict[str, str] = {}
        count = 0
        for batch in self.db_index.stored_stories(REBUILD_BATCH):
            items: list[tuple[Entry, Sequence[int], Original | None]] = []
            for story in batch:
                assert story.signature is not None
                fp = from_signature_bytes(story.signature)
                count += 1
                cluster_id = story.cluster_id or story.article_id
                minutes[story.article_id] = to_minute(story.published_at)
                if story.duplicate_of is None:
                    originals.setdefault(cluster_id, story.article_id)
                elif cluster_id not in originals:
                    originals[cluster_id] = story.duplicate_of
                entry = Entry(
                    story.article_id, Features.of(fp, story.published_at), count, cluster_id
                )
                items.append((entry, band_keys(fp), None))
            index.load(items)
        records = [(cid, Original(oid, minutes.get(oid))) for cid, oid in originals.items()]
        for start in range(0, len(records), REBUILD_BATCH):
            index.load_originals(records[start : start + REBUILD_BATCH])
        index.set_seq(count)
        return count

    def close(self) -> None:
        self.db_index.dispose()
        if self.redis_index is not None:
            self.redis_index.close()


def _entry(story: StoredStory, seq: int) -> Entry | None:
    """A stored article as an index entry (None when it has no usable signature)."""
    if story.signature is None:
        return None
    try:
        fp = from_signature_bytes(story.signature)
    except ValueError:
        return None
    features = Features.of(fp, story.published_at)
    return Entry(story.article_id, features, seq, story.cluster_id or story.article_id)


def _originals(
    stories: Sequence[StoredStory], known: Mapping[str, StoredStory]
) -> dict[str, Original]:
    """The original of each candidate's cluster: the member whose ``duplicate_of`` is None,
    which every other member points at."""
    found: dict[str, Original] = {}
    for story in stories:
        original_id = story.duplicate_of or story.article_id
        original = known.get(original_id)
        minute = to_minute(original.published_at) if original else None
        found.setdefault(story.cluster_id or story.article_id, Original(original_id, minute))
    return found


def open_dedup(settings: Settings, store: Store) -> Deduplicator:
    """The Deduplicator for these settings: Redis index when Redis is configured."""
    rules = Rules.for_days(settings.dedup_window_days)
    redis_url = settings.effective_redis_url
    redis_index = RedisIndex.from_url(redis_url) if redis_url else None
    return Deduplicator(store, rules, redis_index)
