"""What every command shares: settings from the environment, and clean failure lines."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from crawler.dates import parse_since
from kibaru.settings import Settings, load_settings

# Piped into a file or a log, tables keep every character (80 columns would cut source ids
# and URLs); COLUMNS still decides when it is set.
console = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 200)
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line on stderr and exit non-zero (no traceback)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def get_settings(**overrides: object) -> Settings:
    """The settings, or one line naming the environment variable to fix."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "KIBARU_" + str(first["loc"][0]).upper() if first["loc"] else "KIBARU_*"
        fail(f"{name}: {first['msg']}")


def since_option(value: str | None) -> datetime | None:
    """A ``--since`` option's date (None when not given), or one line saying what to write.

    Every command reads ``--since`` through this one parser (:func:`crawler.dates.parse_since`):
    ``2025-02-06`` (midnight UTC) or an ISO 8601 timestamp, UTC when it names no zone.
    """
    if value is None:
        return None
    try:
        return parse_since(value)
    except ValueError as exc:
        fail(f"--since: {exc}")
