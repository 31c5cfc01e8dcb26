"""``kibaru crawl``: crawl sources (in-process, or through the workers)."""

from __future__ import annotations

import typer

from kibaru.cli.common import fail


def register(app: typer.Typer) -> None:
    app.command(name="crawl")(crawl)


def crawl(
    source_ids: list[str] = typer.Argument(None, help="Source ids to crawl."),
    all_sources: bool = typer.Option(False, "--all", help="Crawl every source."),
) -> None:
    """Crawl sources; returns when every page found has been processed and stored."""
    fail("`kibaru crawl` is not there yet (issue: crawl).")
