"""Person names in bylines: splitting lists, dropping titles and roles, display form.

* :func:`split_names` — ``"X et Y"``, ``"X and Y"``, ``"X, Y & Z"``, ``"X e Y"`` → parts.
* :func:`strip_title` — ``"Dr Amadou Ba"`` → ``"Amadou Ba"`` (Dr, Me, Pr, Prof., Hon., Mr…).
* :func:`looks_like_name` — could this string be a person's name as signed in a byline?
* :func:`display_name` — ``"Oumar DIARRA"`` → ``"Oumar Diarra"``, keeping particles
  (``Ould``, ``dit``, ``N'Diaye``, ``Ba``, ``de``, ``da``, ``dos``…) and initials (``"Amen K."``).
"""

from __future__ import annotations

import re

# Lower-case particles inside names; they are kept lower-case (never the first word).
PARTICLES = frozenset(
    {"de", "da", "das", "do", "dos", "du", "des", "del", "della", "di", "van", "von", "der",
     "den", "dit", "dite", "bin", "ibn", "e", "y", "la", "le", "d'", "ag", "ould", "mint", "wa",
     "los", "las", "dem"}
)
# Particles written capitalised by convention, whatever the case of the byline.
CAPITALISED_PARTICLES = frozenset({"ould", "mint", "ag", "ben", "bint", "el", "al", "abu"})

_TITLE = re.compile(
    r"^(?:(?:dr|docteur|doctor|me|maître|maitre|pr|prof|professeur|professor|hon|honourable|"
    r"honorable|mr|mrs|ms|miss|mme|mlle|mmes|mm|m|sr|sra|srª|dra|eng|engr|barr|rev|pasteur|"
    r"abbé|imam|sgt|capt|col|gen|gal|lt)\.?\s+)+",
    re.IGNORECASE,
)
# Words that can start a capitalised line without ever being part of a signed name.
NOT_NAME_WORDS = frozenset(
    {"le", "la", "les", "l'", "un", "une", "des", "the", "a", "an", "o", "os", "as", "um", "uma",
     "source", "sources", "fonte", "photo", "photos", "foto", "fotos", "crédit", "credit",
     "lire", "voir", "read", "see", "aussi", "also", "more", "plus", "fin", "end", "suite",
     "merci", "thanks", "thank", "you", "vive", "affaire", "à", "suivre", "tags", "tag",
     "partager", "share", "commentaires", "comments", "publicité", "advertisement", "rédaction",
     "redaction", "editor", "editorial", "admin", "staff", "reporter", "correspondent",
     "correspondant", "correspondante", "envoyé", "envoyée", "spécial", "spéciale", "avec",
     "with", "com", "par", "by", "por", "et", "and", "ou", "or", "in", "en", "em", "au",
     "aux", "on", "sur", "pour", "for", "para", "lundi", "mardi", "mercredi", "jeudi",
     "vendredi", "samedi", "dimanche", "monday", "tuesday", "wednesday", "thursday", "friday",
     "saturday", "sunday", "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
     "août", "septembre", "octobre", "novembre", "décembre", "january", "february", "march",
     "april", "may", "june", "july", "august", "september", "october", "november", "december",
     "news", "agency", "report", "press", "presse", "agence", "agência", "journal", "quotidien",
     "ministère", "ministry", "gouvernement", "government", "république", "republic",
     "président", "president", "inscrivez", "abonnez", "subscribe", "copyright", "tous", "all",
     "droits", "rights", "reserved", "réservés", "mali", "sénégal", "niger", "nigeria",
     "ghana", "burkina", "faso", "guinée", "guinea", "bissau", "togo", "bénin", "benin",
     "côte", "d'ivoire", "cabo", "verde", "afrique", "africa", "áfrica", "ecowas", "cedeao",
     "writer", "columnist", "journalist", "journaliste", "contributor", "producer", "analyst",
     "twitter", "facebook", "linkedin", "instagram", "email", "e-mail", "today", "yesterday",
     "sponsored", "stories", "updated", "published", "views", "follow", "profile", "posts",
     "recherche", "research", "redaktion", "germany", "deutschland", "france",
     # determiners, pronouns and interface words of the other languages met: never in a name
     "zum", "zur", "im", "mit", "ihre", "ihr", "unsere", "unser", "deine", "dein", "meine", "mein",
     "dieser",
     "diese", "dieses", "das", "dem", "alle", "mehr", "weitere", "zurück", "beitrag", "artikel",
     "nachricht", "las", "los", "más", "nuestra", "nuestro", "our", "your", "my", "this",
     "these", "details", "location", "deal", "copy", "link", "links", "search", "scholar",
     "kopyala", "linki", "paylaş", "leídas", "notre", "votre", "nos", "vos", "cet", "cette",
     # degrees and company forms: a title after a name, or an organisation
     "phd", "ph.d", "mba", "msc", "gmbh", "kg", "ltd", "inc", "llc", "plc", "sarl", "corp"}
)
_SPLIT = re.compile(
    r"\s*(?:;|&|\+|/|\bet\b|\band\b|\by\b|\bund\b|\ben\b)\s*|\s*,\s*(?:(?:et|and|e|und)\s+)?"
)
_PORTUGUESE_AND = re.compile(r"\s+e\s+")
_INITIAL = re.compile(r"^(?:[A-ZÀ-Ý][a-zà-ÿ]?\.)+-?(?:[A-ZÀ-Ý][a-zà-ÿ]?\.)*$|^[A-ZÀ-Ý]$")
_WORD = re.compile(r"^[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?$")


def split_names(text: str) -> list[str]:
    """Split a list of names on ``et``/``and``/``und``/``y``/``en``/``&``/``,``/``;``/``/`` and
    Portuguese ``e``.

    The Portuguese ``e`` also joins surnames ("Silva e Sousa"), so it splits only when both
    sides have at least two words.
    """
    parts: list[str] = []
    for chunk in _SPLIT.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        pieces = _PORTUGUESE_AND.split(chunk)
        if len(pieces) > 1 and all(len(piece.split()) >= 2 for piece in pieces):
            parts.extend(piece.strip() for piece in pieces)
        else:
            parts.append(chunk)
    return parts


def strip_title(name: str) -> str:
    """Drop leading titles and honorifics: ``"Me Mamadou Ismaïla Konaté"`` → the name."""
    stripped = _TITLE.sub("", name.strip())
    # "M." is also an initial ("M. Diallo"): keep the first word when too little would remain.
    return stripped if len(stripped.split()) >= 2 else name.strip()


def _is_word(token: str) -> bool:
    return bool(_WORD.match(token))


def looks_like_name(text: str, *, max_words: int = 6) -> bool:
    """True when ``text`` has the shape of a signed person name.

    Two to ``max_words`` words, each a capitalised or upper-case word, an initial ("K.",
    "A.K.") or a particle ("dit", "de", "Ould"); at least one real word (not only initials);
    no digits, no sentence punctuation, no word that never appears in names ("Source",
    "Photo", weekdays, months, country names…).
    """
    tokens = text.split()
    if not 2 <= len(tokens) <= max_words:
        return False
    if re.search(r"[\d@#:;!?|/\\()\[\]{}<>=_*+]|https?|www\.", text):
        return False
    real_words = 0
    last = len(tokens) - 1
    for position, token in enumerate(tokens):
        lowered = token.lower()
        if 0 < position < last and lowered in PARTICLES:
            continue
        if _INITIAL.match(token):
            continue
        if lowered.rstrip(".") in NOT_NAME_WORDS:
            return False
        if not _is_word(token) or not token[0].isupper():
            return False
        if token.endswith(".") and len(token) > 4:
            return False  # a sentence end, not an abbreviation
        real_words += 1
    return real_words >= 1


def _capitalise_word(word: str) -> str:
    """``"DIARRA"`` → ``"Diarra"``, ``"N'DIAYE"`` → ``"N'Diaye"``, ``"JEAN-LUC"``…"""
    return re.sub(
        r"[^\W\d_]+",
        lambda match: match.group(0)[:1].upper() + match.group(0)[1:].lower(),
        word,
    )


def display_name(name: str) -> str:
    """The name as it should be displayed: words in upper case get normal case.

    Words already in mixed case are kept as signed ("N'Diaye", "McCarthy"); initials stay;
    particles go lower-case ("dit", "de", "dos") except those written capitalised by
    convention ("Ould", "Ag", "El").
    """
    words = name.split()
    shown: list[str] = []
    for position, word in enumerate(words):
        lowered = word.lower()
        if _INITIAL.match(word):
            shown.append(word)
        elif position > 0 and lowered in PARTICLES and lowered not in CAPITALISED_PARTICLES:
            shown.append(lowered)
        elif (word.isupper() and len(word) > 1) or word.islower():
            shown.append(_capitalise_word(word))
        else:
            shown.append(word)
    return " ".join(shown)
