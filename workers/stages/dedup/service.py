"""The dedup service the processing pipeline calls: fills cluster_id, duplicate_of, content_hash.

Usage (``workers.pipeline``)::

    dedup = open_dedup(settings, store)      # Redis index if settings.effective_redis_url,
                                             # else the database index
    decision = dedup.assign(record)          # record: storage.record.ArticleRecord
    ... save_processed(store, record.placed(decision fields).columns() | signature) ...
    dedup.commit(article_id, decision)

:meth:`Deduplicator.assign` fingerprints the body and places the story in the shared index
(:class:`~workers.stages.dedup.index.DedupIndex`): lookup → decision → the story indexed, in
one step under the index's lock, so that a copy processed by another worker at the same
instant finds it and joins its cluster. :meth:`Deduplicator.commit` does what must follow the
caller's store: when the new story was published earlier than its cluster's original (it is
stored later but is the original), the cluster's stored copies are repointed at it
(``duplicate_of``). It is idempotent. Both backends keep the same rules: see
``workers.stages.dedup.index``.

Idempotence: assigning a record id that is already indexed returns its earlier cluster and
original (a story is never its own duplicate). A story whose ``assign`` ran but whose row was
never stored stays in the Redis index until ``kibaru dedup rebuild``; copies of it then point
at an id that has no row. ``rebuild`` drops such entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from kibaru.settings import Settings
from storage.db import Store
from storage.record import ArticleRecord
from workers.stages.dedup.database_index import DatabaseIndex
from workers.stages.dedup.decide import Rules
from workers.stages.dedup.entry import Features, band_keys
from workers.stages.dedup.fingerprint import analyse, to_signature_bytes
from workers.stages.dedup.index import DedupIndex, Story
from workers.stages.dedup.redis_index import RedisBackend, RedisIndex


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
        self.index: DedupIndex = (
            self.db_index if redis_index is None else RedisBackend(redis_index, self.db_index)
        )

    @property
    def backend(self) -> str:
        return self.index.name

    def assign(self, record: ArticleRecord) -> DedupDecision:
        """Decide (and index) the cluster of ``record``; see the module docstring."""
        fp, digest = analyse(record.text)
        signature = to_signature_bytes(fp)
        row = {**record.columns(), "content_hash": digest, "signature": signature}
        story = Story(record.id, Features.of(fp, record.published_at), band_keys(fp), row)
        placement = self.index.place(story, self.rules)
        return DedupDecision(digest, signature, placement.cluster_id, placement.duplicate_of)

    def commit(self, record_id: str, decision: DedupDecision) -> None:
        """Finish after the row is stored: repoint the cluster if this story is its original."""
        self.index.after_store(record_id, decision.cluster_id, decision.duplicate_of)

    def rebuild(self) -> int:
        """Rebuild the index from the stored signatures; return the number of stories indexed."""
        return self.index.rebuild()

    def close(self) -> None:
        self.index.close()


def open_dedup(settings: Settings, store: Store, *, for_rebuild: bool = False) -> Deduplicator:
    """The Deduplicator for these settings: Redis index when Redis is configured. Raises
    :class:`~workers.stages.dedup.redis_index.IndexLayoutError` for an index of an earlier
    layout, unless it is opened ``for_rebuild`` (``kibaru dedup rebuild`` converts it)."""
    rules = Rules.for_days(settings.dedup_window_days)
    redis_url = settings.effective_redis_url
    redis_index = RedisIndex.from_url(redis_url) if redis_url else None
    if redis_index is not None and not for_rebuild:
        try:
            redis_index.check_layout()
        except BaseException:
            redis_index.close()
            raise
    return Deduplicator(store, rules, redis_index)
