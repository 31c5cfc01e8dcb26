"""A few simple CSS selectors matched against a BeautifulSoup tree in one walk.

Supports exactly what the stage's theme tables use: a tag name, ``.class``, ``[attr]``,
``[attr=v]``, ``[attr*=v]``, ``[attr~=v]`` (values bare or quoted), compounds of these
(``a[rel~=author]``) and one descendant combinator (``.vcard .fn``). Matching follows
soupsieve on an HTML document parsed by lxml: tag and attribute names without case, class
and attribute values with case, ``template`` contents never entered, ancestors walked up
to the document. :func:`compile_selector` raises ``ValueError`` for anything else, so an
unsupported selector fails at import time rather than matching differently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

_WHITESPACE = " \t\r\n\f"
_NOT_WS = re.compile(f"[^{_WHITESPACE}]+")
_PART = re.compile(
    r"""(?P<tag>^[a-zA-Z][a-zA-Z0-9-]*)
      | \.(?P<cls>[a-zA-Z_][a-zA-Z0-9_-]*)
      | \[(?P<attr>[a-zA-Z_:][a-zA-Z0-9_:.-]*)
          (?:(?P<op>[*~]?=)(?P<quote>["']?)(?P<value>[^"'\]]*)(?P=quote))?\]""",
    re.VERBOSE,
)

Predicate = Callable[[Tag], bool]


def _attribute_value(tag: Tag, name: str) -> str | None:
    # lxml lower-cases HTML attribute names, so a plain lookup is a case-free one.
    value = tag.attrs.get(name)
    if value is None:
        return "" if name in tag.attrs else None
    return value if isinstance(value, str) else " ".join(value)


def _classes(tag: Tag) -> Sequence[str]:
    declared = tag.attrs.get("class")
    if declared is None:
        return ()
    return _NOT_WS.findall(declared) if isinstance(declared, str) else declared


def _attribute_test(name: str, op: str | None, value: str) -> Predicate:
    if op is None:
        return lambda tag: _attribute_value(tag, name) is not None
    if op == "=":
        return lambda tag: _attribute_value(tag, name) == value
    if op == "*=":
        if not value:
            return lambda tag: False
        return lambda tag: value in (_attribute_value(tag, name) or "")
    if not value or any(char in value for char in _WHITESPACE):
        return lambda tag: False
    token = re.compile(
        rf"(?:(?<=^)|(?<=[{_WHITESPACE}])){re.escape(value)}(?=(?:[{_WHITESPACE}]|\Z))", re.DOTALL
    )

    def has_token(tag: Tag) -> bool:
        found = _attribute_value(tag, name)
        return found is not None and token.search(found) is not None

    return has_token


@dataclass(frozen=True)
class _Compound:
    """``tag.class[attr…]``: the tag name (lower case) or None, classes, attribute tests."""

    name: str | None
    classes: tuple[str, ...]
    attributes: tuple[Predicate, ...]
    attribute_names: tuple[str, ...]

    def matches(self, name: str, classes: Sequence[str], tag: Tag) -> bool:
        if self.name is not None and self.name != name:
            return False
        for cls in self.classes:
            if cls not in classes:
                return False
        return all(test(tag) for test in self.attributes)


def _compound(text: str) -> _Compound:
    name: str | None = None
    classes: list[str] = []
    attributes: list[Predicate] = []
    attribute_names: list[str] = []
    position = 0
    for match in _PART.finditer(text):
        if match.start() != position:
            raise ValueError(f"unsupported selector: {text!r}")
        position = match.end()
        if match["tag"]:
            name = match["tag"].lower()
        elif match["cls"]:
            classes.append(match["cls"])
        else:
            attribute = match["attr"].lower()
            attribute_names.append(attribute)
            attributes.append(_attribute_test(attribute, match["op"], match["value"] or ""))
    if position == 0 or position != len(text):
        raise ValueError(f"unsupported selector: {text!r}")
    return _Compound(name, tuple(classes), tuple(attributes), tuple(attribute_names))


def _is_template(tag: Tag) -> bool:
    return len(tag.name) == 8 and tag.name.lower() == "template"


@dataclass(frozen=True)
class SimpleSelector:
    """One compiled selector: the element's own compound and, for ``A B``, its ancestor's."""

    text: str
    own: _Compound
    ancestor: _Compound | None = None

    def matches(self, tag: Tag) -> bool:
        """Whether ``tag`` matches (``tag`` being an element of the tree, not the document)."""
        return self._matches(tag.name.lower(), _classes(tag), tag)

    def _matches(self, name: str, classes: Sequence[str], tag: Tag) -> bool:
        if not self.own.matches(name, classes, tag):
            return False
        if self.ancestor is None:
            return True
        parent = tag.parent
        while parent is not None and not isinstance(parent, BeautifulSoup):
            if _is_template(parent):
                return False
            if self.ancestor.matches(parent.name.lower(), _classes(parent), parent):
                return True
            parent = parent.parent
        return False


def compile_selector(text: str) -> SimpleSelector:
    """The selector ``text`` compiled; ``ValueError`` when it is outside the supported subset."""
    parts = text.split()
    if len(parts) == 1:
        return SimpleSelector(text, _compound(parts[0]))
    if len(parts) == 2:
        return SimpleSelector(text, _compound(parts[1]), _compound(parts[0]))
    raise ValueError(f"unsupported selector: {text!r}")


def _descendants(root: Tag) -> Iterator[Tag]:
    """Element descendants of ``root`` in document order, not entering ``template`` elements."""
    stack = [iter(root.contents)]
    while stack:
        for child in stack[-1]:
            if isinstance(child, Tag):
                yield child
                if child.contents and not _is_template(child):
                    stack.append(iter(child.contents))
                    break
        else:
            stack.pop()


def _index_key(compound: _Compound) -> tuple[str, str]:
    """What an element must have for the compound to be worth testing: a class, else its
    tag name, else an attribute (every supported compound has one of them)."""
    if compound.classes:
        return ("class", compound.classes[0])
    if compound.name is not None:
        return ("name", compound.name)
    return ("attr", compound.attribute_names[0])


def select_each(root: Tag, selectors: Sequence[SimpleSelector]) -> list[list[Tag]]:
    """For each selector, the descendants of ``root`` it matches, in document order.

    Same elements as ``[root.select(s.text) for s in selectors]``, in one walk of the tree.
    """
    # Only the selectors keyed by one of an element's classes, its name or attributes are
    # tested on it: most elements have none of them, which makes the walk cheap.
    index: dict[tuple[str, str], list[int]] = {}
    for position, selector in enumerate(selectors):
        index.setdefault(_index_key(selector.own), []).append(position)
    found: list[list[Tag]] = [[] for _ in selectors]
    for tag in _descendants(root):
        name = tag.name.lower()
        classes = _classes(tag)
        candidates: set[int] = set(index.get(("name", name), ()))
        for cls in classes:
            candidates.update(index.get(("class", cls), ()))
        for attribute in tag.attrs:
            candidates.update(index.get(("attr", attribute), ()))
        for position in candidates:
            if selectors[position]._matches(name, classes, tag):
                found[position].append(tag)
    return found
