"""``kibaru extract``: one page (or a manifest of pages) through clean + bylines."""

from __future__ import annotations

import typer

from kibaru.cli.common import fail


def register(app: typer.Typer) -> None:
    app.command(name="extract")(extract)


def extract(path_or_url: str = typer.Argument(None)) -> None:
    """Print the article record of a page as JSON (no storage)."""
    fail("`kibaru extract` is not there yet (issue: clean).")
