"""Dates found in feeds and sitemaps (RFC 822 in RSS, ISO 8601 in Atom and sitemaps), and the
``--since`` option that every command reads."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

_RELATIVE = re.compile(r"(\d{1,5})\s*([dh])")


def parse_date(text: str | None) -> datetime | None:
    """A timezone-aware datetime (UTC when the text has no zone), or None if unreadable."""
    if not text:
        return None
    text = text.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """The ``--since`` argument: a date (``2025-02-01``, midnight UTC), an ISO 8601 timestamp
    (UTC when it names no zone), or a time back from ``now`` (``7d`` days, ``12h`` hours);
    ValueError saying what to write otherwise."""
    relative = _RELATIVE.fullmatch(text.strip().lower())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        back = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
        return (now or datetime.now(UTC)) - back
    parsed = parse_date(text)
    if parsed is None:
        raise ValueError(
            f"{text!r} is not a date; use YYYY-MM-DD, an ISO 8601 timestamp, or a time back "
            "from now such as 7d (days) or 12h (hours)"
        )
    return parsed
