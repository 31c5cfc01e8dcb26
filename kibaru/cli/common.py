"""What every command shares: settings from the environment, and clean failure lines."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from crawler.dates import parse_since
from kibaru.settings import Settings, load_settings
from storage.db import Store, StoreError, open_store

# Piped into a file or a log, tables keep every character (80 columns would cut source ids
# and URLs); COLUMNS still decides when it is set.
console = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 200)
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line on stderr and exit non-zero (no traceback).

    The message is printed as it is: square brackets in it (a pattern, a list) are text,
    not Rich markup.
    """
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def get_settings(**overrides: object) -> Settings:
    """The settings, or one line naming the environment variable to fix."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "KIBARU_" + str(first["loc"][0]).upper() if first["loc"] else "KIBARU_*"
        fail(f"{name}: {first['msg']}")


def open_store_or_fail(settings: Settings, *, write: bool = False, migrate: bool = True) -> Store:
    """The store of ``settings``; a store that cannot be opened is the one-line ``error:``
    (its message names ``KIBARU_DATABASE_URL``) and exit status 1."""
    try:
        return open_store(settings.database_url, write=write, migrate=migrate)
    except StoreError as exc:
        fail(str(exc))


def since_option(value: str | None, option: str = "--since") -> datetime | None:
    """A ``--since`` option's date (None when not given), or one line saying what to write.

    Every command reads ``--since`` through this one parser (:func:`crawler.dates.parse_since`):
    ``2025-02-06`` (midnight UTC) or an ISO 8601 timestamp, UTC when it names no zone. Other
    date options (``kibaru backfill --until``) read the same way, named by ``option``.
    """
    if value is None:
        return None
    try:
        return parse_since(value)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def check_output_path(path: Path, option: str) -> None:
    """Fail with one line unless ``path`` can be a file written by this command: not a
    directory, and in a directory that exists."""
    if path.is_dir():
        fail(f"{option} {path}: is a directory; name a file to write")
    parent = path.parent
    if not parent.is_dir():
        fail(f"{option} {path}: directory {parent} does not exist; create it first "
             f"(mkdir -p {parent})")


@contextmanager
def replacing(path: Path, option: str) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it once the block succeeds.

    A command that fails half-way leaves the previous file as it was and no partial one;
    a path that cannot be written fails with one line. A symbolic link keeps pointing where
    it did (its target is replaced); what is not a regular file (``/dev/stdout``, a named
    pipe) is written to directly, never replaced.
    """
    check_output_path(path, option)
    if path.exists() and not path.is_file():
        try:
            yield path
        except OSError as exc:
            fail(f"{option} {path}: cannot write it ({exc.strerror or exc})")
        return
    path = path.resolve() if path.is_symlink() else path
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        fail(f"{option} {path}: cannot write there ({exc.strerror or exc})")
    os.close(handle)
    temporary = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    # mkstemp makes the file private; the result gets the mode a plain open() would give.
    temporary.chmod(path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~umask)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        fail(f"{option} {path}: cannot write it ({exc.strerror or exc})")
    finally:
        temporary.unlink(missing_ok=True)
