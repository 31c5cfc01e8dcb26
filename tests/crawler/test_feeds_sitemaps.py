"""Feeds and sitemaps: entries with dates, gzip with a cap, and no XML entity ever expanded."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from crawler.feeds import parse_feed
from crawler.sitemaps import SitemapRejected, parse_sitemap
from crawler.xmlsafety import UnsafeXml, parse_xml
from tests.crawler.outlets import atom, rss, sitemap_index, urlset


def test_rss_entries_with_dates() -> None:
    body = rss([("https://aps.sn/a", "Thu, 06 Feb 2025 19:45:00 +0000"), ("/b", "garbage")])
    entries = parse_feed(body, "https://aps.sn/feed/")
    assert [e.url for e in entries] == ["https://aps.sn/a", "https://aps.sn/b"]
    assert entries[0].published == datetime(2025, 2, 6, 19, 45, tzinfo=UTC)
    assert entries[1].published is None


def test_atom_entries_with_dates() -> None:
    entries = parse_feed(atom([("https://x.ml/1", "2025-02-06T10:00:00Z")]), "https://x.ml/")
    assert entries[0].url == "https://x.ml/1"
    assert entries[0].published == datetime(2025, 2, 6, 10, tzinfo=UTC)


def test_news_sitemap_gives_publication_dates() -> None:
    body = urlset(["https://x.ml/1"], news_dates=["2025-02-06T19:45:00+01:00"])
    document = parse_sitemap(body, 10**6)
    assert document.kind == "urlset"
    assert document.entries[0].published == datetime(2025, 2, 6, 18, 45, tzinfo=UTC)


def test_gzipped_sitemap_index() -> None:
    body = gzip.compress(sitemap_index(["https://x.ml/s1.xml.gz", "https://x.ml/s2.xml"]))
    document = parse_sitemap(body, 10**6)
    assert document.kind == "sitemapindex"
    assert [e.url for e in document.entries] == ["https://x.ml/s1.xml.gz", "https://x.ml/s2.xml"]


def test_gzip_bomb_is_refused_past_the_cap() -> None:
    # 20 MB of zeros compress to ~20 KB: the cap stops inflation, not the download size.
    body = gzip.compress(b"<urlset>" + b"0" * (20 * 1024 * 1024))
    assert len(body) < 100_000
    with pytest.raises(SitemapRejected) as caught:
        parse_sitemap(body, 1024 * 1024)
    assert caught.value.reason == "sitemap_too_large"


# Eight levels of ten references: 10**8 copies of a URL, were the entities ever expanded.
LEVELS = "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 9))
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a0 "https://x.ml/secret">' + LEVELS + "]>"
    "<urlset><url><loc>&a0;</loc></url><url><loc>&a8;</loc></url></urlset>"
).encode()


def test_entity_declarations_are_refused_in_sitemaps_and_feeds() -> None:
    with pytest.raises(SitemapRejected) as caught:
        parse_sitemap(BOMB, 10**6)
    assert caught.value.reason == "xml_entities"
    feed = BOMB.replace(b"urlset", b"rss")
    with pytest.raises(UnsafeXml):
        parse_feed(feed, "https://x.ml/")


def test_the_parser_itself_never_expands_entities() -> None:
    # Even past the declaration check, the parser leaves references unexpanded.
    from lxml import etree

    from crawler.xmlsafety import safe_parser

    root = etree.fromstring(BOMB, parser=safe_parser())
    locations = [element for element in root.iter() if element.tag == "loc"]
    assert len(locations) == 2
    assert all("secret" not in "".join(element.itertext()) for element in locations)
    with pytest.raises(UnsafeXml):
        parse_xml(BOMB)


def test_not_a_sitemap() -> None:
    with pytest.raises(SitemapRejected) as caught:
        parse_sitemap(b"<html><body>hello</body></html>", 10**6)
    assert caught.value.reason == "not_a_sitemap"
