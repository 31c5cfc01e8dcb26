"""Which candidate URLs are already stored: one query per batch, never one per URL."""

from __future__ import annotations

from crawler.context import KnownFilter
from storage.db import Store
from storage.repository import known_urls


def stored_url_filter(store: Store) -> KnownFilter:
    """A KnownFilter backed by the store (article URLs, canonical URLs and processed pages)."""

    def known(urls: list[str]) -> set[str]:
        with store.session() as session:
            return known_urls(session, urls)

    return known
