"""The near-duplicate index in the database (the embedded default; works on PostgreSQL too).

The LSH buckets are rows of ``dedup_buckets`` (band key, article id); what a candidate is
judged on comes from its article row: ``signature`` (the packed fingerprint),
``published_at``, ``cluster_id``, ``duplicate_of`` and ``created_at`` (storage order).

Writers are serialised: :meth:`DatabaseIndex.locked` opens one transaction holding a lock
across lookup → decision → store — ``pg_advisory_xact_lock`` on PostgreSQL, ``BEGIN
IMMEDIATE`` (the database write lock) on SQLite. Inside it the new article row is stored with
its dedup fields together with its bucket rows, so a second worker waiting on the lock sees
both: two copies processed at the same instant end in one cluster. Readers are never blocked.

It keeps the rules of every backend (``workers.stages.dedup.index``): the article row is the
index's entry, so storing it (and repointing the cluster's copies when the new story displaced
their original) happens in the locked step, and :meth:`DatabaseIndex.after_store` has nothing
left to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import Store
from storage.models import Article, DedupBucket, Page
from storage.repository import upsert_article
from workers.stages.dedup.decide import Original, Rules, assign_cluster
from workers.stages.dedup.entry import Entry, Features, band_keys, to_minute
from workers.stages.dedup.fingerprint import from_signature_bytes
from workers.stages.dedup.index import Placement, Story

BATCH = 500
REBUILD_BATCH = 1000
MAX_CANDIDATES = 500
_PG_LOCK_KEY = 4820173  # the advisory lock of the dedup index (storage.db uses 4820171)


@dataclass(frozen=True)
class StoredStory:
    """What the index knows of one stored article."""

    article_id: str
    signature: bytes | None
    published_at: datetime | None
    cluster_id: str | None
    duplicate_of: str | None
    created_at: datetime


_COLUMNS = (
    Article.id, Article.signature, Article.published_at, Article.cluster_id,
    Article.duplicate_of, Article.created_at,
)


def _story(row: Any) -> StoredStory:
    return StoredStory(row[0], row[1], row[2], row[3], row[4], row[5])


class DatabaseIndexSession:
    """Lookups and writes inside one locked transaction (see :meth:`DatabaseIndex.locked`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def own(self, article_id: str) -> StoredStory | None:
        """The article if it is already stored with a cluster (a re-delivered task)."""
        row = self.session.execute(
            select(*_COLUMNS).where(Article.id == article_id, Article.cluster_id.is_not(None))
        ).first()
        return _story(row) if row else None

    def candidates(self, article_id: str, bands: Sequence[int]) -> list[StoredStory]:
        """Stored articles sharing at least one band with the new one (newest first, capped)."""
        if not bands:
            return []
        ids = (
            select(DedupBucket.article_id)
            .where(DedupBucket.bucket.in_(list(bands)))
            .distinct()
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(*_COLUMNS)
            .where(Article.id.in_(ids), Article.id != article_id)
            .order_by(Article.created_at.desc())
            .limit(MAX_CANDIDATES)
        ).all()
        return [_story(row) for row in rows]

    def stories(self, article_ids: Iterable[str]) -> dict[str, StoredStory]:
        """Stored articles by id (to read the originals of the candidates' clusters)."""
        wanted = list(dict.fromkeys(article_ids))
        found: dict[str, StoredStory] = {}
        for start in range(0, len(wanted), BATCH):
            rows = self.session.execute(
                select(*_COLUMNS).where(Article.id.in_(wanted[start : start + BATCH]))
            )
            found.update((row[0], _story(row)) for row in rows)
        return found

    def store(self, record: Mapping[str, Any], bands: Sequence[int]) -> str:
        """Upsert the article row (with its dedup fields) and its bucket rows; return its id."""
        article_id, _ = upsert_article(self.session, record)
        self.add_buckets([(article_id, bands)])
        return article_id

    def add_buckets(self, items: Iterable[tuple[str, Sequence[int]]]) -> None:
        """Insert bucket rows in batches (idempotent)."""
        rows = sorted({(band, article_id) for article_id, bands in items for band in bands})
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for start in range(0, len(rows), BATCH):
            values = [{"bucket": b, "article_id": a} for b, a in rows[start : start + BATCH]]
            self.session.execute(insert(DedupBucket).values(values).on_conflict_do_nothing())

    def repoint_cluster(self, cluster_id: str, original_id: str) -> int:
        """Every stored copy of ``cluster_id`` now points at ``original_id``; return how many."""
        result = self.session.execute(
            update(Article)
            .where(Article.cluster_id == cluster_id, Article.id != original_id)
            .values(duplicate_of=original_id)
        )
        self.session.execute(
            update(Article)
            .where(Article.id == original_id, Article.duplicate_of.is_not(None))
            .values(duplicate_of=None)
        )
        # The pages of the repointed copies were counted as stored originals when they were
        # processed; they are copies now, and a run's summary counts page states.
        copies = select(Article.id).where(
            Article.cluster_id == cluster_id, Article.id != original_id
        )
        self.session.execute(
            update(Page)
            .where(Page.article_id.in_(copies), Page.state == "stored")
            .values(state="duplicate")
        )
        self.session.execute(
            update(Page)
            .where(Page.article_id == original_id, Page.state == "duplicate")
            .values(state="stored")
        )
        return int(getattr(result, "rowcount", 0) or 0)


class DatabaseIndex:
    """The dedup index in the store's database; see the module docstring."""

    name = "database"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = self._writer_engine(store.engine)

    # -- the DedupIndex interface ------------------------------------------------------------
    def place(self, story: Story, rules: Rules) -> Placement:
        """Look up, decide and store the article row with its buckets, in one locked step."""
        article_id = story.article_id
        with self.locked() as index:
            own = index.own(article_id)
            if own is not None and own.cluster_id is not None:
                return Placement(own.cluster_id, own.duplicate_of, False)
            stories = index.candidates(article_id, story.bands)
            # Newest first: the storage order is the reverse of the position.
            entries = (_entry(stored, seq=-i) for i, stored in enumerate(stories))
            candidates = [entry for entry in entries if entry is not None]
            wanted = {s.duplicate_of or s.article_id for s in stories}
            known = {s.article_id: s for s in stories}
            missing = [i for i in wanted if i not in known]
            known.update(index.stories(missing) if missing else {})
            originals = _originals(stories, known)
            assignment = assign_cluster(article_id, story.features, candidates, originals, rules)
            row = dict(story.row)
            row.update(cluster_id=assignment.cluster_id, duplicate_of=assignment.duplicate_of)
            index.store(row, story.bands)
            if assignment.becomes_original:
                index.repoint_cluster(assignment.cluster_id, article_id)
        return Placement(
            assignment.cluster_id, assignment.duplicate_of, assignment.becomes_original
        )

    def after_store(self, article_id: str, cluster_id: str, duplicate_of: str | None) -> None:
        """Nothing: the locked step of :meth:`place` stored the row and repointed the copies."""

    def rebuild(self) -> int:
        """Refill the bucket table from the stored signatures; return the stories indexed."""
        self.clear()
        count = 0
        for batch in self.stored_stories(REBUILD_BATCH):
            items = []
            for story in batch:
                assert story.signature is not None
                items.append((story.article_id, band_keys(from_signature_bytes(story.signature))))
            with self.locked() as index:
                index.add_buckets(items)
            count += len(items)
        return count

    def close(self) -> None:
        self.dispose()

    @staticmethod
    def _writer_engine(engine: Engine) -> Engine:
        if engine.dialect.name != "sqlite":
            return engine
        # SQLite: a transaction that reads before it writes can fail to upgrade its lock when
        # another writer went first; BEGIN IMMEDIATE takes the write lock up front (waiting
        # for it up to busy_timeout) so lookup → store is one serialised step.
        writer = create_engine(engine.url, connect_args={"timeout": 60, "isolation_level": None})

        @event.listens_for(writer, "connect")
        def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(writer, "begin")
        def _begin_immediate(connection):  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return writer

    @contextmanager
    def locked(self) -> Iterator[DatabaseIndexSession]:
        """One transaction holding the index's write lock; committed on success."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                if self.engine.dialect.name == "postgresql":
                    session.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY}
                    )
                yield DatabaseIndexSession(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def clear(self) -> None:
        """Empty the bucket table (the articles keep their dedup fields)."""
        with self.locked() as index:
            index.session.execute(delete(DedupBucket))

    def repoint_cluster(self, cluster_id: str, original_id: str) -> int:
        with self.locked() as index:
            return index.repoint_cluster(cluster_id, original_id)

    def stored_stories(self, batch: int = 2000) -> Iterator[list[StoredStory]]:
        """Every stored article that has a signature, in storage order, in batches."""
        last: tuple[datetime, str] | None = None
        with self.store.session() as session:
            while True:
                query = (
                    select(*_COLUMNS)
                    .where(Article.signature.is_not(None))
                    .order_by(Article.created_at, Article.id)
                    .limit(batch)
                )
                if last is not None:
                    query = query.where(
                        (Article.created_at > last[0])
                        | ((Article.created_at == last[0]) & (Article.id > last[1]))
                    )
                rows = [_story(row) for row in session.execute(query)]
                if not rows:
                    return
                yield rows
                last = (rows[-1].created_at, rows[-1].article_id)

    def dispose(self) -> None:
        if self.engine is not self.store.engine:
            self.engine.dispose()


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
