"""The CLI as an operator runs it: real processes, real databases, clean failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KIBARU = [sys.executable, "-m", "kibaru"]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KIBARU, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
        env={**os.environ, **env},
    )


def test_help_lists_every_contract_command(tmp_path: Path) -> None:
    result = run(["--help"], tmp_path)
    assert result.returncode == 0
    for command in (
        "crawl",
        "extract",
        "export",
        "worker",
        "beat",
        "sources",
        "runs",
        "db",
        "status",
        "dedup",
        "reprocess",
        "retry-failed",
    ):
        assert f" {command} " in result.stdout, command


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_upgrade_then_export_of_empty_store_prints_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = "" if backend == "sqlite" else request.getfixturevalue("pg_url")
    env = {"KIBARU_DATABASE_URL": url} if url else {}
    if not url:
        os.environ.pop("KIBARU_DATABASE_URL", None)
    upgraded = run(["db", "upgrade"], tmp_path, **env)
    assert upgraded.returncode == 0, upgraded.stderr
    if backend == "sqlite":
        assert (tmp_path / "kibaru.db").exists()  # the default: a file in the working directory
    exported = run(["export"], tmp_path, **env)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == ""


def test_export_writes_jsonl_file(tmp_path: Path) -> None:
    from storage.db import open_store
    from storage.repository import upsert_article

    url = f"sqlite:///{tmp_path}/k.db"
    store = open_store(url)
    with store.session() as session:
        upsert_article(session, {"url": "https://a.ml/1", "source": "amap", "text": "x"})
    store.dispose()
    result = run(["export", "-o", str(tmp_path / "out.jsonl")], tmp_path, KIBARU_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["url"] for r in records] == ["https://a.ml/1"]


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:1/test", "KIBARU_DATABASE_URL"),
        ("not a url", "KIBARU_DATABASE_URL"),
        ("sqlite:///garbage.db", "not a SQLite database"),
    ],
)
def test_bad_database_gives_one_clear_line(
    database_url: str, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "garbage.db").write_bytes(b"this is not a database at all" * 100)
    for command in (["db", "upgrade"], ["export"]):
        result = run(command, tmp_path, KIBARU_DATABASE_URL=database_url)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert expected in result.stderr
        assert result.stderr.strip().startswith("error:")


def test_bad_export_options_fail_cleanly(tmp_path: Path) -> None:
    result = run(["export", "--format", "xml"], tmp_path)
    assert result.returncode != 0 and "--format" in result.stderr
    result = run(["export", "--since", "yesterday"], tmp_path)
    assert result.returncode != 0 and "--since" in result.stderr
