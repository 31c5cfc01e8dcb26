"""``kibaru backfill``: an outlet's past, through its WordPress API, sitemaps or listings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from crawler.progress import CrawlProgress
from crawler.registry import RegistryError
from kibaru.cli.common import console, fail, get_settings, since_option
from kibaru.cli.crawl import conclude_run
from storage.db import StoreError

ORDERS = ("oldest", "newest")


def register(app: typer.Typer) -> None:
    app.command(name="backfill")(backfill)


def backfill(
    source_ids: list[str] = typer.Argument(None, help="Source ids to backfill."),
    since: str = typer.Option(
        None, "--since",
        help="Start of the range, required (YYYY-MM-DD, ISO 8601, or 30d back from now).",
    ),
    until: str = typer.Option(
        None, "--until", help="End of the range (a bare date includes that day); default: now."
    ),
    order: str = typer.Option("oldest", "--order", help="oldest (default) or newest first."),
    limit: int = typer.Option(None, "--limit", min=1, help="At most N article pages per source."),
    restart: bool = typer.Option(
        False, "--restart", help="Walk the range again from its start, checkpoint or not."
    ),
    sources_file: Path = typer.Option(
        None, "--sources", help="A sources file merged over the built-in registry."
    ),
) -> None:
    """Fill sources' past: WordPress API, else sitemaps, else listings; resumable."""
    if not source_ids:
        fail("name the source ids to backfill (see `kibaru sources` for the ids)")
    if since is None:
        fail("--since is required: the start of the range to fill, e.g. --since 2023-01-01")
    if order not in ORDERS:
        fail(f"--order {order}: write --order oldest or --order newest")
    since_date = since_option(since)
    assert since_date is not None  # a required option
    until_date = None
    if until is not None:
        from crawler.backfill.periods import until_end

        parsed = since_option(until, "--until")
        assert parsed is not None
        until_date = until_end(until, parsed)
    settings = get_settings()
    # Scrapy and the stages load only when a backfill really starts.
    from crawler.backfill.run import run_backfill
    from workers.ingest.errors import IngestError

    try:
        with CrawlProgress(console, "backfill") as progress:
            result = run_backfill(
                settings, source_ids, since=since_date, until=until_date,
                newest_first=order == "newest", limit=limit, restart=restart,
                sources_file=sources_file, progress=progress,
            )
    except (RegistryError, StoreError, IngestError, ValueError) as exc:
        fail(str(exc))
    for source_id in result.complete:
        console.print(
            f"{source_id}: this range was backfilled completely already; nothing to fetch "
            "(--restart walks it again)", highlight=False, soft_wrap=True,
        )
    summary = result.run
    if summary is None:
        return
    if summary.status == "skipped":
        fail(f"run {summary.run_id} skipped: {summary.error}")
    walks = summary.counts.get("backfill") or {}
    if walks:
        console.print(month_table(walks))
        for source_id, walk in walks.items():
            console.print(escape(walk_line(source_id, walk)), highlight=False, soft_wrap=True)
    conclude_run(summary.run_id, summary.status, summary.counts, summary.error, settings)


def month_table(walks: dict[str, Any]) -> Table:
    """Per source and month: article URLs found in the range this run, articles it stored,
    and articles of that month in the store."""
    table = Table(title="kibaru backfill: pages per month", header_style="bold")
    for column in ("source", "month", "found", "stored", "in store"):
        table.add_column(column, justify="left" if column in ("source", "month") else "right")
    for source_id, walk in walks.items():
        for month, counts in (walk.get("months") or {}).items():
            table.add_row(source_id, month, str(counts["found"]), str(counts["stored"]),
                          str(counts["in_store"]))
    return table


def walk_line(source_id: str, walk: dict[str, Any]) -> str:
    """Where a source's walk stands: done, or where the next backfill goes on from."""
    via = walk.get("strategy") or "no way found"
    if walk.get("finished"):
        return f"{source_id}: {via}, range complete"
    position = walk.get("position") or {}
    step = position.get("step")
    where = f"page {step}" if isinstance(step, int) else (step or "its start")
    why = f" ({walk['stopped']})" if walk.get("stopped") else ""
    return (f"{source_id}: {via}, stopped at {where}{why}; run the same command again to go on "
            "from there")
