"""The stage's two shortcuts give the answers of the slow ways they replace.

``select`` skips a selector whose classes or ids are on no element of the document; family
detection looks for its markers as literals in the lower-cased page. Each is checked here
against the slow way on pages built to hit their edges (tokens split by tabs and newlines,
classes only under ``:not()``, removed elements, case folding), and the family markers on
every fixture page."""

from __future__ import annotations

import re

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.cssselect import CSSSelector

from tests.clean.corpus import fixtures
from workers.stages.clean import families
from workers.stages.clean.decode import decode_html
from workers.stages.clean.families import detect_family
from workers.stages.clean.htmltree import parse_html, select
from workers.stages.clean.metadata import read_metadata

CLASSES = ("a", "b", "td-post-content", "entry-title", "x_y")
SELECTORS = (
    ".a", ".b", ".a.b", ".a .b", ".a > p", "p.a, .b", "#main", "div#main .a", ":not(.a)",
    "p:not(.zz)", "div:not(.a) p", ".zz, p", ".td-post-content p", "[class~=a]", "h1.entry-title",
    ".x_y", "#main, .zz", ".zz", "#nowhere .a",
)


def _slow(root: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    return list(CSSSelector(selector, translator="html")(root))


elements = st.lists(
    st.tuples(
        st.sampled_from(("div", "p", "h1", "span")),
        st.lists(st.sampled_from(CLASSES), max_size=3),
        st.sampled_from(("", "main", "other")),
        st.sampled_from((" ", "\t", "\n", "  ")),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(elements, st.integers(min_value=0, max_value=8))
def test_select_finds_what_the_selector_finds(
    parts: list[tuple[str, list[str], str, str]], removed: int
) -> None:
    markup = "".join(
        f'<{tag} class="{space.join(classes)}"{f" id={ident}" if ident else ""}>t<p>x</p>'
        for tag, classes, ident, space in parts
    )
    root = parse_html(f"<html><body>{markup}</body></html>")
    for selector in SELECTORS:
        assert select(root, selector) == _slow(root, selector), selector
    # After an element is cut out (as furniture stripping does) the answers still agree.
    doomed = [el for el in root.iter() if el.tag not in ("html", "body")][removed:removed + 1]
    for element in doomed:
        element.drop_tree()
    for selector in SELECTORS:
        assert select(root, selector) == _slow(root, selector), selector


def test_a_copy_of_a_tree_is_read_afresh() -> None:
    root = parse_html('<html><body><div class="a">one</div></body></html>')
    assert select(root, ".b") == []
    other = parse_html('<html><body><div class="b">two</div></body></html>')
    assert [el.text for el in select(other, ".b")] == ["two"]
    scope = other.find("body")
    assert scope is not None and [el.text for el in select(scope, "div.b")] == ["two"]


MARKERS = {
    name: marker for name, marker in vars(families).items()
    if name.endswith("_MARKER") and isinstance(marker, families._Marker)
}


@pytest.mark.parametrize("name", sorted(MARKERS))
def test_each_marker_is_found_in_any_case_and_on_either_path(name: str) -> None:
    marker = MARKERS[name]
    for literal in marker.literals:
        for text in (f"<p>{literal}</p>", f"<P>{literal.upper()}</P>"):
            assert marker.found(text, text.lower()), (literal, text)
            assert marker.found(text + "İ", None), (literal, text)
    assert not marker.found("<p>nothing here</p>", "<p>nothing here</p>")


def test_the_spip_class_marker_needs_a_class_token() -> None:
    marker = families._SPIP_MARKER
    for text, expected in (('<img class="x spip_logo">', True), ('<IMG CLASS="SPIP_LOGO">', True),
                           ('<img class="xspip_logo">', False), ("<p>spip_logo</p>", False)):
        assert marker.found(text, text.lower()) is expected, text
        assert marker.found(text, None) is expected, text


def _regex_family(html: str) -> str:
    """The family by the patterns' case-insensitive scan alone: the slow way."""
    head = html[:200_000]
    found = {name for name, marker in MARKERS.items() if marker.found(head, None)}
    return ",".join(sorted(found))


def _literal_family(html: str) -> str:
    head = html[:200_000]
    lowered = head.lower()
    found = {name for name, marker in MARKERS.items() if marker.found(head, lowered)}
    return ",".join(sorted(found))


def test_the_fixture_pages_show_the_same_markers_both_ways() -> None:
    pages = list(fixtures())
    assert pages
    for fixture in pages:
        page = fixture.page()
        html = decode_html(page.body, page.encoding, page.headers)
        assert _literal_family(html) == _regex_family(html), fixture.key
        tree = parse_html(html)
        family = detect_family(html, tree, read_metadata(tree, page.address))
        assert re.fullmatch(r"[a-z_]+", family.name)
