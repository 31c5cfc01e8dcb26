"""Dates written for people, in French, English and Portuguese, and machine dates (ISO).

"Publié le jeudi 6 février 2025 à 19h45min", "06/02/2025" (day first, as everywhere in the
region), "February 6, 2025", "6 de fevereiro de 2025", "2025-02-06T19:45:00+00:00".
Dates without an offset are read in the outlet's local time (``default_offset_hours``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from workers.stages.chartable import CharTable

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "janvier january janeiro jan janv",
        "fevrier february fevereiro feb fev fevr",
        "mars march marco mar",
        "avril april abril apr avr abr",
        "mai may maio",
        "juin june junho jun",
        "juillet july julho jul juil",
        "aout august agosto aug ago",
        "septembre september setembro sep sept set",
        "octobre october outubro oct out",
        "novembre november novembro nov",
        "decembre december dezembro dec dez",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH = r"(?P<month>[a-z]{3,9})\.?"
_TIME = (
    r"(?:\s*(?:,|-|à|a|as|às|at|@|\|)?\s*(?P<hour>\d{1,2})\s*(?:h|:|H)\s*(?P<minute>\d{2})?"
    r"\s*(?:min|mn)?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?(?:\s*(?P<tz>gmt|utc|wat)"
    r"(?P<tzoff>[+-]\d{1,2})?)?)?"
)
_PATTERNS = [
    re.compile(
        r"\b(?P<day>\d{1,2})(?:er|st|nd|rd|th|º|°)?\s+(?:de\s+)?"
        + _MONTH
        + r",?\s+(?:de\s+)?(?P<year>\d{4})\b"
        + _TIME
    ),
    re.compile(
        r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b" + _TIME
    ),
    re.compile(r"\b(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})\b" + _TIME),
    re.compile(r"\b(?P<year>\d{4})[/.-](?P<month>\d{1,2})[/.-](?P<day>\d{1,2})\b" + _TIME),
]

# Words that say the date next to them is an update, not the publication.
UPDATE_WORDS = re.compile(
    r"(mis\s+a\s+jour|mise\s+a\s+jour|maj|modifie|actualise|updated|last\s+update|"
    r"actualizado|atualizado|atualizacao|edited|revised)\W*(le|on|em|a|:)?\W*$"
)
PUBLISH_WORDS = re.compile(
    r"(publie|publiee|mis\s+en\s+ligne|poste|posted|published|publicado|publicada|"
    r"date\s+de\s+publication|date|le|on|em)\W*(le|on|em|a|:)?\W*$"
)


_WEEKDAY_AT_END = re.compile(
    r"\s*\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|segunda|terca|quarta|"
    r"quinta|sexta|sabado|domingo)(-feira)?,?\s*$"
)


@dataclass(frozen=True)
class FoundDate:
    """A date found in text: the value and the 40 characters that lead up to it."""

    value: datetime
    before: str


def fold(text: str) -> str:
    """Lower-case, accents removed (so "Publié", "publie" and "PUBLIÉ" compare equal)."""
    # Per character through a memo table: decomposition is per code point, and the marks
    # canonical ordering would move are the ones dropped, so the result is the same.
    return text.lower().translate(_FOLDED)


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_FOLDED = CharTable(_fold_char)


def _offset(default_offset_hours: float) -> timezone:
    return timezone(timedelta(hours=default_offset_hours))


def _build(match: re.Match[str], default_offset_hours: float) -> datetime | None:
    parts = match.groupdict()
    month_text = parts["month"]
    month = int(month_text) if month_text.isdecimal() else _MONTHS.get(month_text, 0)
    day, year = int(parts["day"]), int(parts["year"])
    if month_text.isdecimal() and month > 12 and day <= 12:
        day, month = month, day  # "02/13/2025" can only be month first
    hour = int(parts["hour"]) if parts.get("hour") else 0
    minute = int(parts["minute"]) if parts.get("minute") else 0
    ampm = (parts.get("ampm") or "").replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    tz = _offset(default_offset_hours)
    if parts.get("tz"):
        tz = _offset(float(parts["tzoff"] or 0) + (1 if parts["tz"] == "wat" else 0))
    try:
        return datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        return None


def find_dates(text: str, default_offset_hours: float = 0.0) -> list[FoundDate]:
    """Every date written in the text, in reading order, with what precedes it."""
    folded = fold(text)
    found: list[tuple[int, FoundDate]] = []
    taken: list[range] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(folded):
            if any(match.start() in span for span in taken):
                continue
            value = _build(match, default_offset_hours)
            if value is None or not 1990 <= value.year <= 2100:
                continue
            taken.append(range(match.start(), match.end()))
            before = folded[max(0, match.start() - 40) : match.start()]
            # Drop the weekday name right before the date ("jeudi 6 février").
            before = _WEEKDAY_AT_END.sub(" ", before)
            found.append((match.start(), FoundDate(value, before)))
    found.sort(key=lambda item: item[0])
    return [item for _, item in found]


def is_update(found: FoundDate) -> bool:
    """True when the words before the date announce an update ("mis à jour le")."""
    return UPDATE_WORDS.search(found.before) is not None


def is_labelled_publication(found: FoundDate) -> bool:
    """True when the words before the date announce a publication ("Publié le")."""
    return not is_update(found) and PUBLISH_WORDS.search(found.before) is not None


def parse_machine_date(value: str, default_offset_hours: float = 0.0) -> datetime | None:
    """ISO-8601 (with or without offset, "Z", space separator) or RFC 2822 dates."""
    value = value.strip()
    if not value:
        return None
    candidate = value.replace("Z", "+00:00") if value.endswith("Z") else value
    # "+0000" offsets are valid ISO-8601 basic format but some writers mix them in.
    candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", candidate)
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        found = find_dates(value, default_offset_hours)
        return found[0].value if found else None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_offset(default_offset_hours))
    return parsed
