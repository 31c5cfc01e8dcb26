"""``kibaru extract``: one page (or a manifest of pages) through clean + bylines, as JSON.

``kibaru extract PAGE.html --url URL [--source ID]`` reads a saved page; ``kibaru extract URL``
fetches it first. Without ``--source`` the source is the registry entry whose domain the URL
is on, if any. ``kibaru extract --manifest FILE`` reads JSON lines ``{"path": …, "url": …,
"source": …}`` (``url`` and ``source`` optional) and prints one record per line, in order, in
this one process; an input that fails gives a record with an ``"error"`` field, never a
missing line. Nothing is stored. Every record's ``evidence`` names what each field was read
from; ``--explain`` adds ``explain``: per field, every candidate, where it came from and why the
chosen one won (printed indented for a single page).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from crawler.registry import Source
from crawler.urls import host_of, is_within
from kibaru.cli.common import fail, get_settings
from kibaru.cli.sources import SOURCES_OPTION, registry_for
from kibaru.settings import Settings
from workers.stages.errors import StageError
from workers.stages.page import FetchedPage

if TYPE_CHECKING:
    from workers.extract import SourceInfo


MAX_LINE_CHARS = 1024 * 1024  # a manifest line names one page: far below this


class InputError(Exception):
    """An input that cannot be read or fetched; the message says which and why."""


def register(app: typer.Typer) -> None:
    app.command(name="extract")(extract)


def extract(
    path_or_url: str = typer.Argument(
        None, help="A saved page (file) or an http(s) URL to fetch.", show_default=False
    ),
    url: str = typer.Option(
        None, "--url", help="The page's address (for a file; default: a file:// address)."
    ),
    source: str = typer.Option(
        None, "--source", help="Registry id of the outlet (default: found from the URL)."
    ),
    manifest: Path = typer.Option(
        None, "--manifest", help='JSON lines {"path": ..., "url": ..., "source": ...}.'
    ),
    sources_file: Path = SOURCES_OPTION,
    explain: bool = typer.Option(
        False,
        "--explain",
        help="Add to each record, per field, every candidate, where it came from and why the "
        "chosen one won.",
    ),
) -> None:
    """Print the article record of a page as JSON (no storage)."""
    settings = get_settings()
    registry = registry_for(sources_file)
    if manifest is not None:
        if path_or_url is not None:
            fail("give either a page or --manifest FILE, not both")
        _extract_manifest(manifest, registry, settings, explain)
        return
    if path_or_url is None:
        fail("give a page (a file or an http(s) URL), or --manifest FILE")
    if source is not None and source not in registry:
        fail(f"--source {source}: no such source in the registry (see `kibaru sources`)")
    record = extract_one(path_or_url, url, source, registry, settings, explain=explain)
    print(json.dumps(record, ensure_ascii=False, indent=2 if explain else None))
    if "error" in record:
        raise typer.Exit(2)


def _extract_manifest(
    manifest: Path, registry: Mapping[str, Source], settings: Settings, explain: bool
) -> None:
    for number, item in _manifest_items(manifest):
        if "error" in item:
            record: dict[str, Any] = item
        else:
            record = extract_one(
                item["path"],
                item.get("url"),
                item.get("source"),
                registry,
                settings,
                explain=explain,
            )
        record.setdefault("line", number)
        print(json.dumps(record, ensure_ascii=False), flush=True)


def _manifest_items(manifest: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, item) per non-blank line; an unreadable line yields an error item."""
    try:
        handle = manifest.open(encoding="utf-8")
    except OSError as exc:
        fail(f"--manifest {manifest}: cannot read it ({exc.strerror})")
    with handle:
        for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_CHARS + 1), ""), 1):
            if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
                # No line end in a megabyte: not JSON lines (a binary file, /dev/zero).
                fail(
                    f"--manifest {manifest}: line {number} runs past {MAX_LINE_CHARS} "
                    "characters without a line end; give a JSON lines file"
                )
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, {"error": f"manifest line {number}: not JSON ({exc.msg})"}
                continue
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                yield number, {"error": f'manifest line {number}: needs a "path" string'}
                continue
            yield number, item


def extract_one(
    path_or_url: str,
    url: str | None,
    source_id: str | None,
    registry: Mapping[str, Source],
    settings: Settings,
    *,
    explain: bool = False,
) -> dict[str, Any]:
    """The record of one input, or ``{"path", "url", "error"}`` when it cannot be had; with
    ``explain``, the record's ``explain`` holds each field's candidates and why one won."""
    from workers.extract import explain_record  # the stages load in a second: only when needed

    try:
        address = url or path_or_url
        entry = registry.get(source_id) if source_id else _source_for(address, registry)
        if source_id and entry is None:
            raise InputError(f"source {source_id!r} is not in the registry")
        page = _load(path_or_url, url, settings, entry)
        record, why = explain_record(replace(page, source=entry.id if entry else ""), _info(entry))
        printed = record.extracted()
        if explain:
            printed["explain"] = why
        return printed
    except InputError as exc:
        return {"path": path_or_url, "url": url, "error": str(exc)}
    except StageError as exc:
        return {
            "path": path_or_url,
            "url": url or path_or_url,
            "error": f"{exc.stage}: {exc.reason}",
        }


def _load(
    path_or_url: str, url: str | None, settings: Settings, entry: Source | None
) -> FetchedPage:
    if urlsplit(path_or_url).scheme in ("http", "https"):
        return _fetch(path_or_url, settings, entry)
    path = Path(path_or_url)
    limit = settings.max_page_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{path}: {size} bytes, over KIBARU_MAX_PAGE_BYTES ({limit})")
        # Read at most one byte past the cap: a device or a pipe (/dev/zero) has no size.
        with path.open("rb") as handle:
            body = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from exc
    if len(body) > limit:
        raise InputError(f"{path}: over KIBARU_MAX_PAGE_BYTES ({limit})")
    return FetchedPage(url=url or path.resolve().as_uri(), source="", body=body)


def _fetch(url: str, settings: Settings, entry: Source | None) -> FetchedPage:
    """The page at ``url``, under the crawl's address policy: a loopback or private address
    only for the hosts of ``entry`` when that source lives on one, anything else the
    operator allows in KIBARU_ALLOWED_NETWORKS."""
    from crawler.context import SourceScope
    from crawler.fetch import FetchError, fetch
    from crawler.netguard import AddressPolicy

    allowed = settings.allowed_network_list
    policy = (
        SourceScope.of(entry, allowed).policy if entry else AddressPolicy(allowed_networks=allowed)
    )
    try:
        fetched = fetch(
            url,
            user_agent=settings.user_agent,
            policy=policy,
            max_bytes=settings.max_page_bytes,
            timeout=settings.fetch_timeout,
        )
    except FetchError as exc:
        if exc.kind == "too_large":
            raise InputError(f"{exc} (KIBARU_MAX_PAGE_BYTES)") from exc
        if exc.kind == "timeout":
            raise InputError(f"{exc} (KIBARU_FETCH_TIMEOUT)") from exc
        raise InputError(f"cannot fetch it: {exc}") from exc
    if fetched.status >= 300:
        raise InputError(f"{url}: HTTP {fetched.status}")
    return FetchedPage(
        url=url,
        source="",
        body=fetched.body,
        final_url=fetched.final_url,
        status=fetched.status,
        headers=fetched.headers,
    )


def _source_for(address: str, registry: Mapping[str, Source]) -> Source | None:
    """The registry entry whose domain ``address`` is on (sub-domains included)."""
    host = host_of(address)
    if not host:
        return None
    return next((entry for entry in registry.values() if is_within(host, {entry.domain})), None)


def _info(entry: Source | None) -> SourceInfo | None:
    if entry is None:
        return None
    from workers.extract import source_info

    return source_info(entry)
