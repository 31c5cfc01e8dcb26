"""``kibaru db``: the schema of the store."""

from __future__ import annotations

import typer

from kibaru.cli.common import console, get_settings, open_store_or_fail
from storage.db import current_revision, head_revision

db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade() -> None:
    """Create or upgrade the schema to the newest migration (safe to run every time)."""
    settings = get_settings()
    store = open_store_or_fail(settings)
    revision = current_revision(store.engine)
    store.dispose()
    console.print(f"database schema at revision {revision}", highlight=False)


@db_app.command("current")
def current() -> None:
    """Show the schema revision of the database, and the newest one this kibaru knows."""
    settings = get_settings()
    store = open_store_or_fail(settings, migrate=False)
    console.print(
        f"current: {current_revision(store.engine)}  newest: {head_revision()}", highlight=False
    )
    store.dispose()
