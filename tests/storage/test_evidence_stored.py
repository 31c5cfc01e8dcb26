"""Every stored and exported record says which evidence each of its fields came from.

Real West African fixture pages go through the whole pipeline (clean, bylines, dedup, store)
into SQLite and PostgreSQL; the exports (JSONL, CSV, Parquet) carry the same evidence as the
record extraction gave.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import select

from kibaru.settings import Settings
from storage.db import Store
from storage.export import iter_records, write_csv, write_jsonl, write_parquet
from storage.models import Article
from tests.clean.corpus import Fixture, fixtures
from workers.extract import extract_record
from workers.pipeline import process_page
from workers.stages.dedup.service import open_dedup

EXTRACTED_FIELDS = {"title", "published_at", "text", "authors", "agencies", "language"}


def _articles_with_authors(count: int) -> list[Fixture]:
    """The first fixture pages whose golden names an author (so every field has evidence)."""
    chosen = [f for f in fixtures() if f.golden_file().get("authors")]
    return chosen[:count]


def test_stored_and_exported_records_carry_each_fields_evidence(
    store: Store, tmp_path: Path
) -> None:
    pages = _articles_with_authors(3)
    expected = {}
    dedup = open_dedup(Settings(database_url="sqlite://"), store)
    try:
        for fixture in pages:
            record = extract_record(fixture.page(), fixture.source())
            expected[record.id] = record.evidence
            outcome = process_page(
                fixture.page(), store=store, dedup=dedup, source=fixture.source()
            )
            assert outcome.status == "stored", (fixture.key, outcome)
    finally:
        dedup.close()
    assert all(set(evidence) >= EXTRACTED_FIELDS for evidence in expected.values())
    assert all(evidence["title"] and evidence["authors"] for evidence in expected.values())

    with store.session() as session:
        stored = dict(session.execute(select(Article.id, Article.evidence)).all())
    assert stored == expected

    out = io.StringIO()
    write_jsonl(iter_records(store), out)
    exported = {r["id"]: r["evidence"] for r in map(json.loads, out.getvalue().splitlines())}
    assert exported == expected

    out = io.StringIO()
    write_csv(iter_records(store), out)
    rows = csv.DictReader(io.StringIO(out.getvalue()))
    assert {row["id"]: json.loads(row["evidence"]) for row in rows} == expected

    path = tmp_path / "articles.parquet"
    write_parquet(iter_records(store), str(path))
    table = pq.read_table(path).to_pylist()
    assert {row["id"]: dict(row["evidence"]) for row in table} == expected
