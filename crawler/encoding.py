"""The charset of a fetched page: the HTTP header, then the page's own declaration, then
detection.

Older francophone sites often serve windows-1252 while declaring it only in a ``<meta>`` tag,
and some send no declaration at all; decoding those as UTF-8 would mangle every accent.
"""

from __future__ import annotations

import codecs

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Detection on the first bytes is enough and keeps large pages cheap.
DETECTION_WINDOW = 64 * 1024


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def resolve_encoding(content_type: str | None, body: bytes) -> str | None:
    """The Python codec name to decode ``body`` with, or None when nothing can tell."""
    declared = _known(http_content_type_encoding(content_type or ""))
    if declared:
        return declared
    declared = _known(html_body_declared_encoding(body))
    if declared:
        return declared
    bom, _ = read_bom(body)
    if bom:
        return _known(bom)
    best = charset_normalizer.from_bytes(body[:DETECTION_WINDOW]).best()
    return _known(best.encoding) if best else None
