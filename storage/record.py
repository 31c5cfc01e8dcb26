"""The article record of docs/design.md: field names, in the order exports write them."""

from __future__ import annotations

ARTICLE_FIELDS: tuple[str, ...] = (
    "id",
    "url",
    "canonical_url",
    "source",
    "source_name",
    "country",
    "title",
    "text",
    "published_at",
    "language",
    "authors",
    "agencies",
    "byline",
    "cluster_id",
    "duplicate_of",
    "content_hash",
    "fetched_at",
)
