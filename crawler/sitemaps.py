"""Sitemaps: indexes, url sets, gzipped files and Google News sitemaps.

Parsing is Scrapy's :class:`scrapy.utils.sitemap.Sitemap` (it never resolves entities);
decompression is capped, and documents declaring entities are refused before parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.dates import parse_date
from crawler.feeds import Entry
from crawler.xmlsafety import refuse_entities

GZIP_MAGIC = b"\x1f\x8b"


class SitemapRejected(ValueError):
    """The sitemap cannot be used; ``reason`` is a short code for the run's error counts."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


@dataclass
class SitemapDocument:
    """A parsed sitemap: ``kind`` is ``"sitemapindex"`` or ``"urlset"``."""

    kind: str
    entries: list[Entry] = field(default_factory=list)


def decompress(body: bytes, max_bytes: int) -> bytes:
    """``body`` gunzipped when it is gzip data, refusing to inflate past ``max_bytes``."""
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=max_bytes)
    except _DecompressionMaxSizeExceeded as exc:
        raise SitemapRejected(
            "sitemap_too_large", f"decompresses past {max_bytes} bytes (max_sitemap_bytes)"
        ) from exc
    except (OSError, EOFError) as exc:
        raise SitemapRejected("bad_gzip", f"not valid gzip data: {exc}") from exc


def _published(item: dict[str, Any]) -> datetime | None:
    # A news sitemap's publication date is when the story appeared; lastmod moves with edits.
    return parse_date(item.get("publication_date") or item.get("lastmod"))


def parse_sitemap(body: bytes, max_bytes: int) -> SitemapDocument:
    """The entries of a sitemap or sitemap index (``.gz`` or plain).

    Entries of a Google News sitemap carry their publication date; others their lastmod.
    Raises :class:`SitemapRejected` (reasons ``sitemap_too_large``, ``bad_gzip``,
    ``xml_entities``, ``not_a_sitemap``).
    """
    xml = decompress(body, max_bytes)
    if len(xml) > max_bytes:
        raise SitemapRejected("sitemap_too_large", f"larger than {max_bytes} bytes")
    try:
        refuse_entities(xml)
    except ValueError as exc:
        raise SitemapRejected("xml_entities", str(exc)) from exc
    try:
        sitemap = _NewsAwareSitemap(xml)
    except Exception as exc:  # lxml raises several types on garbage; all mean "not XML"
        raise SitemapRejected("not_a_sitemap", f"cannot parse as XML: {exc}") from exc
    if sitemap.type not in ("sitemapindex", "urlset"):
        raise SitemapRejected("not_a_sitemap", f"root element is <{sitemap.type}>")
    document = SitemapDocument(kind=sitemap.type)
    for item in sitemap:
        loc = item.get("loc", "").strip()
        if loc:
            document.entries.append(Entry(loc, _published(item)))
    return document


class _NewsAwareSitemap(Sitemap):
    """Scrapy's Sitemap, also reading ``<news:publication_date>`` inside ``<news:news>``."""

    def _process_sitemap_element(self, elem: Any) -> dict[str, Any] | None:
        for child in elem:
            if self._get_tag_name(child) == "news":
                for grandchild in child:
                    if self._get_tag_name(grandchild) == "publication_date" and grandchild.text:
                        elem.set("_publication_date", grandchild.text.strip())
        published = elem.get("_publication_date")
        item = super()._process_sitemap_element(elem)
        if item is not None and published:
            item["publication_date"] = published
        return item
