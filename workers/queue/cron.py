"""Cron expressions of source schedules: parsed (and so validated) in one place.

The registry validates a source's ``schedule`` with :func:`parse_cron` when the source is
read, and beat builds its entries with it; Celery's crontab is imported only when a schedule
is actually parsed, so that reading a registry without schedules stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from celery.schedules import crontab


class ScheduleError(ValueError):
    """A cron expression cannot be used; the message names the source and the expression."""


def parse_cron(expression: str, *, where: str = "schedule") -> crontab:
    """A Celery crontab from a five-field cron expression ("m h dom mon dow")."""
    from celery.schedules import crontab

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
        )
    except ValueError as exc:
        raise ScheduleError(
            f"{where}: {expression!r} is not a valid cron expression: {exc}"
        ) from exc
    return schedule
