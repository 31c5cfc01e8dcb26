"""A fetched page parsed once: the document every extraction step reads.

:func:`parse_document` decodes the bytes, builds the lxml tree, reads the meta tags and the
JSON-LD graph and detects the site family, once per page. The tree is kept as parsed: a step
that cuts furniture out works on :meth:`Document.working_tree`, a copy (copying a tree costs
a fraction of parsing it), so later steps (the byline stage's markup) still see the page whole.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml.html import HtmlElement

from workers.stages.clean.decode import decode_html
from workers.stages.clean.families import Family, detect_family
from workers.stages.clean.htmltree import parse_html
from workers.stages.clean.metadata import PageMetadata, read_metadata
from workers.stages.clean.nonarticle import reject_by_address
from workers.stages.errors import StageFailed
from workers.stages.page import FetchedPage

# Decoded pages beyond this are cut: no article is that long, and the parser's time and
# memory grow with it (the crawler caps downloads too, but the stage must not rely on it).
MAX_HTML_CHARS = 5_000_000


@dataclass(frozen=True)
class Document:
    """One page, parsed: ``html`` the decoded text, ``tree`` its lxml tree as parsed (never
    modified), ``metadata`` its meta tags and JSON-LD, ``family`` the site family detected."""

    address: str
    html: str
    tree: HtmlElement
    metadata: PageMetadata
    family: Family

    def working_tree(self) -> HtmlElement:
        """A copy of the tree for a step that removes elements from it."""
        return copy.deepcopy(self.tree)


def parse_document(page: FetchedPage) -> Document:
    """The page's :class:`Document`.

    Raises ``StageFailed`` for an HTTP error or bytes that are not a page, ``PageRejected``
    for an address that names a listing, search, contact or author page.
    """
    address = page.address
    if page.status >= 400:
        raise StageFailed("clean", "http_error", f"HTTP status {page.status}")
    reject_by_address(address)
    html = decode_html(page.body, page.encoding, page.headers)[:MAX_HTML_CHARS]
    tree = parse_html(html)
    metadata = read_metadata(tree, address)
    return Document(
        address=address,
        html=html,
        tree=tree,
        metadata=metadata,
        family=detect_family(html, tree, metadata),
    )
