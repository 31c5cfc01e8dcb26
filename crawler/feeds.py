"""RSS and Atom feeds: the article links they list, with their publication dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from crawler.dates import parse_date
from crawler.xmlsafety import parse_xml


@dataclass(frozen=True)
class Entry:
    """One article link found by discovery, with its date when the feed or sitemap gave one."""

    url: str
    published: datetime | None = None


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *names: str) -> str | None:
    for child in element:
        if _local(child) in names and child.text and child.text.strip():
            return str(child.text).strip()
    return None


def _atom_link(entry: etree._Element) -> str | None:
    fallback = None
    for child in entry:
        if _local(child) != "link" or not child.get("href"):
            continue
        rel = child.get("rel", "alternate")
        if rel == "alternate" and child.get("type", "text/html") in ("text/html", ""):
            return str(child.get("href"))
        fallback = fallback or (str(child.get("href")) if rel == "alternate" else None)
    return fallback


def is_feed(body: bytes) -> bool:
    """True when ``body`` looks like an RSS or Atom document (cheap check on its start)."""
    head = body[:2048].lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def parse_feed(body: bytes, base_url: str) -> list[Entry]:
    """The entries of an RSS 2.0, RSS 1.0 or Atom feed, in document order.

    Raises :class:`crawler.xmlsafety.UnsafeXml` for a feed that declares entities; returns an
    empty list for a body that is not a feed.
    """
    root = parse_xml(body)
    if root is None:
        return []
    entries: list[Entry] = []
    for element in root.iter():
        name = _local(element)
        if name == "item":  # RSS 2.0 and 1.0
            link = _child_text(element, "link")
            if not link:
                guid = next((c for c in element if _local(c) == "guid"), None)
                if guid is not None and guid.get("isPermaLink", "true") == "true" and guid.text:
                    link = guid.text.strip()
            date = _child_text(element, "pubDate", "date", "published", "updated")
        elif name == "entry":  # Atom
            link = _atom_link(element)
            date = _child_text(element, "published", "updated")
        else:
            continue
        if link:
            entries.append(Entry(urljoin(base_url, link), parse_date(date)))
    return entries
