"""Who signs without being an author: desk and system accounts, the site itself, photographers,
editors.

These are recognised so that they are never reported as authors; the lines that carry them
are still byline lines (removed from the body).
"""

from __future__ import annotations

import re
from functools import lru_cache

from workers.stages.bylines.gazetteer import name_key
from workers.stages.bylines.names import looks_like_name

# Desk, system and generic accounts (compared on name_key: no case, no accents).
_DESK_ACCOUNTS = frozenset(
    name_key(name)
    for name in (
        "Rédaction", "La Rédaction", "Redaction", "Rédaction web", "La rédaction web",
        "Rédaction en ligne", "Rédaction centrale", "Service communication",
        "Cellule de communication", "Cellule communication", "Correspondance particulière",
        "Correspondance", "Notre correspondant", "Nos correspondants", "Envoyé spécial",
        "Le correspondant", "Invité", "Anonyme", "Collaboration", "Contribution",
        "Redação", "A Redação", "Redacção", "A Redacção", "Redaccao", "Correspondente",
        "Editor", "The Editor", "Editors", "Editorial", "Editorial Board", "Editorial Team",
        "Admin", "Administrator", "Administrateur", "Super User", "Super Admin", "Superuser",
        "Utilisateur", "User", "Webmestre", "Auteur invité", "Author", "Webmaster", "Web master",
        "Site admin",
        "Agency Report", "Agency Reports", "Agencies", "Agences", "Agências", "Staff",
        "Staff Reporter", "Staff Writer", "Our Reporter", "Our Correspondent", "Reporter",
        "Correspondent", "Guest", "Guest Writer", "Guest Contributor", "Contributor",
        "Desk", "News Desk", "Newsdesk", "Web Desk", "Online Desk", "Digital Desk",
        "Metro Desk", "Politics Desk", "Sports Desk", "Business Desk", "Press Release",
        "Communiqué", "Communique", "Comunicado", "Sponsored", "Publi-reportage",
        "Publireportage", "Partner", "Partenaire", "Team", "Équipe", "Equipe",
        "Redaktion", "Red", "Redactie", "Redazione", "Redacción", "Unknown", "Inconnu",
        "Gastautor", "Gastbeitrag", "Autor", "Auteur", "Author Profile", "Contributors",
    )
)
_DESK_PATTERN = re.compile(
    r"^(?:la\s+|l')?(?:redaction|redacao|redaccao|redaktion|redactie|equipe|desk)\b"
    r"|\b(?:desk|newsroom|webmaster|admin|administrator|editorial|staff|redaktion|team)$"
    r"|^(?:by\s+)?(?:our|a|the)\s+(?:own\s+)?(?:reporter|correspondent|staff)"
    r"|^(?:de|par|d')\s*(?:notre|nos)\s+(?:correspondant|envoye)"
    r"|^(?:do|da|pelo|pela)\s+(?:nosso|nossa)\s+(?:correspondente|enviad)"
)
_PHOTO_CREDIT = re.compile(
    r"^\s*(?:\(?\s*(?:photos?|crédits?\s+photos?|credits?\s+photos?|photo\s+credits?|"
    r"crédits?|credits?|foto(?:grafia)?s?|image|images|illustration|infographie|"
    r"vidéo|video|caption|légende)\s*(?:d'illustration\s*)?[:\-–/]|©|\(c\)|copyright\b)",
    re.IGNORECASE,
)
_EDITOR_CREDIT = re.compile(
    r"^\s*(?:edited\s+by|editing\s+by|"
    r"édité\s+par|edite\s+par|révisé\s+par|revu\s+par|relu\s+par|mis\s+en\s+ligne\s+par|"
    r"traduit\s+par|translated\s+by|tradução|editado\s+por|edição)\b",
    re.IGNORECASE,
)


# A page's credit lines are read chunk by chunk, and the same chunks (the outlet's name, its
# desk) recur on every page of a site: each is decided once.
@lru_cache(maxsize=8192)
def is_desk_account(name: str, site_name: str | None = None, host: str | None = None) -> bool:
    """True for desk/system accounts ("La Rédaction", "admin", "Agency Report", "Web Desk")
    and for the outlet itself (:func:`is_site_itself`)."""
    key = name_key(name)
    if not key:
        return True
    if key in _DESK_ACCOUNTS or _DESK_PATTERN.search(key):
        return True
    if is_site_itself(name, site_name, host):
        return True
    # Usernames and handles: one token with letters and a digit, "@" or "_" ("jdoe_2").
    token = name.strip()
    return bool(re.fullmatch(r"@?[\w.\-]*[\d_@][\w.\-]*", token)) and bool(
        re.search(r"[^\W\d_]", token)
    )


def site_keys(site_name: str | None, host: str | None) -> set[str]:
    """The outlet's own names, compacted: its site name ("Maliweb") and its host's main label
    ("www.senego.com" → "senego"; "www.lefaso.net" → "lefaso")."""
    keys = {_compact(site_name)} if site_name else set()
    if host:
        labels = host.lower().removeprefix("www.").split(".")
        if len(labels) >= 2:
            keys.add(_compact(labels[-2] if labels[-2] not in _SECOND_LEVEL else labels[-3]
                              if len(labels) >= 3 else labels[-2]))
    return {key for key in keys if len(key) >= 2}


_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "gouv", "ac", "edu", "info"})


def is_site_itself(name: str, site_name: str | None = None, host: str | None = None) -> bool:
    """The outlet named in its own byline slot: "Maliweb", "maliweb.net", "Seneweb News",
    "Rédaction Senego", "L'équipe de Dakaractu" on that outlet's pages. The outlet's name must
    be a whole word of the credit (or all of it), so that a person is never mistaken for it."""
    keys = site_keys(site_name, host)
    if not keys:
        return False
    if _initials(name) in keys:
        # The outlet's full name on the site named by its initials: "Deutsche Welle" on
        # dw.com, "Agence Ivoirienne de Presse" on aip.ci, "Radio France Internationale" on rfi.fr
        return True
    if _person_shaped(name):
        # "Helge Fahrnberger" on helge.at, "Wolfgang Michal" on wolfgangmichal.de: a person
        # (whose site it may be); "Rédaction Senego", "Dakar Matin" are the outlet
        return False
    compact = _compact(name)
    if compact in keys:
        return True
    words = [_compact(word) for word in re.split(r"[\s/|()\-–—,:]+|(?<=\w)\.(?=[a-z]{2,6}\b)",
                                                  name.lower()) if word]
    keys = {key for key in keys if len(key) >= 3}  # "dw" alone, never as a word of a name
    if len(words) > 4:
        return False
    if any(word in keys for word in words):
        return True
    # several words making up the site name: "Dakar Actu Infos" on dakaractu.com
    return any(len(words) >= i + n and "".join(words[i:i + n]) in keys
               for n in (2, 3) for i in range(len(words)))


def _initials(name: str) -> str:
    """The initials of a name of two or more capitalised words ("Deutsche Welle" → "dw"),
    lower-case particles skipped; "" for anything else."""
    words = [word for word in re.split(r"[\s\-]+", name.strip()) if word]
    capitalised = [word for word in words if word[:1].isupper()]
    if len(capitalised) < 2 or any(len(word) < 2 for word in capitalised):
        return ""
    if len(words) - len(capitalised) > 1 or not name_key(words[-1]).isalpha():
        return ""
    return name_key("".join(word[0] for word in capitalised))


def _person_shaped(name: str) -> bool:
    """Mixed-case words shaped like a signed name, none an outlet's or a desk's word."""
    return (
        looks_like_name(name, max_words=5)
        and not any(word.isupper() and len(word) > 1 for word in name.split())
        and not _OUTLET_WORD.search(name)
    )


# Words that make a capitalised phrase the name of a newspaper, broadcaster or site.
_OUTLET_WORD = re.compile(
    r"\b(?:quotidien|journal|hebdo|hebdomadaire|matin|soir|tribune|times|news|herald|"
    r"guardian|observer|observateur|gazette|express|daily|weekly|magazine|radio|tv|télé|fm|"
    r"online|infos?|actu|presse|press|m[ée]dias?|newspapers?|network|chronicle|mirror|"
    r"telegraph|zeitung|nachrichten|television|télévision|jornal|notícias|noticias|diário)\b",
    re.IGNORECASE,
)


def is_outlet_shaped(name: str) -> bool:
    """Whether ``name`` holds a word that makes it a newspaper's, broadcaster's or site's."""
    return bool(_OUTLET_WORD.search(name))


@lru_cache(maxsize=4096)
def _compact(name: str) -> str:
    """"www.Maliweb.net", "Maliweb", "MALI WEB" → "maliweb": a site name, however written."""
    bare = re.sub(r"^(?:https?://)?(?:www\.)?|(?:\.[a-z]{2,6})+/?$", "", name.strip().lower())
    return name_key(bare).replace(" ", "").replace("'", "")


def is_photo_credit(line: str) -> bool:
    """"Photo : …", "Crédit photo : …", "© …", "Foto: …" — a credit for an image, not the story."""
    return bool(_PHOTO_CREDIT.match(line))


def is_editor_credit(line: str) -> bool:
    """"Edited by …", "Édité par …", "Editado por …" — an editor, never an author."""
    return bool(_EDITOR_CREDIT.match(line))
