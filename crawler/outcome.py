"""How a crawl run ended, from why the spider closed and what it counted."""

from __future__ import annotations

from typing import Any


def run_outcome(close_reason: str | None, counts: dict[str, Any]) -> tuple[str, str | None]:
    """``(status, error)`` of a finished crawl: ``interrupted`` when it was shut down,
    ``failed`` when processing failed or when no request was answered at all (every DNS
    lookup failed, every address refused…: nothing of the run can be trusted), else
    ``succeeded``."""
    if close_reason == "shutdown":
        return "interrupted", None
    if close_reason == "ingest_failed":
        return "failed", None
    if not counts.get("answered"):
        errors = counts.get("errors_by_kind") or {}
        found = ", ".join(f"{kind} {n}" for kind, n in errors.items()) or "no request was sent"
        return "failed", (
            f"no request was answered ({found}); check the network, DNS and the sources' "
            "addresses (`kibaru sources check`)"
        )
    return "succeeded", None
