"""``kibaru dedup``: maintain the near-duplicate index."""

from __future__ import annotations

import typer

from kibaru.cli.common import fail

dedup_app = typer.Typer(help="Maintain the duplicate index.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(dedup_app, name="dedup")


@dedup_app.command("rebuild")
def rebuild() -> None:
    """Rebuild the index from the stored signatures."""
    fail("`kibaru dedup rebuild` is not there yet (issue: dedup).")
