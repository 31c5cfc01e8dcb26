"""Which candidate URLs are already stored: one query per batch, never one per URL."""

from __future__ import annotations

from crawler.context import KnownFilter
from storage.db import Store
from storage.repository import known_urls


def stored_url_filter(store: Store, *, every_page: bool = False) -> KnownFilter:
    """A KnownFilter backed by the store (article URLs, canonical URLs and processed pages;
    with ``every_page``, pages in any state: see :func:`storage.repository.known_urls`)."""

    def known(urls: list[str]) -> set[str]:
        with store.session() as session:
            return known_urls(session, urls, every_page=every_page)

    return known
