"""The cleaning stage: from a fetched page to headline, body, date, language, canonical URL.

:func:`clean_page` is a plain function (no Celery, no SQL). It raises
:class:`~workers.stages.errors.PageRejected` for pages that are not articles and
:class:`~workers.stages.errors.StageFailed` for input that cannot be read as a page.
Signature, source and dateline lines stay in the text for the byline stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from workers.stages.clean.body import body_by_trafilatura, body_from_containers, find_containers
from workers.stages.clean.boilerplate import strip_furniture
from workers.stages.clean.dates import DateContext, find_published_at
from workers.stages.clean.decode import decode_html
from workers.stages.clean.families import GENERIC, LOOSE_DATE_SELECTORS, detect_family
from workers.stages.clean.htmltree import parse_html, select_first
from workers.stages.clean.language import detect_language
from workers.stages.clean.metadata import read_metadata
from workers.stages.clean.nonarticle import (
    count_media,
    reject_by_address,
    reject_by_body,
    reject_by_description,
)
from workers.stages.clean.rules import SiteRules
from workers.stages.clean.textnorm import join_paragraphs
from workers.stages.clean.title import find_title
from workers.stages.errors import StageFailed
from workers.stages.page import FetchedPage

# Decoded pages beyond this are cut: no article is that long, and the parser's time and
# memory grow with it (the crawler caps downloads too, but the stage must not rely on it).
MAX_HTML_CHARS = 5_000_000


@dataclass(frozen=True)
class CleanedPage:
    """The article as the cleaning stage found it.

    ``text`` holds paragraphs separated by blank lines, signature/credit lines included;
    ``html`` is the decoded page (for the byline stage to read meta tags and JSON-LD);
    ``site_name`` is the site's own name (og:site_name…), never an author; ``family`` names
    the site family whose rules were used and ``language`` is an ISO 639-1 code or None.
    """

    url: str
    canonical_url: str
    title: str | None
    text: str
    published_at: datetime | None
    language: str | None
    html: str
    site_name: str | None
    family: str


def clean_page(
    page: FetchedPage, rules: SiteRules | None = None, *, language_hint: str | None = None
) -> CleanedPage:
    """Clean one fetched page.

    ``rules`` are the outlet's selectors and time offset; ``language_hint`` is the outlet's
    main language, used when the text is too short for detection to be sure.
    """
    rules = rules or SiteRules()
    address = page.address
    if page.status >= 400:
        raise StageFailed("clean", "http_error", f"HTTP status {page.status}")
    reject_by_address(address)
    html = decode_html(page.body, page.encoding, page.headers)[:MAX_HTML_CHARS]
    tree = parse_html(html)
    metadata = read_metadata(tree, address)
    reject_by_description(metadata)
    family = detect_family(html, tree, metadata)
    media = count_media(tree)

    body_selectors = ((rules.body,) if rules.body else ()) + family.body + GENERIC.body
    title_selectors = ((rules.title,) if rules.title else ()) + family.title + GENERIC.title
    containers = find_containers(tree, body_selectors)
    headline = select_first(tree, title_selectors)
    anchors = [*containers, *([headline] if headline is not None else [])]
    strip_furniture(tree, (*family.drop, *rules.drop), anchors)

    host = urlsplit(address).hostname or ""
    title = find_title(tree, metadata, title_selectors, host)
    context = DateContext(
        address=address,
        fetched_at=page.fetched_at,
        offset_hours=rules.utc_offset_hours,
        hint=page.hints.get("published_at"),
        rule_selector=rules.date,
    )
    published_at = find_published_at(
        tree, metadata, family.date + GENERIC.date, context, LOOSE_DATE_SELECTORS
    )

    paragraphs = body_from_containers(containers, title) if containers else []
    if not paragraphs:
        paragraphs = body_by_trafilatura(tree, address, title)
    text = join_paragraphs(paragraphs)
    reject_by_body(text, media, address)
    return CleanedPage(
        url=page.url,
        canonical_url=metadata.canonical_url or address,
        title=title,
        text=text,
        published_at=published_at,
        language=detect_language(text, language_hint),
        html=html,
        site_name=metadata.site_name,
        family=family.name,
    )
