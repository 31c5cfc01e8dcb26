"""Showing a crawl's progress: live in a terminal, plain lines in a log.

The counts come from :func:`crawler.run.run_crawl`: the crawl's own (per source), and, once
fetching is over and the run waits for its pages to be processed, the same counts with the
processing counts under ``processing`` (and a ``notice`` there when nothing is processing
them). Both stay shown until the run ends.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

# In a log, one line every this many seconds is plenty.
LOG_INTERVAL = 10.0


def _line(counts: dict[str, Any]) -> str:
    errors = counts.get("errors", sum((counts.get("errors_by_kind") or {}).values()))
    return (
        f"requests={counts.get('requests', 0)} discovered={counts.get('discovered', 0)} "
        f"known={counts.get('known', 0)} pages={counts.get('pages', 0)} errors={errors}"
    )


def processing_line(processing: dict[str, Any]) -> str:
    """What the stages have made of the run's pages so far, in one line."""
    return (
        f"processed {processing.get('pages', 0) - processing.get('pending', 0)}/"
        f"{processing.get('pages', 0)} pages: {processing.get('articles', 0)} stored "
        f"({processing.get('duplicates', 0)} duplicates), {processing.get('rejected', 0)} "
        f"rejected, {processing.get('failed', 0)} failed, {processing.get('pending', 0)} pending"
    )


class CrawlProgress:
    """A progress callback for :func:`crawler.run.run_crawl`; use as a context manager.

    A subclass shows another command's counts by overriding :meth:`_table` (the live view)
    and :meth:`_line` (a log line); the live display, the log's pace and the processing
    counts are the same for every command."""

    def __init__(self, console: Console, name: str = "crawl") -> None:
        self.console = console
        self.name = name  # the command: "crawl", "backfill", "import-warc"
        self.live: Live | None = None
        self.last_line = 0.0
        self.last_notice: str | None = None

    def __enter__(self) -> CrawlProgress:
        if self.console.is_terminal:
            self.live = Live(self._view({}), console=self.console, refresh_per_second=4)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def __call__(self, counts: dict[str, Any]) -> None:
        if self.live is not None:
            self.live.update(self._view(counts))
            return
        processing = counts.get("processing") or {}
        notice = processing.get("notice")
        now = time.monotonic()
        # A new notice is printed at once (the first sign of trouble should not wait).
        fresh_notice = bool(notice) and self.last_notice is None
        self.last_notice = notice
        if now - self.last_line >= LOG_INTERVAL or fresh_notice:
            self.last_line = now
            line = f"{self.name}: {self._line(counts)}"
            if processing:
                line += f"; {processing_line(processing)}"
            self.console.print(line, highlight=False, soft_wrap=True, markup=False)
            if notice:
                self.console.print(f"{self.name}: {notice}", highlight=False, soft_wrap=True,
                                   markup=False)

    def _view(self, counts: dict[str, Any]) -> Table | Group:
        table = self._table(counts)
        processing = counts.get("processing") or {}
        if not processing:
            return table
        lines: list[Table | Text] = [table, Text(processing_line(processing))]
        if processing.get("notice"):
            lines.append(Text(processing["notice"], style="yellow"))
        return Group(*lines)

    def _line(self, counts: dict[str, Any]) -> str:
        return _line(counts)

    def _table(self, counts: dict[str, Any]) -> Table:
        table = Table(title=f"kibaru {self.name}", show_header=True, header_style="bold")
        for column in ("source", "requests", "discovered", "known", "pages", "errors"):
            table.add_column(column, justify="left" if column == "source" else "right")
        for source_id, tally in (counts.get("by_source") or {}).items():
            errors = sum((tally.get("errors_by_kind") or {}).values())
            table.add_row(
                source_id, *(str(tally.get(k, 0)) for k in ("requests", "discovered", "known",
                "pages")), str(errors),
            )
        return table
