"""The gazetteer of agencies and origin outlets: aliases in, usual short name out.

The data lives in ``agencies.yaml`` next to this module. Two ways to ask:

* :func:`lookup_agency` — is this whole string an agency or outlet? (``"Agence de Presse
  Sénégalaise"`` → ``"APS"``, ``"l'essor"`` → ``"L'Essor"``)
* :func:`find_agencies` — which agencies are named inside this credit line, in order?

Matching ignores case, accents and apostrophe style; short acronyms (four letters or fewer)
only match in capitals, so that ordinary words ("ap", "aa", "aip") never count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from workers.stages.chartable import CharTable

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})


@dataclass(frozen=True)
class Agency:
    """One agency or outlet: the reported ``short`` name, ``kind`` and every alias."""

    short: str
    kind: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class AgencyMention:
    """Where an agency is named inside a string (offsets into that string)."""

    start: int
    end: int
    short: str


def fold(text: str) -> str:
    """Lower-case, accent-free, straight-apostrophe copy of ``text`` of the SAME length.

    Same length matters: offsets found in the folded copy are offsets in the original.
    """
    return text.translate(_APOSTROPHES).translate(_FOLDED)


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


# The stage folds a lot of text and per-character normalisation was its largest cost.
_FOLDED = CharTable(_fold_char)


def _strip_accents(text: str) -> str:
    """Accent-free copy of ``text`` with case kept, same length."""
    return "".join(unicodedata.normalize("NFD", char)[0] for char in text.translate(_APOSTROPHES))


@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """Comparison key: folded, no dots (``A.F.P.`` = ``AFP``), single spaces, bare edges."""
    folded = fold(name).replace(".", "")
    folded = re.sub(r"[\s\-]+", " ", folded)
    return folded.strip(" ,;:()[]\"'«»")


def _is_short_acronym(alias: str) -> bool:
    return alias.isupper() and alias.isalpha() and len(alias) <= 4


@cache
def agencies() -> tuple[Agency, ...]:
    """Every entry of ``agencies.yaml``, in file order."""
    raw: Any = yaml.safe_load(
        resources.files("workers.stages.bylines").joinpath("agencies.yaml").read_text("utf-8")
    )
    return tuple(
        Agency(short=str(item["short"]), kind=str(item["kind"]),
               aliases=tuple(str(alias) for alias in item.get("aliases") or ()))
        for item in raw["agencies"]
    )


@cache
def _by_key() -> dict[str, tuple[Agency, bool]]:
    """name_key of every alias → (agency, whether that alias is a short acronym)."""
    table: dict[str, tuple[Agency, bool]] = {}
    for agency in agencies():
        for alias in (agency.short, *agency.aliases):
            table.setdefault(name_key(alias), (agency, _is_short_acronym(_strip_accents(alias))))
    return table


def lookup_agency(name: str) -> Agency | None:
    """The agency whose short name or alias is exactly ``name`` (case/accents ignored).

    Short acronyms must be written in capitals: ``"APS"`` matches, ``"aps"`` does not.
    """
    stripped = name.strip(" ,;:()[]\"'«».-–—")
    found = _by_key().get(name_key(stripped))
    if found is None:
        return None
    agency, acronym = found
    if acronym and not _strip_accents(stripped).replace(".", "").isupper():
        return None
    return agency


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(case-sensitive pattern for short acronyms, pattern over folded text for the rest)."""
    acronyms, others = _short_of_surface()

    def alternation(words: dict[str, str]) -> str:
        ordered = sorted(words, key=len, reverse=True)  # longest alias wins at one position
        return "|".join(re.escape(word) for word in ordered)

    boundary_left, boundary_right = r"(?<![\w.'])", r"(?![\w'])"
    return (
        re.compile(boundary_left + "(" + alternation(acronyms) + ")" + boundary_right),
        re.compile(boundary_left + "(" + alternation(others) + ")" + boundary_right),
    )


@cache
def _short_of_surface() -> tuple[dict[str, str], dict[str, str]]:
    """Each alias's agency: short acronyms as written (accents off), the rest folded."""
    acronyms: dict[str, str] = {}
    others: dict[str, str] = {}
    for agency in agencies():
        for alias in (agency.short, *agency.aliases):
            plain = _strip_accents(alias)
            if _is_short_acronym(plain):
                acronyms.setdefault(plain, agency.short)
            else:
                others.setdefault(fold(alias), agency.short)
    return acronyms, others


def find_agencies(text: str) -> list[AgencyMention]:
    """Every agency named in ``text``, left to right; of overlapping mentions the longest wins."""
    acronym_pattern, other_pattern = _patterns()
    acronym_names, other_names = _short_of_surface()
    found: list[AgencyMention] = []
    for match in acronym_pattern.finditer(_strip_accents(text)):
        found.append(AgencyMention(match.start(), match.end(), acronym_names[match.group(1)]))
    for match in other_pattern.finditer(fold(text)):
        found.append(AgencyMention(match.start(), match.end(), other_names[match.group(1)]))
    found.sort(key=lambda mention: (mention.start, -(mention.end - mention.start)))
    kept: list[AgencyMention] = []
    for mention in found:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept
