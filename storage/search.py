"""Full-text search over stored articles, with filters by country, source, agency and date.

SQLite (the embedded default) searches the FTS5 table ``articles_fts`` that migration 0005
keeps in step with ``articles``; PostgreSQL searches the two GIN expression indexes of that
migration, French and English, so that a French word matches its inflections and an English
one its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, text
from sqlalchemy.orm import Session

from storage.models import Article

# The FTS5 table and the shadow tables SQLite makes for it: schema, not models.
SEARCH_TABLES = frozenset(
    f"articles_fts{suffix}" for suffix in ("", "_data", "_idx", "_docsize", "_config", "_content")
)
SEARCH_INDEXES = frozenset({"ix_articles_search_fr", "ix_articles_search_en"})
CONFIGURATIONS = ("french", "english")
WORD = re.compile(r"\w+", re.UNICODE)


def include_name(name: str | None, kind: str, _parents: object) -> bool:
    """For Alembic's comparison: the search table and indexes are not in the models."""
    return not (
        (kind == "table" and name in SEARCH_TABLES) or (kind == "index" and name in SEARCH_INDEXES)
    )


@dataclass(frozen=True)
class SearchFilters:
    """What narrows a search besides its words (all optional)."""

    country: str | None = None
    source: str | None = None
    agency: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _document(config: str) -> str:
    body = "coalesce(articles.title, '') || ' ' || coalesce(articles.text, '')"
    return f"to_tsvector('{config}', {body})"


def _words_condition(dialect: str, words: list[str]) -> ColumnElement[bool]:
    if dialect == "sqlite":
        # Each word quoted: FTS5 operators typed by a user are words, not syntax.
        match = " ".join('"' + word.replace('"', "") + '"' for word in words)
        return or_(
            text(
                "articles.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match)"
            ).bindparams(match=match)
        )
    phrase = " ".join(words)
    return or_(
        *(
            text(f"{_document(config)} @@ plainto_tsquery('{config}', :phrase_{config[:2]})")
            .bindparams(**{f"phrase_{config[:2]}": phrase})
            for config in CONFIGURATIONS
        )
    )


def _agency_condition(dialect: str, agency: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        clause = (
            "EXISTS (SELECT 1 FROM json_each(articles.agencies) "
            "WHERE json_each.value = :agency)"
        )
    else:
        clause = "CAST(articles.agencies AS jsonb) ? :agency"
    return or_(text(clause).bindparams(agency=agency))


def search_query(
    dialect: str, words: str, filters: SearchFilters, limit: int = 50
) -> Select[Any]:
    """The SELECT of the articles matching ``words`` (every word) and ``filters``, newest
    first."""
    conditions: list[ColumnElement[bool]] = []
    terms = WORD.findall(words)
    if terms:
        conditions.append(_words_condition(dialect, terms))
    if filters.country:
        conditions.append(Article.country == filters.country.upper())
    if filters.source:
        conditions.append(Article.source == filters.source)
    if filters.agency:
        conditions.append(_agency_condition(dialect, filters.agency))
    if filters.since is not None:
        conditions.append(Article.published_at >= filters.since)
    if filters.until is not None:
        conditions.append(Article.published_at < filters.until)
    query = select(Article).order_by(
        Article.published_at.desc().nulls_last(), Article.fetched_at.desc()
    )
    if conditions:
        query = query.where(and_(*conditions))
    return query.limit(limit)


def search_articles(
    session: Session, words: str, filters: SearchFilters | None = None, *, limit: int = 50
) -> list[Article]:
    """Stored articles containing every word of ``words`` in the headline or the body (any
    word with no filter: the newest), narrowed by ``filters``."""
    dialect = session.get_bind().dialect.name
    return list(session.scalars(search_query(dialect, words, filters or SearchFilters(), limit)))
