"""Normalised text: what two copies of one story still share after outlets have edited them.

Outlets republishing a dispatch add or remove the dateline ("Dakar, 6 fév (APS) -"), credit
lines ("Source : APS", "Fonte: Lusa"), teasers ("Lire la suite", "Read more"), and change
case, accents, quotes and punctuation. :func:`normalise` strips all of that so that the exact
hash and the shingles see the story itself; :func:`numbers_in` lists the figures of the text,
which tell a copy from last year's dispatch written on the same template.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from workers.stages.chartable import CharTable

# Agencies and outlets whose name appears in parentheses in datelines: "LAGOS (NAN) -".
_DATELINE_AGENCY = re.compile(
    r"^[^\n]{0,70}?\(\s*[A-Z][\w.&'’ -]{1,30}\)\s*[-–—:|]+\s*",
)
# "Dakar, 6 fév -", "Bamako, le 6 février 2025 :", "LAGOS, Feb. 6, 2025 -", "Bissau, 6 fev —".
_DATELINE_DATE = re.compile(
    r"^[A-ZÀ-Ý][\w'’.-]*(?:[ -][A-Za-zÀ-ÿ'’.-]+){0,3}\s*,\s*(?:le\s+|on\s+)?"
    r"(?:[A-Za-zÀ-ÿ]+\.?\s+)?\d{1,2}(?:er|st|nd|rd|th|º)?\s*(?:de\s+)?[A-Za-zÀ-ÿ]{0,12}\.?"
    r"(?:\s*,?\s*(?:de\s+)?\d{4})?\s*[-–—:|]+\s*",
)
# A whole short line that only credits, signs or teases: removed wherever it stands.
_CREDIT_LINE = re.compile(
    r"^\s*(?:"
    r"(?:sources?|fonte|cr[ée]dits?|credit|avec|with|via|copyright|©)\s*:?\s*[^\n]{0,80}"
    r"|(?:lire|read|leia|continue|continuer|voir|see)\s+(?:la\s+suite|aussi|more|mais|também"
    r"|tambem|reading|lire|also|l'article)[^\n]{0,80}"
    r"|\(?\s*(?:aps|amap|nan|gna|afp|reuters|lusa|ap|mapinfo|abp|anp|ain|apa)\s*\)?[\s.]*"
    r"|[-–—]\s*[^\n]{1,40}"
    r")$",
    re.IGNORECASE,
)
# A credit or teaser glued to the end of the last paragraph: "… des populations. Source : APS".
_TRAILING_CREDIT = re.compile(
    r"(?:\s*[-–—(]?\s*(?:sources?|fonte)\s*:\s*[^\n.]{1,60}\)?\.?"
    r"|\s*(?:lire la suite|read more|continue reading|leia mais)\s*[.…>»]*)\s*$",
    re.IGNORECASE,
)
_TRAILING_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|…|\.\.\.)\s*$")
# Figures, with thousands separators kept together ("1 500", "1.500", "1,500" are one number).
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?!\d)|\d+(?:[.,]\d+)?")
_NON_WORD = re.compile(r"[^\w]+|_")

MAX_NUMBERS = 32


_NO_COMBINING = CharTable(lambda char: None if unicodedata.combining(char) else char)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    return decomposed.translate(_NO_COMBINING)


def story_lines(text: str) -> list[str]:
    """The lines of the body without dateline, credit lines and teasers (original case)."""
    lines = [line.strip() for line in unicodedata.normalize("NFKC", text or "").splitlines()]
    lines = [line for line in lines if line and not _CREDIT_LINE.match(line)]
    if lines:
        first = _DATELINE_AGENCY.sub("", lines[0], count=1)
        first = _DATELINE_DATE.sub("", first, count=1)
        lines[0] = first
    while lines:
        last = _TRAILING_ELLIPSIS.sub("", _TRAILING_CREDIT.sub("", lines[-1]))
        if last.strip():
            lines[-1] = last
            break
        lines.pop()
    return [line for line in lines if line.strip()]


def tokens_of_lines(lines: list[str]) -> list[str]:
    """:func:`tokens` of lines already cut by :func:`story_lines`."""
    flat = _strip_accents(" ".join(lines)).casefold()
    return _NON_WORD.sub(" ", flat).split()


def tokens(text: str) -> list[str]:
    """The words of the story: lower case, no accents, no punctuation, no dateline/credits."""
    return tokens_of_lines(story_lines(text))


def normalise(text: str) -> str:
    """The story as one canonical string (see :func:`tokens`)."""
    return " ".join(tokens(text))


def hash_of_tokens(words: list[str]) -> str:
    """:func:`content_hash` of a story whose :func:`tokens` are already known."""
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """SHA-256 (hex, 64 chars) of the normalised body: equal for exact copies."""
    return hash_of_tokens(tokens(text))


def ascii_digits(text: str) -> str:
    """The decimal digits of ``text`` as ASCII, whatever their script, nothing else.

    ``\\d`` matches every script's digits (Arabic-Indic on Arabic-language pages, N'Ko on
    Manding ones, Bengali, Devanagari…); the same figure written in two scripts is one number.
    """
    return "".join(str(unicodedata.decimal(char)) for char in text if char.isdecimal())


def numbers_in(text: str) -> tuple[str, ...]:
    """The distinct figures of the story (digits only), in order, at most ``MAX_NUMBERS``.

    Datelines and credit lines are left out, so "Dakar, 6 fév (APS)" adds no "6".
    """
    return numbers_of_lines(story_lines(text))


def numbers_of_lines(lines: list[str]) -> tuple[str, ...]:
    """:func:`numbers_in` of lines already cut by :func:`story_lines`."""
    seen: dict[str, None] = {}
    for line in lines:
        for match in _NUMBER.finditer(line):
            digits = ascii_digits(match.group()).lstrip("0") or "0"
            seen.setdefault(digits, None)
            if len(seen) >= MAX_NUMBERS:
                return tuple(seen)
    return tuple(seen)
