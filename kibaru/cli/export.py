"""``kibaru export``: stored articles as JSONL, CSV or Parquet."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import typer
from rich.markup import escape

from kibaru.cli.common import (
    check_output_path,
    err_console,
    fail,
    get_settings,
    replacing,
    since_option,
)
from storage.db import StoreError, open_store
from storage.export import FORMATS, iter_records, write_csv, write_jsonl, write_parquet


def register(app: typer.Typer) -> None:
    app.command(name="export")(export)


def _write(fmt: str, records: Iterator[dict[str, Any]], path: Path) -> int:
    if fmt == "parquet":
        return write_parquet(records, str(path))
    target: IO[str]
    with path.open("w", encoding="utf-8", newline="") as target:
        return (write_jsonl if fmt == "jsonl" else write_csv)(records, target)


def export(
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, csv or parquet."),
    output: Path | None = typer.Option(None, "-o", "--output", help="File (default: stdout)."),
    source: str | None = typer.Option(None, "--source", help="Only this source id."),
    since: str | None = typer.Option(None, "--since", help="Published on or after this date."),
) -> None:
    """Write stored articles, one record per article, fields as in the article record."""
    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "parquet" and output is None:
        fail("--format parquet needs -o FILE (Parquet cannot be streamed to a terminal)")
    if output is not None:
        check_output_path(output, "-o")  # before the query: a typo fails at once
    since_at = since_option(since)
    settings = get_settings()
    try:
        store = open_store(settings.database_url)
    except StoreError as exc:
        fail(str(exc))
    records = iter_records(store, source=source, since=since_at)
    try:
        if output is None:
            count = (write_jsonl if fmt == "jsonl" else write_csv)(records, sys.stdout)
        else:
            with replacing(output, "-o") as temporary:
                count = _write(fmt, records, temporary)
    finally:
        store.dispose()
    if output is not None:
        err_console.print(
            f"exported {count} articles to {escape(str(output))}", highlight=False, soft_wrap=True
        )
