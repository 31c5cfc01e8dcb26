"""Candidates and the choice made among them: what each field of a record was read from.

Every field finder gathers :class:`Candidate` values from each source of evidence (the
outlet's rules, the site family, JSON-LD, meta tags, visible markup, the general extractors)
and returns a :class:`Choice`: the value kept, the evidence it came from, why it won, and
every candidate considered (``kibaru extract --explain`` prints them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Candidate:
    """One value a source of evidence gives for a field.

    ``origin`` names the evidence ("jsonld:headline", "meta:og:title", "family:wordpress",
    "trafilatura"…); ``note`` says why it was set aside, when it was.
    """

    value: Any
    origin: str
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """For display: a body (list of paragraphs) as its word count and opening words."""
        shown: Any = self.value
        extra: dict[str, Any] = {}
        if isinstance(shown, list):
            text = " ".join(str(paragraph) for paragraph in shown)
            extra["words"] = len(text.split())
            shown = text
        if isinstance(shown, str) and len(shown) > 300:
            shown = shown[:300] + "…"
        note = {"note": self.note} if self.note else {}
        return {"value": shown, "origin": self.origin, **extra, **note}


@dataclass(frozen=True)
class Choice:
    """The value kept for a field (None when no candidate held), where it came from, why."""

    value: Any
    origin: str | None
    reason: str
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "reason": self.reason,
            "candidates": [candidate.as_dict() for candidate in self.candidates],
        }
