"""One coverage check (``kibaru coverage`` and beat's daily entry): the report, the flags
it opens and closes, and the alerts of the flags not alerted yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kibaru.settings import Settings
from storage.coverage import (
    SourceCoverage,
    coverage_report,
    open_flags,
    record_flags,
    unalerted_flags,
)
from storage.db import Store
from workers.alerts import send_alert


@dataclass(frozen=True)
class CoverageCheck:
    """What one check found: every source's figures, the flags open after it, the flags it
    opened, and how many alerts were sent or failed."""

    report: dict[str, SourceCoverage]
    open: list[tuple[str, str]]
    opened: list[tuple[str, str]]
    alerts_sent: int
    alerts_failed: int


def check_coverage(settings: Settings, store: Store, now: datetime | None = None) -> CoverageCheck:
    """Compare every source with its trailing median, record the flags and alert the new
    ones (when ``KIBARU_ALERT_WEBHOOK`` is set)."""
    moment = now or datetime.now(UTC)
    with store.session() as session:
        report = coverage_report(session, moment, tolerance=settings.coverage_tolerance)
        opened = [(flag.source, flag.metric) for flag in record_flags(session, report, moment)]
    sent = failed = 0
    if settings.alert_webhook:
        with store.session() as session:
            for flag in unalerted_flags(session):
                if send_alert(settings.alert_webhook, flag):
                    sent += 1
                else:
                    failed += 1
                session.commit()
    with store.session() as session:
        still_open = [(flag.source, flag.metric) for flag in open_flags(session)]
    return CoverageCheck(report, still_open, opened, sent, failed)
