"""``kibaru export``: stored articles as JSONL, CSV or Parquet, or their raw pages as WARC."""

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
    open_store_or_fail,
    replacing,
    since_option,
)
from storage.db import Store
from storage.export import (
    FORMATS,
    iter_pages,
    iter_records,
    write_csv,
    write_jsonl,
    write_parquet,
    write_warc,
)


def register(app: typer.Typer) -> None:
    app.command(name="export")(export)


def _write(fmt: str, records: Iterator[dict[str, Any]], path: Path) -> int:
    if fmt == "parquet":
        return write_parquet(records, str(path))
    target: IO[str]
    with path.open("w", encoding="utf-8", newline="") as target:
        return (write_jsonl if fmt == "jsonl" else write_csv)(records, target)


def _write_warc(
    store: Store, path: Path, output: Path, source: str | None, since: str | None,
) -> int:
    since_at = since_option(since)
    filters = " ".join(f"--{name} {value}" for name, value in (("source", source),
                       ("since", since)) if value)
    with path.open("wb") as target:
        return write_warc(
            iter_pages(store, source=source, since=since_at), target, filename=output.name,
            description=f"kibaru export --format warc {filters}".strip(),
        )


def export(
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, csv, parquet or warc."),
    output: Path | None = typer.Option(None, "-o", "--output", help="File (default: stdout)."),
    source: str | None = typer.Option(None, "--source", help="Only this source id."),
    since: str | None = typer.Option(None, "--since", help="Published on or after this date."),
) -> None:
    """Write stored articles, one record per article, fields as in the article record; with
    --format warc, their stored raw pages as WARC response records."""
    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt in ("parquet", "warc") and output is None:
        name = {"parquet": "Parquet", "warc": "a gzipped WARC"}[fmt]
        fail(f"--format {fmt} needs -o FILE ({name} cannot be streamed to a terminal)")
    if output is not None:
        check_output_path(output, "-o")  # before the query: a typo fails at once
    since_at = since_option(since)
    settings = get_settings()
    store = open_store_or_fail(settings)
    records = iter_records(store, source=source, since=since_at)
    try:
        if output is None:
            count = (write_jsonl if fmt == "jsonl" else write_csv)(records, sys.stdout)
        else:
            with replacing(output, "-o") as temporary:
                if fmt == "warc":
                    count = _write_warc(store, temporary, output, source, since)
                else:
                    count = _write(fmt, records, temporary)
    finally:
        store.dispose()
    if output is not None:
        what = "pages of articles" if fmt == "warc" else "articles"
        err_console.print(
            f"exported {count} {what} to {escape(str(output))}", highlight=False, soft_wrap=True
        )
