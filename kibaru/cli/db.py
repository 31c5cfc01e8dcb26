"""``kibaru db``: the schema of the store."""

from __future__ import annotations

import typer

from kibaru.cli.common import console, fail, get_settings
from storage.db import StoreError, current_revision, head_revision, open_store

db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade() -> None:
    """Create or upgrade the schema to the newest migration (safe to run every time)."""
    settings = get_settings()
    try:
        store = open_store(settings.database_url)
    except StoreError as exc:
        fail(str(exc))
    revision = current_revision(store.engine)
    store.dispose()
    console.print(f"database schema at revision {revision}", highlight=False)


@db_app.command("current")
def current() -> None:
    """Show the schema revision of the database, and the newest one this kibaru knows."""
    settings = get_settings()
    try:
        store = open_store(settings.database_url, migrate=False)
    except StoreError as exc:
        fail(str(exc))
    console.print(
        f"current: {current_revision(store.engine)}  newest: {head_revision()}", highlight=False
    )
    store.dispose()
