"""Who signs without being an author: desk and system accounts, the site itself, photographers,
editors.

These are recognised so that they are never reported as authors; the lines that carry them
are still byline lines (removed from the body).
"""

from __future__ import annotations

import re

from workers.stages.bylines.gazetteer import name_key

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
    )
)
_DESK_PATTERN = re.compile(
    r"^(?:la\s+|l')?(?:redaction|redacao|redaccao|equipe|desk)\b"
    r"|\b(?:desk|newsroom|webmaster|admin|administrator|editorial|staff)$"
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
    r"^\s*(?:edited\s+by|editing\s+by|additional\s+reporting\s+by|compiled\s+by|"
    r"édité\s+par|edite\s+par|révisé\s+par|revu\s+par|relu\s+par|mis\s+en\s+ligne\s+par|"
    r"traduit\s+par|translated\s+by|tradução|editado\s+por|edição)\b",
    re.IGNORECASE,
)


def is_desk_account(name: str, site_name: str | None = None) -> bool:
    """True for desk/system accounts ("La Rédaction", "admin", "Agency Report", "Web Desk")
    and for the site's own name ("Maliweb", "maliweb.net" on maliweb)."""
    key = name_key(name)
    if not key:
        return True
    if key in _DESK_ACCOUNTS or _DESK_PATTERN.search(key):
        return True
    if site_name and _compact(name) == _compact(site_name):
        return True
    # Usernames and handles: one token with letters and a digit, "@" or "_" ("jdoe_2").
    token = name.strip()
    return bool(re.fullmatch(r"@?[\w.\-]*[\d_@][\w.\-]*", token)) and bool(
        re.search(r"[^\W\d_]", token)
    )


def _compact(name: str) -> str:
    """"www.Maliweb.net", "Maliweb", "MALI WEB" → "maliweb": a site name, however written."""
    bare = re.sub(r"^(?:https?://)?(?:www\.)?|\.[a-z]{2,6}/?$", "", name.strip().lower())
    return name_key(bare).replace(" ", "")


def is_photo_credit(line: str) -> bool:
    """"Photo : …", "Crédit photo : …", "© …", "Foto: …" — a credit for an image, not the story."""
    return bool(_PHOTO_CREDIT.match(line))


def is_editor_credit(line: str) -> bool:
    """"Edited by …", "Édité par …", "Editado por …" — an editor, never an author."""
    return bool(_EDITOR_CREDIT.match(line))
