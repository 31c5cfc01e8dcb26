"""Dates found in feeds and sitemaps (RFC 822 in RSS, ISO 8601 in Atom and sitemaps)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


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


def parse_since(text: str) -> datetime:
    """The ``--since`` argument (``2025-02-01`` or a full ISO timestamp); ValueError if not."""
    parsed = parse_date(text)
    if parsed is None:
        raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD or an ISO 8601 timestamp")
    return parsed
