"""SQLAlchemy 2 models: the tables downstream users and operators query.

The same models run on SQLite (embedded default) and PostgreSQL. JSON columns hold short
lists (authors, agencies) and counters; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that reads back aware on SQLite too (stored as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | str | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            # Records travel as JSON (ISO-8601 strings); accept them as they are.
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SourceRow(Base):
    """An outlet of the registry, as it was when last crawled."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)
    language: Mapped[str] = mapped_column(String(8))
    homepage: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="outlet")
    # Per-source CSS selectors for the stages (registry ``selectors:``), so that workers,
    # which do not read the registry, process pages the way the registry says.
    selectors: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Article(Base):
    """The article record of docs/design.md, one row per canonical URL."""

    __tablename__ = "articles"
    __table_args__ = (
        # No unique constraint on canonical_url: the id, derived from it, is the one unique
        # key (a second one breaks concurrent upserts; see migration 0002).
        Index("ix_articles_canonical_url", "canonical_url"),
        Index("ix_articles_source_published", "source", "published_at"),
        Index("ix_articles_published_at", "published_at"),
        Index("ix_articles_cluster_id", "cluster_id"),
        Index("ix_articles_content_hash", "content_hash"),
        Index("ix_articles_url", "url"),
        Index("ix_articles_fetched_at", "fetched_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(8))
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    agencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    byline: Mapped[str | None] = mapped_column(Text)
    cluster_id: Mapped[str | None] = mapped_column(String(32))
    duplicate_of: Mapped[str | None] = mapped_column(String(32))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How its page reached kibaru: crawl, backfill or import (workers.stages.page.ORIGINS).
    origin: Mapped[str] = mapped_column(String(16), default="crawl", server_default="crawl")
    # Which evidence each field came from (field -> origin); null on rows stored before it.
    evidence: Mapped[dict[str, str | None] | None] = mapped_column(JSON)
    # Not part of the exported record: the MinHash signature (for `kibaru dedup rebuild`),
    # the raw page it came from, and bookkeeping.
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    page_id: Mapped[int | None] = mapped_column(BigInteger)
    run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Page(Base):
    """A fetched page, kept compressed so that the stages can be rerun without fetching."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("url", name="uq_pages_url"),
        Index("ix_pages_source_fetched", "source", "fetched_at"),
        Index("ix_pages_state", "state"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer, default=200)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    encoding: Mapped[str | None] = mapped_column(String(64))
    hints: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    body_gz: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_id: Mapped[int | None] = mapped_column(Integer)
    # crawl | backfill | import: how the page reached kibaru (workers.stages.page.ORIGINS)
    origin: Mapped[str] = mapped_column(String(16), default="crawl", server_default="crawl")
    # pending → stored | duplicate | rejected | failed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    article_id: Mapped[str | None] = mapped_column(String(32))
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CrawlRun(Base):
    """One crawl: who started it, of what, when, and how it went."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    trigger: Mapped[str] = mapped_column(String(32), default="cli")  # cli | beat | detach | …
    started_by: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # running | succeeded | failed | skipped | interrupted (and, only as shown, abandoned:
    # running with a heartbeat that stopped; see storage.run_recorder)
    status: Mapped[str] = mapped_column(String(16), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # Written every KIBARU_RUN_HEARTBEAT seconds by the process recording the run.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CrawlLock(Base):
    """A source being crawled, by which run, until when (extended by the run's heartbeat).

    At most one row per source: the second crawl of a source finds it and is skipped.
    """

    __tablename__ = "crawl_locks"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FailedPage(Base):
    """A page a stage could not process, with why and how often; re-queued by retry-failed."""

    __tablename__ = "failed_pages"
    __table_args__ = (
        UniqueConstraint("url", "stage", name="uq_failed_pages_url_stage"),
        Index("ix_failed_pages_run_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(64))
    page_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("pages.id", ondelete="SET NULL")
    )
    run_id: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class DedupBucket(Base):
    """The near-duplicate (MinHash LSH) index in the database: one row per (band hash, article).

    ``bucket`` is a 64-bit hash of (band number, band values); two articles sharing a row
    are LSH candidates. Used by the embedded default; with a broker the index lives in Redis.
    """

    __tablename__ = "dedup_buckets"

    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class CoverageFlag(Base):
    """A drop of one source's field coverage or daily volume below its trailing median.

    A flag is open while the drop lasts (``closed_at`` null) and closed when the source
    recovers; ``alerted_at`` is when the webhook accepted its alert (null: not sent yet).
    """

    __tablename__ = "coverage_flags"
    __table_args__ = (Index("ix_coverage_flags_source_metric", "source", "metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    # authors | published_at | agencies | language | volume
    metric: Mapped[str] = mapped_column(String(32))
    recent: Mapped[float] = mapped_column(Float)
    baseline: Mapped[float] = mapped_column(Float)
    run_id: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert_attempts: Mapped[int] = mapped_column(Integer, default=0)


class BackfillCheckpoint(Base):
    """How far the backfill of one source has got, so that a killed one goes on from there.

    One row per source: the range and order it walks (``since``, ``until``, ``newest_first``),
    the strategy it chose (``wp-json``, ``sitemap`` or ``listing``) and its ``position`` in
    it (the first API page, sitemap or listing page not yet done: ``{"step": …, "depth": …}``).
    A backfill with another range or order starts afresh and replaces the row; ``finished_at``
    is set once every step of the range is done.
    """

    __tablename__ = "backfill_checkpoints"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    newest_first: Mapped[bool] = mapped_column(Boolean, default=False)
    strategy: Mapped[str] = mapped_column(String(16))
    position: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
