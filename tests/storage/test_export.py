"""Export: every article-record field, in order, for each format and filter."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator

from storage.db import Store
from storage.export import (
    iter_pages,
    iter_records,
    write_csv,
    write_jsonl,
    write_parquet,
    write_warc,
)
from storage.record import ARTICLE_FIELDS
from storage.repository import save_page, upsert_article


def _fill(store: Store) -> None:
    with store.session() as session:
        for n, (source, day) in enumerate([("aps", 1), ("aps", 5), ("amap", 3), ("amap", None)]):
            upsert_article(
                session,
                {
                    "url": f"https://{source}.example/{n}",
                    "source": source,
                    "title": f"Titre {n} — «guillemets»",
                    "text": 'Premier paragraphe.\n\nSecond, avec une virgule; et "quotes".',
                    "published_at": datetime(2025, 2, day, tzinfo=UTC) if day else None,
                    "fetched_at": datetime(2025, 2, 6, tzinfo=UTC),
                    "authors": ["Oumar Diarra", "Amen K."],
                    "agencies": ["AMAP"],
                },
            )


def test_jsonl_has_every_field_in_order(store: Store) -> None:
    _fill(store)
    out = io.StringIO()
    assert write_jsonl(iter_records(store), out) == 4
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [list(line) for line in lines] == [list(ARTICLE_FIELDS)] * 4
    dated = [line["published_at"] for line in lines if line["published_at"]]
    assert dated == sorted(dated)
    assert lines[0]["authors"] == ["Oumar Diarra", "Amen K."]
    assert lines[0]["title"].endswith("«guillemets»")


def test_filters_by_source_and_since(store: Store) -> None:
    _fill(store)
    aps = list(iter_records(store, source="aps"))
    assert {r["source"] for r in aps} == {"aps"} and len(aps) == 2
    recent = list(iter_records(store, since=datetime(2025, 2, 3, tzinfo=UTC)))
    # day 3 and day 5 by publication; the undated one by its fetch date (Feb 6)
    assert len(recent) == 3
    assert list(iter_records(store, source="aps", since=datetime(2026, 1, 1, tzinfo=UTC))) == []


def test_csv_round_trips(store: Store) -> None:
    _fill(store)
    out = io.StringIO()
    write_csv(iter_records(store), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 4
    assert rows[0]["authors"] == "Oumar Diarra; Amen K."
    assert rows[0]["text"].startswith("Premier paragraphe.\n\nSecond")


def test_parquet_has_the_record_schema(store: Store, tmp_path: object) -> None:
    _fill(store)
    path = f"{tmp_path}/articles.parquet"
    assert write_parquet(iter_records(store), path) == 4
    table = pq.read_table(path)
    assert table.column_names == list(ARTICLE_FIELDS)
    assert table.num_rows == 4
    assert table.column("agencies").to_pylist()[0] == ["AMAP"]


def test_parquet_of_nothing_is_a_valid_empty_file(store: Store, tmp_path: object) -> None:
    path = f"{tmp_path}/empty.parquet"
    assert write_parquet(iter_records(store), path) == 0
    assert pq.read_table(path).num_rows == 0


def _fill_pages(store: Store) -> None:
    """Two articles of two sources, each with its stored page: headers as a crawl keeps them
    (the wire's Content-Encoding and Content-Length, which no longer fit the stored body)."""
    with store.session() as session:
        for n, (source, day) in enumerate([("aps", 1), ("amap", 5)]):
            url = f"https://{source}.example/{n}"
            page_id = save_page(
                session, url=url, final_url=url, source=source,
                body=f"<html><body><p>Article {n} — é</p></body></html>".encode(),
                headers={"content-type": "text/html; charset=utf-8", "content-encoding": "gzip",
                         "content-length": "17", "transfer-encoding": "chunked",
                         "x-powered-by": "WordPress"},
                hints={"published_at": f"2025-02-0{day}T09:00:00+00:00"},
                fetched_at=datetime(2025, 2, day, 10, 30, 15, 250000, tzinfo=UTC),
            )
            upsert_article(session, {
                "url": url, "source": source, "title": f"Titre {n}", "text": "Texte.",
                "published_at": datetime(2025, 2, day, tzinfo=UTC), "page_id": page_id,
            })


def _read_warc(data: bytes) -> list[tuple[str, str | None, str | None, bytes, dict[str, str]]]:
    records = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
        assert record.rec_headers.protocol == "WARC/1.1"
        body = record.content_stream().read()
        assert record.digest_checker.passed is not False, record.digest_checker.problems
        http = dict(record.http_headers.headers) if record.http_headers else {}
        records.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                        record.rec_headers.get_header("WARC-Date"), body, http))
    return records


def test_warc_holds_the_stored_pages_of_the_exported_articles(store: Store) -> None:
    _fill_pages(store)
    out = io.BytesIO()
    assert write_warc(iter_pages(store), out, filename="all.warc.gz") == 2
    records = _read_warc(out.getvalue())
    assert [kind for kind, *_ in records] == ["warcinfo", "response", "response"]
    _, uri, date, body, http = records[1]
    assert (uri, date) == ("https://aps.example/0", "2025-02-01T10:30:15.250000Z")
    assert body == "<html><body><p>Article 0 — é</p></body></html>".encode()
    # The stored body is whole and decoded: its length, and no wire encoding.
    assert http == {"Content-Type": "text/html; charset=utf-8", "X-Powered-By": "WordPress",
                    "Content-Length": str(len(body))}
    archive = ArchiveIterator(io.BytesIO(out.getvalue()))
    hints = [record.rec_headers.get_header("Kibaru-Hints") for record in archive][1:]
    assert [json.loads(h) for h in hints] == [{"published_at": "2025-02-01T09:00:00+00:00"},
                                              {"published_at": "2025-02-05T09:00:00+00:00"}]


def test_warc_takes_the_filters_of_the_other_formats(store: Store) -> None:
    _fill_pages(store)
    for filters, expected in (
        ({"source": "amap"}, ["https://amap.example/1"]),
        ({"since": datetime(2025, 2, 3, tzinfo=UTC)}, ["https://amap.example/1"]),
        ({"source": "aps", "since": datetime(2025, 2, 3, tzinfo=UTC)}, []),
    ):
        out = io.BytesIO()
        assert write_warc(iter_pages(store, **filters), out, filename="f.warc.gz") == len(
            expected
        )
        assert [uri for kind, uri, *_ in _read_warc(out.getvalue()) if kind == "response"] == (
            expected
        )
