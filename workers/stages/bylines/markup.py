"""Byline candidates declared in the page markup, main article only.

Every place a page states who wrote it gives a :class:`MarkupByline` with its ``origin``:

* ``selector`` — the source's own byline selector (from the registry);
* ``jsonld`` — ``author`` of the main Article/NewsArticle (``@id`` references resolved, as
  Yoast writes them; ``givenName``/``familyName`` joined), with the declared ``@type``;
* ``microdata`` — ``itemprop=author`` (its ``itemprop=name``, or a ``<meta>``'s content);
* ``meta`` — ``<meta name="author">``, ``article:author``, ``dc.creator``, parsely/sailthru,
  the "Written by" label of Yoast's Twitter card;
* ``element`` — byline elements of the usual themes inside the main article (tagDiv, JNews,
  SPIP, Drupal, generic ``.byline``/``.author``, any class naming an author or a byline,
  a label element and the name after it: "<b>Auteur :</b> Awa Ba");
* ``link`` — links to an author page (``rel=author``, ``/author/…``, ``/auteur/…``);
* ``row`` — a short row by the headline holding a date and a name ("06.02.2025 | Awa Ba").

Elements inside related-post lists, sidebars, widgets and comments are never read: their
bylines belong to other articles. The caller weighs the candidates; this module only finds them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from workers.stages.bylines.credits import is_marker, normalise_space
from workers.stages.bylines.gazetteer import name_key
from workers.stages.clean.htmltree import named_elements, parse_html, select
from workers.stages.errors import StageFailed

ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
     "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "blogposting",
     "socialmediaposting", "report", "liveblogposting", "scholarlyarticle", "techarticle",
     "posting", "discussionforumposting"}
)
PAGE_TYPES = frozenset({"webpage", "itempage", "aboutpage", "profilepage", "qapage"})
PERSON_TYPES = frozenset({"person"})
ORGANISATION_TYPES = frozenset(
    {"organization", "newsmediaorganization", "corporation", "ngo", "governmentorganization",
     "educationalorganization", "localbusiness"}
)
# Theme byline elements, most specific first; the first that matches inside the main article
# gives the element candidates.
THEME_SELECTORS = (
    ".td-post-author-name",          # tagDiv Newspaper
    ".jeg_meta_author",              # JNews
    ".tdb-author-name",              # tagDiv cloud templates
    ".byline",
    ".entry-author", ".post-author", ".author-name", ".article-author", ".auteur",  # SPIP
    ".field--name-uid", ".field--name-field-auteur", ".field-name-field-auteur",  # Drupal
    ".field--name-field-author", ".createdby",  # Joomla
    ".submitted",                    # Drupal's "Submitted by … on …"
    ".vcard .fn",
    ".author",
)
MAIN_SCOPES = (
    "article", "[itemtype*=Article]", ".td-post-header", ".entry-header", ".post-header",
    ".single-post", ".hentry", ".node--type-article", ".item-page", ".article", "main",
)
# A class or id token naming a byline or an author box ("article-byline", "authorname",
# "content__author", "meta-author"), for themes none of the selectors above know.
_AUTHOR_CLASS = re.compile(r"(?:^|[-_])(?:by-?line|author(?:s|name)?|auteurs?|autor(?:en)?)"
                           r"(?:$|[-_])|^(?:by-?line|author|autor|auteur)")
# Parts of author boxes that are not the name: avatars, biographies, follow buttons.
_NOT_NAME_CLASS = re.compile(r"(?:author|byline|auteur|autor)\w*[-_]+\w*(?:avatar|bio|descr|image|"
                             r"img|photo|follow|social|twitter|mail|date|time|label|title|job|"
                             r"role|count|box|info|wrap|posts|more)", re.I)
# Paths of author pages: the link text is then the author's name.
_AUTHOR_PATH = re.compile(
    r"/(?:author|authors|auteur|auteurs|autor|autoren|autores|journalist|journaliste|"
    r"redacteur|reporter|profil/[^/]+)/[^/?#]+", re.I
)
_FOREIGN_CONTAINER = re.compile(
    r"related|sidebar|widget|comment|respond|jp-relatedposts|yarpp|crp_related|jeg_related|"
    r"td-related|similar|lire-?aussi|read-?more|recommend|popular|trending|breadcrumb|"
    r"more-news|other-posts|post-navigation|menu|newsletter|footer-widgets|author-list-box|"
    r"teaser|next-post|prev-post|most-read|carousel|caption|(?:^|\s)card(?:__|\s|$)",
    re.IGNORECASE,
)
_WRITTEN_BY_LABELS = frozenset(
    name_key(label) for label in ("Written by", "Écrit par", "Escrito por", "Auteur", "Autor",
                                  "Author", "Par", "Geschrieben von", "Verfasst von", "Von")
)
_META_NAMES = frozenset({"author", "dc.creator", "dcterms.creator", "dc.creator.name",
                         "parsely-author", "sailthru.author", "byl", "article:author",
                         "og:article:author", "citation_author", "twitter:misc:written by",
                         "vr:author", "dc.contributor", "cxenseparse:author"})
_JSONLD_TYPE = re.compile("ld\\+json", re.I)
_TWITTER_LABEL = re.compile(r"^twitter:(label|data)\d$")
_NOT_TEXT = frozenset({"script", "style", "template", "noscript", "svg", "img"})
_LONGEST_BYLINE = 200


@dataclass(frozen=True)
class MarkupByline:
    """One byline string found in the markup.

    ``origin`` says where (see the module doc); ``kind`` is the type the markup declares for
    it ("person", "organization") or "" when it declares none.
    """

    origin: str
    text: str
    kind: str = ""


def _text(element: HtmlElement, *, separate: bool = False) -> str:
    """The element's strings, each stripped, joined by a space; scripts and styles left out.

    ``separate``: sibling elements with nothing but white space between them are separate
    items ("<span>Awa Ba</span> <span>Issa Sow</span>" → "Awa Ba, Issa Sow"), as byline
    lists print names.
    """
    pieces: list[str] = []

    def walk(node: HtmlElement) -> None:  # the parser caps depth at 256
        if node.text and node.text.strip():
            pieces.append(node.text)
        after_element = False
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _NOT_TEXT:
                if (separate and after_element and pieces and pieces[-1] != ","
                        and not is_marker(pieces[-1])):
                    pieces.append(",")
                walk(child)
                after_element = True
            if child.tail and child.tail.strip():
                pieces.append(child.tail)
                after_element = False

    walk(element)
    return normalise_space(" ".join(piece.strip() for piece in pieces if piece.strip()))


def _classes_and_id(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _is_foreign(element: HtmlElement, scope: HtmlElement) -> bool:
    """Inside a related list, sidebar, widget, comment or navigation (between it and scope)?"""
    for ancestor in (element, *element.iterancestors()):
        if ancestor is scope:
            return False
        if not isinstance(ancestor.tag, str):
            continue
        if ancestor.tag in ("aside", "nav", "template", "figure", "figcaption") or (
            ancestor.tag == "footer" and scope.tag in ("body", "html")
        ):
            return True
        if _foreign_names(_classes_and_id(ancestor)):
            return True
    return False


@lru_cache(maxsize=4096)
def _foreign_names(classes_and_id: str) -> bool:
    """Whether class and id name a related list, sidebar, widget… (each list read once:
    ancestors are shared by many elements, and pages repeat the same lists)."""
    return _FOREIGN_CONTAINER.search(classes_and_id) is not None


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    chosen = set(elements)
    return [e for e in elements if not any(p in chosen for p in e.iterancestors())]


def _headline(title: str | None, headings: list[HtmlElement]) -> HtmlElement | None:
    """The ``h1`` that reads as the title, else the only ``h1``."""
    title_key = name_key(title) if title else None
    for heading in headings:
        if title_key and name_key(_text(heading)) == title_key:
            return heading
    return headings[0] if len(headings) == 1 else None


def _main_scope(root: HtmlElement, headline: HtmlElement | None) -> HtmlElement:
    """The element holding the main article: the article around the headline, else the
    largest article-like element, else the whole document."""
    candidates: list[HtmlElement] = []
    for selector in MAIN_SCOPES:
        candidates.extend(el for el in select(root, selector) if not _is_foreign(el, root))
    if headline is not None:
        chosen = set(candidates)
        for ancestor in headline.iterancestors():
            if ancestor in chosen:
                return ancestor
        # No article element around the headline: its parent's parent holds the byline row.
        parent = headline.getparent()
        if parent is not None and parent.tag not in ("body", "html"):
            grand = parent.getparent()
            return grand if grand is not None and grand.tag not in ("html",) else parent
    if candidates:
        return max(candidates, key=lambda element: len(element.text_content()))
    body = root.find("body")
    return body if body is not None else root


def _texts(elements: Iterable[HtmlElement]) -> list[str]:
    seen: list[str] = []
    for element in elements:
        text = _text(element, separate=True).strip(" ,")
        if text and text not in seen and len(text) <= _LONGEST_BYLINE:
            seen.append(text)
    return seen


# --- JSON-LD --------------------------------------------------------------------------------


def _jsonld_nodes(scripts: list[HtmlElement]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for script in scripts:
        if not _JSONLD_TYPE.search(script.get("type") or ""):
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the other sources still count
        stack: list[Any] = [data]
        while stack:  # iterative: a hostile page's nesting cannot exhaust the stack
            value = stack.pop()
            if isinstance(value, dict):
                nodes.append(value)
                stack.extend(child for child in value.values() if isinstance(child, dict | list))
            elif isinstance(value, list):
                stack.extend(reversed(value))
    return nodes


def _types(node: dict[str, Any]) -> set[str]:
    declared = node.get("@type")
    values = declared if isinstance(declared, list) else [declared]
    return {str(value).lower() for value in values if value}


def _kind(node: dict[str, Any]) -> str:
    types = _types(node)
    if types & PERSON_TYPES:
        return "person"
    if types & ORGANISATION_TYPES:
        return "organization"
    return ""


def _person_name(node: dict[str, Any]) -> str | None:
    name = node.get("name")
    if isinstance(name, list):
        name = next((item for item in name if isinstance(item, str)), None)
    if isinstance(name, str) and name.strip():
        return name
    parts = [node.get(key) for key in ("givenName", "additionalName", "familyName")]
    joined = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    return joined or None


def _jsonld_authors(value: Any, by_id: dict[str, dict[str, Any]]) -> Iterator[MarkupByline]:
    if isinstance(value, str):
        yield MarkupByline("jsonld", value)
    elif isinstance(value, list):
        for item in value:
            yield from _jsonld_authors(item, by_id)
    elif isinstance(value, dict):
        node = value
        if not _person_name(node) and isinstance(node.get("@id"), str):
            node = by_id.get(node["@id"], node)
        name = _person_name(node)
        if name:
            yield MarkupByline("jsonld", name, _kind(node) or _kind(value))


def _credited(node: dict[str, Any]) -> Any:
    """Who the node credits: its ``author``, else its ``creator``."""
    return node.get("author") or node.get("creator")


def jsonld_bylines(scripts: list[HtmlElement], title: str | None) -> list[MarkupByline]:
    """Authors of the main Article/NewsArticle of the JSON-LD (the one whose headline is the
    title, else the first with an author)."""
    nodes = _jsonld_nodes(scripts)
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    articles = [node for node in nodes if _types(node) & ARTICLE_TYPES and _credited(node)]
    if not articles:
        # Yoast on a post its theme declares no article for: the page's own node has it.
        articles = [node for node in nodes if _types(node) & PAGE_TYPES and _credited(node)]
    if not articles:
        return []
    main = articles[0]
    if title:
        for node in articles:
            headline = node.get("headline") or node.get("name")
            if isinstance(headline, str) and name_key(headline) == name_key(title):
                main = node
                break
    found: list[MarkupByline] = []
    for byline in _jsonld_authors(_credited(main), by_id):
        text = normalise_space(byline.text)
        if text and all(text != known.text for known in found):
            found.append(MarkupByline("jsonld", text, byline.kind))
    return found


# --- meta tags and microdata ----------------------------------------------------------------


def _meta_bylines(metas: list[HtmlElement]) -> list[MarkupByline]:
    found: list[str] = []
    labels: dict[str, str] = {}
    for meta in metas:
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = normalise_space(meta.get("content") or "")
        if not key or not content:
            continue
        if key in _META_NAMES and not re.match(r"https?://|www\.", content):
            found.append(content)
        elif _TWITTER_LABEL.search(key):
            labels[key] = content
    for number in "1234":
        label = labels.get(f"twitter:label{number}")
        if label and name_key(label) in _WRITTEN_BY_LABELS and labels.get(f"twitter:data{number}"):
            found.append(labels[f"twitter:data{number}"])
    return [MarkupByline("meta", text) for text in dict.fromkeys(found)]


# Elements whose itemprop holds "author" (as a substring: the caller checks the token), in
# document order: XPath finds the few there are without handing every element to Python.
_ITEMPROP_AUTHOR = etree.XPath("descendant-or-self::*[contains(@itemprop, 'author')]")


def _microdata_bylines(root: HtmlElement, scope: HtmlElement) -> list[MarkupByline]:
    """``itemprop=author``: a ``<meta>``/``<link>`` anywhere outside related lists, an element
    inside the main article (its ``itemprop=name`` when it has one)."""
    found: list[MarkupByline] = []
    for element in _ITEMPROP_AUTHOR(root):
        if "author" not in (element.get("itemprop") or "").split():
            continue
        declared = (element.get("itemtype") or "").lower()
        kind = "person" if declared.endswith("/person") else (
            "organization" if "organization" in declared else "")
        if element.tag in ("meta", "link"):
            if _is_foreign(element, root):
                continue
            text = normalise_space(element.get("content") or "")
        else:
            if _is_foreign(element, scope) or scope not in (element, *element.iterancestors()):
                continue
            named = [child for child in element.iter()
                     if "name" in (child.get("itemprop") or "").split()]
            text = (normalise_space(named[0].get("content") or _text(named[0])) if named
                    else _text(element))
        if text and len(text) <= _LONGEST_BYLINE and not re.match(r"https?://", text):
            found.append(MarkupByline("microdata", text, kind))
    return found


# --- visible elements -----------------------------------------------------------------------


# Pages repeat the same class lists on many elements: each is read once.
@lru_cache(maxsize=4096)
def _names_author(classes_and_id: str) -> bool:
    """Whether a class or id token names a byline or an author (not a part of its box)."""
    return any(_AUTHOR_CLASS.search(token) and not _NOT_NAME_CLASS.search(token)
               for token in classes_and_id.lower().split())


def _theme_bylines(scope: HtmlElement) -> list[MarkupByline]:
    for selector in THEME_SELECTORS:
        elements = [el for el in select(scope, selector)
                    if el is not scope and not _is_foreign(el, scope)]
        texts = _texts(_outermost(elements))
        if texts:
            return [MarkupByline("element", text) for text in texts]
    # Themes of their own: an element whose class names a byline or an author.
    matched: list[HtmlElement] = []
    for element in named_elements(scope):
        if element.tag in _NOT_TEXT or element is scope:
            continue
        if _names_author(_classes_and_id(element)) and not _is_foreign(element, scope):
            matched.append(element)
    return [MarkupByline("element", text) for text in _texts(_outermost(matched))]


_DATE_IN_ROW = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b\d{1,2}\.?\s+[A-Za-zÀ-ÿ]{3,10}\.?\s+\d{4}\b|\b[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}\b"
)
_ROW_SEPARATORS = re.compile(r"\s*(?:[|•·]|\s[-–—]\s)\s*")
_ROW_NOISE = re.compile(r"\d|^(?:uhr|am|le|on|publié|published|posted|updated|mis à jour)$", re.I)
_ROW_TIME = re.compile(r"\b\d{1,2}[:h]\d{2}(?:\s*(?:uhr|h|am|pm|gmt|utc))?\b", re.I)
_ROW_CONNECTOR = re.compile(r"(?:\s+(?:am|le|on|du|el|em|à|at|um|,))+\s*$", re.I)
_ROW_MAX_CHARS = 150


def _near_headline(headline: HtmlElement | None) -> Iterator[HtmlElement]:
    """The elements printed just before and after the headline (its siblings and its
    wrapper's), where a theme of its own prints "06.02.2025 | Awa Ba"."""
    if headline is None:
        return
    level: HtmlElement | None = headline
    for _ in range(2):
        if level is None:
            return
        for sibling in (*list(level.itersiblings(preceding=True))[:3],
                        *list(level.itersiblings())[:3]):
            if isinstance(sibling.tag, str) and sibling.tag not in _NOT_TEXT:
                yield sibling
        level = level.getparent()
        if level is None or level.tag in ("body", "html"):
            return


def _row_bylines(headline: HtmlElement | None) -> list[MarkupByline]:
    """A short row by the headline holding a date and a name: the name is the byline."""
    found: list[MarkupByline] = []
    for element in _near_headline(headline):
        text = _text(element, separate=True)
        if not text or len(text) > _ROW_MAX_CHARS or not _DATE_IN_ROW.search(text):
            continue
        bare = _ROW_TIME.sub(" ", _DATE_IN_ROW.sub(" ", text))
        kept = [_ROW_CONNECTOR.sub("", chunk.strip(" ,")) for chunk in _ROW_SEPARATORS.split(bare)]
        kept = [chunk for chunk in kept if chunk.strip(" ,") and not _ROW_NOISE.search(chunk)]
        if kept and len(kept) <= 2 and sum(len(chunk) for chunk in kept) <= 80:
            found.append(MarkupByline("row", ", ".join(chunk.strip(" ,") for chunk in kept)))
    return found


_LABELLED_MAX_CHARS = 120


def _labelled_bylines(scope: HtmlElement) -> list[MarkupByline]:
    """A byline label element followed by the name: "<h5>Autor:</h5> Peter Maahn"."""
    found: list[MarkupByline] = []
    for element in scope.iter():
        if not isinstance(element.tag, str) or element.tag in _NOT_TEXT:
            continue
        raw = element.text
        if not raw or len(raw) > 80 or raw.isspace():  # most elements: no label, cheaply
            continue
        label = normalise_space(raw)
        if not label or len(label) > 25 or not (
            is_marker(label) or name_key(label) in _WRITTEN_BY_LABELS
        ):
            continue
        if len(element):
            # "<li>Von: <span><a>Awa Ba</a>, </span><span><a>Issa Sow</a></span></li>": the
            # label opens the element that holds the names
            names = _text(element, separate=True)[len(label):].strip(" ,:")
            if names and len(names) <= _LABELLED_MAX_CHARS and not _is_foreign(element, scope):
                found.append(MarkupByline("element", names))
            continue
        following = normalise_space(element.tail or "")
        if not following:
            sibling = element.getnext()
            following = _text(sibling) if sibling is not None else ""
        if following and len(following) <= 80 and not _is_foreign(element, scope):
            found.append(MarkupByline("element", f"{label} {following}"))
    return found


def _link_bylines(scope: HtmlElement) -> list[MarkupByline]:
    found: list[str] = []
    for link in scope.iter("a"):
        rel = (link.get("rel") or "").lower().split()
        if "author" not in rel and not _AUTHOR_PATH.search(link.get("href") or ""):
            continue
        if _is_foreign(link, scope):
            continue
        text = _text(link)
        if text and len(text) <= 80 and text not in found:
            found.append(text)
    return [MarkupByline("link", text) for text in found]


def markup_bylines(
    page: str | HtmlElement, *, title: str | None = None, byline_selector: str | None = None
) -> list[MarkupByline]:
    """Every byline candidate of the main article's markup, registry selector first.

    ``page`` is the parsed page (the document tree the cleaning stage parsed, unmodified) or
    its HTML; a registry selector that is not valid CSS reads nothing.
    """
    if isinstance(page, str):
        if not page.strip():
            return []
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
    found.extend(jsonld_bylines(named["script"], title))
    headline = _headline(title, named["h1"])
    scope = _main_scope(root, headline)
    found.extend(_microdata_bylines(root, scope))
    found.extend(_theme_bylines(scope) or _labelled_bylines(scope))
    found.extend(_link_bylines(scope))
    found.extend(_row_bylines(headline))
    found.extend(_meta_bylines(named["meta"]))
    return found
