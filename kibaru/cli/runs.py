"""``kibaru runs``: the crawl runs recorded in storage."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from kibaru.cli.backfill import month_table, walk_line
from kibaru.cli.common import console, fail, get_settings, open_store_or_fail
from storage.crawl_state import get_run, recent_runs
from storage.run_recorder import ABANDONED, shown_status

runs_app = typer.Typer(help="Crawl runs: when, what, how it went.", invoke_without_command=True)


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _errors(counts: dict[str, Any]) -> str:
    kinds = counts.get("errors_by_kind") or {}
    return ", ".join(f"{kind} {n}" for kind, n in kinds.items()) or "-"


@runs_app.callback()
def list_runs(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", min=1, help="How many runs, newest first."),
    source: str = typer.Option(None, "--source", help="Only runs that crawled this source."),
) -> None:
    """List the most recent crawl runs (``kibaru runs show ID`` for one in full)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = get_settings()
    store = open_store_or_fail(settings)
    with store.session() as session:
        runs = recent_runs(session, limit=limit, source=source)
    table = Table(show_header=True, header_style="bold")
    for column in ("id", "started", "finished", "status", "trigger", "sources", "requests",
                   "pages", "articles", "known", "errors"):
        table.add_column(column)
    for run in runs:
        counts = run.counts or {}
        names = run.sources or []
        shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        table.add_row(
            str(run.id), _when(run.started_at), _when(run.finished_at),
            shown_status(run, heartbeat=settings.run_heartbeat), run.trigger, escape(shown),
            *(str(counts.get(k, 0)) for k in ("requests", "pages", "articles", "known")),
            str(sum((counts.get("errors_by_kind") or {}).values())),
        )
    console.print(table)
    store.dispose()


@runs_app.command("show")
def show(
    run_id: int = typer.Argument(..., help="The run id (see `kibaru runs`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run as one JSON object."),
) -> None:
    """One run in full: status, times, counts per source, error kinds with example URLs."""
    settings = get_settings()
    store = open_store_or_fail(settings)
    with store.session() as session:
        run = get_run(session, run_id)
    store.dispose()
    if run is None:
        fail(f"no crawl run with id {run_id} (see `kibaru runs` for the ids)")
    status = shown_status(run, heartbeat=settings.run_heartbeat)
    record: dict[str, Any] = {
        "id": run.id, "status": status, "trigger": run.trigger, "sources": run.sources,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None,
        "error": run.error, "counts": run.counts or {},
    }
    if as_json:
        console.print_json(json.dumps(record, default=str))
        return
    counts: dict[str, Any] = record["counts"]
    console.print(
        f"run {run.id} [bold]{status}[/] ({run.trigger}) "
        f"{_when(run.started_at)} → {_when(run.finished_at)}"
    )
    if status == ABANDONED:
        console.print(
            f"no heartbeat since {_when(run.heartbeat_at or run.started_at)}: the process "
            "recording this run is gone (killed or lost); its sources are free to crawl again",
            highlight=False,
        )
    if run.error:
        console.print(f"error: {escape(run.error)}", highlight=False)
    for key in ("requests", "discovered", "known", "old", "over_limit", "pages", "redirects",
                "articles", "duplicates", "rejected", "failed"):
        if key in counts:
            console.print(f"  {key}: {counts[key]}")
    console.print(f"  errors: {escape(_errors(counts))}", highlight=False)
    skipped = counts.get("skipped") or {}
    if skipped:  # an import's records that were not imported, by reason
        reasons = ", ".join(f"{reason} {n}" for reason, n in skipped.items())
        console.print(f"  not imported: {escape(reasons)}", highlight=False, soft_wrap=True)
    for kind, urls in (counts.get("error_samples") or {}).items():
        for url in urls:
            console.print(f"    {escape(f'{kind}: {url}')}", highlight=False, soft_wrap=True)
    by_source = counts.get("by_source") or {}
    if by_source:
        table = Table(show_header=True, header_style="bold")
        for column in ("source", "requests", "discovered", "known", "pages", "errors"):
            table.add_column(column)
        for source_id, tally in by_source.items():
            table.add_row(
                escape(source_id), *(str(tally.get(k, 0)) for k in ("requests", "discovered",
                "known", "pages")), escape(_errors(tally)),
            )
        console.print(table)
    walks = counts.get("backfill") or {}
    if walks:  # a backfill: its pages per month, and where each source's walk stands
        console.print(month_table(walks))
        for source_id, walk in walks.items():
            console.print(escape(walk_line(source_id, walk)), highlight=False, soft_wrap=True)
