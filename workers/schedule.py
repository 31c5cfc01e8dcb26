"""The beat schedule: one periodic crawl task per source, from its ``schedule`` cron.

The CLI reads the registry and passes a plain list of ``(source_id, cron or None)`` down here
(workers do not import the crawler). Sources without a schedule get ``default_schedule``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from celery.schedules import crontab

from workers.app import CRAWL_QUEUE, CRAWL_TASK


class ScheduleError(ValueError):
    """A cron expression cannot be used; the message names the source and the expression."""


def parse_cron(expression: str, *, where: str = "schedule") -> crontab:
    """A Celery crontab from a five-field cron expression ("m h dom mon dow")."""
    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"{where}: {expression!r} is not a cron expression; expected five fields "
            "'minute hour day-of-month month day-of-week', e.g. '0 */2 * * *'"
        )
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    try:
        schedule = crontab(
            minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
            day_of_week=day_of_week,
        )  # fmt: skip
    except ValueError as exc:
        raise ScheduleError(
            f"{where}: {expression!r} is not a valid cron expression: {exc}"
        ) from exc
    return schedule


def beat_schedule(
    sources: Iterable[tuple[str, str | None]],
    *,
    default: str,
    sources_file: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Celery's ``beat_schedule``: one entry ``crawl:<id>`` per source.

    Each entry sends the crawl task for that one source (so that one slow site does not hold
    up the others, and the per-source lock can skip just it when it overruns).
    """
    entries: dict[str, dict[str, Any]] = {}
    for source_id, cron in sources:
        expression = cron or default
        where = f"source {source_id}" if cron else f"KIBARU_DEFAULT_SCHEDULE (for {source_id})"
        kwargs: dict[str, Any] = {"trigger": "beat"}
        if sources_file:
            kwargs["sources_file"] = sources_file
        entries[f"crawl:{source_id}"] = {
            "task": CRAWL_TASK,
            "schedule": parse_cron(expression, where=where),
            "args": ([source_id],),
            "kwargs": kwargs,
            "options": {"queue": CRAWL_QUEUE},
        }
    return entries
