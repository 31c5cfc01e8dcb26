"""Export stored articles as JSONL, CSV or Parquet, streamed in batches.

Rows are read with a server-side cursor (``yield_per``) and written as they come, so that a
million articles never sit in memory at once. Field names and order are the article record's
(``storage.record.ARTICLE_FIELDS``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from storage.db import Store
from storage.models import Article
from storage.record import ARTICLE_FIELDS

FORMATS = ("jsonl", "csv", "parquet")
BATCH = 1000


def _record(row: Any) -> dict[str, Any]:
    record = dict(zip(ARTICLE_FIELDS, row, strict=True))
    for key in ("published_at", "fetched_at"):
        value = record[key]
        if isinstance(value, datetime):
            record[key] = value.isoformat()
    record["authors"] = list(record["authors"] or [])
    record["agencies"] = list(record["agencies"] or [])
    return record


def iter_records(
    store: Store, *, source: str | None = None, since: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Article records in a stable order (published date, then id), optionally filtered.

    ``since`` keeps articles published on or after it, or, when the date is unknown,
    fetched on or after it.
    """
    columns = [getattr(Article, name) for name in ARTICLE_FIELDS]
    query = select(*columns).order_by(Article.published_at, Article.id)
    if source:
        query = query.where(Article.source == source)
    if since is not None:
        query = query.where(
            (Article.published_at >= since)
            | (Article.published_at.is_(None) & (Article.fetched_at >= since))
        )
    with store.sessions() as session:
        result = session.execute(query.execution_options(yield_per=BATCH))
        for row in result:
            yield _record(row)


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_csv(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """CSV with a header; list fields (authors, agencies) joined with "; "."""
    writer = csv.DictWriter(out, fieldnames=ARTICLE_FIELDS)
    writer.writeheader()
    count = 0
    for record in records:
        record["authors"] = "; ".join(record["authors"])
        record["agencies"] = "; ".join(record["agencies"])
        writer.writerow(record)
        count += 1
    return count


PARQUET_SCHEMA = pa.schema(
    [
        (name, pa.list_(pa.string()) if name in ("authors", "agencies") else pa.string())
        for name in ARTICLE_FIELDS
    ]
)


def write_parquet(records: Iterator[dict[str, Any]], path: str) -> int:
    """Parquet, written one row group per batch; timestamps as ISO-8601 strings."""
    count = 0
    with pq.ParquetWriter(path, PARQUET_SCHEMA) as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
            count += len(batch)
    return count
