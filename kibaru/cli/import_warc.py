"""``kibaru import-warc FILE…``: web archive files through the stages, with progress and a
summary table of what was imported and why the rest was not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from crawler.progress import CrawlProgress
from crawler.registry import RegistryError
from kibaru.cli.common import console, fail, get_settings
from storage.db import StoreError


def register(app: typer.Typer) -> None:
    app.command(name="import-warc")(import_warc)


def import_warc(
    files: list[Path] = typer.Argument(..., help="WARC or ARC files (.warc, .warc.gz, .arc…)."),
    sources_file: Path = typer.Option(
        None, "--sources", help="A sources file merged over the built-in registry."
    ),
) -> None:
    """Import the HTTP responses of registered sources' hosts from web archive files."""
    settings = get_settings()
    # The stages load only when an import really starts: other commands stay quick.
    from crawler.warc_import import run_import
    from crawler.warc_records import ArchiveError
    from workers.ingest.errors import IngestError

    try:
        with ImportProgress() as progress:
            summary = run_import(settings, files, sources_file=sources_file, progress=progress)
    except (ArchiveError, RegistryError, StoreError, IngestError) as exc:
        fail(str(exc))
    print_summary(summary.run_id, summary.status, summary.counts)
    if summary.status != "succeeded":
        fail(f"run {summary.run_id} {summary.status}: {summary.error}")


def files_table(counts: dict[str, Any], title: str) -> Table:
    """One row per file: records read, pages handed on, records skipped."""
    table = Table(title=title, show_header=True, header_style="bold")
    for column in ("file", "records", "imported", "skipped"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for name, tally in (counts.get("files") or {}).items():
        skipped = sum((tally.get("skipped") or {}).values())
        table.add_row(
            escape(Path(name).name), str(tally["records"]), str(tally["pages"]), str(skipped)
        )
    return table


class ImportProgress(CrawlProgress):
    """The progress of :func:`crawler.warc_import.run_import`: the crawl's display, with a
    row per file instead of per source."""

    def __init__(self) -> None:
        super().__init__(console, "import-warc")

    def _line(self, counts: dict[str, Any]) -> str:
        return (
            f"records={counts.get('records', 0)} pages={counts.get('pages', 0)} "
            f"already_stored={counts.get('known', 0)}"
        )

    def _table(self, counts: dict[str, Any]) -> Table:
        return files_table(counts, "kibaru import-warc")


def print_summary(run_id: int, status: str, counts: dict[str, Any]) -> None:
    """The files, the records skipped by reason (with what each reason means), and what the
    stages made of the pages handed on."""
    from crawler.warc_records import REASONS

    console.print(files_table(counts, f"run {run_id} {status}"))
    skipped = counts.get("skipped") or {}
    if skipped:
        reasons = Table(title="not imported", show_header=True, header_style="bold")
        reasons.add_column("reason")
        reasons.add_column("records", justify="right")
        reasons.add_column("meaning")
        for reason, count in sorted(skipped.items(), key=lambda item: -item[1]):
            reasons.add_row(reason, str(count), REASONS.get(reason, ""))
        console.print(reasons)
    console.print(
        f"run {run_id} {status}: {counts.get('records', 0)} records, {counts.get('pages', 0)} "
        f"pages imported (origin import), {counts.get('articles', 0)} articles stored "
        f"({counts.get('duplicates', 0)} duplicates), {counts.get('rejected', 0)} rejected, "
        f"{counts.get('failed', 0)} failed; {counts.get('known', 0)} already stored",
        highlight=False,
        soft_wrap=True,
    )
