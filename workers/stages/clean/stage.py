"""The cleaning stage: from a fetched page to headline, body, date, language, canonical URL.

:func:`clean_page` is a plain function (no Celery, no SQL). It raises
:class:`~workers.stages.errors.PageRejected` for pages that are not articles and
:class:`~workers.stages.errors.StageFailed` for input that cannot be read as a page.
Signature, source and dateline lines stay in the text for the byline stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from workers.stages.clean.body import (
    body_from_containers,
    choose_body,
    find_containers,
    general_body,
)
from workers.stages.clean.boilerplate import strip_furniture
from workers.stages.clean.dates import DateContext, choose_published_at
from workers.stages.clean.document import Document, parse_document
from workers.stages.clean.evidence import Candidate, Choice
from workers.stages.clean.families import GENERIC, LOOSE_DATE_SELECTORS, Family
from workers.stages.clean.htmltree import copied_tree, select_first
from workers.stages.clean.language import detect_language
from workers.stages.clean.nonarticle import (
    article_region,
    count_media,
    reject_by_body,
    reject_by_description,
)
from workers.stages.clean.rules import SiteRules
from workers.stages.clean.standfirst import find_standfirst
from workers.stages.clean.textnorm import join_paragraphs
from workers.stages.clean.title import choose_title
from workers.stages.page import FetchedPage


@dataclass(frozen=True)
class CleanedPage:
    """The article as the cleaning stage found it.

    ``text`` holds paragraphs separated by blank lines, signature/credit lines included;
    ``document`` is the page as parsed (for the byline stage to read its markup);
    ``site_name`` is the site's own name (og:site_name…), never an author; ``family`` names
    the site family whose rules were used and ``language`` is an ISO 639-1 code or None.
    """

    url: str
    canonical_url: str
    title: str | None
    text: str
    published_at: datetime | None
    language: str | None
    document: Document
    site_name: str | None
    family: str
    evidence: dict[str, Choice] = field(default_factory=dict)

    @property
    def html(self) -> str:
        """The decoded page."""
        return self.document.html


def clean_page(
    page: FetchedPage,
    rules: SiteRules | None = None,
    *,
    language_hint: str | None = None,
    document: Document | None = None,
) -> CleanedPage:
    """Clean one fetched page.

    ``rules`` are the outlet's selectors and time offset; ``language_hint`` is the outlet's
    main language, used when the text is too short for detection to be sure; ``document`` the
    page already parsed (:func:`parse_document`), parsed here when not given.
    """
    rules = rules or SiteRules()
    document = document or parse_document(page)
    address = document.address
    metadata, family = document.metadata, document.family
    reject_by_description(metadata)
    tree = _working_tree(document)

    body_selectors = ((rules.body,) if rules.body else ()) + family.body + GENERIC.body
    title_selectors = ((rules.title,) if rules.title else ()) + family.title + GENERIC.title
    container_selector, containers = find_containers(tree, body_selectors)
    headline = select_first(tree, title_selectors)
    # Media are counted where the body will come from, before furniture goes; on a page
    # with no article element, images are counted once the sidebars and ads are gone.
    region = article_region(tree, headline)
    media_of = {"container": count_media(containers), "article": count_media([region])}
    anchors = [*containers, *([headline] if headline is not None else [])]
    strip_furniture(tree, (*family.drop, *rules.drop), anchors)
    if region is tree:
        media_of["article"] = (media_of["article"][0], count_media([tree])[1])

    host = urlsplit(address).hostname or ""
    title_choice = choose_title(tree, metadata, title_selectors, host)
    title = title_choice.value
    context = DateContext(
        address=address,
        fetched_at=page.fetched_at,
        offset_hours=rules.utc_offset_hours,
        hint=page.hints.get("published_at"),
        rule_selector=rules.date,
    )
    def scripted() -> HtmlElement:
        page_tree = _working_tree(document)
        strip_furniture(page_tree, (*family.drop, *rules.drop), (), never_text=False)
        return page_tree

    date_choice = choose_published_at(
        tree, metadata, family.date + GENERIC.date, context, LOOSE_DATE_SELECTORS, headline,
        scripted, lambda: document.tree,
    )
    published_at = date_choice.value

    container_origin = _selector_origin(container_selector, rules.body, family)
    from_containers = body_from_containers(containers, title) if containers else []
    # The outlet's own rule needs no second opinion (and the extractor's time is saved).
    trusted = bool(from_containers) and (container_origin or "").startswith("rule:")
    from_trafilatura, extractor = (
        ([], "trafilatura")
        if trusted
        # With a container to check, trafilatura's first reading is enough.
        else general_body(tree, document.working_tree, address, title, fast=bool(containers))
    )
    body = choose_body(from_containers, from_trafilatura, container_origin, extractor)
    lead = find_standfirst(tree, metadata, body.value)
    if lead is not None:
        body = replace(
            body,
            value=[lead, *body.value],
            reason=body.reason + "; the standfirst the page's description names put first",
            candidates=(*body.candidates, Candidate(lead, "standfirst")),
        )
    text = join_paragraphs(body.value)
    from_container = body.origin is not None and not body.origin.startswith("trafilatura")
    reject_by_body(text, media_of["container" if from_container else "article"], address)
    return CleanedPage(
        url=page.url,
        canonical_url=metadata.canonical_url or address,
        title=title,
        text=text,
        published_at=published_at,
        language=detect_language(text, language_hint),
        document=document,
        site_name=metadata.site_name,
        family=family.name,
        evidence={"title": title_choice, "published_at": date_choice, "text": body},
    )


def _working_tree(document: Document) -> HtmlElement:
    """A copy of the page's tree to cut furniture from; its class names are the page's."""
    return copied_tree(document.working_tree(), document.tree)


def _selector_origin(selector: str | None, rule: str | None, family: Family) -> str | None:
    """Which evidence a body selector is: the outlet's rule, the family's, or generic markup."""
    if selector is None:
        return None
    if rule and selector == rule:
        return f"rule:{selector}"
    if selector in family.body and family is not GENERIC:
        return f"family:{family.name}:{selector}"
    return f"markup:{selector}"
