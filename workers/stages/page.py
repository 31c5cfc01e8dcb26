"""The fetched page: what the crawler hands to the stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class FetchedPage:
    """One HTTP response, as fetched by the spider.

    ``url`` is the (canonicalised) address requested, ``final_url`` the address after
    redirects. ``headers`` have lower-case names. ``encoding`` is the charset the crawler
    settled on (HTTP header, then the page's meta tag, then detection), or None when the
    stage should decide itself. ``hints`` carries what discovery learnt about the page,
    e.g. ``{"published_at": "2025-02-06T19:45:00+00:00"}`` from a news sitemap.
    """

    url: str
    source: str
    body: bytes
    final_url: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        """Where the content actually came from."""
        return self.final_url or self.url
