"""Bylines declared in the page markup, main article only.

Looks, in this order of trust, at: the source's own byline selector (from the registry),
JSON-LD ``author`` of the main Article/NewsArticle (``@id`` references resolved, as Yoast
writes them), byline elements of the usual themes inside the main article (tagDiv, JNews,
SPIP, Drupal, generic ``.byline``/``.author``/``rel=author``), then ``<meta name="author">``,
``article:author`` and the "Written by" label of Yoast's Twitter card. Elements inside
related-post lists, sidebars, widgets and comments are never read: their bylines belong to
other articles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml.html import HtmlElement

from workers.stages.bylines.credits import normalise_space
from workers.stages.bylines.gazetteer import name_key
from workers.stages.clean.htmltree import parse_html, select
from workers.stages.errors import StageFailed

ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
     "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "blogposting",
     "socialmediaposting", "report", "liveblogposting"}
)
# Theme byline elements, most specific first.
THEME_SELECTORS = (
    ".td-post-author-name",          # tagDiv Newspaper
    ".jeg_meta_author",              # JNews
    ".tdb-author-name",              # tagDiv cloud templates
    ".byline",
    ".entry-author", ".post-author", ".author-name", ".article-author", ".auteur",  # SPIP
    ".field--name-uid", ".field--name-field-auteur", ".field-name-field-auteur",  # Drupal
    ".field--name-field-author", ".createdby",  # Joomla
    "[itemprop=author]",
    ".vcard .fn",
    ".author",
    "a[rel~=author]",
)
MAIN_SCOPES = (
    "article", "[itemtype*=Article]", ".td-post-header", ".entry-header", ".post-header",
    ".single-post", ".hentry", ".node--type-article", ".item-page", ".article", "main",
)
_FOREIGN_CONTAINER = re.compile(
    r"related|sidebar|widget|comment|respond|jp-relatedposts|yarpp|crp_related|jeg_related|"
    r"td-related|similar|lire-?aussi|read-?more|recommend|popular|trending|breadcrumb|"
    r"more-news|other-posts|post-navigation|menu|newsletter|footer-widgets|author-list",
    re.IGNORECASE,
)
_WRITTEN_BY_LABELS = frozenset(
    name_key(label) for label in ("Written by", "Écrit par", "Escrito por", "Auteur", "Autor",
                                  "Author", "Par")
)
_JSONLD_TYPE = re.compile("ld\\+json", re.I)
_TWITTER_LABEL = re.compile(r"^twitter:(label|data)\d$")


_NOT_TEXT = frozenset({"script", "style", "template"})


def _text(element: HtmlElement) -> str:
    """The element's strings, each stripped, joined by a space; scripts and styles left out."""
    pieces: list[str] = []

    def walk(node: HtmlElement) -> None:  # the parser caps depth at 256
        if node.text:
            pieces.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _NOT_TEXT:
                walk(child)
            if child.tail:
                pieces.append(child.tail)

    walk(element)
    return " ".join(piece.strip() for piece in pieces if piece.strip())


@dataclass(frozen=True)
class MarkupByline:
    """One byline string found in the markup; ``origin`` says where (the trust order)."""

    origin: str  # "selector" | "jsonld" | "element" | "meta"
    text: str


def _classes_and_id(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _is_foreign(element: HtmlElement, scope: HtmlElement) -> bool:
    """Inside a related list, sidebar, widget, comment or navigation (between it and scope)?"""
    for ancestor in (element, *element.iterancestors()):
        if ancestor is scope:
            return False
        if not isinstance(ancestor.tag, str):
            continue
        if ancestor.tag in ("aside", "nav", "template") or (
            ancestor.tag == "footer" and scope.tag in ("body", "html")
        ):
            return True
        if _FOREIGN_CONTAINER.search(_classes_and_id(ancestor)):
            return True
    return False


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    chosen = set(elements)
    return [e for e in elements if not any(p in chosen for p in e.iterancestors())]


def _main_scope(root: HtmlElement, title: str | None, headings: list[HtmlElement]) -> HtmlElement:
    """The element holding the main article: the article around the headline, else the
    largest article-like element, else the whole document. ``headings``: the ``h1`` elements."""
    title_key = name_key(title) if title else None
    headline: HtmlElement | None = None
    for heading in headings:
        if title_key and name_key(_text(heading)) == title_key:
            headline = heading
            break
    if headline is None and len(headings) == 1:
        headline = headings[0]
    candidates: list[HtmlElement] = []
    for selector in MAIN_SCOPES:
        candidates.extend(el for el in select(root, selector) if not _is_foreign(el, root))
    if headline is not None:
        chosen = set(candidates)
        for ancestor in headline.iterancestors():
            if ancestor in chosen:
                return ancestor
    if candidates:
        return max(candidates, key=lambda element: len(element.text_content()))
    body = root.find("body")
    return body if body is not None else root


def _texts(elements: Iterable[HtmlElement]) -> list[str]:
    seen: list[str] = []
    for element in elements:
        text = normalise_space(_text(element))
        if text and text not in seen and len(text) <= 200:
            seen.append(text)
    return seen


def _jsonld_nodes(scripts: list[HtmlElement]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            nodes.append(value)
            for child in value.values():
                if isinstance(child, dict | list):
                    walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    for script in scripts:
        if not _JSONLD_TYPE.search(script.get("type") or ""):
            continue
        try:
            walk(json.loads(script.text or "", strict=False))
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the other sources still count
    return nodes


def _types(node: dict[str, Any]) -> set[str]:
    declared = node.get("@type")
    values = declared if isinstance(declared, list) else [declared]
    return {str(value).lower() for value in values if value}


def _author_names(value: Any, by_id: dict[str, dict[str, Any]]) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [name for item in value for name in _author_names(item, by_id)]
    if isinstance(value, dict):
        name = value.get("name")
        if name is None and isinstance(value.get("@id"), str):
            referenced = by_id.get(value["@id"])
            name = referenced.get("name") if referenced else None
        if isinstance(name, list):
            return [str(item) for item in name if isinstance(item, str)]
        return [name] if isinstance(name, str) else []
    return []


def _jsonld_authors(scripts: list[HtmlElement], title: str | None) -> list[str]:
    """Author names of the main Article/NewsArticle of the JSON-LD (the one whose headline is
    the title, else the first)."""
    nodes = _jsonld_nodes(scripts)
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    articles = [node for node in nodes if _types(node) & ARTICLE_TYPES and "author" in node]
    if not articles:
        return []
    main = articles[0]
    if title:
        for node in articles:
            headline = node.get("headline") or node.get("name")
            if isinstance(headline, str) and name_key(headline) == name_key(title):
                main = node
                break
    names = [normalise_space(name) for name in _author_names(main.get("author"), by_id)]
    return [name for name in dict.fromkeys(names) if name]


def _meta_bylines(metas: list[HtmlElement]) -> list[str]:
    found: list[str] = []
    for attribute, names in (
        ("name", ("author", "dc.creator", "parsely-author", "sailthru.author", "byl")),
        ("property", ("article:author", "author")),
    ):
        for meta in metas:
            if meta.get(attribute) is None:
                continue
            if str(meta.get(attribute, "")).lower() in names:
                content = normalise_space(str(meta.get("content") or ""))
                if content and not re.match(r"https?://|www\.", content):
                    found.append(content)
    labels = {
        str(meta.get("name", "")).lower(): str(meta.get("content") or "")
        for meta in metas
        if isinstance(meta.get("name"), str) and _TWITTER_LABEL.search(str(meta.get("name")))
    }
    for number in "1234":
        label = labels.get(f"twitter:label{number}")
        if label and name_key(label) in _WRITTEN_BY_LABELS:
            data = normalise_space(labels.get(f"twitter:data{number}", ""))
            if data:
                found.append(data)
    return list(dict.fromkeys(found))


def markup_bylines(
    page: str | HtmlElement, *, title: str | None = None, byline_selector: str | None = None
) -> list[MarkupByline]:
    """Every byline string of the main article's markup, most trusted first.

    ``page`` is the parsed page (the document tree the cleaning stage parsed, unmodified) or
    its HTML; a registry selector that is not valid CSS reads nothing.
    """
    if isinstance(page, str):
        try:
            page = parse_html(page)
        except StageFailed:  # no element at all: nothing declared
            return []
    root = page
    found: list[MarkupByline] = []
    if byline_selector:
        found.extend(
            MarkupByline("selector", text) for text in _texts(select(root, byline_selector))
        )
    named: dict[str, list[HtmlElement]] = {"h1": [], "script": [], "meta": []}
    for element in root.iter("h1", "script", "meta"):
        named[str(element.tag)].append(element)
    found.extend(MarkupByline("jsonld", name) for name in _jsonld_authors(named["script"], title))
    scope = _main_scope(root, title, named["h1"])
    for selector in THEME_SELECTORS:
        elements = [
            el for el in select(scope, selector) if el is not scope and not _is_foreign(el, scope)
        ]
        # the outermost match only: "[itemprop=author]" often wraps ".fn" or a link
        texts = _texts(_outermost(elements))
        if texts:
            found.extend(MarkupByline("element", text) for text in texts)
            break
    found.extend(MarkupByline("meta", text) for text in _meta_bylines(named["meta"]))
    return found
