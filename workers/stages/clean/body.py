"""The article body: paragraphs of the article only, signature and credit lines kept.

The body container comes from the outlet's selector, else the site family's, else common
article markup; its paragraphs are read block by block. Pages where none of that matches
go to trafilatura, which finds the main text of arbitrary layouts. Either way, lines that
are furniture inside the text ("Lire aussi", share prompts, photo captions, tag lists,
newsletter calls) are dropped; signature, source and dateline lines are left for the byline
stage, which needs them.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from trafilatura import bare_extraction

from workers.stages.clean.boilerplate import is_furniture
from workers.stages.clean.datetext import fold
from workers.stages.clean.htmltree import select, text_of
from workers.stages.clean.paragraphs import Paragraph, paragraphs_of
from workers.stages.clean.textnorm import normalise_line

_READ_ALSO = re.compile(
    r"^\W*(a\s+)?(lire|lisez|voir)\s+(aussi|egalement|plus)|^\W*(read|see)\s+(also|more)\b|"
    r"^\W*also\s+read\b|^\W*related\s*(:|articles?|stories|news)|^\W*(leia|veja)\s+(tambem|mais)\b|"
    r"^\W*saiba\s+mais\b|^\W*sur\s+le\s+meme\s+sujet\b|^\W*dans\s+la\s+meme\s+rubrique\b"
)
_SHARE = re.compile(
    r"^\W*(partager|partagez|share|share this|partilhar|partilhe|imprimer|print|tweet|"
    r"whatsapp|facebook|twitter|linkedin|telegram|e-?mail|envoyer)"
    r"(\W+(sur|on|via|this|article|cet|l'article|facebook|twitter|whatsapp|linkedin|email|"
    r"telegram|x|pinterest|imprimer|print))*\W*$"
)
_TAG_LINE = re.compile(r"^\W*(tags|mots[- ]cles|etiquettes|topics|topicos|temas|keywords)\s*:")
_CAPTION = re.compile(
    r"^\W*(photo|photos|credit\s+photo|photo\s+credit|credit|foto|fotos|credito|image|illustration)"
    r"\s*(:|©|/)|^\s*©"
)
_NEWSLETTER = re.compile(
    r"newsletter|abonnez-vous|inscrivez-vous|subscribe\s+to|sign\s+up\s+for|inscreva-se|"
    r"assine\s+a|recevez\s+(nos|chaque|toute)|suivez-nous\s+sur|follow\s+us\s+on|siga-nos"
)


def is_furniture_line(paragraph: Paragraph) -> bool:
    """True for lines that are page furniture even when they sit inside the article."""
    folded = fold(paragraph.text)
    words = len(folded.split())
    if _READ_ALSO.search(folded) or _TAG_LINE.search(folded) or _CAPTION.search(folded):
        return True
    if words <= 8 and _SHARE.search(folded):
        return True
    if words <= 30 and _NEWSLETTER.search(folded):
        return True
    # A line that is only a link, and longer than a signature, is a related-story link.
    return words >= 4 and paragraph.link_density > 0.9


def _inside_furniture(element: HtmlElement) -> bool:
    return any(is_furniture(ancestor) for ancestor in element.iterancestors())


def find_containers(tree: HtmlElement, selectors: tuple[str, ...]) -> list[HtmlElement]:
    """Body containers of the first selector that matches outside furniture (outermost only)."""
    for selector in selectors:
        found = [el for el in select(tree, selector) if not _inside_furniture(el)]
        outermost = [el for el in found if not any(other in found for other in el.iterancestors())]
        if outermost and any(text_of(el) for el in outermost):
            return outermost
    return []


def _drop_in_container(container: HtmlElement) -> None:
    for element in list(container.iter("header", "h1", "figure", "figcaption", "style", "script")):
        parent = element.getparent()
        if parent is not None and element is not container:
            element.drop_tree()


def body_from_containers(containers: list[HtmlElement], title: str | None) -> list[str]:
    """The article paragraphs inside the given containers, furniture lines removed."""
    paragraphs: list[Paragraph] = []
    for container in containers:
        _drop_in_container(container)
        paragraphs.extend(paragraphs_of(container))
    return _keep_prose(paragraphs, title)


def _keep_prose(paragraphs: list[Paragraph], title: str | None) -> list[str]:
    kept: list[str] = []
    skipping_related = False
    for paragraph in paragraphs:
        if title and paragraph.text == title:
            continue
        if _READ_ALSO.search(fold(paragraph.text)):
            # The links that follow a "Lire aussi" heading belong to it.
            skipping_related = paragraph.link_density < 0.5
            continue
        if skipping_related and paragraph.link_density > 0.5:
            continue
        skipping_related = False
        if is_furniture_line(paragraph):
            continue
        kept.append(paragraph.text)
    return kept


def body_by_trafilatura(tree: HtmlElement, address: str, title: str | None) -> list[str]:
    """Main text of an unknown layout, found by trafilatura, as paragraphs."""
    try:
        document = bare_extraction(
            tree,
            url=address,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            include_images=False,
        )
    except Exception:  # trafilatura fails in assorted ways on hostile trees
        return []
    body = getattr(document, "body", None)
    if body is None:
        return []
    paragraphs: list[Paragraph] = []
    for child in body:
        rows = list(child.iter("item", "row")) or [child]
        for row in rows:
            text = normalise_line(" ".join(row.itertext()))
            if text:
                paragraphs.append(Paragraph(text, 0, str(child.tag)))
    return _keep_prose(paragraphs, title)
