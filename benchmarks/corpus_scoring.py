"""What the corpus benchmarks share: the fixture corpus with its goldens, and scoring helpers.

The corpus is ``tests/fixtures/pages/*/*.html`` with the hand-reviewed ``*.golden.json``
(loaded by ``tests/clean/corpus.py``). A golden holding ``error`` marks a page the stages
refuse (home, category, video pages…): it counts for speed, not for accuracy.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.clean.corpus import Fixture, fixtures  # noqa: E402

_TOKEN = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


def corpus_pages() -> list[tuple[Fixture, dict[str, Any]]]:
    """Every fixture page that has a golden, with its golden (error goldens included)."""
    return [(fixture, fixture.golden()) for fixture in fixtures() if fixture.golden_path.exists()]


def scored_pages() -> list[tuple[Fixture, dict[str, Any]]]:
    """The pages scored for accuracy: those whose golden is an article, not an error."""
    return [(fixture, golden) for fixture, golden in corpus_pages() if "error" not in golden]


def trafilatura_document(html: str | bytes, url: str) -> dict[str, Any]:
    """trafilatura's extraction with metadata, as a dict (empty when it finds nothing).

    Given bytes, trafilatura picks the charset itself.
    """
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if document is None:
        return {}
    as_dict = document.as_dict() if hasattr(document, "as_dict") else document
    return as_dict if isinstance(as_dict, dict) else {}


def tokens(text: str | None) -> Counter[str]:
    """The bag of word tokens of ``text``: Unicode words, case-folded, NFC."""
    if not text:
        return Counter()
    return Counter(_TOKEN.findall(unicodedata.normalize("NFC", text).casefold()))


def token_f1(found: str | None, expected: str | None) -> float:
    """Token-level F1 of ``found`` against ``expected`` (bags of words; 1.0 when both empty)."""
    found_bag, expected_bag = tokens(found), tokens(expected)
    if not found_bag and not expected_bag:
        return 1.0
    overlap = sum((found_bag & expected_bag).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(found_bag.values())
    recall = overlap / sum(expected_bag.values())
    return 2 * precision * recall / (precision + recall)


def same_title(found: str | None, expected: str | None) -> bool:
    """Equal headlines, up to Unicode normalisation and runs of white space."""

    def norm(title: str | None) -> str:
        return _SPACES.sub(" ", unicodedata.normalize("NFC", title or "")).strip()

    return norm(found) == norm(expected)


def _parse_when(value: str) -> datetime | date | None:
    value = value.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def same_date(found: str | None, expected: str | None, local_offset_hours: float = 0.0) -> bool:
    """Whether ``found`` gives the golden's publication date.

    True for the same instant, or for the same calendar date as the golden, read either in
    the golden's own offset or in the outlet's local time (``local_offset_hours``). A
    missing date matches only a missing golden.
    """
    if not found or not expected:
        return not found and not expected
    truth, guess = _parse_when(expected), _parse_when(found)
    if truth is None or guess is None:
        return False
    if (
        isinstance(truth, datetime)
        and isinstance(guess, datetime)
        and truth.tzinfo is not None
        and guess.tzinfo is not None
        and truth == guess
    ):
        return True
    if isinstance(truth, datetime):
        days = {truth.date()}
        if truth.tzinfo is not None:
            local = timezone(timedelta(hours=local_offset_hours))
            days.add(truth.astimezone(local).date())
            days.add(truth.astimezone(UTC).date())
    else:
        days = {truth}
    guess_day = guess.date() if isinstance(guess, datetime) else guess
    return guess_day in days
