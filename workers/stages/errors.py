"""Outcomes of a stage other than success, told apart so that callers count them right.

* :class:`PageRejected` — the page is fine but is not an article (category page, video,
  contact page…). Counted as skipped, never stored as an article, never retried.
* :class:`StageFailed` — the page cannot be processed (binary garbage, empty body…).
  Permanent: recorded as a failed page with ``stage`` and ``reason``; retrying won't help.

Transient troubles (database or Redis unreachable) are not stage errors: they surface as the
driver's own exceptions and the task layer retries them.
"""

from __future__ import annotations


class StageError(Exception):
    """Base of permanent stage outcomes; ``reason`` is a short machine-readable code."""

    def __init__(self, stage: str, reason: str, detail: str = "") -> None:
        self.stage = stage
        self.reason = reason
        self.detail = detail
        super().__init__(f"{stage}: {reason}" + (f" ({detail})" if detail else ""))

    def __reduce__(self) -> tuple[type[StageError], tuple[str, str, str]]:
        # Raised in another process (the embedded ingestor's extraction process) and
        # unpickled here: rebuilt from its fields, not from the message alone.
        return (type(self), (self.stage, self.reason, self.detail))


class PageRejected(StageError):
    """Not an article: e.g. reason ``"category_page"``, ``"video_page"``, ``"contact_page"``."""


class StageFailed(StageError):
    """Cannot be processed: e.g. reason ``"empty_body"``, ``"binary_content"``."""
