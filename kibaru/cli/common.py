"""What every command shares: settings from the environment, and clean failure lines."""

from __future__ import annotations

from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from kibaru.settings import Settings, load_settings

console = Console()
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
