"""The one-walk selector matcher finds exactly what soupsieve finds, or refuses the selector."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.clean.corpus import fixtures
from tests.crawler.outlets import article_html
from workers.stages.bylines.markup import MAIN_SCOPES, THEME_SELECTORS
from workers.stages.bylines.simplecss import compile_selector, select_each

SELECTORS = (*THEME_SELECTORS, *MAIN_SCOPES)
COMPILED = tuple(compile_selector(selector) for selector in SELECTORS)
EDGE_CASES = """<html><body>
<div class="VCARD"><span class="fn">case differs</span></div>
<div class="vcard"><p><span class="fn x">deep</span></p></div>
<template><span class="author">in a template</span></template>
<a rel="nofollow author" href="/a">rel list</a><a rel="authors" href="/b">not it</a>
<span itemprop="author">itemprop</span><div itemtype="https://schema.org/NewsArticle">x</div>
<ARTICLE class="Byline byline">upper-case tag</ARTICLE><main><span class="author"></span></main>
</body></html>"""


@pytest.mark.parametrize("page", [f.html_path for f in fixtures()], ids=lambda p: p.stem)
def test_same_elements_as_soupsieve_on_every_fixture(page: object) -> None:
    soup = BeautifulSoup(page.read_bytes(), "lxml")  # type: ignore[attr-defined]
    assert select_each(soup, COMPILED) == [soup.select(selector) for selector in SELECTORS]


@pytest.mark.parametrize("html", [EDGE_CASES, article_html("simplecss")], ids=["edges", "article"])
def test_same_elements_as_soupsieve_from_any_start(html: str) -> None:
    soup = BeautifulSoup(html, "lxml")
    for start in [soup, *soup.find_all(True)]:
        expected = [start.select(selector) for selector in SELECTORS]
        assert select_each(start, COMPILED) == expected, start.name


@pytest.mark.parametrize("selector", ["a > b", "div:not(.x)", "p + p", "#main", "a b c", "*"])
def test_anything_else_is_refused(selector: str) -> None:
    with pytest.raises(ValueError):
        compile_selector(selector)
