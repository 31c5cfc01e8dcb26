"""Web archive files for the import tests, written with warcio as archiving crawlers write
them (and an ARC file by hand: warcio reads ARC but writes only WARC), and ``kibaru
import-warc`` run as a command against a store the test then reads."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage.db import open_store
from storage.models import CrawlRun
from tests.crawler.crawling import REPO, crawl_env

FIXTURES = REPO / "tests" / "fixtures" / "pages"
SN = "http://archives-sn.test"
ML = "http://www.archives-ml.test"  # a subdomain of the source's host, as the crawl allows
# Archived article pages: real outlets' fixture pages, at addresses of the test sources.
ARTICLES = {
    f"{SN}/campagne-arachidiere/": "aps/campagne-arachidiere",
    f"{SN}/ter-frequentation/": "senego/ter-frequentation",
    f"{ML}/examens-fin-annee": "essor/examens-fin-annee",
}
Record = Callable[[WARCWriter], Any]


def write_sources(directory: Path) -> Path:
    """A sources file of two outlets on the test hosts (nothing is fetched: an import only
    matches hosts)."""
    sources = [
        {"id": "arch-sn", "name": "Archives Sénégal", "country": "SN", "language": "fr",
         "homepage": "http://archives-sn.test/"},
        {"id": "arch-ml", "name": "Archives Mali", "country": "ML", "language": "fr",
         "homepage": "http://archives-ml.test/"},
    ]
    path = directory / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return path


def fixture_page(name: str) -> bytes:
    """The bytes of a real outlet's page shipped as a fixture (``aps/campagne-arachidiere``)."""
    return (FIXTURES / f"{name}.html").read_bytes()


def response(
    url: str, body: bytes, *, status: str = "200 OK",
    content_type: str = "text/html; charset=utf-8", date: str = "2025-02-06T10:00:00Z",
    headers: Iterable[tuple[str, str]] = (),
) -> Record:
    """A ``response`` record of ``url``, fetched at ``date``."""
    http = StatusAndHeaders(
        status, [("Content-Type", content_type), *headers, ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )
    return lambda writer: writer.create_warc_record(
        url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
        warc_headers_dict={"WARC-Date": date},
    )


def revisit(url: str) -> Record:
    """A ``revisit`` record (identical payload digest): headers only, no body of its own."""
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    return lambda writer: writer.create_revisit_record(
        url, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", refers_to_uri=url,
        refers_to_date="2025-02-01T10:00:00Z", http_headers=http,
    )


def request(url: str) -> Record:
    http = StatusAndHeaders(
        "GET / HTTP/1.1", [("Host", url.split("/")[2])], is_http_request=True
    )
    return lambda writer: writer.create_warc_record(url, "request", http_headers=http)


def metadata(url: str) -> Record:
    body = b"via: https://example.org/\nhopsFromSeed: L\n"
    return lambda writer: writer.create_warc_record(
        url, "metadata", payload=BytesIO(body), length=len(body),
        warc_content_type="application/warc-fields",
    )


def write_warc(path: Path, records: list[Record], *, gzip: bool) -> list[int]:
    """Write a warcinfo record then ``records`` to ``path`` (each record gzipped on its own
    when ``gzip``); return the offset where each of ``records`` starts."""
    offsets = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for make in records:
            offsets.append(handle.tell())
            writer.write_record(make(writer))
    return offsets


def cut_last_record(path: Path, offsets: list[int], *, within: str = "body") -> None:
    """Cut the file inside its last record (a download that stopped): in the middle of it
    (``body``), or 60 bytes in, inside its WARC header block (``header``)."""
    size = path.stat().st_size
    cut = offsets[-1] + (60 if within == "header" else (size - offsets[-1]) // 2)
    with path.open("r+b") as handle:
        handle.truncate(cut)


def write_arc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    """An ARC (version 1) file: its filedesc header, then one record per (url, HTTP response
    bytes), uncompressed."""
    description = b"1 0 kibaru-tests\nURL IP-address Archive-date Content-type Archive-length\n"
    parts = [b"filedesc://%s 0.0.0.0 20250206100000 text/plain %d\n%s\n"
             % (path.name.encode(), len(description), description)]
    for url, payload in pages:
        parts.append(b"%s 127.0.0.1 20250206100000 text/html %d\n%s\n"
                     % (url.encode(), len(payload), payload))
    path.write_bytes(b"".join(parts))


def http_response(body: bytes, content_type: str = "text/html; charset=utf-8") -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
            % (content_type.encode(), len(body), body))


def import_warc(
    database_url: str, sources_file: Path, *files: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """``kibaru import-warc FILES --sources SOURCES_FILE`` into ``database_url``, with only
    the test's sources registered."""
    command = [sys.executable, "-m", "kibaru", "import-warc", *map(str, files),
               "--sources", str(sources_file)]
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300,
        env=crawl_env(database_url, KIBARU_BUILTIN_SOURCES="false", COLUMNS="200", **env),
    )


def last_run(database_url: str) -> CrawlRun:
    store = open_store(database_url)
    try:
        with store.session() as session:
            run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
            assert run is not None, "no run was recorded"
            session.expunge(run)
            return run
    finally:
        store.dispose()
