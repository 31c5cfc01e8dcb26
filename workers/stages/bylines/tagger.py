"""The byline stage: who wrote the article and who supplied it.

:func:`tag_bylines` gathers author candidates from every place the page states them — the
body's edges (the strongest evidence on West African sites, where the signature is often only
"Amen K." on the last line), the registry's selector, the page's metadata (JSON-LD, microdata,
meta tags) and its visible byline markup (theme byline elements, author links) — and chooses
by agreement: a person named in metadata is kept unless a desk account, an organisation or the
outlet itself, and visible bylines add to it or, when they name someone else, correct it. An
agency or outlet in the byline slot is a credit (``agencies``), never an author. It removes
the byline lines from the body and records which evidence won.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement

from workers.stages.bylines.credits import Credit, parse_credit
from workers.stages.bylines.gazetteer import lookup_agency, name_key
from workers.stages.bylines.lines import scan_body
from workers.stages.bylines.markup import MarkupByline, markup_bylines
from workers.stages.bylines.negatives import is_desk_account
from workers.stages.clean.evidence import Candidate, Choice

PIECE_SEPARATOR = " | "
# Where a candidate comes from, by family: the body's own lines and the registry's selector
# are what the outlet printed for this article; metadata is what its CMS declares (sometimes
# the account that uploaded the piece); visible markup is what the theme shows as the byline.
BODY, SELECTOR = "body", "selector"
METADATA = ("jsonld", "microdata", "meta")
VISIBLE = ("element", "link", "row")
# Fields that hold nothing but author names: one word there is a name ("Heiko").
NAME_FIELDS = frozenset({"jsonld", "microdata", "meta", "link"})


@dataclass(frozen=True)
class Bylines:
    """The stage's result.

    ``authors``: person names for display, in order, no duplicates. ``agencies``: agencies and
    origin outlets by short name ("APS", "AMAP", "L'Essor"). ``byline``: the raw byline text
    found, original spelling, pieces from several places joined with " | " (None when nothing
    was found). ``text``: the body with the byline/credit lines removed, nothing else.
    ``evidence``: for "authors" and "agencies", the :class:`Choice` made — the origins whose
    candidates gave the value ("body", "jsonld+element"…; None when empty), why, and every
    candidate read with its verdict in ``note`` ("author", "agrees", "overruled", "credit",
    "desk account or the outlet itself", "no name", "byline line").
    """

    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    byline: str | None = None
    text: str = ""
    evidence: dict[str, Choice] = field(default_factory=dict)


def _is_site_itself(agency: str, site_name: str | None, host: str | None) -> bool:
    """The outlet crediting itself ("By Premium Times" on Premium Times) is no origin credit.

    A wire agency's own dispatches keep their agency: "(APS)" on aps.sn is reported.
    """
    if not site_name and not host:
        return False
    site_agency = lookup_agency(site_name) if site_name else None
    if site_agency is not None and site_agency.short == agency:
        return site_agency.kind != "agency"
    known = lookup_agency(agency)
    return (known is None or known.kind != "agency") and is_desk_account(agency, site_name, host)


def _safe_markup(
    page: str | HtmlElement, title: str | None, selector: str | None
) -> list[MarkupByline]:
    try:
        return markup_bylines(page, title=title, byline_selector=selector)
    except RecursionError:
        # Pathologically deep pages: the body's own signature lines still count.
        return []


def _add_piece(pieces: list[str], piece: str) -> None:
    key = name_key(piece)
    known = [name_key(existing) for existing in pieces]
    if not key or any(key in other or other in key for other in known):
        return
    pieces.append(piece)


@dataclass
class _Reading:
    """A markup candidate read as a credit."""

    found: MarkupByline
    credit: Credit


def _read(found: MarkupByline, site_name: str | None, host: str | None) -> _Reading:
    credit = parse_credit(found.text, site_name=site_name, host=host,
                          single_names=found.origin in NAME_FIELDS, markup=True)
    if found.kind == "organization" and credit.persons:
        # Declared an organisation: an outlet or agency credited, never a person.
        if not is_desk_account(found.text, site_name, host):
            credit.agencies.append(found.text)
        credit.persons = []
    if credit.leftover and not credit.marked and found.origin != SELECTOR:
        # "Vielen Dank den Piraten", a caption ending "(AFP / Jorge G.)": prose, not a byline
        credit.persons, credit.agencies = [], []
    return _Reading(found, credit)


def _keys(names: list[str]) -> set[str]:
    return {name_key(name) for name in names}


# More separate bylines than this in one origin is a list of other articles' bylines.
MAX_BYLINE_ELEMENTS = 3


def _first_with_persons(readings: list[_Reading], origins: tuple[str, ...]) -> list[_Reading]:
    """The readings of the first origin (in ``origins`` order) that names any person; of a
    longer list than one article's byline, the first only (the one nearest the headline)."""
    for origin in origins:
        chosen = [r for r in readings if r.found.origin == origin and r.credit.persons]
        if origin in VISIBLE and len(chosen) > MAX_BYLINE_ELEMENTS:
            return chosen[:1]
        if chosen:
            return chosen
    return []


def _persons(readings: list[_Reading]) -> list[str]:
    names: list[str] = []
    for reading in readings:
        names.extend(person for person in reading.credit.persons if person not in names)
    return names


@dataclass(frozen=True)
class _Chosen:
    authors: list[str]
    used: list[_Reading]
    origins: list[str]
    reason: str


def _agreeing(group: list[_Reading], authors: list[str]) -> list[_Reading]:
    """The readings of ``group`` that name one of ``authors``: the byline that agrees, whose
    other names are co-authors (the other readings may be people quoted or pictured)."""
    keys = _keys(authors)
    return [reading for reading in group if _keys(reading.credit.persons) & keys]


def _choose(body_persons: list[str], readings: list[_Reading]) -> _Chosen:
    """The authors, the markup readings that gave them, their origins and why they won."""
    selector = [r for r in readings if r.found.origin == SELECTOR and r.credit.persons]
    metadata = _first_with_persons(readings, METADATA)
    visible = _first_with_persons(readings, VISIBLE)
    strong = [*body_persons, *_persons(selector)]
    if strong:
        used = list(selector)
        origins = ([BODY] if body_persons else []) + ([SELECTOR] if selector else [])
        authors = list(dict.fromkeys(strong))
        reason = "printed in the article" if body_persons else "the outlet's byline selector"
        for group in (metadata, visible):
            agreeing = _agreeing(group, authors)
            if agreeing:
                authors.extend(p for p in _persons(agreeing) if name_key(p) not in _keys(authors))
                used.extend(agreeing)
                origins.append(agreeing[0].found.origin)
                reason += f"; {agreeing[0].found.origin} agrees"
        return _Chosen(authors, used, origins, reason)
    declared, shown = _persons(metadata), _persons(visible)
    if declared and shown:
        origins = [metadata[0].found.origin, visible[0].found.origin]
        agreeing = _agreeing(visible, declared)
        if agreeing:
            authors = declared + [p for p in _persons(agreeing) if name_key(p) not in
                                  _keys(declared)]
            return _Chosen(authors, [*metadata, *agreeing], origins,
                           "metadata and the visible byline agree")
        if any(r.credit.marked for r in visible):
            return _Chosen(shown, visible, origins[1:],
                           "the printed byline names someone else than the metadata")
        return _Chosen(declared, metadata, origins[:1],
                       "declared in the metadata; the unmarked visible names disagree")
    if declared:
        return _Chosen(declared, metadata, [metadata[0].found.origin], "declared in the metadata")
    if shown:
        return _Chosen(shown, visible, [visible[0].found.origin], "the visible byline")
    return _Chosen([], [], [], "no candidate names a person")


def tag_bylines(
    html: str | HtmlElement,
    text: str,
    *,
    title: str | None = None,
    site_name: str | None = None,
    byline_selector: str | None = None,
    host: str | None = None,
) -> Bylines:
    """Fill authors, agencies and byline from the page and the cleaned body ``text``.

    ``html`` is the page's document tree as parsed by the cleaning stage (unmodified), or its
    HTML text, parsed here. ``text`` is the cleaning stage's body (paragraphs separated by
    blank lines) with its signature and credit lines still in it; ``site_name`` and ``host``
    name the outlet itself (never an author or a credited agency of its own pages);
    ``byline_selector`` is the registry's per-source CSS selector for the byline element.
    """
    scan = scan_body(text or "", site_name=site_name, title=title, host=host)
    agencies = [a for a in scan.agencies if not _is_site_itself(a, site_name, host)]
    agency_origins = [BODY] if agencies else []
    pieces = list(scan.pieces)

    readings = [_read(found, site_name, host)
                for found in _safe_markup(html if html is not None else "", title,
                                          byline_selector)]
    chosen = _choose(list(scan.persons), readings)
    used_ids = {id(reading) for reading in chosen.used}
    author_keys = _keys(chosen.authors)
    candidates = [Candidate(piece, BODY, "byline line") for piece in scan.pieces]
    for reading in readings:
        credit = reading.credit
        new_agencies = [a for a in credit.agencies
                        if a not in agencies and not _is_site_itself(a, site_name, host)]
        if new_agencies:
            agencies.extend(new_agencies)
            agency_origins.append(reading.found.origin)
            _add_piece(pieces, reading.found.text)
        if id(reading) in used_ids:
            verdict = "author"
            _add_piece(pieces, reading.found.text)
        elif credit.persons:
            verdict = "agrees" if _keys(credit.persons) <= author_keys else "overruled"
        elif credit.agencies:
            verdict = "credit"
        else:
            verdict = "desk account or the outlet itself" if credit.desk else "no name"
        candidates.append(Candidate(reading.found.text, reading.found.origin, verdict))

    authors = _unique_names(chosen.authors)
    agencies = list(dict.fromkeys(agencies))
    agency_origin = "+".join(dict.fromkeys(agency_origins)) or None
    return Bylines(
        authors=authors,
        agencies=agencies,
        byline=PIECE_SEPARATOR.join(pieces) if pieces else None,
        text=scan.text,
        evidence={
            "authors": Choice(authors, "+".join(dict.fromkeys(chosen.origins)) or None,
                              chosen.reason, tuple(candidates)),
            "agencies": Choice(agencies, agency_origin,
                               "credited in the byline slot" if agencies else "no credit",
                               tuple(candidates)),
        },
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
