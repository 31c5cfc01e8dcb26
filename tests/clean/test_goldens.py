"""Golden files: every fixture page through clean + bylines gives its hand-checked record, from
the site family and the outlet rules the golden names."""

from __future__ import annotations

import json

import pytest

from tests.clean.corpus import Fixture, fixtures, golden_file

FIXTURES = fixtures()


def test_corpus_is_large_and_varied() -> None:
    articles = [f for f in FIXTURES if f.golden_path.exists() and "error" not in f.golden()]
    languages = {f.golden()["language"] for f in articles}
    assert len(articles) >= 30
    assert {"fr", "en", "pt"} <= languages


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.key for f in FIXTURES])
def test_page_matches_golden(fixture: Fixture) -> None:
    assert fixture.golden_path.exists(), (
        f"{fixture.key} has no golden file: run `python -m tests.clean.regenerate "
        f"{fixture.key}` and read the result before committing it"
    )
    got = golden_file(fixture)
    want = fixture.golden_file()
    assert json.dumps(got, ensure_ascii=False, indent=1) == json.dumps(
        want, ensure_ascii=False, indent=1
    )

