"""Charset resolution and Retry-After parsing (the address guard: test_address_policy)."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

from crawler.encoding import resolve_encoding
from crawler.middlewares import retry_after_seconds
from workers.stages.clean.decode import decode_html

PAGE = "<html><head>{meta}</head><body><p>Le président a inauguré l'école.</p></body></html>"


def test_http_header_wins() -> None:
    body = PAGE.format(meta='<meta charset="windows-1252">').encode("utf-8")
    assert resolve_encoding("text/html; charset=UTF-8", body) == "utf-8"


def test_meta_tag_when_the_header_names_no_charset() -> None:
    body = PAGE.format(
        meta='<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    ).encode("cp1252")
    encoding = resolve_encoding("text/html", body)
    assert encoding == "cp1252"
    assert "président a inauguré l'école" in body.decode(encoding)


def test_nothing_declared_is_left_to_the_cleaning_stage() -> None:
    # Detection costs CPU the crawl's event loop must not spend: the stage detects.
    body = PAGE.format(meta="").encode("cp1252")
    assert resolve_encoding(None, body) is None
    assert "président a inauguré l'école" in decode_html(body, None, {})


def test_the_byte_order_mark_is_a_declaration() -> None:
    body = codecs.BOM_UTF8 + PAGE.format(meta="").encode("utf-8")
    assert resolve_encoding("text/html", body) == "utf-8"


def test_retry_after_seconds_and_dates() -> None:
    assert retry_after_seconds(b"120") == 120.0
    now = datetime(2025, 2, 6, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("Thu, 06 Feb 2025 10:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Thu, 06 Feb 2025 09:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None
