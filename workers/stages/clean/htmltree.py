"""Parsing and querying HTML trees with lxml (safe on hostile input)."""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from workers.stages.errors import StageFailed

# No huge_tree: libxml2 then stops nesting at depth 256 instead of building a tree that
# recursive code (ours or a library's) could not walk. Comments and PIs are never content.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)


def parse_html(text: str) -> HtmlElement:
    """The document tree, or :class:`StageFailed` ("unparseable_html") when there is none."""
    # lxml refuses str input that carries an XML encoding declaration.
    if text.lstrip().startswith("<?xml"):
        text = text.split("?>", 1)[-1]
    try:
        tree = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise StageFailed("clean", "unparseable_html", str(exc)[:200]) from exc
    if tree is None:
        raise StageFailed("clean", "unparseable_html", "no element in the document")
    return tree


@lru_cache(maxsize=512)
def _compiled(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def selector_error(selector: str) -> str | None:
    """Why ``selector`` is not a CSS selector this stage can use, or None when it is (the
    registry checks a source's selectors with it, where an operator can fix them)."""
    try:
        _compiled(selector)
    except Exception as exc:  # cssselect raises several unrelated types for bad selectors
        return str(exc) or type(exc).__name__
    return None


def select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    """Elements matching a CSS selector; an invalid selector matches nothing."""
    try:
        found = _compiled(selector)(root)
    except Exception:  # cssselect raises several unrelated types for bad selectors
        return []
    return [el for el in found if isinstance(el, HtmlElement)]


def select_first(root: HtmlElement, selectors: list[str] | tuple[str, ...]) -> HtmlElement | None:
    """The first element matched by the first selector that matches anything."""
    for selector in selectors:
        found = select(root, selector)
        if found:
            return found[0]
    return None


# Control characters the parser lets through but lxml refuses in a text it is given.
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def remove(element: HtmlElement) -> None:
    """Remove an element but keep its tail text (the text after it belongs to its parent)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = _NOT_XML_TEXT.sub("", element.tail or "")
    if tail and tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = _NOT_XML_TEXT.sub("", previous.tail or "") + tail
        else:
            parent.text = _NOT_XML_TEXT.sub("", parent.text or "") + tail
    parent.remove(element)


def class_tokens(element: HtmlElement) -> list[str]:
    """The element's class names and id, lower-cased."""
    classes = (element.get("class") or "").lower().split()
    element_id = (element.get("id") or "").lower()
    return [*classes, element_id] if element_id else classes


def text_of(element: HtmlElement) -> str:
    """All the text inside an element, whitespace-collapsed."""
    return " ".join("".join(element.itertext()).split())
