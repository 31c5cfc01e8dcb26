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
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag
from soupsieve import SelectorSyntaxError

from workers.stages.bylines.credits import normalise_space
from workers.stages.bylines.gazetteer import name_key
from workers.stages.bylines.simplecss import compile_selector, select_each

# The stage is given markup, never a file name: a page whose whole text looks like a path or
# a URL is still a page.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

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
# Compiled once: matching them all in one walk of the tree is what keeps the stage fast.
_THEME_COMPILED = tuple(compile_selector(selector) for selector in THEME_SELECTORS)
_SCOPES_COMPILED = tuple(compile_selector(selector) for selector in MAIN_SCOPES)
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


def _named(soup: BeautifulSoup, name: str) -> list[Tag]:
    return [element for element in soup.find_all(name) if isinstance(element, Tag)]


@dataclass(frozen=True)
class MarkupByline:
    """One byline string found in the markup; ``origin`` says where (the trust order)."""

    origin: str  # "selector" | "jsonld" | "element" | "meta"
    text: str


def _classes_and_id(tag: Tag) -> str:
    declared: object = tag.get("class") or []
    if isinstance(declared, str):
        classes = [declared]
    else:
        classes = [str(name) for name in declared] if isinstance(declared, list) else []
    return " ".join([*classes, str(tag.get("id") or "")])


def _is_foreign(tag: Tag, scope: Tag) -> bool:
    """Inside a related list, sidebar, widget, comment or navigation (between tag and scope)?"""
    for ancestor in [tag, *tag.parents]:
        if ancestor is scope:
            return False
        if not isinstance(ancestor, Tag):
            continue
        if ancestor.name in ("aside", "nav") or (
            ancestor.name == "footer" and scope.name in ("body", "[document]", "html")
        ):
            return True
        if _FOREIGN_CONTAINER.search(_classes_and_id(ancestor)):
            return True
    return False


def _main_scope(soup: BeautifulSoup, title: str | None, headings: list[Tag]) -> Tag:
    """The element holding the main article: the article around the headline, else the
    largest article-like element, else the whole document. ``headings``: the ``h1`` elements."""
    title_key = name_key(title) if title else None
    headline: Tag | None = None
    for heading in headings:
        if title_key and name_key(heading.get_text(" ", strip=True)) == title_key:
            headline = heading
            break
    if headline is None and len(headings) == 1:
        headline = headings[0]
    candidates: list[Tag] = []
    for matched in select_each(soup, _SCOPES_COMPILED):
        for element in matched:
            if not _is_foreign(element, soup):
                candidates.append(element)
    if headline is not None:
        for ancestor in headline.parents:
            if ancestor in candidates:
                return ancestor
    if candidates:
        return max(candidates, key=lambda element: len(element.get_text()))
    return soup.body or soup


def _texts(elements: Iterator[Tag] | list[Tag]) -> list[str]:
    seen: list[str] = []
    for element in elements:
        text = normalise_space(element.get_text(" ", strip=True))
        if text and text not in seen and len(text) <= 200:
            seen.append(text)
    return seen


def _jsonld_nodes(scripts: list[Tag]) -> list[dict[str, Any]]:
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
        declared = script.get("type")
        if not isinstance(declared, str) or not _JSONLD_TYPE.search(declared):
            continue
        raw = script.string or script.get_text()
        try:
            walk(json.loads(raw, strict=False))
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


def _jsonld_authors(scripts: list[Tag], title: str | None) -> list[str]:
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


def _meta_bylines(metas: list[Tag]) -> list[str]:
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
    html: str, *, title: str | None = None, byline_selector: str | None = None
) -> list[MarkupByline]:
    """Every byline string of the main article's markup, most trusted first."""
    if not html or not html.strip():
        return []
    soup = BeautifulSoup(html, "lxml")
    found: list[MarkupByline] = []
    if byline_selector:
        selected: list[Tag] = []
        try:
            selected = list(soup.select(byline_selector))
        except SelectorSyntaxError:  # a bad registry selector reads nothing, never crashes
            selected = []
        found.extend(MarkupByline("selector", text) for text in _texts(selected))
    # One walk for the three element kinds read below: what find_all(name) would return for
    # each (lxml gives HTML tags no namespace prefix, so the name alone decides).
    named: dict[str, list[Tag]] = {"h1": [], "script": [], "meta": []}
    for element in soup.descendants:
        if isinstance(element, Tag) and element.name in named:
            named[element.name].append(element)
    found.extend(MarkupByline("jsonld", name) for name in _jsonld_authors(named["script"], title))
    scope = _main_scope(soup, title, named["h1"])
    for matched in select_each(scope, _THEME_COMPILED):
        elements = [found for found in matched if not _is_foreign(found, scope)]
        # the outermost match only: "[itemprop=author]" often wraps ".fn" or a link
        elements = [e for e in elements if not any(p in elements for p in e.parents)]
        texts = _texts(elements)
        if texts:
            found.extend(MarkupByline("element", text) for text in texts)
            break
    found.extend(MarkupByline("meta", text) for text in _meta_bylines(named["meta"]))
    return found
