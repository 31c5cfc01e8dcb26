"""``kibaru export``: stored articles as JSONL, CSV or Parquet."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import IO

import typer

from kibaru.cli.common import err_console, fail, get_settings, since_option
from storage.db import StoreError, open_store
from storage.export import FORMATS, iter_records, write_csv, write_jsonl, write_parquet


def register(app: typer.Typer) -> None:
    app.command(name="export")(export)



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
    since_at = since_option(since)
    settings = get_settings()
    try:
        store = open_store(settings.database_url)
    except StoreError as exc:
        fail(str(exc))
    records = iter_records(store, source=source, since=since_at)
    try:
        if fmt == "parquet":
            assert output is not None
            count = write_parquet(records, str(output))
        else:
            target: IO[str]
            opener = (
                output.open("w", encoding="utf-8", newline="")
                if output
                else nullcontext(sys.stdout)
            )
            with opener as target:
                count = (write_jsonl if fmt == "jsonl" else write_csv)(records, target)
    finally:
        store.dispose()
    if output is not None:
        err_console.print(f"exported {count} articles to {output}", highlight=False)
