"""``kibaru crawl``: crawl sources in this process and print a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kombu.exceptions
import typer
from rich.markup import escape

from crawler.progress import CrawlProgress
from crawler.registry import RegistryError
from kibaru.cli.common import console, fail, get_settings, since_option
from kibaru.settings import Settings
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
    detach: bool = typer.Option(
        False, "--detach", help="Hand the crawl to a crawler worker and return at once."
    ),
) -> None:
    """Crawl sources; returns when every page found has been processed and stored."""
    if not source_ids and not all_sources:
        fail("name the source ids to crawl, or use --all (see `kibaru sources`)")
    since_date = since_option(since)
    settings = get_settings()
    if detach:
        if since_date is not None or refresh:
            fail(
                "--detach takes source ids, --all, --sources and --limit only; crawl without "
                "--detach to use --since or --refresh"
            )
        _detach(settings, source_ids or [], all_sources, sources_file, limit)
        return
    # Scrapy and the stages load only when a crawl really starts: other commands stay quick.
    from crawler.run import run_crawl
    from workers.ingest.errors import IngestError

    try:
        with CrawlProgress(console) as progress:
            summary = run_crawl(
                settings, source_ids or [], all_sources=all_sources, sources_file=sources_file,
                limit=limit, since=since_date, refresh=refresh, trigger="cli", progress=progress,
            )
    except (RegistryError, StoreError, IngestError) as exc:
        fail(str(exc))
    if summary.status == "skipped":
        fail(f"run {summary.run_id} skipped: {summary.error}")
    conclude_run(summary.run_id, summary.status, summary.counts, summary.error, settings)


def _detach(
    settings: Settings,
    source_ids: list[str],
    all_sources: bool,
    sources_file: Path | None,
    limit: int | None,
) -> None:
    """Queue the crawl for a worker of the ``crawl`` queue; its job opens and records the run."""
    if not settings.broker_url:
        fail(
            "--detach hands the crawl to a worker: set KIBARU_BROKER_URL (redis://…) and run "
            "`kibaru worker --queues crawl`, or crawl in this process without --detach"
        )
    from crawler.registry import load_registry
    from crawler.run import select_sources
    from workers.queue.app import CRAWL_TASK, configure

    try:
        registry = load_registry([settings.sources, sources_file], builtin=settings.builtin_sources)
        sources = select_sources(registry, source_ids, all_sources=all_sources)
    except RegistryError as exc:
        fail(str(exc))
    ids = [source.id for source in sources]
    # The worker reads the sources file itself: give it a path that does not depend on where
    # this command ran.
    extra_file = str(sources_file.resolve()) if sources_file else None
    arguments = {"source_ids": ids, "trigger": "detach", "limit": limit, "sources_file": extra_file}
    try:
        task = configure(settings).send_task(CRAWL_TASK, kwargs=arguments, ignore_result=True)
    except (OSError, kombu.exceptions.OperationalError) as exc:
        fail(f"cannot queue the crawl on KIBARU_BROKER_URL: {exc} (is Redis running?)")
    console.print(
        f"crawl of {len(ids)} source(s) queued for a crawler worker (task {task.id}); "
        "`kibaru runs` shows its run once a worker of the crawl queue has started it",
        highlight=False,
        soft_wrap=True,
    )


def conclude_run(
    run_id: int, status: str, counts: dict[str, Any], error: str | None, settings: Settings
) -> None:
    """A finished crawl's (or backfill's) last lines: its summary, where its articles are, and
    exit 1 with its error unless it succeeded."""
    print_summary(run_id, status, counts)
    print_where(run_id, store_location(settings.database_url))
    if status != "succeeded":
        if error:
            fail(f"run {run_id} {status}: {error}")
        raise typer.Exit(1)


def print_summary(run_id: int, status: str, counts: dict[str, Any]) -> None:
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


def print_where(run_id: int, location: str) -> None:
    """Where the articles went and how to look at them: a newcomer's next commands."""
    export = "one JSON record per article (--format csv|parquet, --source ID, --since 7d)"
    hints = (
        ("kibaru export -o articles.jsonl", export),
        (f"kibaru runs show {run_id}", "this run: counts per source, errors with example URLs"),
    )
    lines = [f"articles are in {location} (KIBARU_DATABASE_URL); look at them with:"]
    lines += [f"  {command:<34} # {what}" for command, what in hints]
    console.print(escape("\n".join(lines)), highlight=False, soft_wrap=True)
