"""The beat schedule: one periodic crawl task per source, from its ``schedule`` cron, and
the daily coverage check (:data:`COVERAGE_SCHEDULE`).

The CLI reads the registry and passes a plain list of ``(source_id, cron or None)`` down here
(workers do not import the crawler). Sources without a schedule get ``default_schedule``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workers.queue.app import COVERAGE_TASK, CRAWL_QUEUE, CRAWL_TASK
from workers.queue.cron import ScheduleError, parse_cron

__all__ = ["ScheduleError", "beat_schedule", "parse_cron"]

# The coverage check, once a day after the night's crawls (UTC).
COVERAGE_SCHEDULE = "30 6 * * *"


def beat_schedule(
    sources: Iterable[tuple[str, str | None]],
    *,
    default: str,
    sources_file: str | None = None,
    skipped: list[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Celery's ``beat_schedule``: one entry ``crawl:<id>`` per source.

    Each entry sends the crawl task for that one source (so that one slow site does not hold
    up the others, and the per-source lock can skip just it when it overruns). A bad cron
    expression raises ScheduleError, unless ``skipped`` is given: then its message is
    appended there and that source alone is left unscheduled.
    """
    entries: dict[str, dict[str, Any]] = {}
    for source_id, cron in sources:
        expression = cron or default
        where = f"source {source_id}" if cron else f"KIBARU_DEFAULT_SCHEDULE (for {source_id})"
        kwargs: dict[str, Any] = {"trigger": "beat"}
        if sources_file:
            kwargs["sources_file"] = sources_file
        try:
            schedule = parse_cron(expression, where=where)
        except ScheduleError as exc:
            if skipped is None:
                raise
            skipped.append(str(exc))
            continue
        entries[f"crawl:{source_id}"] = {
            "task": CRAWL_TASK,
            "schedule": schedule,
            "args": ([source_id],),
            "kwargs": kwargs,
            "options": {"queue": CRAWL_QUEUE},
        }
    return entries


def coverage_entry() -> dict[str, dict[str, Any]]:
    """The beat entry ``coverage``: the daily coverage check (``kibaru coverage``), sent to
    the crawl queue at :data:`COVERAGE_SCHEDULE`."""
    return {
        "coverage": {
            "task": COVERAGE_TASK,
            "schedule": parse_cron(COVERAGE_SCHEDULE, where="the coverage check"),
            "options": {"queue": CRAWL_QUEUE},
        }
    }
