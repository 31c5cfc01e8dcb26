"""Site families common in West African news: how to recognise them, where their parts are.

Each :class:`Family` lists CSS selectors for the article body, headline and publication
date, and the theme's own boilerplate to drop. Selectors are tried in order; the first that
matches wins. :func:`detect_family` looks at cheap markers in the raw HTML and metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

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


@dataclass(frozen=True)
class _Marker:
    """A theme's marker in the raw HTML: any of ``literals`` (lower-case), or ``pattern``
    (a regex on the lower-cased text), which only runs where its literal ``guard`` is."""

    literals: tuple[str, ...]
    pattern: str = ""
    guard: str = ""

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    @cached_property
    def _case_insensitive(self) -> re.Pattern[str]:
        alternatives = [re.escape(literal) for literal in self.literals]
        return re.compile("|".join([*alternatives, *([self.pattern] if self.pattern else [])]),
                          re.I)

    def found(self, head: str, lowered: str | None) -> bool:
        """Whether the marker is in ``head``, given ``lowered`` (its lower-cased text) or
        None when lower-casing would change what matches (see ``_CASE_SPECIALS``)."""
        if lowered is None:
            return self._case_insensitive.search(head) is not None
        if any(literal in lowered for literal in self.literals):
            return True
        return bool(self.pattern) and self.guard in lowered and bool(self._regex.search(lowered))


_TAGDIV_MARKER = _Marker(("td-post-content", "tdb_single_content", "td_module_wrap", "tagdiv"))
_JNEWS_MARKER = _Marker(("jeg_post", "jnews"))
_SPIP_MARKER = _Marker(("spip.php", "squelettes"), pattern=r'class="[^"]*\bspip_', guard="spip_")
_DRUPAL_MARKER = _Marker(
    ("data-drupal-", "drupal-settings-json", "/sites/default/files/", "field--name-body")
)
_JOOMLA_MARKER = _Marker(("/media/jui/", "/media/system/js/", "com_content", "option=com_"))
_WORDPRESS_MARKER = _Marker(("wp-content", "wp-includes", "entry-content"))
_AMP_MARKER = re.compile(r"<html[^>]*\s(amp|⚡)[\s>=]", re.I)

# Case-insensitive regex scans of 200 KB are slow, and so are alternations, which the regex
# engine tries at every position: markers are looked for as literals, with ``in``, in the
# lower-cased text. That gives the case-insensitive answer except on text holding one of
# the few characters that lower-case to ASCII, change their word-ness or that the regex
# engine equates with an ASCII letter (İ ı ſ K), where the case-insensitive scan is kept.
_CASE_SPECIALS = ("\u0130", "\u0131", "\u017f", "\u212a")


def detect_family(html: str, tree: HtmlElement, metadata: PageMetadata) -> Family:
    """The site family of a page, from its generator tag and theme markers."""
    generator = metadata.generator
    head = html[:200_000]
    if _AMP_MARKER.search(head[:2000]) or tree.get("amp") is not None or tree.get("⚡") is not None:
        return AMP
    lowered = None if any(char in head for char in _CASE_SPECIALS) else head.lower()
    if "spip" in generator or _SPIP_MARKER.found(head, lowered):
        return SPIP
    if "drupal" in generator or _DRUPAL_MARKER.found(head, lowered):
        return DRUPAL
    if "joomla" in generator or (_JOOMLA_MARKER.found(head, lowered) and "item-page" in head):
        return JOOMLA
    if "newspaper" in generator or _TAGDIV_MARKER.found(head, lowered):
        return TAGDIV
    if "jnews" in generator or _JNEWS_MARKER.found(head, lowered):
        return JNEWS
    if "wordpress" in generator or _WORDPRESS_MARKER.found(head, lowered):
        return WORDPRESS
    if _is_table_layout(tree):
        return OLD_PHP_TABLES
    return GENERIC


def _is_table_layout(tree: HtmlElement) -> bool:
    """Old hand-written PHP: layout tables and no HTML5 sectioning elements."""
    tables = sum(1 for _ in tree.iter("table"))
    sectioning = sum(1 for _ in tree.iter("article", "main", "section"))
    return tables >= 2 and sectioning == 0
