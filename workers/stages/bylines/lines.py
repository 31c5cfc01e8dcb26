"""Bylines in the body text: its first lines, its dateline and its last lines.

The cleaning stage hands over the body with the signature and credit lines still in it.
:func:`scan_body` finds them — "Par Moussa Diallo" / "De notre correspondant à Kayes, Issa
Traoré" at the top, a dateline "Dakar, 6 fév (APS) -" opening the first paragraph, and at the
bottom bare signatures ("Amen K."), "Moussa Issa/ANP", "Oumar Diarra" + "AMAP-Ségou",
"Source : APS", "(NAN)", staff codes "ASG/OID", photo and editor credits — and returns what
they name plus the body with exactly those lines (and that dateline prefix) removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workers.stages.bylines.credits import Credit, agency_alone, normalise_space, parse_credit
from workers.stages.bylines.gazetteer import find_agencies, name_key
from workers.stages.bylines.names import display_name, looks_like_name, strip_title
from workers.stages.bylines.negatives import is_desk_account, is_editor_credit, is_photo_credit

# How far from each edge a byline may sit (non-empty lines).
MAX_START_LINES = 4
MAX_END_LINES = 8
# Byline lines are short; a longer line is prose even when it starts with "Par".
MAX_CREDIT_CHARS = 160
MAX_SIGNATURE_CHARS = 70
# A first line this short may be a kicker or standfirst with the byline under it.
MAX_STANDFIRST_WORDS = 25

_PARAGRAPH_BREAK = re.compile(r"(\n[ \t]*\n\s*)")
_DATELINE_PARENS = re.compile(
    r"^(?P<prefix>[^()\n]{0,70}?)\(\s*(?P<org>[^()\n]{2,40}?)\s*\)\s*(?:[-–—:]+|\.(?=\s))?\s*"
)
_DATELINE_BARE = re.compile(
    r"^(?P<prefix>[A-ZÀ-Ý][\w'’ .\-]{1,40}?,[^,()\n]{3,30}?),?\s+(?P<org>[A-Z][\w'’\-]{1,20})"
    r"\s*[-–—:]+\s*"
)
_TRAILING_AGENCY = re.compile(r"\s*\(\s*(?P<org>[^()\n]{2,30}?)\s*\)\s*\.?\s*$")
_MONTH = (
    r"(?:janv?|janvier|f[ée]vr?|février|feb|february|fev|fevereiro|mars?|march|março|avr|avril|"
    r"apr|april|abr|abril|mai|may|maio|juin|june?|junho|juil|juillet|july|jul|julho|août|aug|"
    r"august|ago|agosto|sept?|septembre|september|set|setembro|oct|octobre|october|out|outubro|"
    r"nov|novembre|november|novembro|d[ée]c|décembre|december|dez|dezembro)\.?"
)
_DATE_ONLY = re.compile(
    r"^(?:(?:publié|posted|published|publicado|mis à jour|updated)\s*(?:le|on|em)?\s*)?"
    r"(?:[A-Za-zÀ-ÿ]+,?\s+)?(?:\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}"
    rf"|\d{{1,2}}\s+(?:de\s+)?{_MONTH}\s+(?:de\s+)?\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})"
    r"(?:\s*(?:à|at|-|,)?\s*\d{1,2}[:h]\d{2}(?:min)?)?$",
    re.IGNORECASE,
)
# The note closing an opinion piece: "*Mamadou Diop est économiste.", "Dr Fatima Bello is a
# lecturer in public health at the University of Ibadan."
_CONTRIBUTOR_NOTE = re.compile(
    r"^(?P<star>\(\*\)|\*+|[-–—]+)?\s*(?P<name>[^\s,*][^,*]{2,60}?)\s*,?\s+"
    r"(?:est|is|was|é|foi|were|sont|ist|war)\s+(?P<rest>.{3,220})$"
)
_CONTRIBUTOR_ROLE = re.compile(
    r"^(?:(?:un|une|l'|l’|le|la|a|an|the|um|uma|o|actuellement|currently|also|aussi|"
    r"ein|eine|der|die|seit|freier|freie|selbstständiger|"
    r"également|ancien|ancienne|former|senior|chief|associate|assistant)\s+)*"
    r"(?:journaliste|économiste|economiste|juriste|avocate?|enseignante?|chercheuse|chercheur|"
    r"professeure?|consultante?|analyste|experte?|écrivaine?|docteur|docteure|doctorante?|"
    r"sociologue|politologue|historienne?|philosophe|ingénieure?|médecin|spécialiste|"
    r"militante?|activiste|présidente?|directrice|directeur|fondatrice|fondateur|membre|"
    r"coordonnat(?:eur|rice)|secrétaire|chroniqueu(?:r|se)|éditorialiste|blogueu(?:r|se)|"
    r"étudiante?|magistrate?|diplomate|commentat(?:eur|rice)|"
    r"journalist|economist|lawyer|attorney|lecturer|professor|researcher|consultant|analyst|"
    r"expert|writer|author|columnist|commentator|scholar|fellow|doctor|physician|engineer|"
    r"activist|director|founder|co-founder|member|president|coordinator|student|historian|"
    r"political|public|policy|development|legal|media|jornalista|economista|professora?|"
    r"investigador[a]?|advogad[oa]|escritor[a]?|"
    r"(?:architekt|journalist|autor|professor|historiker|politologe|ökonom|soziologe|"
    r"wissenschaftler|redakteur|publizist|schriftsteller|berater|leiter|direktor|"
    r"vorsitzender|gründer|mitglied|dozent|rechtsanwalt|ärztin|arzt)(?:in)?)\b",
    re.IGNORECASE,
)
# The attribution line of an embedded post: "— Awa Ba (@awaba) February 6, 2025".
_EMBED_ATTRIBUTION = re.compile(r"^[—–-]\s*[^()]{2,60}\(@\w+\)\s+\S.{3,30}\d{4}$")
_SENTENCE_END = re.compile(r"(?<!\b[A-ZÀ-Ý])(?<!\b[A-ZÀ-Ý][a-zà-ÿ])\.$")


@dataclass
class _Line:
    paragraph: int
    index: int
    text: str


@dataclass
class BodyScan:
    """What the body's edges name, and the body without them.

    ``start_pieces``/``end_pieces`` are the raw byline texts found, in body order.
    """

    text: str
    persons: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)


def _prefix_looks_like_dateline(prefix: str) -> bool:
    """A place and/or date before "(APS)": short, starts with a capital, no sentence in it."""
    stripped = prefix.strip(" ,-–—")
    if not stripped:
        return True
    if len(stripped) > 60 or not stripped[0].isupper():
        return False
    return not re.search(r"[.!?]\s+[A-ZÀ-Ý][a-zà-ÿ]{3,}|[;:«»\"]", stripped)


def find_dateline(line: str) -> tuple[str, str] | None:
    """``(dateline, agency)`` when ``line`` opens with "Dakar, 6 fév (APS) -" or "Accra, Feb. 6,
    GNA -"; the dateline includes the dash and spaces after it."""
    for pattern in (_DATELINE_PARENS, _DATELINE_BARE):
        match = pattern.match(line)
        if not match or not _prefix_looks_like_dateline(match.group("prefix")):
            continue
        agency = agency_alone(match.group("org"))
        if agency is None:
            continue
        dateline = match.group(0)
        rest = line[match.end():]
        if rest and not dateline.rstrip().endswith(("-", "–", "—", ":", ")", ".")):
            continue
        return dateline, agency
    return None


def _is_start_credit(line: str, credit: Credit) -> bool:
    if len(line) > MAX_CREDIT_CHARS or credit.leftover or credit.staff_code:
        return False
    if _SENTENCE_END.search(line) and not credit.agencies:
        return False
    if credit.marked and credit.names_anything:
        return True
    if credit.role and credit.persons:  # "Mamadou Saliou Diallo, envoyé spécial à Boké"
        return True
    if credit.desk and not credit.persons and len(line) <= MAX_SIGNATURE_CHARS:
        return True  # "De notre correspondant à Kayes"
    return bool(credit.agencies) and not credit.persons and not credit.role


def _is_end_credit(line: str, credit: Credit) -> bool:
    if len(line) > MAX_CREDIT_CHARS or credit.leftover:
        return False
    if credit.staff_code:
        return True
    if credit.agencies and (credit.persons or credit.marked or not credit.role):
        return True
    if _SENTENCE_END.search(line):
        return False
    if credit.marked and credit.names_anything:
        return True
    if credit.persons and credit.role:
        return True
    if credit.desk and not credit.persons and len(line) <= MAX_SIGNATURE_CHARS:
        return True  # "La Rédaction" signing the piece
    # A bare signature: "Amen K.", "Fredo BASSOLÉ", "Oumar Diarra".
    return (
        bool(credit.persons)
        and len(line) <= MAX_SIGNATURE_CHARS
        and all(len(person.split()) <= 5 for person in credit.persons)
    )


def _split(text: str) -> tuple[list[str], list[list[str]]]:
    """Separators and paragraphs (each a list of lines) of ``text``."""
    parts = _PARAGRAPH_BREAK.split(text)
    paragraphs = [part.split("\n") for part in parts[0::2]]
    separators = parts[1::2]
    return separators, paragraphs


def _join(separators: list[str], paragraphs: list[list[str]]) -> str:
    """Rebuild the text from the paragraphs that kept a non-empty line.

    Each kept paragraph is preceded by the separator it had in the original text, so that
    nothing but the removed lines changes.
    """
    kept: list[str] = []
    for position, paragraph in enumerate(paragraphs):
        if not any(line.strip() for line in paragraph):
            continue
        if kept:
            kept.append(separators[position - 1])
        kept.append("\n".join(paragraph))
    return "".join(kept)


def contributor_note(line: str) -> str | None:
    """The person an opinion piece's closing note presents ("*Awa Ba est juriste."), or None."""
    note = _CONTRIBUTOR_NOTE.match(line)
    if note is None:
        return None
    name = strip_title(note.group("name").strip())
    if not looks_like_name(name) or is_desk_account(name):
        return None
    if not note.group("star") and not _CONTRIBUTOR_ROLE.match(note.group("rest")):
        return None
    return display_name(name)


def scan_body(
    text: str, *, site_name: str | None = None, title: str | None = None,
    host: str | None = None,
) -> BodyScan:
    """Find the byline lines at both edges of ``text`` and remove exactly them.

    ``site_name`` and ``host`` name the outlet itself: credited to itself, it is no origin.
    """
    separators, paragraphs = _split(text)
    lines = [
        _Line(paragraph=p, index=i, text=content)
        for p, paragraph in enumerate(paragraphs)
        for i, content in enumerate(paragraph)
        if content.strip()
    ]
    removed: set[tuple[int, int]] = set()
    replaced: dict[tuple[int, int], str] = {}
    start_credits: list[tuple[str, Credit]] = []
    end_credits: list[tuple[str, Credit]] = []
    title_key = name_key(title) if title else None

    first_body_line = 0
    # Past a short first line (a kicker, a standfirst), only a marked byline naming a person
    # is still taken: "Blog Beitrag von …", "Par …" under the subtitle.
    past_standfirst = False
    for position, line in enumerate(lines[:MAX_START_LINES]):
        content = normalise_space(line.text)
        if past_standfirst:
            credit = parse_credit(content, site_name=site_name, host=host)
            if _is_start_credit(content, credit) and credit.marked and credit.persons:
                removed.add((line.paragraph, line.index))
                start_credits.append((content, credit))
                break
            if len(content.split()) > MAX_STANDFIRST_WORDS:
                break
            continue
        if (title_key and name_key(content) == title_key) or _DATE_ONLY.match(content):
            # a repeated headline or a bare date line: not a byline, kept, looked past
            first_body_line = position + 1
            continue
        if is_photo_credit(content) and len(content) <= MAX_CREDIT_CHARS:
            removed.add((line.paragraph, line.index))
            first_body_line = position + 1
            continue
        credit = parse_credit(content, site_name=site_name, host=host)
        if _is_start_credit(content, credit):
            removed.add((line.paragraph, line.index))
            start_credits.append((content, credit))
            first_body_line = position + 1
            continue
        dateline = find_dateline(content)
        if dateline is not None:
            prefix, agency = dateline
            start_credits.append((prefix.strip(" -–—:"), Credit(agencies=[agency])))
            rest = line.text.lstrip()[len(prefix):] if line.text.lstrip().startswith(prefix) else (
                content[len(prefix):]
            )
            if rest.strip():
                replaced[(line.paragraph, line.index)] = rest
            else:
                removed.add((line.paragraph, line.index))
                first_body_line = position + 1
                continue
            break
        if len(content.split()) > MAX_STANDFIRST_WORDS:
            break
        past_standfirst = True

    for line in reversed(lines[max(first_body_line, 0):][-MAX_END_LINES:]):
        key = (line.paragraph, line.index)
        if key in removed:
            break
        content = normalise_space(replaced.get(key, line.text))
        if _EMBED_ATTRIBUTION.match(content):
            break  # the body ends with someone else's post quoted, not with a signature
        if is_photo_credit(content) and len(content) <= MAX_CREDIT_CHARS:
            removed.add(key)
            continue
        if is_editor_credit(content) and len(content) <= MAX_CREDIT_CHARS:
            removed.add(key)
            agencies = [mention.short for mention in find_agencies(content)]
            end_credits.append((content, Credit(agencies=agencies, marked=True, desk=True)))
            continue
        credit = parse_credit(content, site_name=site_name, host=host)
        if _is_end_credit(content, credit):
            removed.add(key)
            end_credits.append((content, credit))
            continue
        noted = contributor_note(content)
        if noted is not None:
            removed.add(key)
            end_credits.append((content, Credit(persons=[noted], marked=True)))
            break
        trailing = _TRAILING_AGENCY.search(content)
        if trailing and len(content) > len(trailing.group(0)) + 20:
            trailing_agency = agency_alone(trailing.group("org"))
            if trailing_agency is not None:
                original = replaced.get(key, line.text)
                cut = _TRAILING_AGENCY.search(original)
                if cut is not None:
                    # "… le sujet (APS)." keeps its full stop; only the credit goes
                    full_stop = "." if cut.group(0).rstrip().endswith(".") else ""
                    replaced[key] = original[: cut.start()] + full_stop
                piece = f"({trailing.group('org')})"
                end_credits.append((piece, Credit(agencies=[trailing_agency])))
        break

    for key, new_text in replaced.items():
        paragraphs[key[0]][key[1]] = new_text
    kept = [
        [content for i, content in enumerate(paragraph) if (p, i) not in removed]
        for p, paragraph in enumerate(paragraphs)
    ]
    scan = BodyScan(text=_join(separators, kept))
    for piece, credit in [*start_credits, *reversed(end_credits)]:
        scan.pieces.append(piece)
        scan.persons.extend(person for person in credit.persons if person not in scan.persons)
        scan.agencies.extend(agency for agency in credit.agencies if agency not in scan.agencies)
    return scan
