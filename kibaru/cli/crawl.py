"""``kibaru crawl``: crawl sources in this process and print a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from crawler.progress import CrawlProgress
from crawler.registry import RegistryError
from kibaru.cli.common import console, fail, get_settings, since_option
from storage.db import StoreError, store_location


def register(app: typer.Typer) -> None:
    app.command(name="crawl")(crawl)


def crawl(
    source_ids: list[str] = typer.Argument(None, help="Source ids to crawl."),
    all_sources: bool = typer.Option(False, "--all", help="Crawl every source."),
    sources_file: Path = typer.Option(
        None, "--sources", help="A sources file merged over the built-in registry."
    ),
    limit: int = typer.Option(None, "--limit", min=1, help="At most N article pages per source."),
    since: str = typer.Option(
        None,
        "--since",
        help="Skip feed and sitemap entries older than DATE (YYYY-MM-DD, or 7d for a week back).",
    ),
    refresh: bool = typer.Option(False, "--refresh", help="Fetch already stored URLs again."),
) -> None:
    """Crawl sources; returns when every page found has been processed and stored."""
    if not source_ids and not all_sources:
        fail("name the source ids to crawl, or use --all (see `kibaru sources`)")
    since_date = since_option(since)
    settings = get_settings()
    # Scrapy and the stages load only when a crawl really starts: other commands stay quick.
    from crawler.run import run_crawl

    try:
        with CrawlProgress(console) as progress:
            summary = run_crawl(
                settings, source_ids or [], all_sources=all_sources, sources_file=sources_file,
                limit=limit, since=since_date, refresh=refresh, trigger="cli", progress=progress,
            )
    except (RegistryError, StoreError) as exc:
        fail(str(exc))
    _print_summary(summary.run_id, summary.status, summary.counts)
    _print_where(summary.run_id, store_location(settings.database_url))
    if summary.status != "succeeded":
        if summary.error:
            fail(f"run {summary.run_id} {summary.status}: {summary.error}")
        raise typer.Exit(1)


def _print_summary(run_id: int, status: str, counts: dict[str, Any]) -> None:
    errors = counts.get("errors_by_kind") or {}
    error_text = ", ".join(f"{kind} {n}" for kind, n in errors.items()) or "none"
    console.print(
        f"run {run_id} {status}: {counts.get('discovered', 0)} article URLs found, "
        f"{counts.get('known', 0)} already stored, {counts.get('pages', 0)} pages fetched, "
        f"{counts.get('articles', 0)} articles stored ({counts.get('duplicates', 0)} duplicates), "
        f"{counts.get('rejected', 0)} rejected, {counts.get('failed', 0)} failed; "
        f"{counts.get('requests', 0)} requests; errors: {error_text}",
        highlight=False,
        soft_wrap=True,
    )


def _print_where(run_id: int, location: str) -> None:
    """Where the articles went and how to look at them: a newcomer's next commands."""
    export = "one JSON record per article (--format csv|parquet, --source ID, --since 7d)"
    hints = (
        ("kibaru export -o articles.jsonl", export),
        (f"kibaru runs show {run_id}", "this run: counts per source, errors with example URLs"),
    )
    lines = [f"articles are in {location} (KIBARU_DATABASE_URL); look at them with:"]
    lines += [f"  {command:<34} # {what}" for command, what in hints]
    console.print(escape("\n".join(lines)), highlight=False, soft_wrap=True)
