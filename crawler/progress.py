"""Showing a crawl's progress: live in a terminal, plain lines in a log."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

# In a log, one line every this many seconds is plenty.
LOG_INTERVAL = 10.0


def _line(counts: dict[str, Any]) -> str:
    errors = counts.get("errors", sum((counts.get("errors_by_kind") or {}).values()))
    return (
        f"requests={counts.get('requests', 0)} discovered={counts.get('discovered', 0)} "
        f"known={counts.get('known', 0)} pages={counts.get('pages', 0)} errors={errors}"
    )


class CrawlProgress:
    """A progress callback for :func:`crawler.run.run_crawl`; use as a context manager."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live: Live | None = None
        self.last_line = 0.0

    def __enter__(self) -> CrawlProgress:
        if self.console.is_terminal:
            self.live = Live(self._table({}), console=self.console, refresh_per_second=4)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def __call__(self, counts: dict[str, Any]) -> None:
        if self.live is not None:
            self.live.update(self._table(counts))
            return
        now = time.monotonic()
        if now - self.last_line >= LOG_INTERVAL:
            self.last_line = now
            self.console.print(f"crawl: {_line(counts)}", highlight=False, soft_wrap=True)

    @staticmethod
    def _table(counts: dict[str, Any]) -> Table:
        table = Table(title="kibaru crawl", show_header=True, header_style="bold")
        for column in ("source", "requests", "discovered", "known", "pages", "errors"):
            table.add_column(column, justify="left" if column == "source" else "right")
        for source_id, tally in (counts.get("by_source") or {}).items():
            errors = sum((tally.get("errors_by_kind") or {}).values())
            table.add_row(
                source_id, *(str(tally.get(k, 0)) for k in ("requests", "discovered", "known",
                "pages")), str(errors),
            )
        return table
