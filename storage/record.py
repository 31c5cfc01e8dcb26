"""The article record of docs/design.md ("Article record"): one typed, frozen value from
extraction through dedup to storage and export.

:class:`ArticleRecord` is what ``workers.extract.extract_record`` returns, what dedup reads,
what the store writes (as its columns, :meth:`ArticleRecord.columns`) and what exports write
(:meth:`ArticleRecord.exported`, fields in :data:`ARTICLE_FIELDS` order). Dates are real
``datetime`` values (aware, UTC) inside the program and ISO 8601 strings only at its edges;
the id is derived from the canonical URL, never set by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

ARTICLE_FIELDS: tuple[str, ...] = (
    "id",
    "url",
    "canonical_url",
    "source",
    "source_name",
    "country",
    "title",
    "text",
    "published_at",
    "language",
    "authors",
    "agencies",
    "byline",
    "cluster_id",
    "duplicate_of",
    "content_hash",
    "fetched_at",
    "origin",
    "evidence",
)

# The fields of an exported record that only the store gives (kibaru extract leaves them out):
# its id, dedup's placing, and how the stored page reached kibaru.
STORE_FIELDS: tuple[str, ...] = ("id", "cluster_id", "duplicate_of", "origin")


def article_id_for(canonical_url: str) -> str:
    """The stable id of an article: derived from its canonical URL, so re-runs agree."""
    return hashlib.blake2b(canonical_url.encode("utf-8"), digest_size=10).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    """``value`` as an aware datetime (a naive one, as SQLite returns them, is UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _parse_datetime(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, str):
        return _aware(datetime.fromisoformat(value))
    raise TypeError(f"a date must be a datetime or an ISO 8601 string, not {value!r}")


@dataclass(frozen=True)
class ArticleRecord:
    """One article, as docs/design.md's table of fields describes it.

    ``evidence`` maps each extracted field (title, published_at, text, authors, agencies,
    language…) to the evidence its value came from ("jsonld:headline", "family:wordpress",
    "trafilatura"…), or None when no candidate held; a record stored before evidence was
    kept has an empty mapping. ``content_hash``, ``cluster_id`` and ``duplicate_of`` are
    None until dedup has placed the record (:meth:`placed`). ``origin`` says how its page
    reached kibaru: ``crawl`` (a live crawl), ``backfill`` or ``import`` (a WARC file).
    """

    url: str
    canonical_url: str
    source: str
    text: str
    fetched_at: datetime | None
    title: str | None = None
    source_name: str | None = None
    country: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    authors: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    byline: str | None = None
    content_hash: str | None = None
    cluster_id: str | None = None
    duplicate_of: str | None = None
    origin: str = "crawl"
    evidence: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.canonical_url:
            raise ValueError(f"article {self.url!r} has no canonical URL (use its URL)")
        object.__setattr__(self, "published_at", _aware(self.published_at))
        object.__setattr__(self, "fetched_at", _aware(self.fetched_at))
        object.__setattr__(self, "authors", tuple(self.authors))
        object.__setattr__(self, "agencies", tuple(self.agencies))
        object.__setattr__(self, "evidence", dict(self.evidence))

    @property
    def id(self) -> str:
        return article_id_for(self.canonical_url)

    def placed(
        self, *, content_hash: str, cluster_id: str, duplicate_of: str | None
    ) -> ArticleRecord:
        """This record with dedup's decision."""
        return replace(
            self, content_hash=content_hash, cluster_id=cluster_id, duplicate_of=duplicate_of
        )

    def columns(self) -> dict[str, Any]:
        """The ``articles`` columns of this record (``storage.models.Article``), id included:
        datetimes as datetimes, lists as lists."""
        values: dict[str, Any] = {"id": self.id}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, tuple):
                value = list(value)
            elif item.name == "evidence":
                value = dict(value)
            values[item.name] = value
        return values

    def exported(self) -> dict[str, Any]:
        """The record as exports and ``kibaru extract`` write it: :data:`ARTICLE_FIELDS` in
        order, dates as ISO 8601 strings (JSON-ready)."""
        values = self.columns()
        for key in ("published_at", "fetched_at"):
            if values[key] is not None:
                values[key] = values[key].isoformat()
        return {name: values[name] for name in ARTICLE_FIELDS}

    def extracted(self) -> dict[str, Any]:
        """What ``kibaru extract`` prints: the exported record without the fields only the
        store gives (its id, dedup's ``cluster_id`` and ``duplicate_of``, its ``origin``)."""
        values = self.exported()
        for name in STORE_FIELDS:
            del values[name]
        return values

    @classmethod
    def from_columns(cls, row: Mapping[str, Any]) -> ArticleRecord:
        """A record from its ``articles`` columns (or an exported record: ISO dates are read
        back, and an ``id`` that is not the canonical URL's raises ``ValueError``)."""
        known = {item.name for item in fields(cls)}
        values = {name: row[name] for name in known if name in row}
        values["canonical_url"] = values.get("canonical_url") or row["url"]
        values["published_at"] = _parse_datetime(values.get("published_at"))
        values["fetched_at"] = _parse_datetime(values.get("fetched_at"))
        values["authors"] = tuple(values.get("authors") or ())
        values["agencies"] = tuple(values.get("agencies") or ())
        values["evidence"] = dict(values.get("evidence") or {})
        values.setdefault("text", "")
        record = cls(**values)
        if row.get("id") not in (None, record.id):
            raise ValueError(
                f"article id {row['id']!r} is not the id of its canonical URL "
                f"{record.canonical_url!r}; leave `id` out (it is derived from `canonical_url`)"
            )
        return record
