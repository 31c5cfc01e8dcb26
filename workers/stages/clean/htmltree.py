"""Parsing and querying HTML trees with lxml (safe on hostile input)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

import cssselect
import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from workers.stages.errors import StageFailed

# No huge_tree: libxml2 then stops nesting at depth 256 instead of building a tree that
# recursive code (ours or a library's) could not walk. Comments and PIs are never content.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)


def _html_class_lookup() -> etree.ElementNamespaceClassLookup:
    """lxml.html's element classes, looked up in C.

    lxml.html picks each element's Python class with a Python method, called every time an
    element is touched from Python (every step of every walk of the tree): millions of calls
    per thousand pages. This lookup gives the same classes, from the same table (the form
    controls' own classes by tag name, :class:`HtmlElement` otherwise, lxml.html's comment,
    processing-instruction and entity classes), without leaving C. The HTML parser
    lower-cases tag names, so the table's lower-case names are all it needs.
    """
    lookup = etree.ElementNamespaceClassLookup(
        etree.ElementDefaultClassLookup(
            element=HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    by_tag = lookup.get_namespace(None)
    by_tag.update(lxml.html.HtmlElementClassLookup._default_element_classes)
    return lookup


_PARSER.set_element_class_lookup(_html_class_lookup())
# Control characters XML cannot hold: the parser keeps them in the tree, and trafilatura's
# copy of the article into its XML output then fails, leaving no body at all (a bell
# character pasted from a word processor loses a whole page). Never content: removed.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# The control characters of _NOT_XML_CHARS, as bytes: in UTF-8 they are only ever themselves.
_NOT_XML_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def _has_not_xml_chars(text: str) -> bool:
    """Whether ``text`` holds a character of :data:`_NOT_XML_CHARS`: almost no page does, and
    deleting bytes from its UTF-8 form tells three times faster than the regex's scan."""
    data = text.encode("utf-8", "surrogatepass")
    return (
        len(data.translate(None, _NOT_XML_BYTES)) != len(data)
        or "\ufffe" in text
        or "\uffff" in text
    )


def parse_html(text: str) -> HtmlElement:
    """The document tree, or :class:`StageFailed` ("unparseable_html") when there is none."""
    # lxml refuses str input that carries an XML encoding declaration.
    if text.lstrip().startswith("<?xml"):
        text = text.split("?>", 1)[-1]
    if _has_not_xml_chars(text):
        text = _NOT_XML_CHARS.sub("", text)
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


# What an element must carry to match, per alternative of a selector group: its class names
# and its ids. "Must" means outside :not(), :has(), :is() and :where(), which may match
# without them.
_Needs = tuple[frozenset[str], frozenset[str]]


def _collect_needs(node: Any, classes: set[str], ids: set[str]) -> None:
    if isinstance(node, cssselect.parser.Class):
        classes.add(node.class_name)
    elif isinstance(node, cssselect.parser.Hash):
        ids.add(node.id)
    elif isinstance(node, cssselect.parser.CombinedSelector):
        _collect_needs(node.subselector, classes, ids)
    if not isinstance(node, cssselect.parser.Element):
        _collect_needs(getattr(node, "selector", None), classes, ids)


@lru_cache(maxsize=1024)
def _needs(selector: str) -> tuple[_Needs, ...] | None:
    """Each alternative's needs, or None when some alternative needs nothing (or the selector
    does not parse): the selector then always runs."""
    try:
        alternatives = cssselect.parse(selector)
    except Exception:  # cssselect raises several unrelated types for bad selectors
        return None
    needs = []
    for alternative in alternatives:
        classes: set[str] = set()
        ids: set[str] = set()
        _collect_needs(alternative.parsed_tree, classes, ids)
        if not classes and not ids:
            return None
        needs.append((frozenset(classes), frozenset(ids)))
    return tuple(needs)


# Whitespace as XPath's normalize-space() sees it, which the compiled selectors split on.
_CLASS_SEPARATORS = re.compile("[ \t\r\n]+")
# The class names and ids of each document still in use, keyed by its root element. Steps
# only remove elements from a tree, never add any, so the names read once stay a superset.
_NAMES: WeakKeyDictionary[HtmlElement, _Needs] = WeakKeyDictionary()
# Plain strings: lxml's default "smart" strings, which know their element, cost several times more.
_CLASS_VALUES = etree.XPath("//@class", smart_strings=False)
_ID_VALUES = etree.XPath("//@id", smart_strings=False)


# Copies of a tree, each keyed by its root, with the root of the tree it was copied from:
# a copy has the same names, which are then read once for both.
_COPIED_FROM: WeakKeyDictionary[HtmlElement, HtmlElement] = WeakKeyDictionary()


def copied_tree(copy: HtmlElement, original: HtmlElement) -> HtmlElement:
    """``copy``, recorded as an exact copy of ``original`` (not yet modified), so that
    selectors read the class names and ids of both documents only once."""
    _COPIED_FROM[copy.getroottree().getroot()] = original.getroottree().getroot()
    return copy


def _names_in(root: HtmlElement) -> _Needs:
    top = root.getroottree().getroot()
    names = _NAMES.get(top)
    if names is None and (original := _COPIED_FROM.get(top)) is not None:
        names = _NAMES[top] = _names_in(original)
    if names is None:
        values = " ".join(_CLASS_VALUES(top))
        classes = frozenset(_CLASS_SEPARATORS.split(values)) - {""}
        names = (classes, frozenset(_ID_VALUES(top)))
        _NAMES[top] = names
    return names


def cannot_match(root: HtmlElement, selector: str) -> bool:
    """True when no alternative of ``selector`` can match in ``root``'s document because a
    class or id it needs is on no element: most selectors of the family and theme tables
    name classes that a page of another theme does not have, and a set look-up is cheaper
    than a walk of the tree."""
    needs = _needs(selector)
    if needs is None:
        return False
    classes, ids = _names_in(root)
    return not any(need_classes <= classes and need_ids <= ids for need_classes, need_ids in needs)


def select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    """Elements matching a CSS selector; an invalid selector matches nothing."""
    if cannot_match(root, selector):
        return []
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


# An element and its descendants with a class or id, in document order (as ``iter()``).
_NAMED_ELEMENTS = etree.XPath("descendant-or-self::*[@class or @id]")


def named_elements(scope: HtmlElement) -> list[HtmlElement]:
    """``scope`` and its descendants that have a class or an id, in document order: the only
    elements a class or id can name (furniture, a byline), found by XPath without handing every
    element of the page to Python (most have neither)."""
    return _NAMED_ELEMENTS(scope)


def class_tokens(element: HtmlElement) -> list[str]:
    """The element's class names and id, lower-cased."""
    return class_tokens_of(element.get("class"), element.get("id"))


def class_tokens_of(classes: str | None, element_id: str | None) -> list[str]:
    """The class names and id of a ``class`` and an ``id`` attribute, lower-cased."""
    names = (classes or "").lower().split()
    element_id = (element_id or "").lower()
    return [*names, element_id] if element_id else names


def text_of(element: HtmlElement) -> str:
    """All the text inside an element, whitespace-collapsed."""
    return " ".join("".join(element.itertext()).split())
