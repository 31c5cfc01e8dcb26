"""The charsets a page declares: its HTTP header, its byte-order mark, its own ``<meta>``.

Read by the crawler, which records the declared charset with each page it fetches, and by the
cleaning stage's decoder (``workers.stages.clean.decode``), so that both agree on what a page
says. Kept apart from the decoder so that the crawl process, which only fetches, never loads
the extraction stack (trafilatura, the language model, numpy) to read a header.

beautifulsoup4's ``bs4.dammit.EncodingDetector`` reads the byte-order mark and the page's own
declaration (it knows every form: ``<meta charset>``, ``http-equiv``, the XML declaration).
"""

from __future__ import annotations

import codecs
import re

from bs4.dammit import EncodingDetector

SNIFF_BYTES = 4096  # a declaration further into the page than this is not looked for

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def usable_codec(name: str | None) -> str | None:
    """A codec name Python knows, normalised; None for unknown or missing names."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charsets(
    body: bytes, encoding: str | None = None, content_type: str | None = None
) -> list[str]:
    """The charsets ``body`` is declared in, most trusted first (Python codec names): the
    crawler's choice, the ``Content-Type`` header's, the byte-order mark's, the page's own
    declaration. Cheap (the first ``SNIFF_BYTES`` are read); nothing is detected."""
    header = _HEADER_CHARSET.search(content_type or "")
    head = body[:SNIFF_BYTES]
    _, bom = EncodingDetector.strip_byte_order_mark(head)
    candidates = [
        encoding,
        header.group(1) if header else None,
        bom,
        EncodingDetector.find_declared_encoding(head, is_html=True),
    ]
    names: list[str] = []
    for candidate in candidates:
        name = usable_codec(candidate)
        # Latin-1 is what pages that say "iso-8859-1" really mean by it: cp1252 (curly
        # quotes, œ, €), as browsers read it too.
        if name == "latin-1":
            name = "cp1252"
        if name and name not in names:
            names.append(name)
    return names
