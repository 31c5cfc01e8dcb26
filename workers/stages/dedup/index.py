"""The one interface of the shared dedup index, and the rules both backends keep.

Two backends implement :class:`DedupIndex`: ``database_index.DatabaseIndex`` (the embedded
default; SQLite or PostgreSQL) and ``redis_index.RedisBackend`` (with a broker). The service
(``service.Deduplicator``) calls them the same way, and they keep the same transaction rules:

1. :meth:`DedupIndex.place` is one atomic step with respect to every other writer: under the
   index's writers' lock it looks up the candidates, decides the cluster
   (:func:`~workers.stages.dedup.decide.assign_cluster`) and indexes the story, so that a copy
   processed by another worker at the same instant waits, then finds it and joins its cluster.
   When the step fails, the story is not indexed and the lock is released.
2. When the story was published before its cluster's original, the index's own record of the
   cluster's original points at the story at the end of that same step.
3. A story already indexed (a task delivered again) gets its earlier placement back; a story
   is never its own duplicate.
4. :meth:`DedupIndex.after_store` runs once the caller stored the article row; when the story
   is its cluster's original but the cluster is named after another story (it displaced the
   first-stored original), it brings the stored copies in line: their ``duplicate_of`` points
   at the story. It is idempotent, and a task delivered again runs it again.

How each backend keeps them: the database index stores the article row itself (with its dedup
fields and bucket rows) inside its locked transaction, and repoints the stored copies there,
so rule 4 has nothing left to do; the Redis index holds its lock from the lookup script to the
insert script and writes the cluster record there, and rule 4 repoints the stored rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from workers.stages.dedup.decide import Rules
from workers.stages.dedup.entry import Features


@dataclass(frozen=True)
class Story:
    """A story to place: its id, what it is judged on, its band keys, and its article row
    (every dedup field but the cluster's, which :meth:`DedupIndex.place` decides)."""

    article_id: str
    features: Features
    bands: Sequence[int]
    row: Mapping[str, Any]


@dataclass(frozen=True)
class Placement:
    """Where a story went: its cluster, its original (None: itself), and whether it displaced
    an earlier-stored original (rule 4 of the module docstring then repoints the copies)."""

    cluster_id: str
    duplicate_of: str | None
    becomes_original: bool


class DedupIndex(Protocol):
    """The shared index; see the module docstring for the rules every backend keeps."""

    name: str  # "database" or "redis"

    def place(self, story: Story, rules: Rules) -> Placement:
        """Rules 1–3: find the story's cluster and index it, atomically."""
        ...

    def after_store(self, article_id: str, cluster_id: str, duplicate_of: str | None) -> None:
        """Rule 4: after the caller stored the row of ``article_id`` with these fields."""
        ...

    def rebuild(self) -> int:
        """Rebuild the index from the stored signatures; return how many stories it holds."""
        ...

    def close(self) -> None: ...
