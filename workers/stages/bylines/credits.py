"""Reading one credit string: who (persons) and which organisations (agencies) it names.

Used on body lines ("Par Moussa Diallo", "Moussa Issa/ANP", "Source : APS", "ASG/OID") and on
markup text (JSON-LD author names, ``<meta name="author">``, theme byline elements). This
module only reads; whether a string is accepted as a byline is the caller's policy, made from
the :class:`Credit` flags (was there a "Par"/"By" marker, a role, an agency, leftovers?).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workers.stages.bylines.gazetteer import find_agencies, lookup_agency, name_key
from workers.stages.bylines.names import (
    NOT_NAME_WORDS,
    PARTICLES,
    display_name,
    looks_like_name,
    split_names,
    strip_title,
)
from workers.stages.bylines.negatives import is_desk_account, is_outlet_shaped

_SPACES = re.compile(r"\s+")
_SOURCE = re.compile(
    r"^\(?\s*(?:sources?|fontes?|fuentes?|quelle|origine|origin|credit|crédit|via)\s*:\s*"
    r"(?P<rest>.+?)\)?$",
    re.IGNORECASE,
)
_WITH = re.compile(
    r"^\(?\s*(?:avec|with|com|d'après|d’après|selon|according\s+to|additional\s+reporting\s+by)"
    r"\s+(?:l'|l’|la\s+|le\s+|les\s+|a\s+|as\s+|o\s+|the\s+)?(?P<rest>.+?)\s*\)?\.?$",
    re.IGNORECASE,
)
# "Mit Material von dpa", "With material from Reuters", "Avec des informations de RFI": the
# story used another outlet's material; whoever follows is credited, never an author.
_MATERIAL_FROM = re.compile(
    r"^\(?\s*(?:mit\s+material\s+(?:von|der|des)|mit\s+informationen\s+(?:von|der|des)|"
    r"with\s+material\s+from|avec\s+des\s+informations\s+(?:de|d'|d’|du)|"
    r"con\s+informaci[oó]n\s+de|com\s+informa[cç][oõ]es\s+d[aeo])\s*(?P<rest>.+?)\s*\)?\.?$",
    re.IGNORECASE,
)
_AGENCY_WITH_PLACE = re.compile(r"^(?P<agency>[^\-–—/]+?)\s*[-–—/]\s*(?P<place>[^\-–—/]+)$")
_MARKER = re.compile(
    r"^(?:par|by|por|de(?=\s+(?-i:[A-ZÀ-Ý]))|from(?=\s+(?-i:[A-ZÀ-Ý]))|"
    r"(?:texte|text|texto|textes|textos)(?:\s+(?:et|and|e)\s+(?:photos?|fotos?))?|"
    r"propos\s+recueillis\s+par|(?:dossier|enquête|reportage)\s+réalisée?\s+par|"
    r"interview\s+by|reporting\s+by|entrevista\s+de|reportage|written\s+by|"
    r"words\s+by|story\s+by|report\s+by|reported\s+by|reportagem|auteur|autrice|autor(?:in|innen|en|[*:]innen)?(?:\s*/\s*autor(?:in)?)?|authors?|"
    r"signé|signed|posted\s+by|publié\s+par|publicado\s+por|écrit\s+par|rédigé\s+par|"
    r"published\s+by|article\s+by|"
    r"(?:veröffentlicht|erstellt|geschrieben|verfasst|(?:ein\s+)?(?:blog-?\s*)?beitrag|ein\s+artikel|alles|"
    r"beiträge|artikel)\s+von|"
    r"(?:with\s+)?additional\s+reporting(?:\s+by)?|compilée?s?\s+par|compiled\s+by|"
    r"compilation(?:\s+(?:de|d'|d’))?|synth[èe]se(?:\s+(?:de|d'|d’))?|"
    r"von(?=\s+(?-i:[A-ZÀ-Ý]))|door(?=\s+(?-i:[A-ZÀ-Ý]))|"
    r"(?:une\s+|un\s+)?(?:contribution|tribune|opinion|chronique|éditorial|editorial|analyse)"
    r"\s+(?:de|d'|d’)(?=\s*(?-i:[A-ZÀ-Ý]))|"
    r"(?:an?\s+)?(?:column|commentary|opinion|analysis|op-ed)\s+by|"
    r"(?:eine?\s+)?(?:kolumne|kommentar|glosse|analyse|gastbeitrag)\s+von|"
    r"submitted\s+by|gespeichert\s+von|eingereicht\s+von|soumis\s+par)"
    r"(?:\s*[:\-–]\s*|\s+)",
    re.IGNORECASE,
)
_ROLE_INTRO = re.compile(
    r"^(?:de|d'|d’|par|from|by|do|da|pelo|pela)\s+(?:notre|nos|la|our|an?|the|nosso|nossa|"
    r"nossos|o|a)\s+(?:own\s+)?"
    r"(?:envoyée?s?\s+spéciale?s?|correspondante?s?|correspondance|"
    r"special\s+correspondent|correspondent|reporter|staff\s+reporter|"
    r"enviad[oa]s?\s+especia(?:l|is)|correspondentes?)"
    r"(?:\s+(?:particulière|régionale?|permanente?|locale?|résidente?))?"
    r"(?:\s+(?:à|a|au|aux|en|dans|de|in|em|no|na|para)\s+[^,:]+?)?\s*[,:\-–]\s*",
    re.IGNORECASE,
)
_CORRESPONDENCE = re.compile(
    r"^correspondance(?:\s+particuli[èe]re)?(?:\s+(?:de|à|a|depuis|d'|d’)\s*[^:,/]+?)?"
    r"\s*[:,/\-–]\s*",
    re.IGNORECASE,
)
# "Aminata Sow avec AFP", "Kofi Boateng with Reuters": a name and the agency it worked with.
_WITH_INSIDE = re.compile(
    r"\s+(?:avec|with|com|\+)\s+(?:l'|l’|la\s+|le\s+|les\s+|a\s+|o\s+|the\s+)?(?=\S)",
    re.IGNORECASE,
)
# A host name in the byline slot: "lesoleil.sn", "www.walf-groupe.com".
_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?(?P<host>[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*"
                     r"\.[a-z]{2,6})/?$", re.IGNORECASE)
_ROLE = re.compile(
    r"^(?:envoyée?s?\s+spéciale?s?|correspondante?s?|correspondance|journaliste|stagiaire|"
    r"reporter|rédacteur|rédactrice|chef|directeur|directrice|éditorialiste|chroniqueur|"
    r"chroniqueuse|collaborateur|collaboratrice|analyste|special\s+correspondent|"
    r"correspondent|senior\s+|chief\s+|staff\s+|journalist|writer|columnist|editor|contributor|"
    r"bureau\s+chief|enviad[oa]s?|correspondente|jornalista|repórter|redator|redatora|"
    r"editor[a]?|colunista|in\s+[A-Z]|à\s+[A-ZÀ-Ý]|em\s+[A-ZÀ-Ý]|au\s+[A-ZÀ-Ý])",
    re.IGNORECASE,
)
_DATE_TAIL = re.compile(
    r"\s*(?:[|•·]|\s[-–—]\s(?=[^A-Za-zÀ-ÿ]*\d|.*\b(?:ago|il y a|há)\b)|,?\s+(?:le|on|publié|"
    r"published|posted|mis à jour|updated|em|a|am|el)\s+(?=.*\d)"
    r"|\s(?=\d{1,2}[/.]\d{1,2}[/.]\d{2,4})"
    r"|\s(?=il y a\b)|\s+(?=\d)).*$",
    re.IGNORECASE,
)
_EDITING_TAIL = re.compile(
    r"\s*;\s*(?:editing|edited|writing|written)\s+by\b.*$"
    r"|\s+(?:lesezeit|reading\s+time|temps\s+de\s+lecture|tempo\s+de\s+leitura|"
    r"\d+\s*min(?:utes?|\.)?\s+(?:read|de\s+lecture))\b.*$",
    re.I,
)
# Staff initials closing agency dispatches: "ASG/OID", "AS/ata", "MB // VM",
# "AI/CA/ANP-0045 Avril 2025", "AT/MD (AMAP)", "Lusa/Fim".
_STAFF_CODE = re.compile(
    r"^(?P<codes>(?:[A-Za-z]{1,9}\s*/{1,2}\s*)+[A-Za-z]{1,9})(?:\s*[-–]\s*\d{1,6})?"
    r"(?:\s+[A-Za-zÀ-ÿ]+\.?\s+\d{4})?(?:\s*\(\s*(?P<agency>[^()]{2,20}?)\s*\))?\.?$"
)
_SCHEME_URL = re.compile(r"\(?\s*https?://\S+\s*\)?", re.IGNORECASE)
# A role word fused before the name: "FOCUS-Online-Experte Robin Tschöpe", "Journaliste
# Awa Ba", "Chefredakteur Jan Koch", "Senior correspondent Kofi Mensah".
_ROLE_BEFORE_NAME = re.compile(
    r"^(?:[\w'’]+-)*(?:experte|expertin|expert|redakteur(?:in)?|chefredakteur(?:in)?|"
    r"korrespondent(?:in)?|reporter(?:in)?|journalist(?:in)?|kolumnist(?:in)?|journaliste|"
    r"chroniqueur|chroniqueuse|éditorialiste|(?:senior\s+|chief\s+)?correspondent|"
    r"columnist|jornalista|colunista)\s+(?=(?-i:[A-ZÀ-Ý])[\w'’\-]+\s+(?-i:[A-ZÀ-Ý]))",
    re.IGNORECASE,
)
_URL_PART = re.compile(r"\(?\s*(?:https?://)?www\.[^\s()]+\s*\)?")
_CHUNK_SEPARATORS = re.compile(r"\s*(?:/|\(|\)|\s[-–—]\s|[-–—]\s|\s[-–—]|,|\|)\s*")
_BAD_CHUNK = re.compile(r"^(?:with\s+agency\s+reports?|avec\s+agences?|com\s+agências)$", re.I)


@dataclass
class Credit:
    """What a credit string names.

    ``marked``: it started with "Par"/"By"/"Source :"/"De notre correspondant…" — strong
    evidence that it is a byline. ``role``: it carried a role ("envoyé spécial à Boké").
    ``desk``: it named a desk account or the site. ``leftover``: parts that were neither names,
    agencies, roles nor desk accounts — a sign that the string is prose, not a byline.
    """

    persons: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    marked: bool = False
    role: bool = False
    desk: bool = False
    staff_code: bool = False
    leftover: list[str] = field(default_factory=list)

    @property
    def names_anything(self) -> bool:
        return bool(self.persons or self.agencies or self.desk or self.staff_code)


def is_marker(text: str) -> bool:
    """Whether ``text`` is only a byline marker: "By", "Par :", "Propos recueillis par"."""
    marker = _MARKER.match(text.strip() + " ")
    return marker is not None and marker.end() >= len(text.strip())


def normalise_space(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _agencies_or_unknown(rest: str) -> list[str]:
    """Agencies named after "Source :": known ones by short name, else the outlet as written."""
    rest = re.sub(r"(?:https?://)?(?:www\.)", "", rest)
    known = [mention.short for mention in find_agencies(rest)]
    if known:
        return list(dict.fromkeys(known))
    outlet = re.split(r"\s+(?:du|de\s+(?:ce|la)|of|on|le|del?)\s+\d|\s+[-–—|]\s+|,|\(", rest)[0]
    outlet = re.sub(r"^(?:https?://)?(?:www\.)?", "", outlet.strip()).strip(" .;:")
    return [outlet] if outlet and len(outlet) <= 60 else []


def _staff_code_agencies(codes: str, bracketed: str | None) -> list[str]:
    """Agencies in a staff code: parts that are an agency's own short name ("APS", "Lusa").

    Aliases don't count: "AA" in "JM/AA" is a journalist's initials, not Anadolu.
    """
    found: list[str] = []
    for part in [*re.split(r"\s*/{1,2}\s*", codes), bracketed or ""]:
        agency = lookup_agency(part) if len(part) >= 3 else None
        if agency is not None and name_key(agency.short) == name_key(part):
            found.append(agency.short)
    return list(dict.fromkeys(found))


def agency_alone(text: str) -> str | None:
    """The agency when ``text`` is nothing but one: "AFP", "(NAN)", "AMAP-Ségou", "Lusa",
    "(NAN)(www.nannews.ng)"."""
    stripped = text.strip().strip(".").strip()
    without_url = _URL_PART.sub("", stripped).strip()
    if without_url and without_url != stripped:
        stripped = without_url
    if stripped.startswith("(") and stripped.endswith(")"):
        stripped = stripped[1:-1].strip()
    stripped = stripped.lstrip("-–—").strip()
    agency = lookup_agency(stripped)
    if agency is not None:
        return agency.short
    with_place = _AGENCY_WITH_PLACE.match(stripped)
    if with_place:
        agency = lookup_agency(with_place.group("agency"))
        place = with_place.group("place").strip()
        if agency is not None and looks_like_place(place) and lookup_agency(place) is None:
            return agency.short
    head, _, place = stripped.partition(" ")
    agency = lookup_agency(head) if place else None
    if agency is not None and agency.short.isupper() and looks_like_place(place):
        return agency.short  # "AMAP Sikasso", "APS Kolda": an agency bureau
    return None


def looks_like_place(text: str) -> bool:
    """One to three capitalised words: "Ségou", "Bobo-Dioulasso", "Porto Novo"."""
    words = text.split()
    return 1 <= len(words) <= 3 and all(
        re.fullmatch(r"[A-ZÀ-Ý][\w'’\-]*", word) for word in words
    )


def parse_credit(
    text: str, *, site_name: str | None = None, host: str | None = None,
    single_names: bool = False, markup: bool = False,
) -> Credit:
    """Read ``text`` as a credit; see :class:`Credit` for what comes back.

    ``site_name`` and ``host`` name the outlet itself (a desk credit, never a person or an
    origin). ``single_names``: the string comes from a field that holds nothing but author
    names (JSON-LD, a meta tag, an author link), so one word ("Heiko") is a name too, and
    so is "Mobasir hassan". ``markup``: the string is a byline element of the page, where
    "von Ulrike" after its marker names one person.
    """
    credit = Credit()
    line = normalise_space(text).strip(" -–—|:;,*")
    if not line:
        return credit
    site = _Site(site_name, host, single_names, markup)
    staff_code = _STAFF_CODE.match(line)
    if staff_code and any(char.isupper() for char in staff_code.group("codes")):
        credit.staff_code = True
        credit.agencies = _staff_code_agencies(staff_code.group("codes"), staff_code["agency"])
        return credit
    source = _SOURCE.match(line)
    if source:
        credit.marked = True
        credit.agencies = _agencies_or_unknown(source.group("rest"))
        return credit
    material = _MATERIAL_FROM.match(line)
    if material:
        credit.marked = True
        credit.agencies = _agencies_or_unknown(material.group("rest"))
        return credit
    with_agency = _WITH.match(line)
    if with_agency:
        rest = with_agency.group("rest")
        named = [mention.short for mention in find_agencies(rest)]
        if named:
            credit.marked = True
            credit.agencies = list(dict.fromkeys(named))
            return credit
        if _BAD_CHUNK.match(line.strip("()")):
            credit.marked = credit.desk = True
            return credit
    alone = agency_alone(line)
    if alone is not None:
        credit.agencies = [alone]
        return credit

    body = line
    for pattern in (_ROLE_INTRO, _CORRESPONDENCE):
        intro = pattern.match(body)
        if intro:
            credit.marked = credit.role = True
            body = body[intro.end():]
    marker = _MARKER.match(body)
    if marker:
        credit.marked = True
        body = body[marker.end():]
    body = _EDITING_TAIL.sub("", body)
    # A web address after a name is the writer's own site ("Awa Ba - https://awaba.sn"),
    # never a name; an outlet written as its bare host ("Par lesoleil.sn") stays.
    body = _SCHEME_URL.sub("", body)
    role_before = _ROLE_BEFORE_NAME.match(body)
    if role_before:
        credit.role = True
        body = body[role_before.end():]
    body = _DATE_TAIL.sub("", body).strip(" -–—|,;:")
    body = _read_with_agency(body, credit)
    _read_chunks(body, credit, site)
    return credit


@dataclass(frozen=True)
class _Site:
    name: str | None
    host: str | None
    single_names: bool
    markup: bool = False


def _read_with_agency(body: str, credit: Credit) -> str:
    """"Aminata Sow avec AFP": the agency joins the credit, the name part is returned."""
    parts = _WITH_INSIDE.split(body, maxsplit=1)
    if len(parts) != 2:
        return body
    named = [mention.short for mention in find_agencies(parts[1])]
    if not named or len(parts[1]) > 60:
        return body
    credit.agencies.extend(agency for agency in named if agency not in credit.agencies)
    return parts[0]


def _outlet_credit(chunk: str, marked: bool) -> str | None:
    """The outlet a chunk names when it is a host name ("lesoleil.sn") or, in a string known
    to be a byline (``marked``), a newspaper-shaped name ("Sud Quotidien", "The Herald
    Ghana"); None for anything else."""
    domain = _DOMAIN.match(chunk)
    if domain:
        known = lookup_agency(domain.group("host"))
        return known.short if known else domain.group("host").lower()
    words = chunk.split()
    if marked and 1 <= len(words) <= 5 and is_outlet_shaped(chunk) and chunk[0].isupper():
        return chunk
    return None


def _read_chunks(body: str, credit: Credit, site: _Site) -> None:
    """Sort the comma/slash/parenthesis-separated chunks into names, agencies, roles, desk."""
    for position, chunk in enumerate(_CHUNK_SEPARATORS.split(body)):
        if position == 1 and site.markup and not site.single_names:
            # "By Awa, in News, Politics": one word names a person right after the marker only
            site = _Site(site.name, site.host, site.single_names, markup=False)
        chunk = chunk.strip(" .:;'\"«»").strip() if not re.search(r"\b[A-Z]\.$", chunk) else (
            chunk.strip(" :;'\"«»").strip()
        )
        if not chunk:
            continue
        alone = agency_alone(chunk)
        if alone is not None:
            credit.agencies.append(alone)
            continue
        if _BAD_CHUNK.match(chunk) or is_desk_account(chunk, site.name, site.host):
            credit.desk = True
            continue
        outlet = _outlet_credit(chunk, credit.marked or site.single_names)
        if outlet is not None:
            credit.agencies.append(outlet)
            continue
        # One lower-case word right after the marker of a byline element is a handle
        # ("Submitted by rasos on …"); elsewhere lower case starts a role or prose.
        handle = site.markup and credit.marked and position == 0 and " " not in chunk
        if _ROLE.match(chunk) or (chunk[0].islower() and not site.single_names and not handle):
            credit.role = True
            continue
        if site.single_names and credit.persons and _is_description(chunk):
            # "Ana Ruiz, profesora de la universidad de Vigo": who the author is, in a field
            # that holds names (a contributor's JSON-LD author), not prose
            credit.role = True
            continue
        for part in split_names(chunk):
            _read_name(part, credit, site)


def _is_description(chunk: str) -> bool:
    """Three words or more, some in lower case (not name particles): a phrase, not a name."""
    words = chunk.split()
    return len(words) >= 3 and any(
        word[:1].islower() and word.lower() not in PARTICLES for word in words
    )


_SINGLE_NAME = re.compile(r"^[^\W\d_][^\W\d]{2,30}$")


def _read_name(part: str, credit: Credit, site: _Site) -> None:
    part = part.strip(" .:;'\"«»") if not re.search(r"\b[A-Z]\.$", part) else part.strip()
    if not part:
        return
    agency = lookup_agency(part)
    if agency is not None:
        credit.agencies.append(agency.short)
        return
    if is_desk_account(part, site.name, site.host):
        credit.desk = True
        return
    if len(part.split()) == 1 and part[:1].isupper() and not credit.persons and (
        credit.desk or credit.agencies
    ):
        credit.role = True  # a place after the outlet or agency: "nairanews.ng, Abuja"
        return
    name = strip_title(part)
    single = site.single_names or (site.markup and credit.marked)
    if looks_like_name(name) or (site.single_names and looks_like_name(name.title())):
        shown = display_name(name)
        if shown not in credit.persons:
            credit.persons.append(shown)
    elif name.islower() and name.isalpha() and len(name) <= 3 and credit.persons:
        credit.role = True  # "Elena Oberholzer (obe)": the journalist's initials
    elif (single and _SINGLE_NAME.match(name) and not name.isupper()
          and name.lower().rstrip(".") not in NOT_NAME_WORDS):
        credit.persons.append(name)  # "Heiko", "gnaddrig": the field holds only names
    elif len(name.split()) == 1 and name[:1].isupper() and credit.persons:
        credit.role = True  # a place after the name: "Abdullahi Musa, Kano"
    else:
        credit.leftover.append(part)
