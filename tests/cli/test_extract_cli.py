"""``kibaru extract`` as an operator runs it: real processes, saved pages and a local site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clean.corpus import Fixture, fixtures
from tests.crawler.outlets import FakeOutlet, article_html

KIBARU = [sys.executable, "-m", "kibaru"]
SEED = next(f for f in fixtures() if f.key == "maliweb/bylines-seed-desk-author")


def run(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")} | extra
    return subprocess.run(
        [*KIBARU, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    # Goldens hold the article, not the evidence it was read from (see tests/clean/corpus.py).
    return {k: v for k, v in record.items() if k not in ("fetched_at", "line", "evidence")}


def _by_registry_id(fixture: Fixture) -> bool:
    # Fixtures that declare their outlet inline (not a registry entry) or pin the fetch time
    # cannot be given to the CLI as they are.
    return isinstance(fixture.meta["source"], str) and "fetched_at" not in fixture.meta


def test_one_page_shows_its_bylines(tmp_path: Path) -> None:
    result = run(["extract", str(SEED.html_path), "--url", SEED.meta["url"]], tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["source"] == "maliweb"  # found from the URL's domain
    assert record["authors"] == ["Amen K."] and record["byline"] == "Amen K."
    assert record["agencies"] == []
    assert _comparable(record) == _comparable(SEED.golden())


def test_explain_shows_each_fields_candidates_and_the_winner(tmp_path: Path) -> None:
    args = ["extract", str(SEED.html_path), "--url", SEED.meta["url"], "--explain"]
    result = run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert _comparable({k: v for k, v in record.items() if k != "explain"}) == _comparable(
        SEED.golden()
    )
    explain = record["explain"]
    for name in ("title", "published_at", "text", "authors"):
        field = explain[name]
        assert field["origin"] == record["evidence"][name]
        assert field["reason"]
        assert field["origin"] in [candidate["origin"] for candidate in field["candidates"]]
    assert record["title"] in [c["value"] for c in explain["title"]["candidates"]]
    # The desk account the metadata name is shown, and why it lost.
    authors = explain["authors"]
    assert authors["origin"] == record["evidence"]["authors"]
    jsonld = next(c for c in authors["candidates"] if c["origin"] == "jsonld")
    assert jsonld["value"] == "Rédaction" and jsonld["note"]


def test_manifest_gives_one_record_per_line_in_order(tmp_path: Path) -> None:
    chosen = [f for f in fixtures() if _by_registry_id(f)]
    assert len(chosen) >= 10
    lines = [
        json.dumps({"path": str(f.html_path), "url": f.meta["url"], "source": f.meta["source"]})
        for f in chosen
    ]
    binary = tmp_path / "garbage.html"
    binary.write_bytes(bytes(range(256)) * 40)
    lines[3:3] = [
        json.dumps({"path": str(tmp_path / "missing.html")}),
        "{not json",
        json.dumps({"path": str(binary), "url": "https://www.maliweb.net/x.html"}),
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run(["extract", "--manifest", str(manifest)], tmp_path)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(lines)
    assert [r["line"] for r in records] == list(range(1, len(lines) + 1))
    missing, not_json, garbage = records[3:6]
    assert "cannot read it" in missing["error"]
    assert "not JSON" in not_json["error"]
    assert garbage["error"].startswith("clean: ")
    for fixture, record in zip(chosen, records[:3] + records[6:], strict=True):
        assert _comparable(record) == _comparable(fixture.golden()), fixture.key


@pytest.fixture
def outlet() -> Iterator[FakeOutlet]:
    site = FakeOutlet("127.0.0.81").start()
    site.add("/2025/02/story.html", article_html("extract-me").encode())
    yield site
    site.stop()


def test_a_url_is_fetched(outlet: FakeOutlet, tmp_path: Path) -> None:
    # No source lives on the test outlet's loopback address: the operator allows it.
    result = run(
        ["extract", outlet.url("/2025/02/story.html")],
        tmp_path,
        KIBARU_ALLOWED_NETWORKS=outlet.host,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["url"] == outlet.url("/2025/02/story.html")
    assert record["title"].startswith("Actualité extract-me")
    assert record["authors"] == ["Amen K."]
    assert "Amen K." not in record["text"]


def test_failures_are_clear(outlet: FakeOutlet, tmp_path: Path) -> None:
    gone = run(
        ["extract", outlet.url("/nowhere.html")], tmp_path, KIBARU_ALLOWED_NETWORKS=outlet.host
    )
    assert gone.returncode == 2
    assert "HTTP 404" in json.loads(gone.stdout)["error"]

    unknown = run(["extract", str(SEED.html_path), "--source", "no-such-outlet"], tmp_path)
    assert unknown.returncode == 1
    assert "no-such-outlet" in unknown.stderr and "kibaru sources" in unknown.stderr
    assert "Traceback" not in unknown.stderr

    nothing = run(["extract"], tmp_path)
    assert nothing.returncode == 1 and "--manifest" in nothing.stderr
