"""The byline stage: who wrote the article and who supplied it.

:func:`tag_bylines` combines the body's edges (the strongest evidence on West African sites,
where the signature is often only "Amen K." on the last line) with the page markup (JSON-LD,
meta tags, theme byline elements), and removes the byline lines from the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement

from workers.stages.bylines.credits import parse_credit
from workers.stages.bylines.gazetteer import lookup_agency, name_key
from workers.stages.bylines.lines import scan_body
from workers.stages.bylines.markup import MarkupByline, markup_bylines
from workers.stages.bylines.negatives import is_desk_account

# Markup origins, most trusted first; persons come from the first origin that names any.
ORIGIN_ORDER = ("selector", "jsonld", "element", "meta")
PIECE_SEPARATOR = " | "


@dataclass(frozen=True)
class Bylines:
    """The stage's result.

    ``authors``: person names for display, in order, no duplicates. ``agencies``: agencies and
    origin outlets by short name ("APS", "AMAP", "L'Essor"). ``byline``: the raw byline text
    found, original spelling, pieces from several places joined with " | " (None when nothing
    was found). ``text``: the body with the byline/credit lines removed, nothing else.
    """

    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    byline: str | None = None
    text: str = ""


def _is_site_itself(agency: str, site_name: str | None) -> bool:
    """The outlet crediting itself ("By Premium Times" on Premium Times) is no origin credit.

    A wire agency's own dispatches keep their agency: "(APS)" on aps.sn is reported.
    """
    if not site_name:
        return False
    site_agency = lookup_agency(site_name)
    if site_agency is not None and site_agency.short == agency:
        return site_agency.kind != "agency"
    known = lookup_agency(agency)
    return (known is None or known.kind != "agency") and is_desk_account(agency, site_name)


def _safe_markup(
    html: str | HtmlElement, title: str | None, selector: str | None
) -> list[MarkupByline]:
    try:
        return markup_bylines(html, title=title, byline_selector=selector)
    except RecursionError:
        # Pathologically deep pages: the body's own signature lines still count.
        return []


def _add_piece(pieces: list[str], piece: str) -> None:
    key = name_key(piece)
    known = [name_key(existing) for existing in pieces]
    if not key or any(key in other or other in key for other in known):
        return
    pieces.append(piece)


def tag_bylines(
    html: str | HtmlElement,
    text: str,
    *,
    title: str | None = None,
    site_name: str | None = None,
    byline_selector: str | None = None,
) -> Bylines:
    """Fill authors, agencies and byline from the page and the cleaned body ``text``.

    ``html`` is the page's document tree as parsed by the cleaning stage (unmodified), or its
    HTML text, parsed here.
    ``text`` is the cleaning stage's body (paragraphs separated by blank lines) with its
    signature and credit lines still in it; ``site_name`` is the outlet's own name (never an
    author or a credited agency of its own pages' markup); ``byline_selector`` is the
    registry's per-source CSS selector for the byline element, trusted first.
    """
    scan = scan_body(text or "", site_name=site_name, title=title)
    authors = list(scan.persons)
    agencies = [agency for agency in scan.agencies if not _is_site_itself(agency, site_name)]
    pieces = list(scan.pieces)

    markup_persons: dict[str, list[tuple[str, list[str]]]] = {}
    for found in _safe_markup(html if html is not None else "", title, byline_selector):
        credit = parse_credit(found.text, site_name=site_name)
        new_agencies = [
            agency for agency in credit.agencies
            if agency not in agencies and not _is_site_itself(agency, site_name)
        ]
        if new_agencies:
            agencies.extend(new_agencies)
            _add_piece(pieces, found.text)
        if credit.persons:
            markup_persons.setdefault(found.origin, []).append((found.text, credit.persons))

    if not authors:
        for origin in ORIGIN_ORDER:
            if origin in markup_persons:
                for raw, persons in markup_persons[origin]:
                    authors.extend(person for person in persons if person not in authors)
                    _add_piece(pieces, raw)
                break

    return Bylines(
        authors=_unique_names(authors),
        agencies=list(dict.fromkeys(agencies)),
        byline=PIECE_SEPARATOR.join(pieces) if pieces else None,
        text=scan.text,
    )


def _unique_names(names: list[str]) -> list[str]:
    """Drop repeats that differ only by case or accents ("Oumar Diarra" / "Oumar DIARRA")."""
    seen: set[str] = set()
    unique: list[str] = []
    for name in names:
        key = name_key(name)
        if key not in seen:
            seen.add(key)
            unique.append(name)
    return unique
