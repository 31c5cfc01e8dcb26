"""Bytes to text: pick the charset, refuse what is not HTML, repair what the charset broke.

Order of trust: the charset the crawler settled on (``FetchedPage.encoding``), the HTTP
``Content-Type`` header, the byte-order mark, the page's own declaration (``<meta charset>``,
``http-equiv``, the XML declaration), then detection (charset-normalizer). A declared charset
that cannot decode the bytes is skipped rather than obeyed. Two kinds of damage are repaired:
a UTF-8 page with windows-1252 passages pasted into it (the old francophone CMS pages edited
in a word processor) is untangled byte by byte, and mojibake left by a charset that lied
(UTF-8 bytes declared as Latin-1) is repaired with ftfy.

The declared charsets are read by ``workers.stages.charsets`` (the crawler reads them there
too). beautifulsoup4's ``bs4.dammit`` does the untangling of mixed UTF-8 and windows-1252
(:meth:`UnicodeDammit.detwingle`). The page is still parsed once, by lxml (``document.py``):
bs4 never builds a tree here.
"""

from __future__ import annotations

import codecs
import unicodedata

from bs4.dammit import UnicodeDammit
from charset_normalizer import from_bytes

from workers.stages.charsets import SNIFF_BYTES, declared_charsets, usable_codec
from workers.stages.clean.textnorm import looks_like_mojibake, repair
from workers.stages.errors import StageFailed

# Formats that crawlers receive under a text/html label but that are not pages.
_BINARY_SIGNATURES: dict[bytes, str] = {
    b"%PDF-": "pdf_content",
    b"\x89PNG": "binary_content",
    b"\xff\xd8\xff": "binary_content",
    b"GIF8": "binary_content",
    b"PK\x03\x04": "binary_content",
    b"\x1f\x8b": "binary_content",
    b"\x00\x00\x01\x00": "binary_content",
    b"RIFF": "binary_content",
    b"OggS": "binary_content",
    b"ID3": "binary_content",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DETECT_BYTES = 65536


# C0 controls other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def _refuse_binary(body: bytes) -> None:
    stripped = body.lstrip()
    for signature, reason in _BINARY_SIGNATURES.items():
        if stripped.startswith(signature):
            raise StageFailed("clean", reason, f"body starts with {signature!r}; not an HTML page")
    head = body[:SNIFF_BYTES]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if control > len(head) * 0.05:
        raise StageFailed(
            "clean", "binary_content", f"{control} control bytes in the first {len(head)}"
        )


def _untangled_utf8(body: bytes) -> str | None:
    """A UTF-8 page with windows-1252 passages in it, as UTF-8 throughout; None when the
    bytes are something else (they still do not decode once the passages are converted)."""
    try:
        return UnicodeDammit.detwingle(body).decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_html(
    body: bytes, encoding: str | None = None, headers: dict[str, str] | None = None
) -> str:
    """The page as text (repaired, NFC), or :class:`StageFailed` when it is not a text page."""
    if not body or not body.strip():
        raise StageFailed("clean", "empty_body", "the response had no content")
    _refuse_binary(body)
    text: str | None = None
    declared: list[str] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            text = body.decode(name, errors="replace")
            break
    if text is None:
        declared = declared_charsets(body, encoding, (headers or {}).get("content-type"))
        for name in declared:
            try:
                text = body.decode(name)
                break
            except (UnicodeDecodeError, LookupError):
                continue  # the declaration lies about these bytes; try the next clue
    if text is None and declared and declared[0] == "utf-8":
        text = _untangled_utf8(body)
    if text is None:
        best = from_bytes(body[:_DETECT_BYTES]).best()
        name = usable_codec(best.encoding if best else None) or "utf-8"
        text = body.decode(name, errors="replace")
    if "\x00" in text:
        text = text.replace("\x00", "")
    if looks_like_mojibake(text):
        return repair(text)
    return unicodedata.normalize("NFC", text)
