"""Pages that are not articles: listings, home, search, contact, author, video, gallery.

Checked in two steps: before extraction from the URL and the page's own description
(body classes, JSON-LD type), and after it from what the body turned out to be.
Each rejection names its reason, which the crawl counts.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from workers.stages.clean.metadata import PageMetadata
from workers.stages.clean.textnorm import count_words
from workers.stages.errors import PageRejected

# Listing rules that a real article's address can also contain ("/category/politique/
# accord-militaire-entre-le-mali-et-le-senegal"): skipped when the address ends in a slug.
_LISTING_REASONS = frozenset({"category_page", "tag_page", "author_page"})
_ARTICLE_TAIL = re.compile(r"/[^/]*(\w+-){4,}[^/]*/?$|\d{5,}|/\d{4}/\d{2}/|article\d+")
_URL_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"/(category|categorie|categories|rubrique|rubriques|section|sections|"
            r"categoria|editoria)(/|$)|[?&]rubrique\d*|spip\.php\?rubrique|/taxonomy/term/|"
            r"view=category|/rubrique\d+"
        ),
        "category_page",
    ),
    (
        re.compile(r"/(tag|tags|etiquette|mot-cle|mots-cles|topics?|assunto)(/|$)|spip\.php\?mot"),
        "tag_page",
    ),
    (
        re.compile(r"/(search|recherche|pesquisa|busca)(/|$)|[?&](s|q|search|recherche)="),
        "search_page",
    ),
    (
        re.compile(
            r"/(contact|contacts|contactez-nous|nous-contacter|contact-us|contacte|"
            r"contactos|fale-conosco)(\.\w+)?/?$"
        ),
        "contact_page",
    ),
    (re.compile(r"/(author|auteur|autor|journaliste)(/|$)"), "author_page"),
    # Page 1 is where every article's address with a page parameter starts, not a listing.
    (re.compile(r"/page/\d+/?$|[?&](page|paged)=(0*[2-9]|0*[1-9]\d+)"), "listing_page"),
)
_HOME_PATHS = frozenset(
    {"", "index.php", "index.html", "index.htm", "accueil", "home", "fr", "en", "pt"}
)
_BODY_CLASS_RULES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"home", "blog", "path-frontpage", "view-featured", "frontpage"}), "home_page"),
    (
        frozenset({"category", "archive", "page-taxonomy-term", "path-taxonomy", "view-category"}),
        "category_page",
    ),
    (frozenset({"tag"}), "tag_page"),
    (frozenset({"search", "search-results"}), "search_page"),
    (frozenset({"author"}), "author_page"),
)
_SINGLE_CLASSES = frozenset(
    {"single", "single-post", "view-article", "page-node-type-article", "node-type-article"}
)
_JSONLD_RULES = {
    "collectionpage": "category_page",
    "searchresultspage": "search_page",
    "contactpage": "contact_page",
    "profilepage": "author_page",
}
_VIDEO_HOSTS = re.compile(
    r"youtube\.com|youtu\.be|dailymotion|vimeo|facebook\.com/.+/videos|player"
)
MIN_ARTICLE_WORDS = 30
_SHORT_MEDIA_WORDS = 80


def reject_by_address(address: str) -> None:
    """Reject URLs that name a listing, search, contact or author page."""
    parts = urlsplit(address)
    path = parts.path.lower()
    target = path + ("?" + parts.query.lower() if parts.query else "")
    if path.strip("/") in _HOME_PATHS and not parts.query:
        raise PageRejected("clean", "home_page", f"{address} is the site's front page")
    article_tail = _ARTICLE_TAIL.search(target) is not None
    for pattern, reason in _URL_RULES:
        if article_tail and reason in _LISTING_REASONS:
            continue
        if pattern.search(target):
            raise PageRejected(
                "clean", reason, f"the address {address} names a {reason.replace('_', ' ')}"
            )


def reject_by_description(metadata: PageMetadata) -> None:
    """Reject pages whose own markup says they are listings, search or contact pages."""
    if not metadata.body_classes & _SINGLE_CLASSES:
        for classes, reason in _BODY_CLASS_RULES:
            if metadata.body_classes & classes:
                raise PageRejected("clean", reason, "the page's body class says so")
    if metadata.article_jsonld is None:
        for kind, reason in _JSONLD_RULES.items():
            if kind in metadata.jsonld_types:
                raise PageRejected("clean", reason, f"the page's JSON-LD type is {kind}")


_ARTICLE_TAGS = frozenset({"article", "main"})


def article_region(tree: HtmlElement, headline: HtmlElement | None) -> HtmlElement:
    """The element holding the article: the ``<article>``/``<main>`` (or schema.org Article)
    around the headline, else the page's only ``<article>``, else the whole page."""
    if headline is not None:
        for ancestor in headline.iterancestors():
            if ancestor.tag in _ARTICLE_TAGS or "Article" in (ancestor.get("itemtype") or ""):
                return ancestor
    articles = list(tree.iter("article"))
    return articles[0] if len(articles) == 1 else tree


def count_media(regions: list[HtmlElement]) -> tuple[int, int]:
    """(video players, images) in the article's region, counted before furniture is removed:
    the sidebars and ads of a short article's page do not make it a gallery or a video."""
    videos = images = 0
    for region in regions:
        videos += sum(1 for _ in region.iter("video", "amp-video", "amp-youtube"))
        videos += sum(
            1
            for frame in region.iter("iframe", "amp-iframe")
            if _VIDEO_HOSTS.search(frame.get("src") or "")
        )
        images += sum(1 for image in region.iter("img", "amp-img") if _is_picture(image))
    return videos, images


_IMAGE_SOURCES = ("data-src", "data-lazy-src", "data-original", "src")
_DECORATION = re.compile(r"\.(svg|gif)(\?|$)|^data:", re.IGNORECASE)
_THUMBNAIL_SIZE = re.compile(r"[-_/](\d{2,3})x(\d{2,3})[-_./]|_(\d{2})\.\w+$")
_PAGE_LINK = re.compile(r"\.(jpe?g|png|webp|avif)(\?|$)|^#", re.IGNORECASE)
_SMALLEST_PICTURE = 100


def _is_picture(image: HtmlElement) -> bool:
    """Whether an image is a picture a gallery would show, not the page's furniture: icons,
    spacers and SVG or GIF decoration, avatars and thumbnails (at most 100 pixels, declared
    or named in the file), and teasers (an image that links to another page: a gallery's
    pictures link to nothing or to the picture itself)."""
    source = next((image.get(name) for name in _IMAGE_SOURCES if image.get(name)), "")
    if not source or _DECORATION.search(source):
        return False
    for dimension in ("width", "height"):
        declared = (image.get(dimension) or "").strip().removesuffix("px")
        if declared.isdigit() and int(declared) <= _SMALLEST_PICTURE:
            return False
    size = _THUMBNAIL_SIZE.search(source)
    if size and all(int(n) <= _SMALLEST_PICTURE for n in size.groups() if n):
        return False
    link = next((a for a in image.iterancestors("a")), None)
    return link is None or _PAGE_LINK.search(link.get("href") or "#") is not None


def reject_by_body(text: str, media: tuple[int, int], address: str) -> None:
    """Reject pages whose body is too short to be an article, naming what they are instead."""
    words = count_words(text)
    videos, images = media
    path = urlsplit(address).path.lower()
    if videos and (
        words < _SHORT_MEDIA_WORDS or ("/video" in path and words < 2 * _SHORT_MEDIA_WORDS)
    ):
        raise PageRejected("clean", "video_page", f"a video player and only {words} words of text")
    if words < _SHORT_MEDIA_WORDS and (
        images >= 6 or re.search(r"/(galerie|gallery|galeria|photos?|fotos?|diaporama)", path)
    ):
        raise PageRejected(
            "clean", "gallery_page", f"{images} images and only {words} words of text"
        )
    if words < MIN_ARTICLE_WORDS:
        raise PageRejected("clean", "no_article_body", f"only {words} words of article text found")
