"""The fetched page: what the crawler hands to the stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

# How a page reached kibaru: a live crawl of feeds, sitemaps and listings; a backfill of an
# outlet's past (``kibaru backfill``); or a web archive's file (``kibaru import-warc``).
ORIGINS: Final = ("crawl", "backfill", "import")


@dataclass(frozen=True)
class FetchedPage:
    """One HTTP response, as fetched by the spider.

    ``url`` is the (canonicalised) address requested, ``final_url`` the address after
    redirects. ``headers`` have lower-case names. ``encoding`` is the charset the crawler
    settled on (HTTP header, then the page's meta tag, then detection), or None when the
    stage should decide itself. ``hints`` carries what discovery learnt about the page,
    e.g. ``{"published_at": "2025-02-06T19:45:00+00:00"}`` from a news sitemap. ``origin`` is
    how the page reached kibaru (one of :data:`ORIGINS`); the article record keeps it.
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
    origin: str = "crawl"

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"page origin {self.origin!r} is not one of {', '.join(ORIGINS)}")

    @property
    def address(self) -> str:
        """Where the content actually came from."""
        return self.final_url or self.url
