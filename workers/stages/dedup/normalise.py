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
# What every _TRAILING_CREDIT match contains, as needles of str.lower(): a colon, or a
# piece of each teaser without "i", "s" or "k" (the letters that also match a non-ASCII one
# under re.IGNORECASE: "ı", "ſ", the Kelvin sign). A line with none of them cannot match, and
# testing that is far cheaper than the pattern, which tries every position of the paragraph.
_TRAILING_CREDIT_NEEDLES = ("re la ", "read more", "nue read", "a ma")
_TRAILING_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|…|\.\.\.)\s*$")
# Figures, with thousands separators kept together ("1 500", "1.500", "1,500" are one number):
# ``\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?!\d)|\d+(?:[.,]\d+)?`` with the first digit of both
# branches taken out in front (the same matches), so that the search skips to the next digit.
_NUMBER = re.compile(r"\d(?:\d{0,2}(?:[ \u00a0\u202f.,]\d{3})+(?!\d)|\d*(?:[.,]\d+)?)")
_ASCII_SEPARATORS = str.maketrans("", "", " .,")
# A word: a run of word characters other than "_" (what replacing ``[^\w]+|_`` by spaces and
# splitting leaves).
_WORD = re.compile(r"[^\W_]+")

MAX_NUMBERS = 32


_NO_COMBINING = CharTable(lambda char: None if unicodedata.combining(char) else char)


_ASCII = frozenset(map(chr, range(128)))


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    # Accented Latin text: every other character is a combining mark, and dropping all of
    # them at once is much cheaper than translating the text character by character.
    if all(map(unicodedata.combining, set(decomposed).difference(_ASCII))):
        return decomposed.encode("ascii", "ignore").decode("ascii")
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
        last = _strip_trailing(lines[-1])
        if last.strip():
            lines[-1] = last
            break
        lines.pop()
    return [line for line in lines if line.strip()]


def _strip_trailing(line: str) -> str:
    """``line`` without a glued credit or teaser, then without a trailing ellipsis."""
    if ":" in line or any(needle in line.lower() for needle in _TRAILING_CREDIT_NEEDLES):
        line = _TRAILING_CREDIT.sub("", line)
    if "…" in line or "..." in line:  # in every _TRAILING_ELLIPSIS match
        line = _TRAILING_ELLIPSIS.sub("", line)
    return line


def tokens_of_lines(lines: list[str]) -> list[str]:
    """:func:`tokens` of lines already cut by :func:`story_lines`."""
    return _WORD.findall(_strip_accents(" ".join(lines)).casefold())


def tokens(text: str) -> list[str]:
    """The words of the story: lower case, no accents, no punctuation, no dateline/credits."""
    return tokens_of_lines(story_lines(text))


def normalise(text: str) -> str:
    """The story as one canonical string (see :func:`tokens`)."""
    return " ".join(tokens(text))


def hash_of_tokens(words: list[str]) -> str:
    """:func:`content_hash` of a story whose :func:`tokens` are already known."""
    return hash_of_joined_tokens(" ".join(words).encode("utf-8"))


def hash_of_joined_tokens(joined: bytes) -> str:
    """:func:`content_hash` of a story whose :func:`tokens`, joined by spaces, are ``joined``
    (UTF-8): for a caller that joined them already."""
    return hashlib.sha256(joined).hexdigest()


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
    # One search over all the lines: a figure never spans a line break.
    for match in _NUMBER.finditer("\n".join(lines)):
        figure = match.group()
        if figure.isascii():  # ASCII digits and separators: ascii_digits without the loop
            digits = figure.translate(_ASCII_SEPARATORS).lstrip("0") or "0"
        else:
            digits = ascii_digits(figure).lstrip("0") or "0"
        seen.setdefault(digits, None)
        if len(seen) >= MAX_NUMBERS:
            return tuple(seen)
    return tuple(seen)
