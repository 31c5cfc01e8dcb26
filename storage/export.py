"""Export stored articles as JSONL, CSV or Parquet, or their raw pages as WARC, streamed.

Rows are read with a server-side cursor (``yield_per``) and written as they come, so that a
million articles never sit in memory at once. Field names and order are the article record's
(``storage.record.ARTICLE_FIELDS``). The WARC export (:func:`write_warc`) writes the stored
page of each exported article as a WARC/1.1 ``response`` record, gzipped per record, after
one ``warcinfo`` record.

pyarrow and warcio are imported by the writers that use them, not with the module: the CLI
imports this module in every command, ``kibaru worker`` included, and pyarrow alone adds
about 50 MB to the resident memory of every worker process.
"""

from __future__ import annotations

import csv
import gzip
import http
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar

from sqlalchemy import Select, select

from storage.db import Store
from storage.models import Article, Page
from storage.record import ARTICLE_FIELDS, ArticleRecord

if TYPE_CHECKING:
    import pyarrow as pa
    from warcio.statusandheaders import StatusAndHeaders

_Query = TypeVar("_Query", bound=Select)
FORMATS = ("jsonl", "csv", "parquet", "warc")
BATCH = 1000
# Raw pages weigh tens of kilobytes each: fewer rows per fetch keep the WARC export's memory flat.
PAGE_BATCH = 100
# Where a kibaru export keeps what discovery learnt about a page (a sitemap's date), so that
# an import of the file extracts the same article (read back by ``crawler.warc_records``).
HINTS_HEADER: Final = "Kibaru-Hints"
# The address the crawl asked for, when a redirect led elsewhere (WARC-Target-URI names where
# the content came from): a page's URL, and so an undeclared canonical URL's id, comes back.
REQUESTED_HEADER: Final = "Kibaru-Requested-URI"
# The stored body is whole and decoded: headers of the wire form are rewritten to match it.
REWRITTEN_HEADERS: Final = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def _filtered(query: _Query, source: str | None, since: datetime | None) -> _Query:
    """``query`` limited to one source and to articles published (or, undated, fetched) on or
    after ``since``: the filters every format shares."""
    if source:
        query = query.where(Article.source == source)
    if since is not None:
        query = query.where(
            (Article.published_at >= since)
            | (Article.published_at.is_(None) & (Article.fetched_at >= since))
        )
    return query


def iter_records(
    store: Store, *, source: str | None = None, since: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Exported article records (:meth:`ArticleRecord.exported`) in a stable order (published
    date, then id), optionally filtered.

    ``since`` keeps articles published on or after it, or, when the date is unknown,
    fetched on or after it.
    """
    columns = [getattr(Article, name) for name in ARTICLE_FIELDS]
    query = _filtered(select(*columns).order_by(Article.published_at, Article.id), source, since)
    with store.sessions() as session:
        result = session.execute(query.execution_options(yield_per=BATCH))
        for row in result:
            yield ArticleRecord.from_columns(dict(zip(ARTICLE_FIELDS, row, strict=True))).exported()


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_csv(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """CSV with a header; list fields (authors, agencies) joined with "; ", the evidence as
    a JSON object."""
    writer = csv.DictWriter(out, fieldnames=ARTICLE_FIELDS)
    writer.writeheader()
    count = 0
    for record in records:
        record["authors"] = "; ".join(record["authors"])
        record["agencies"] = "; ".join(record["agencies"])
        record["evidence"] = json.dumps(record["evidence"], ensure_ascii=False)
        writer.writerow(record)
        count += 1
    return count


def _parquet_type(name: str) -> pa.DataType:
    import pyarrow as pa

    if name in ("authors", "agencies"):
        return pa.list_(pa.string())
    if name == "evidence":
        return pa.map_(pa.string(), pa.string())
    return pa.string()


def parquet_schema() -> pa.Schema:
    """The Parquet schema of the article record."""
    import pyarrow as pa

    return pa.schema([(name, _parquet_type(name)) for name in ARTICLE_FIELDS])


def write_parquet(records: Iterator[dict[str, Any]], path: str) -> int:
    """Parquet, written one row group per batch; timestamps as ISO-8601 strings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


@dataclass(frozen=True)
class StoredPage:
    """The raw page of an exported article, as fetched: the address it came from (after
    redirects) and the one requested, status, headers (lower-case names), decoded body, fetch
    date, discovery's hints."""

    url: str
    requested_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    hints: dict[str, str]


def iter_pages(
    store: Store, *, source: str | None = None, since: datetime | None = None
) -> Iterator[StoredPage]:
    """The stored pages of the articles :func:`iter_records` exports with the same filters, in
    the same order, one at a time (an article without a stored page is left out)."""
    columns = (Page.final_url, Page.url, Page.status, Page.headers, Page.body_gz,
               Page.fetched_at, Page.hints)
    query = _filtered(
        select(*columns).select_from(Article).join(Page, Page.id == Article.page_id)
        .order_by(Article.published_at, Article.id),
        source, since,
    )
    with store.sessions() as session:
        for row in session.execute(query.execution_options(yield_per=PAGE_BATCH)):
            yield StoredPage(
                url=row.final_url or row.url, requested_url=row.url, status=row.status,
                headers=dict(row.headers or {}),
                body=gzip.decompress(row.body_gz), fetched_at=row.fetched_at,
                hints=dict(row.hints or {}),
            )


def _software() -> str:
    try:
        return f"kibaru/{version('kibaru')}"
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "kibaru"


def _http_headers(page: StoredPage) -> StatusAndHeaders:
    """The status line and headers as fetched, with Content-Length set to the stored body's
    and no Content-Encoding or Transfer-Encoding: the stored body is whole and decoded."""
    from warcio.statusandheaders import StatusAndHeaders

    try:
        phrase = http.HTTPStatus(page.status).phrase
    except ValueError:
        phrase = "Unknown"
    pairs = [
        ("-".join(part.capitalize() for part in name.split("-")), value)
        for name, value in page.headers.items()
        if name.lower() not in REWRITTEN_HEADERS
    ]
    pairs.append(("Content-Length", str(len(page.body))))
    return StatusAndHeaders(f"{page.status} {phrase}", pairs, protocol="HTTP/1.1")


def write_warc(pages: Iterator[StoredPage], out: IO[bytes], *, filename: str,
               description: str = "") -> int:
    """Write a ``warcinfo`` record, then one ``response`` record per page (WARC-Target-URI
    the address the page came from, WARC-Date its fetch date, WARC-Payload-Digest computed;
    discovery's hints in ``Kibaru-Hints``, the address requested when a redirect led elsewhere
    in ``Kibaru-Requested-URI``), each gzipped on its own; return the number of pages written."""
    from warcio.timeutils import datetime_to_iso_date
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = {
        "software": _software(),
        "format": "WARC File Format 1.1",
        "description": description or "kibaru export: stored raw pages of articles",
    }
    writer.write_record(writer.create_warcinfo_record(filename, info))
    count = 0
    for page in pages:
        fetched = page.fetched_at.astimezone(UTC).replace(tzinfo=None)
        warc_headers = {"WARC-Date": datetime_to_iso_date(fetched, use_micros=True)}
        if page.hints:
            warc_headers[HINTS_HEADER] = json.dumps(page.hints, ensure_ascii=True)
        if page.requested_url and page.requested_url != page.url:
            warc_headers[REQUESTED_HEADER] = page.requested_url
        record = writer.create_warc_record(
            page.url, "response", payload=BytesIO(page.body), length=len(page.body),
            http_headers=_http_headers(page), warc_headers_dict=warc_headers,
        )
        writer.write_record(record)
        count += 1
    return count
