"""An element's text as paragraphs, the way a reader sees the blocks on screen.

Walks the tree without recursion (pages can nest hundreds of levels deep), starts a new
paragraph at every block element and at every ``<br>`` (old sites separate paragraphs,
and signature lines, with ``<br>`` only), and counts the characters inside links so that
lists of related links can be told from prose.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from workers.stages.clean.textnorm import normalise_line

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "td",
        "th",
        "tr",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "dd",
        "dt",
        "dl",
        "section",
        "article",
        "header",
        "hr",
        "center",
        "address",
        "main",
        "caption",
        "details",
        "summary",
    }
)


@dataclass(frozen=True)
class Paragraph:
    """One block of text; ``link_chars`` of its characters sit inside ``<a>`` elements."""

    text: str
    link_chars: int
    tag: str

    @property
    def link_density(self) -> float:
        return self.link_chars / max(1, len(self.text))


def paragraphs_of(root: HtmlElement) -> list[Paragraph]:
    """The paragraphs inside ``root`` (its own tail excluded), in reading order."""
    paragraphs: list[Paragraph] = []
    pieces: list[str] = []
    link_chars = 0
    link_depth = 0
    block_tag = root.tag if isinstance(root.tag, str) else "div"

    def flush() -> None:
        nonlocal link_chars
        text = normalise_line("".join(pieces))
        if text:
            paragraphs.append(Paragraph(text, min(link_chars, len(text)), block_tag))
        pieces.clear()
        link_chars = 0

    def add(text: str | None) -> None:
        nonlocal link_chars
        if text:
            pieces.append(text)
            if link_depth:
                link_chars += len(text.strip())

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in BLOCK_TAGS or tag == "br":
                flush()
                if tag in BLOCK_TAGS:
                    block_tag = tag
            if tag == "a":
                link_depth += 1
            add(element.text)
        else:
            if tag == "a":
                link_depth = max(0, link_depth - 1)
            if tag in BLOCK_TAGS:
                flush()
            if element is not root:
                add(element.tail)
    flush()
    return paragraphs
