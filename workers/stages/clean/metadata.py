"""What the page says about itself: JSON-LD, meta tags, canonical link, site name.

Read once, before any boilerplate is removed, into a :class:`PageMetadata`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "report",
        "socialmediaposting",
        "liveblogposting",
    }
)


@dataclass(frozen=True)
class PageMetadata:
    """Metadata of one page. ``meta`` maps lower-cased name/property to its first content."""

    meta: dict[str, str] = field(default_factory=dict)
    article_jsonld: dict[str, Any] | None = None
    jsonld_types: frozenset[str] = frozenset()
    canonical_url: str | None = None
    site_name: str | None = None
    html_title: str | None = None
    body_classes: frozenset[str] = frozenset()
    generator: str = ""


def _walk_jsonld(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document (lists and @graph flattened, iteratively)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(reversed(current))
        elif isinstance(current, dict):
            yield current
            graph = current.get("@graph")
            if graph is not None:
                stack.append(graph)


def _types(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return [str(k).lower() for k in kinds]


def _jsonld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue  # broken JSON-LD is common; the other clues still count
        objects.extend(_walk_jsonld(data))
    return objects


def _same_page(candidate: Any, address: str) -> bool:
    if isinstance(candidate, dict):
        candidate = candidate.get("@id") or candidate.get("url")
    if not isinstance(candidate, str) or not candidate:
        return False
    return candidate.rstrip("/").split("#")[0] == address.rstrip("/").split("#")[0]


def _pick_article(
    objects: list[dict[str, Any]], addresses: list[str], headline: str | None
) -> dict[str, Any] | None:
    """The JSON-LD article describing this page (not a related one listed next to it):
    the one naming this page's address or canonical URL, else the one with the page's
    og:title as headline, else the first."""
    articles = [o for o in objects if ARTICLE_TYPES.intersection(_types(o))]
    for obj in articles:
        for address in addresses:
            if any(_same_page(obj.get(key), address) for key in ("mainEntityOfPage", "url", "@id")):
                return obj
    for obj in articles:
        if headline and obj.get("headline") == headline:
            return obj
    return articles[0] if articles else None


def _clean_url(href: str, base: str) -> str | None:
    url = urljoin(base, href.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _canonical(tree: HtmlElement, meta: dict[str, str], address: str) -> str | None:
    hrefs = [
        link.get("href", "")
        for link in tree.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    hrefs.append(meta.get("og:url", ""))
    own_path = urlsplit(address).path.strip("/")
    for href in hrefs:
        if not href.strip():
            continue
        url = _clean_url(href, address)
        # A canonical that points an article at the home page is a theme bug, not a fact.
        if url and (urlsplit(url).path.strip("/") or not own_path):
            return url
    return None


def _site_name(meta: dict[str, str], objects: list[dict[str, Any]]) -> str | None:
    for key in ("og:site_name", "application-name", "twitter:site:name"):
        if meta.get(key):
            return meta[key]
    for obj in objects:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return str(publisher["name"])
        if "website" in _types(obj) and isinstance(obj.get("name"), str):
            return str(obj["name"])
    return None


def read_metadata(tree: HtmlElement, address: str) -> PageMetadata:
    """Collect meta tags, the page's JSON-LD article, canonical URL and site name."""
    meta: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        key = key.strip().lower()
        content = element.get("content")
        if key and content and key not in meta:
            meta[key] = " ".join(content.split())
    objects = _jsonld_objects(tree)
    canonical = _canonical(tree, meta, address)
    types = frozenset(t for obj in objects for t in _types(obj))
    title_element = tree.find(".//title")
    html_title = (
        " ".join(title_element.text_content().split()) if title_element is not None else None
    )
    body = tree.find(".//body")
    classes = (
        frozenset((body.get("class") or "").lower().split()) if body is not None else frozenset()
    )
    return PageMetadata(
        meta=meta,
        article_jsonld=_pick_article(
            objects, [address, canonical or address], meta.get("og:title")
        ),
        jsonld_types=types,
        canonical_url=canonical,
        site_name=_site_name(meta, objects),
        html_title=html_title or None,
        body_classes=classes,
        generator=meta.get("generator", "").lower(),
    )
