"""Operator commands around the workers: worker, beat, runs, status, reprocess, retry-failed."""

from __future__ import annotations

import typer

from kibaru.cli.common import fail


def register(app: typer.Typer) -> None:
    for name, func in (
        ("worker", worker),
        ("beat", beat),
        ("status", status),
        ("reprocess", reprocess),
        ("retry-failed", retry_failed),
    ):
        app.command(name=name)(func)


def worker() -> None:
    """Run a Celery worker (queues: process, crawl)."""
    fail("`kibaru worker` is not there yet (issue: workers).")


def beat() -> None:
    """Run the scheduler that starts each source's crawl on its cron schedule."""
    fail("`kibaru beat` is not there yet (issue: workers).")


def status() -> None:
    """Queue depths, live workers, last run and last error per source."""
    fail("`kibaru status` is not there yet (issue: workers).")


def reprocess() -> None:
    """Rerun the stages on stored pages without fetching."""
    fail("`kibaru reprocess` is not there yet (issue: workers).")


def retry_failed() -> None:
    """Re-queue failed pages."""
    fail("`kibaru retry-failed` is not there yet (issue: workers).")
