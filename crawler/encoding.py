"""The charset a fetched page declares, as the crawler records it with the page.

Only what is declared (the HTTP header, the byte-order mark, the page's own ``<meta>``), read
by the reader the cleaning stage uses too (``workers.stages.charsets``), so that the crawl and the
stage agree on what a page says. Detection, for pages that declare nothing (older francophone
sites often don't), is the cleaning stage's job: it costs CPU that the crawl's event loop,
which only fetches, must not spend.
"""

from __future__ import annotations

from workers.stages.charsets import declared_charsets


def resolve_encoding(content_type: str | None, body: bytes) -> str | None:
    """The Python codec name ``body`` declares (header first), or None when it declares none."""
    declared = declared_charsets(body, None, content_type)
    return declared[0] if declared else None
