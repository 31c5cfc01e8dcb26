"""``--since``: the one parser every command reads it with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.dates import parse_since

NOW = datetime(2025, 2, 10, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-02-06", datetime(2025, 2, 6, tzinfo=UTC)),
        ("2025-02-06T19:45", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("2025-02-06T19:45:00Z", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("2025-02-06T19:45:00+01:00", datetime(2025, 2, 6, 18, 45, tzinfo=UTC)),
        ("7d", NOW - timedelta(days=7)),
        (" 12H ", NOW - timedelta(hours=12)),
        ("0d", NOW),
    ],
)
def test_dates_timestamps_and_times_back(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "7", "7w", "-7d", "2025-13-01", ""])
def test_anything_else_says_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match=r"YYYY-MM-DD.*7d"):
        parse_since(text, now=NOW)
