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
from collections import Counter
from collections.abc import Callable

from lxml.html import HtmlElement
from trafilatura import bare_extraction

from workers.stages.clean.boilerplate import is_furniture
from workers.stages.clean.datetext import fold
from workers.stages.clean.evidence import Candidate, Choice
from workers.stages.clean.htmltree import select, text_of
from workers.stages.clean.paragraphs import Paragraph, paragraphs_of
from workers.stages.clean.textnorm import count_words, normalise_line

_READ_ALSO = re.compile(
    r"^\W*(a\s+)?(lire|lisez|voir)\s+(aussi|egalement|plus)|^\W*(read|see)\s+(also|more)\b|"
    r"^\W*also\s+read\b|^\W*related\s*(:|articles?|stories|news)|^\W*(leia|veja)\s+(tambem|mais)\b|"
    r"^\W*saiba\s+mais\b|^\W*sur\s+le\s+meme\s+sujet\b|^\W*dans\s+la\s+meme\s+rubrique\b|"
    # the same heading in the other languages of the suites' pages
    r"^\W*(lesen\s+sie\s+(auch|mehr)|auch\s+interessant|mehr\s+zum\s+thema|weitere\s+artikel|"
    r"das\s+konnte\s+sie\s+auch\s+interessieren|lee\s+tambien|te\s+puede\s+interesar|"
    r"leggi\s+anche|czytaj\s+(wiecej|takze|rowniez)|taip\s+pat\s+skaitykite)\W*$"
)
# Labels of the ads a page places between paragraphs.
_AD_LABEL = re.compile(
    r"^\W*(werbung(\s+uberspringen)?|anzeige|advertisement|publicite|publicidad|"
    r"reklama|sponsored(\s+content)?|contenu\s+sponsorise)\W*$"
)
# A photo caption: a short line that ends crediting the picture ("… © Gemeinde Tristach").
_CAPTION_CREDIT = re.compile(r"\s©\s*[^©]{2,60}$")
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
    if _AD_LABEL.search(folded) or (words <= 40 and _CAPTION_CREDIT.search(paragraph.text)):
        return True
    if words <= 8 and _SHARE.search(folded):
        return True
    if words <= 30 and _NEWSLETTER.search(folded):
        return True
    # A line that is only a link, and longer than a signature, is a related-story link.
    return words >= 4 and paragraph.link_density > 0.9


def _inside_furniture(element: HtmlElement) -> bool:
    return any(is_furniture(ancestor) for ancestor in element.iterancestors())


def find_containers(
    tree: HtmlElement, selectors: tuple[str, ...]
) -> tuple[str | None, list[HtmlElement]]:
    """The first selector that matches outside furniture, with its containers (outermost
    only); ``(None, [])`` when none does."""
    for selector in selectors:
        found = [el for el in select(tree, selector) if not _inside_furniture(el)]
        outermost = [el for el in found if not any(other in found for other in el.iterancestors())]
        if outermost and any(text_of(el) for el in outermost):
            return selector, outermost
    return None, []


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
    return _printed_once(kept)


# A body whose repeated long paragraphs make up this share of its words is printed twice.
_COPY_SHARE = 0.4
_REPEAT_WORDS = 8
_COPIED_BLOCK_WORDS = 60


def _printed_once(paragraphs: list[str]) -> list[str]:
    """The paragraphs of a body printed twice (a mobile and a desktop copy in one
    container), each once; a body that only repeats a few lines (a recipe's steps, a
    refrain) is left as it is."""
    seen: set[str] = set()
    repeated: set[str] = set()
    once: list[str] = []
    repeated_words = 0
    for paragraph in paragraphs:
        words = count_words(paragraph)
        if words >= _REPEAT_WORDS and paragraph in seen:
            repeated_words += words
            repeated.add(paragraph)
            continue
        seen.add(paragraph)
        once.append(paragraph)
    total = sum(count_words(paragraph) for paragraph in paragraphs)
    # A copy repeats several different paragraphs, or a whole block of text; a line said
    # again and again does not.
    copied = repeated_words >= _COPY_SHARE * total and (
        len(repeated) >= 2 or any(count_words(text) >= _COPIED_BLOCK_WORDS for text in repeated)
    )
    return once if copied else paragraphs


def body_by_trafilatura(
    tree: HtmlElement, address: str, title: str | None, *, fast: bool = False
) -> list[str]:
    """Main text of an unknown layout, found by trafilatura, as paragraphs; ``fast`` skips
    its second opinions (readability, jusText): enough to check a container against."""
    try:
        document = bare_extraction(
            tree,
            url=address,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            include_images=False,
            fast=fast,
        )
    except Exception:  # trafilatura fails in assorted ways on hostile trees
        return []
    body = getattr(document, "body", None)
    if body is None:
        return []
    paragraphs: list[Paragraph] = []
    # Text can sit straight in the output's body, after a heading (its tail): it is a
    # paragraph like the others (a page whose paragraphs are bare text between headings).
    _emit(body.text or "", "p", paragraphs)
    for child in body:
        _output_blocks(child, paragraphs)
        _emit(child.tail or "", "p", paragraphs)
    return _keep_prose(paragraphs, title)


# trafilatura's output elements that hold paragraphs of their own.
_OUTPUT_BLOCKS = frozenset({"p", "head", "list", "item", "table", "row", "quote", "div", "code"})


def _output_blocks(element: object, out: list[Paragraph]) -> None:
    """The paragraphs of one element of trafilatura's output: a block holding blocks gives its
    own text, each inner block and the text between them, in order (a ``div`` holding a
    whole article, two list items among its paragraphs, keeps everything)."""
    has_blocks = any(getattr(child, "tag", None) in _OUTPUT_BLOCKS for child in element)  # type: ignore[attr-defined]
    tag = str(getattr(element, "tag", ""))
    if not has_blocks:
        _emit(" ".join(element.itertext()), tag, out)  # type: ignore[attr-defined]
        return
    _emit(element.text or "", tag, out)  # type: ignore[attr-defined]
    for child in element:  # type: ignore[attr-defined]
        if child.tag in _OUTPUT_BLOCKS:  # a list lookup per child was quadratic in long tables
            _output_blocks(child, out)
        else:
            _emit(" ".join(child.itertext()), tag, out)
        _emit(child.tail or "", tag, out)


def _emit(raw: str, tag: str, out: list[Paragraph]) -> None:
    text = normalise_line(raw)
    if text:
        out.append(Paragraph(text, 0, tag))


_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…»”\"')\]]\s*$")
# Paragraphs of at least this many words that end a sentence count as prose.
_PROSE_WORDS = 8
# Less prose than this from the furniture-free page sends trafilatura to the whole page.
THIN_BODY_WORDS = 80
# Both texts must hold this share of what they have in common for them to agree.
AGREEMENT = 0.6
# Without agreement, the general extractor replaces a container only with this much more
# prose: its paragraphs are coarser (a menu glued to a paragraph reads as prose).
PROSE_MARGIN = 1.5


def _shingles(paragraphs: list[str]) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(" ".join(paragraphs).casefold())
    return Counter(tuple(words[i : i + 4]) for i in range(max(0, len(words) - 3)))


def prose_words(paragraphs: list[str]) -> int:
    """Words in paragraphs that read as prose (long enough, ending a sentence)."""
    total = 0
    for paragraph in paragraphs:
        words = count_words(paragraph)
        if words >= _PROSE_WORDS and _SENTENCE_END.search(paragraph):
            total += words
    return total


def agreement(first: list[str], second: list[str]) -> tuple[float, float]:
    """(share of ``first``'s 4-word shingles in ``second``, share of ``second``'s in ``first``),
    repeats counted: a text that says everything twice shares only half of itself."""
    a, b = _shingles(first), _shingles(second)
    if not a or not b:
        return 0.0, 0.0
    common = (a & b).total()
    return common / a.total(), common / b.total()


def choose_body(
    from_containers: list[str],
    from_extractor: list[str],
    container_origin: str | None,
    extractor_origin: str = "trafilatura",
) -> Choice:
    """The body paragraphs: the container's when its text agrees with the general extractor's,
    else the candidate with more prose.

    Agreement is both ways (each holds at least :data:`AGREEMENT` of the other's 4-word
    shingles): a container that holds only a teaser, or the teaser and the comments, does not
    agree. Without agreement, prose decides: words in paragraphs long enough to be sentences,
    so a list of links or captions loses to the article; the extractor needs
    :data:`PROSE_MARGIN` times the container's prose to win. An outlet's own rule is trusted.
    """
    container = Candidate(from_containers, container_origin or "container")
    extractor = Candidate(from_extractor, extractor_origin)
    candidates = tuple(c for c in (container, extractor) if c.value)
    if not from_containers:
        if not from_extractor:
            return Choice([], None, "no body found", ())
        reason = "no body container matched" if container_origin is None else "container empty"
        return Choice(from_extractor, extractor_origin, reason, candidates)
    if not from_extractor or (container_origin or "").startswith("rule:"):
        reason = "the outlet's rule" if from_extractor else "the general extractor found nothing"
        return Choice(from_containers, container.origin, reason, candidates)
    in_extractor, in_container = agreement(from_containers, from_extractor)
    shares = f"{in_extractor:.2f}/{in_container:.2f} of their shingles shared"
    if in_extractor >= AGREEMENT and in_container >= AGREEMENT:
        reason = f"agrees with {extractor_origin} ({shares})"
        return Choice(from_containers, container.origin, reason, candidates)
    prose = prose_words(from_containers), prose_words(from_extractor)
    winner = container if PROSE_MARGIN * prose[0] >= prose[1] else extractor
    reason = f"no agreement ({shares}); more prose ({prose[0]} vs {prose[1]} words)"
    return Choice(winner.value, winner.origin, reason, candidates)


def general_body(
    stripped: HtmlElement,
    whole: Callable[[], HtmlElement],
    address: str,
    title: str | None,
    *,
    fast: bool = False,
) -> tuple[list[str], str]:
    """trafilatura's body of the furniture-free page, or of the whole page when that gives
    clearly more prose (a theme whose article wrapper is named like furniture leaves
    trafilatura next to nothing); with its origin. ``fast``: see :func:`body_by_trafilatura`."""
    paragraphs = body_by_trafilatura(stripped, address, title, fast=fast)
    if prose_words(paragraphs) >= THIN_BODY_WORDS:
        return paragraphs, "trafilatura"
    from_page = body_by_trafilatura(whole(), address, title, fast=fast)
    if prose_words(from_page) > PROSE_MARGIN * max(prose_words(paragraphs), 1):
        return from_page, "trafilatura:page"
    return paragraphs, "trafilatura"
