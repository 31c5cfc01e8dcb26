"""The typed article record: derived id, real datetimes, frozen, the same through its columns
and its exported form."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from storage.record import ARTICLE_FIELDS, STORE_FIELDS, ArticleRecord, article_id_for

FETCHED = datetime(2025, 2, 6, 9, 30, tzinfo=UTC)


def _record(**changes: object) -> ArticleRecord:
    values: dict[str, object] = {
        "url": "https://www.aps.sn/a?utm=x", "canonical_url": "https://www.aps.sn/a",
        "source": "aps", "text": "Dakar, 6 fév (APS) - Le texte.", "fetched_at": FETCHED,
        "published_at": datetime(2025, 2, 6, 8, 0), "authors": ["Awa Ndiaye"],
        "agencies": ["APS"], "evidence": {"title": "jsonld:headline", "authors": None},
    }
    values.update(changes)
    return ArticleRecord(**values)  # type: ignore[arg-type]


def test_the_id_is_the_canonical_urls_and_cannot_be_set() -> None:
    record = _record()
    assert record.id == article_id_for("https://www.aps.sn/a")
    assert "id" not in {field.name for field in dataclasses.fields(ArticleRecord)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.title = "changed"  # type: ignore[misc]


def test_dates_are_aware_datetimes_and_lists_are_tuples() -> None:
    record = _record()
    assert record.published_at == datetime(2025, 2, 6, 8, 0, tzinfo=UTC)
    assert record.authors == ("Awa Ndiaye",) and record.agencies == ("APS",)


def test_a_record_without_a_canonical_url_is_refused() -> None:
    with pytest.raises(ValueError, match="no canonical URL"):
        _record(canonical_url="")


def test_exported_has_every_field_in_order_and_reads_back_the_same() -> None:
    record = _record().placed(content_hash="h", cluster_id="c", duplicate_of=None)
    exported = record.exported()
    assert list(exported) == list(ARTICLE_FIELDS)
    assert exported["published_at"] == "2025-02-06T08:00:00+00:00"
    assert exported["evidence"] == {"title": "jsonld:headline", "authors": None}
    assert ArticleRecord.from_columns(exported) == record
    assert ArticleRecord.from_columns(record.columns()) == record
    extracted = record.extracted()
    assert not set(STORE_FIELDS) & set(extracted)


def test_an_id_that_is_not_the_canonical_urls_is_refused() -> None:
    exported = _record().exported()
    exported["id"] = article_id_for("https://elsewhere.sn/b")
    with pytest.raises(ValueError, match="derived from `canonical_url`"):
        ArticleRecord.from_columns(exported)


def test_a_row_stored_before_evidence_was_kept_reads_as_no_evidence() -> None:
    columns = _record().columns()
    columns["evidence"] = None
    assert ArticleRecord.from_columns(columns).evidence == {}
