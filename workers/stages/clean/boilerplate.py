"""Removal of page furniture: menus, share buttons, related lists, comments, ads, captions.

Three layers, applied to the whole tree before the title, date and body are looked for:
tags that are never article text, the family's and the outlet's own drop selectors, and
class/id names that themes use for furniture. Elements that hold the headline or the body
container are protected, because themes also put words like "sidebar" on page wrappers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from lxml.html import HtmlElement

from workers.stages.clean.htmltree import class_tokens_of, named_elements, remove, select

NEVER_TEXT_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "form",
    "button",
    "select",
    "textarea",
    "input",
    "iframe",
    "object",
    "embed",
    "video",
    "audio",
    "nav",
    "aside",
    "footer",
    "figure",
    "figcaption",
    "ins",
    "map",
    "dialog",
    "menu",
    "amp-sidebar",
    "amp-ad",
    "amp-social-share",
    "amp-analytics",
    "amp-carousel",
    "amp-iframe",
    "amp-video",
    "amp-youtube",
    "amp-img",
)

# Words themes use in class/id names of furniture; matched against the dash/underscore-
# separated parts of each class name, so "td-post-sharing" matches but "shared-story" too.
FURNITURE_WORDS = frozenset(
    {
        "share",
        "sharing",
        "sharedaddy",
        "social",
        "sociaux",
        "partage",
        "related",
        "relatedposts",
        "liresaussi",
        "lireaussi",
        "newsletter",
        "sidebar",
        "widget",
        "breadcrumb",
        "breadcrumbs",
        "fil",
        "ariane",
        "advert",
        "advertisement",
        "ads",
        "adsbygoogle",
        "publicite",
        "pubs",
        "banner",
        "promo",
        "subscribe",
        "comment",
        "comments",
        "commentaires",
        "respond",
        "forum",
        "tags",
        "tagcloud",
        "navigation",
        "nav",
        "navbar",
        "menu",
        "popup",
        "modal",
        "cookie",
        "cookies",
        "authorbox",
        "pagination",
        "pager",
        "rating",
        "popular",
        "trending",
        "recommended",
        "outbrain",
        "taboola",
        "caption",
        "wp-caption",
        "print",
        "offcanvas",
        "masthead",
        "aside",
        "topbar",
        "toolbar",
        "logo",
        "copyright",
        "disclaimer",
    }
)
_WRAPPER_PREFIXES = ("no-", "no_", "has-", "has_", "with-", "with_", "without-")
_SPLIT_PARTS = re.compile(r"[-_]+")
# Elements that are page wrappers, never furniture.
_WRAPPER_TAGS = frozenset({"html", "body", "main", "article"})


def is_furniture(element: HtmlElement) -> bool:
    """True when a class or id names a piece of page furniture."""
    classes, element_id = element.get("class"), element.get("id")
    if not classes and not element_id:
        return False
    return _furniture_attributes(classes, element_id)


# Pages repeat the same few class and id values on many elements: decide each pair once,
# from the raw attributes (splitting and lower-casing them again per element cost more than
# the decision).
@lru_cache(maxsize=8192)
def _furniture_attributes(classes: str | None, element_id: str | None) -> bool:
    return _names_furniture(tuple(class_tokens_of(classes, element_id)))


def _names_furniture(tokens: tuple[str, ...]) -> bool:
    for token in tokens:
        # "no-share", "has-sidebar", "with-comments" describe a wrapper, not furniture.
        if token.startswith(_WRAPPER_PREFIXES):
            continue
        if token in FURNITURE_WORDS:
            return True
        if any(part in FURNITURE_WORDS for part in _SPLIT_PARTS.split(token)):
            return True
    return False


def _protected(anchors: Iterable[HtmlElement]) -> set[HtmlElement]:
    kept: set[HtmlElement] = set()
    for anchor in anchors:
        kept.update(anchor.iterancestors())
        kept.add(anchor)
    return kept


# A paragraph this long is prose, not a teaser or a caption.
_PROSE_PARAGRAPH_WORDS = 40


def _prose_holders(tree: HtmlElement) -> set[HtmlElement]:
    """Elements holding most of the page's long paragraphs (at least two): whatever their
    class names say ("content-with-sidebar", "elementor-widget…"), they hold the article."""
    long_paragraphs = [
        p for p in tree.iter("p") if len(p.text_content().split()) >= _PROSE_PARAGRAPH_WORDS
    ]
    if len(long_paragraphs) < 2:
        return set()
    held: dict[HtmlElement, int] = {}
    for paragraph in long_paragraphs:
        for ancestor in paragraph.iterancestors():
            held[ancestor] = held.get(ancestor, 0) + 1
    return {element for element, count in held.items() if 2 * count > len(long_paragraphs)}


def strip_furniture(
    tree: HtmlElement,
    selectors: Iterable[str],
    anchors: Iterable[HtmlElement],
    *,
    never_text: bool = True,
) -> None:
    """Remove never-text tags, the given drop selectors and furniture-named elements.

    ``anchors`` (headline, body container) and their ancestors are never removed, nor a
    furniture-named element that holds most of the page's long paragraphs. ``never_text``
    False keeps scripts, forms and the like (what a date finder still reads).
    """
    keep = _protected(anchors)
    holders = _prose_holders(tree)
    doomed: list[HtmlElement] = (
        [el for el in tree.iter(*NEVER_TEXT_TAGS) if el not in keep] if never_text else []
    )
    for selector in selectors:
        doomed.extend(el for el in select(tree, selector) if el not in keep)
    body = tree.find("body")
    scope = body if body is not None else tree
    for element in named_elements(scope):
        if (
            element.tag not in _WRAPPER_TAGS
            and element not in keep
            and is_furniture(element)
            and element not in holders
        ):
            doomed.append(element)
    for element in doomed:
        # An element inside one already removed has no parent chain to the root any more.
        if element.getroottree().getroot() is tree.getroottree().getroot():
            remove(element)
