"""Web archive files read record by record: each HTTP response a page to import, or a reason.

:func:`read_archive` streams one WARC or ARC file (gzipped per record or not) through warcio:
one record at a time, a page's body read up to the page size cap and the rest of the record
drained in blocks, so that memory stays flat whatever the file's size. Each record becomes a
``FetchedPage`` with origin ``import`` (an HTTP ``200`` HTML response of a URL the caller routes
to a source: the address a kibaru export says was requested, canonicalised, the target URI
its final address, headers as fetched without Content-Encoding and Transfer-Encoding, the body
decoded, ``WARC-Date`` its fetch date, the charset it declares) or a :class:`Skipped` with
the reason (one of :data:`REASONS`). A record cut short by the end
of the file (a download or a copy that stopped) ends the file with ``truncated``; a file
damaged after its first record ends with ``unreadable``: what came before is kept.
:func:`check_archive` tells a file that is no web archive (or missing) before anything is read.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException
from warcio.timeutils import iso_date_to_datetime

from crawler.encoding import resolve_encoding
from crawler.urls import canonical_url
from storage.export import HINTS_HEADER, REQUESTED_HEADER
from workers.stages.page import FetchedPage

# Why a record was not imported, as counted and shown (kept in the run's counts).
REASONS: Final[dict[str, str]] = {
    "off_registry": "host of no registered source",
    "not_article_url": "URL outside its source's article_pattern",
    "not_http": "not an http(s) URL (dns:, filedesc:…)",
    "not_html": "not an HTML response",
    "status": "HTTP status other than 200",
    "encoding": "Content-Encoding that cannot be decoded",
    "too_large": "body over KIBARU_MAX_PAGE_BYTES",
    "bad_body": "body that cannot be decoded (broken chunking or compression)",
    "revisit": "revisit record (no body of its own)",
    "request": "request record",
    "metadata": "metadata record",
    "warcinfo": "warcinfo record (or an ARC file header)",
    "other_record": "resource, conversion or continuation record",
    "already_stored": "page already stored (an earlier crawl or import)",
    "repeated": "same URL earlier in this import",
    "truncated": "record cut short by the end of the file (the file ends there)",
    "unreadable": "damaged record (the rest of the file is not read)",
}
HTML_TYPES: Final = ("text/html", "application/xhtml+xml")
ABSOLUTE_URI: Final = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
# Blocks in which the rest of a record is read past (a record may be larger than memory).
DRAIN_BLOCK: Final = 1 << 16
# Headers of the wire form that no longer describe a stored (decoded, whole) body.
WIRE_HEADERS: Final = frozenset({"content-encoding", "transfer-encoding"})


class ArchiveError(ValueError):
    """A file that cannot be imported at all (missing, unreadable, not a WARC or ARC)."""


@dataclass(frozen=True)
class Skipped:
    """A record not imported: ``reason`` is a key of :data:`REASONS`; ``detail`` says more
    (the status, the error) where there is more to say."""

    reason: str
    url: str = ""
    detail: str = ""


# Routes a target URI to its source's id, or says why it is skipped.
Route = Callable[[str], "str | Skipped"]


def check_archive(path: Path) -> None:
    """Raise :class:`ArchiveError` (one line, how to fix) unless ``path`` is a readable web
    archive: its first record parses as WARC or ARC."""
    if not path.is_file():
        raise ArchiveError(f"{path}: no such file (name a .warc, .warc.gz, .arc or .arc.gz file)")
    try:
        with path.open("rb") as handle:
            first = next(iter(ArchiveIterator(handle, arc2warc=True)), None)
            if first is None:
                raise ArchiveError(f"{path}: empty file, not a WARC or ARC file")
            _check_first(path, first)
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    except (ArchiveLoadFailed, ValueError, AttributeError, EOFError) as exc:
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"{path}: not a WARC or ARC file ({_first_line(exc)})") from exc


def _check_first(path: Path, record: ArcWarcRecord) -> None:
    # warcio reads any line of five words as an ARC record header, so a text file would pass
    # for an ARC file: a real archive opens with its warcinfo (an ARC's "filedesc://"
    # header) or at least a record of an absolute URI.
    if record.rec_type != "warcinfo" and not ABSOLUTE_URI.match(_target(record)):
        raise ArchiveError(f"{path}: not a WARC or ARC file (no WARC header, no ARC filedesc)")


def read_archive(path: Path, *, route: Route, max_bytes: int) -> Iterator[FetchedPage | Skipped]:
    """Every record of the archive at ``path``, in order, as a page or a skip (see the module
    docstring). ``route`` gives a target URI's source id, or its :class:`Skipped`; bodies over
    ``max_bytes`` are skipped as ``too_large``. Raises :class:`ArchiveError` when the file is
    no archive at all (call :func:`check_archive` first to fail before anything is imported).
    """
    with path.open("rb") as handle:
        yield from _records(path, handle, route, max_bytes)


def _records(
    path: Path, handle: IO[bytes], route: Route, max_bytes: int
) -> Iterator[FetchedPage | Skipped]:
    size = os.fstat(handle.fileno()).st_size
    archive = ArchiveIterator(handle, arc2warc=True)
    records = iter(archive)
    first = True
    while True:
        try:
            record = next(records, None)
            if record is None:
                # warcio ends quietly when the file ends inside a record's header block: the
                # bytes after the last whole record say so.
                if not first and archive.offset < size:
                    yield Skipped("truncated", "", f"{path.name} ends inside a record's header")
                return
            if first:
                _check_first(path, record)
            url = _target(record)
            if record.rec_headers.get_header("Content-Length") is None:
                # Every WARC record states its length (warcio gives converted ARC records
                # theirs): without it the header block was cut short by the end of the file.
                yield Skipped("truncated", url, f"{path.name} ends inside this record's header")
                return
            outcome = _read(record, url, route, max_bytes)
            if _drain(record):
                yield Skipped("truncated", url, f"{path.name} ends inside this record")
                return
        except ArchiveError:
            raise
        except (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, AttributeError,
                EOFError, OSError) as exc:
            if first:
                raise ArchiveError(f"{path}: not a WARC or ARC file ({_first_line(exc)})") from exc
            # A record that does not parse in the file's last block is one the file ends
            # inside; further back, the file is damaged there.
            reason = "truncated" if handle.tell() >= size else "unreadable"
            yield Skipped(reason, "", _first_line(exc))
            return
        first = False
        yield outcome


def _read(record: ArcWarcRecord, url: str, route: Route, max_bytes: int) -> FetchedPage | Skipped:
    """What ``record`` is worth importing; reads its body only when it is a page to import."""
    kind = record.rec_type
    if kind != "response":
        reason = kind if kind in ("revisit", "request", "metadata", "warcinfo") else "other_record"
        return Skipped(reason, url)
    if not url.lower().startswith(("http://", "https://")) or record.http_headers is None:
        return Skipped("not_http", url)
    routed = route(url)
    if isinstance(routed, Skipped):
        return routed
    http = record.http_headers
    status = _status(http.get_statuscode())
    if status != 200:
        return Skipped("status", url, f"HTTP {status}")
    content_type = (http.get_header("content-type") or "").lower()
    if content_type and not any(kind in content_type for kind in HTML_TYPES):
        return Skipped("not_html", url, content_type.split(";")[0].strip())
    coding = (http.get_header("content-encoding") or "").lower().strip()
    decodable = BufferedReader.get_supported_decompressors()
    if coding and coding != "identity" and coding not in decodable:
        return Skipped("encoding", url, coding)
    try:
        body = record.content_stream().read(max_bytes + 1)
    except Exception as exc:  # zlib, brotli and warcio's de-chunking each raise their own
        return Skipped("bad_body", url, _first_line(exc))
    if len(body) > max_bytes:
        return Skipped("too_large", url, f"over {max_bytes} bytes")
    requested = str(record.rec_headers.get_header(REQUESTED_HEADER) or "").strip()
    if not requested or route(requested) != routed:  # never a page of another source
        requested = url
    headers = _headers(http.headers)
    return FetchedPage(
        url=canonical_url(requested), final_url=url, source=routed, status=status,
        headers=headers, body=body,
        encoding=resolve_encoding(headers.get("content-type"), body),
        fetched_at=_fetched_at(record), hints=_hints(record), origin="import",
    )


def _drain(record: ArcWarcRecord) -> bool:
    """Read past the rest of ``record``; True when the file ended before its declared length."""
    raw = record.raw_stream
    while raw.read(DRAIN_BLOCK):
        pass
    return int(getattr(raw, "limit", 0) or 0) > 0


def _target(record: ArcWarcRecord) -> str:
    return str(record.rec_headers.get_header("WARC-Target-URI") or "").strip()


def _status(code: Any) -> int:
    try:
        return int(code)
    except (TypeError, ValueError):
        return 0


def _headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        if key in WIRE_HEADERS:
            continue
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _fetched_at(record: ArcWarcRecord) -> datetime:
    stamp = record.rec_headers.get_header("WARC-Date")
    if stamp:
        try:
            return iso_date_to_datetime(stamp).replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _hints(record: ArcWarcRecord) -> dict[str, str]:
    """What a kibaru export kept of discovery's hints (``published_at``); nothing else."""
    raw = record.rec_headers.get_header(HINTS_HEADER)
    if not raw:
        return {}
    try:
        hints = json.loads(raw)
    except ValueError:
        return {}
    published = hints.get("published_at") if isinstance(hints, dict) else None
    return {"published_at": published} if isinstance(published, str) else {}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__
