"""Pages served content-encoded (gzip, deflate) arrive whole and in their own charset: a crawl
of a local site, and the middleware that keeps Scrapy from guessing the charset of bytes still
compressed."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import yaml
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawler.compressed import CompressedAsPlainMiddleware
from storage.db import open_store
from storage.models import Article
from tests.crawler.crawling import run_crawl_process
from tests.crawler.outlets import FakeOutlet, article_html, urlset

ACCENTED = "Sécurité alimentaire : les éleveurs de Ségou réclament l'aide promise"


def _undeclared_cp1252(slug: str) -> bytes:
    """An article in windows-1252 that declares no charset (header or meta), as older
    francophone sites serve them."""
    page = article_html(slug, title=ACCENTED).replace('<meta charset="utf-8">', "")
    return page.encode("cp1252")


def test_a_crawl_stores_gzipped_and_deflated_pages_in_their_charset(tmp_path: Path) -> None:
    outlet = FakeOutlet("127.0.0.43")
    pages = {
        "/2025/02/06/gzip-cp1252.html": (gzip.compress(_undeclared_cp1252("a")), "gzip"),
        "/2025/02/06/gzip-utf8.html": (gzip.compress(article_html("b").encode()), "gzip"),
        "/2025/02/06/deflate-cp1252.html": (zlib.compress(_undeclared_cp1252("c")), "deflate"),
    }
    for path, (body, coding) in pages.items():
        outlet.add(path, body, Content_Type="text/html", Content_Encoding=coding)
    outlet.add("/sitemap.xml", urlset([outlet.url(path) for path in pages]),
               Content_Type="application/xml")
    outlet.add("/robots.txt", b"User-agent: *\nAllow: /\n", Content_Type="text/plain")
    outlet.start()
    try:
        source = {"id": "compresse", "name": "Compressé", "country": "ML", "language": "fr",
                  "homepage": outlet.url("/"), "sitemaps": [outlet.url("/sitemap.xml")]}
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
        database_url = f"sqlite:///{tmp_path}/compressed.db"
        summary = run_crawl_process(sources, database_url)
        assert summary["_exit"] == 0, summary["_stderr"][-3000:]
    finally:
        outlet.stop()
    store = open_store(database_url)
    with store.session() as session:
        titles = {row.url.rsplit("/", 1)[1]: row.title for row in session.scalars(select(Article))}
    store.dispose()
    assert titles["gzip-cp1252.html"] == ACCENTED
    assert titles["deflate-cp1252.html"] == ACCENTED
    assert titles["gzip-utf8.html"] and titles["gzip-utf8.html"].startswith("Actualité b")


class _CountingHtmlResponse(HtmlResponse):
    """An HtmlResponse that counts its charset guesses."""

    guesses = 0

    def _body_inferred_encoding(self) -> str:
        type(self).guesses += 1
        return super()._body_inferred_encoding()


def test_no_charset_is_guessed_on_a_compressed_body() -> None:
    body = _undeclared_cp1252("d")
    request = Request("http://127.0.0.43/a.html")
    compressed = _CountingHtmlResponse(
        request.url, body=gzip.compress(body), request=request,
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
    )
    plain = CompressedAsPlainMiddleware().process_response(request, compressed)
    decompressing = HttpCompressionMiddleware.from_crawler(get_crawler())
    decoded = decompressing.process_response(request, plain)
    assert _CountingHtmlResponse.guesses == 0
    assert isinstance(decoded, HtmlResponse) and decoded.body == body
    assert ACCENTED in decoded.text
    # Without the middleware, Scrapy's replace() guesses on the compressed bytes first.
    decompressing.process_response(request, compressed)
    assert _CountingHtmlResponse.guesses == 1
