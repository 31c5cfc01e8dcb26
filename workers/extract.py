"""One page through clean + bylines: the article-record fields that need no storage.

:func:`extract_record` gives the typed :class:`storage.record.ArticleRecord` that ``kibaru
extract`` prints and the pipeline stores once dedup has placed it. :class:`SourceInfo` is the
little the stages need to know about an outlet; the CLI/crawler layer builds it from the
registry and workers from the ``sources`` table, both through :func:`source_info`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from storage.record import ArticleRecord
from workers.stages.bylines import tag_bylines
from workers.stages.clean import SiteRules, clean_page, utc_offset_for_country
from workers.stages.clean.language import detect_language
from workers.stages.clean.rules import SelectorsLike
from workers.stages.page import FetchedPage


@dataclass(frozen=True)
class SourceInfo:
    """An outlet as the stages see it: registry id, name, country, main language, selectors.

    ``selectors`` carries the outlet's CSS overrides and local time offset (derived from
    the country), or None for the generic rules.
    """

    id: str
    name: str
    country: str
    language: str
    selectors: SiteRules | None = None


class Outlet(Protocol):
    """What :func:`source_info` reads: a registry entry, or its row in the ``sources`` table."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def selectors(self) -> SelectorsLike | Mapping[str, Any] | None: ...


def source_info(outlet: Outlet) -> SourceInfo:
    """The :class:`SourceInfo` of a registry entry or a ``sources`` row; its ``selectors`` as
    the registry's ``Selectors`` model or their dict form (as the ``sources`` table holds them)."""
    offset = utc_offset_for_country(outlet.country)
    rules = SiteRules.from_selectors(outlet.selectors, utc_offset_hours=offset)
    return SourceInfo(
        id=outlet.id,
        name=outlet.name,
        country=outlet.country,
        language=outlet.language,
        selectors=rules,
    )


def extract_record(page: FetchedPage, source: SourceInfo | None) -> ArticleRecord:
    """The article record of ``page`` (docs/design.md), not yet placed by dedup.

    Its ``evidence`` says which evidence each field came from (see :func:`explain_record`).
    Raises ``PageRejected``/``StageFailed`` from the stages, unchanged.
    """
    return explain_record(page, source)[0]


def explain_record(
    page: FetchedPage, source: SourceInfo | None
) -> tuple[ArticleRecord, dict[str, Any]]:
    """The record of ``page`` and, per field, every candidate, where it came from and why the
    chosen one won (what ``kibaru extract --explain`` prints)."""
    rules = source.selectors if source else None
    cleaned = clean_page(page, rules, language_hint=source.language if source else None)
    bylines = tag_bylines(
        cleaned.document.tree,
        cleaned.text,
        title=cleaned.title,
        site_name=cleaned.site_name or (source.name if source else None),
        byline_selector=rules.byline if rules else None,
        host=urlsplit(page.address).hostname,
    )
    text = bylines.text
    # Language is detected on the text without its byline lines (names skew short texts);
    # the detector remembers its recent samples, so an unchanged text is not classified twice.
    language = detect_language(text, source.language if source else None) if text else None
    choices = {**cleaned.evidence, **bylines.evidence}
    evidence = {name: choice.origin for name, choice in choices.items()}
    evidence["language"] = "detected:text" if language or cleaned.language else None
    record = ArticleRecord(
        url=page.url,
        canonical_url=cleaned.canonical_url or page.url,
        source=source.id if source else page.source,
        source_name=source.name if source else None,
        country=source.country if source else None,
        title=cleaned.title,
        text=text,
        published_at=cleaned.published_at,
        language=language or cleaned.language,
        authors=tuple(bylines.authors),
        agencies=tuple(bylines.agencies),
        byline=bylines.byline,
        fetched_at=page.fetched_at,
        origin=page.origin,
        evidence=evidence,
    )
    explanation: dict[str, Any] = {"family": cleaned.family}
    explanation.update((name, choice.as_dict()) for name, choice in choices.items())
    return record, explanation
