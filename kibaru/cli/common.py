"""What every command shares: settings from the environment, and clean failure lines."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

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
