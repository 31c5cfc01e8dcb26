"""Site families common in West African news: how to recognise them, where their parts are.

Each :class:`Family` lists CSS selectors for the article body, headline and publication
date, and the theme's own boilerplate to drop. Selectors are tried in order; the first that
matches wins. :func:`detect_family` looks at cheap markers in the raw HTML and metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from workers.stages.clean.metadata import PageMetadata


@dataclass(frozen=True)
class Family:
    """Extraction selectors of one CMS theme or site family."""

    name: str
    body: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


TAGDIV = Family(
    name="tagdiv",
    body=(".td-post-content", ".tdb_single_content .tdb-block-inner"),
    title=("h1.entry-title", "h1.tdb-title-text", ".td-post-title h1"),
    date=(".td-post-date time", ".tdb_single_date time", ".td-post-date"),
    drop=(
        ".td-post-sharing",
        ".td-post-source-tags",
        ".td-post-next-prev",
        ".td-related-row",
        ".td_block_related_posts",
        ".td-author-box",
        ".author-box-wrap",
        ".td-a-rec",
        ".td-g-rec",
        ".td-post-featured-image",
        ".tdb_single_tags",
        ".td-post-views",
        ".td-category",
        ".td-post-comments",
    ),
)
JNEWS = Family(
    name="jnews",
    body=(".jeg_post_content .content-inner", ".content-inner"),
    title=("h1.jeg_post_title",),
    date=(".jeg_meta_date",),
    drop=(
        ".jeg_share_button",
        ".jeg_share_top_container",
        ".jeg_share_bottom_container",
        ".jeg_post_tags",
        ".jnews_related_post_container",
        ".jnews_inline_related_post",
        ".jeg_postblock",
        ".jeg_ad",
        ".jeg_authorbox",
        ".jnews_prev_next_container",
        ".jnews_comment_container",
        ".jeg_featured",
        ".jeg_post_subtitle",
    ),
)
SPIP = Family(
    name="spip",
    body=(".chapo, .texte", ".article-texte", "#article .texte"),
    title=("h1.titre", ".article-titre", "h1.crayon"),
    date=("abbr.published", ".info-publi", ".date-publication"),
    drop=(
        ".documents_portfolio",
        ".forum",
        "#forum",
        ".spip_doc_titre",
        ".spip_doc_descriptif",
        ".spip_documents",
        ".portfolio",
        ".articles-lies",
        ".cartouche .surtitre",
        ".arbo",
    ),
)
DRUPAL = Family(
    name="drupal",
    body=(".field--name-body", ".field-name-body", "[property='schema:text']"),
    title=("h1.page-title", "h1.node__title", "h1.title"),
    date=(".field--name-created", ".node__meta time", ".submitted time", ".date-display-single"),
    drop=(
        ".field--name-field-tags",
        ".field-name-field-tags",
        ".field--name-field-image",
        ".field-name-field-image",
        ".links.inline",
        ".node__links",
        ".comment-wrapper",
        "#comments",
        ".field--name-field-related",
    ),
)
JOOMLA = Family(
    name="joomla",
    body=("[itemprop='articleBody']", ".item-page .article-body"),
    title=("[itemprop='headline']", ".item-page .page-header h2", ".item-page h1"),
    date=("[itemprop='datePublished']", "dd.published time", "dd.published"),
    drop=(
        ".pager",
        ".pagenav",
        ".tags",
        ".icons",
        ".jcomments",
        "#jc",
        ".relateditems",
        ".content-links",
        ".article-info dd.hits",
        ".article-info dd.modified",
    ),
)
AMP = Family(
    name="amp",
    body=(
        ".amp-wp-article-content",
        "[itemprop='articleBody']",
        "article .article-body",
        "article .entry-content",
    ),
    title=("h1.amp-wp-title", "article h1"),
    date=(".amp-wp-meta time", "article time"),
    drop=(
        "amp-sidebar",
        "amp-ad",
        "amp-social-share",
        "amp-carousel",
        "amp-analytics",
        ".amp-wp-article-footer",
        ".amp-related-posts",
        ".amp-wp-comments-link",
    ),
)
OLD_PHP_TABLES = Family(
    name="php_tables",
    body=("td.texte", "td.article", "td.contenu", "td.corps", "div.texte"),
    title=("td.titre", ".titre", "font.titre", "h1"),
    date=("td.date", ".date"),
    drop=(),
)
WORDPRESS = Family(
    name="wordpress",
    body=(
        "article .entry-content",
        ".entry-content",
        ".post-content",
        ".single-content",
        "[itemprop='articleBody']",
    ),
    title=("h1.entry-title", "h1.post-title", "h1.single-title"),
    date=(
        "time.entry-date.published",
        ".posted-on time.published",
        "time.published",
        "time[itemprop='datePublished']",
        ".posted-on time",
        ".entry-date",
    ),
    drop=(
        ".sharedaddy",
        ".jp-relatedposts",
        ".yarpp-related",
        ".entry-footer",
        ".post-tags",
        ".wp-caption-text",
        ".addtoany_share_save_container",
        ".heateor_sss_sharing_container",
    ),
)
GENERIC = Family(
    name="generic",
    body=(
        "[itemprop='articleBody']",
        ".article-body",
        ".article-content",
        ".article__body",
        ".story-body",
        ".post-body",
        ".news-body",
        ".article-text",
        "article .content",
    ),
    title=("article h1", "h1[itemprop='headline']", ".article-title", "h1"),
    date=(
        "time[itemprop='datePublished']",
        "[itemprop='datePublished']",
        "time[pubdate]",
    ),
    drop=(),
)
# Class names that mark dates on article pages, but on teasers and widgets too.
LOOSE_DATE_SELECTORS = (".published", ".date-publication", ".article-date", ".post-date", ".date")

_TAGDIV_MARKER = re.compile(r"td-post-content|tdb_single_content|td_module_wrap|tagdiv", re.I)
_JNEWS_MARKER = re.compile(r"jeg_post|jnews", re.I)
_SPIP_MARKER = re.compile(r"spip\.php|class=\"[^\"]*\bspip_|squelettes", re.I)
_DRUPAL_MARKER = re.compile(
    r"data-drupal-|drupal-settings-json|/sites/default/files/|field--name-body", re.I
)
_JOOMLA_MARKER = re.compile(r"/media/jui/|/media/system/js/|com_content|option=com_", re.I)
_AMP_MARKER = re.compile(r"<html[^>]*\s(amp|⚡)[\s>=]", re.I)
_WORDPRESS_MARKER = re.compile(r"wp-content|wp-includes|entry-content", re.I)


# Case-insensitive scans of 200 KB are slow; a case-sensitive scan of the lower-cased text
# gives the same answer for these all-ASCII, lower-case patterns, except on text holding one
# of the few characters that lower-case to ASCII, change their word-ness or that the regex
# engine equates with an ASCII letter (İ ı ſ K), where the original scan is kept.
_CASE_SPECIALS = ("\u0130", "\u0131", "\u017f", "\u212a")
_LOWERED = {
    marker: re.compile(marker.pattern)
    for marker in (
        _TAGDIV_MARKER, _JNEWS_MARKER, _SPIP_MARKER, _DRUPAL_MARKER, _JOOMLA_MARKER,
        _WORDPRESS_MARKER,
    )
}
if not all(marker.pattern.isascii() and marker.pattern.islower() for marker in _LOWERED):
    raise ValueError("family markers must be ASCII and lower-case for the lower-cased scan")


def _marked(marker: re.Pattern[str], head: str, lowered: str | None) -> bool:
    if lowered is None:
        return marker.search(head) is not None
    return _LOWERED[marker].search(lowered) is not None


def detect_family(html: str, tree: HtmlElement, metadata: PageMetadata) -> Family:
    """The site family of a page, from its generator tag and theme markers."""
    generator = metadata.generator
    head = html[:200_000]
    if _AMP_MARKER.search(head[:2000]) or tree.get("amp") is not None or tree.get("⚡") is not None:
        return AMP
    lowered = None if any(char in head for char in _CASE_SPECIALS) else head.lower()
    if "spip" in generator or _marked(_SPIP_MARKER, head, lowered):
        return SPIP
    if "drupal" in generator or _marked(_DRUPAL_MARKER, head, lowered):
        return DRUPAL
    if "joomla" in generator or (_marked(_JOOMLA_MARKER, head, lowered) and "item-page" in head):
        return JOOMLA
    if "newspaper" in generator or _marked(_TAGDIV_MARKER, head, lowered):
        return TAGDIV
    if "jnews" in generator or _marked(_JNEWS_MARKER, head, lowered):
        return JNEWS
    if "wordpress" in generator or _marked(_WORDPRESS_MARKER, head, lowered):
        return WORDPRESS
    if _is_table_layout(tree):
        return OLD_PHP_TABLES
    return GENERIC


def _is_table_layout(tree: HtmlElement) -> bool:
    """Old hand-written PHP: layout tables and no HTML5 sectioning elements."""
    tables = sum(1 for _ in tree.iter("table"))
    sectioning = sum(1 for _ in tree.iter("article", "main", "section"))
    return tables >= 2 and sectioning == 0
