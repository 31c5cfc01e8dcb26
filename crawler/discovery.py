"""Finding feeds, sitemaps, article links and "next page" links in HTML and robots.txt."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.utils.sitemap import sitemap_urls_from_robots

# Where sites usually publish feeds and sitemaps when they do not link them.
FEED_PATHS = ("/feed/", "/rss.xml", "/rss", "/feed.xml", "/atom.xml", "/index.xml")
SITEMAP_PATHS = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
    "/wp-sitemap.xml",
)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# Comment feeds list comments, not articles.
COMMENT_FEED = re.compile(r"comments?[/-]?feed|/comments/|commentaires", re.IGNORECASE)
PAGINATION = re.compile(
    r"(/page/\d+/?$|[?&](page|paged|p|pg|start|offset)=\d+|/p\d+/?$|/\d+/?$)", re.IGNORECASE
)
NEXT_LABELS = re.compile(
    r"^\s*(next|suivant(e)?|page suivante|próxim[ao]|seguinte|older|»|›|>|>>)\s*$", re.IGNORECASE
)


def with_path(homepage: str, path: str) -> str:
    """``path`` on the site of ``homepage`` (scheme and host kept)."""
    parts = urlsplit(homepage)
    return f"{parts.scheme}://{parts.netloc}{path}"


def feed_links(html: Selector, base_url: str) -> list[str]:
    """Feeds a page advertises with ``<link rel="alternate" type="application/rss+xml">``."""
    found: list[str] = []
    for link in html.css("link[href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().strip()
        if "alternate" in rel and kind in FEED_TYPES:
            url = urljoin(base_url, link.attrib["href"])
            if not COMMENT_FEED.search(url):
                found.append(url)
    return list(dict.fromkeys(found))


def anchors(html: Selector, base_url: str) -> list[str]:
    """Every http(s) link target of the page, absolute, in document order."""
    found: list[str] = []
    for href in html.css("a::attr(href)").getall():
        url = urljoin(base_url, href.strip())
        if url.startswith(("http://", "https://")):
            found.append(url)
    return list(dict.fromkeys(found))


def next_page_links(html: Selector, base_url: str) -> list[str]:
    """Links to the following page of a listing: ``rel="next"``, or a "next"/"suivant" label
    on a link that looks like pagination."""
    found = [urljoin(base_url, h) for h in html.css('[rel~="next"]::attr(href)').getall()]
    for anchor in html.css("a[href]"):
        label = " ".join(anchor.css("::text").getall())
        url = urljoin(base_url, anchor.attrib["href"])
        if NEXT_LABELS.match(label) and PAGINATION.search(url):
            found.append(url)
    return [url for url in dict.fromkeys(found) if url.startswith(("http://", "https://"))]


def sitemaps_in_robots(robots_txt: bytes, base_url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt, absolute."""
    return list(dict.fromkeys(sitemap_urls_from_robots(robots_txt, base_url=base_url)))
