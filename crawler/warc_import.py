"""Import web archive files: ``kibaru import-warc FILE…`` as one recorded run.

Every HTTP response of a WARC or ARC file (read by :mod:`crawler.warc_records`) whose host
belongs to a registered source (the crawl's host rules: a source's homepage, feeds, sitemaps,
listings and ``domains``, and their subdomains; its ``article_pattern``) becomes a
:class:`workers.stages.page.FetchedPage` with ``origin="import"`` and goes to the run's
ingestor, as a crawled page does: processed in this process (embedded default) or by the
workers (``KIBARU_BROKER_URL``). Everything else is counted by reason.

Idempotent: pages come in batches of :data:`BATCH`, and a batch asks the store once which of
its URLs are stored already (``already_stored``, as a crawl skips them) or were handed on
earlier in this run (``repeated``); those are not handed on again. Memory stays flat: one
record at a time is read, and at most a batch of pages waits.

The run's outcome is honest: a file with nothing importable in it (no response of a
registered source that is a ``200`` HTML page) fails the run, the other files' pages kept;
so does a run whose every page failed in the stages.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.context import source_hosts
from crawler.registry import Source, load_registry
from crawler.stopping import Stopped, stop_signals
from crawler.stopping import check as check_stop
from crawler.urls import canonical_url, host_of
from crawler.warc_records import (
    REASONS,
    Skipped,
    check_archive,
    read_archive,
)
from kibaru.settings import Settings
from storage.db import Store, open_store
from storage.repository import known_urls, upsert_sources, urls_of_run
from storage.run_recorder import RunRecorder
from workers.ingest import Ingestor, open_ingestor
from workers.ingest.errors import IngestError
from workers.stages.page import FetchedPage

Progress = Callable[[dict[str, Any]], None]
log = logging.getLogger(__name__)

# Pages read ahead of the store's "already stored?" question (one query per batch).
BATCH = 50
# Records between two progress reports while a file is read.
REPORT_EVERY = 200


@dataclass(frozen=True)
class ImportSummary:
    """The outcome of an import run: its id, final status, counts, and the error when it did
    not succeed."""

    run_id: int
    status: str
    counts: dict[str, Any]
    error: str | None = None


class SourceHosts:
    """Which registered source a URL belongs to, by the crawl's host rules; the most specific
    host wins when two sources share a domain (``aps.sn`` and ``en.aps.sn``)."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self.sources = {source.id: source for source in sources}
        self.by_host: dict[str, Source] = {}
        for source in self.sources.values():
            for host in source_hosts(source):
                self.by_host.setdefault(host.lower().rstrip("."), source)
        self.patterns = {
            source.id: re.compile(source.article_pattern)
            for source in self.sources.values() if source.article_pattern
        }

    def source_of(self, url: str) -> Source | None:
        labels = host_of(url).rstrip(".").split(".")
        for start in range(len(labels)):
            source = self.by_host.get(".".join(labels[start:]))
            if source is not None:
                return source
        return None

    def route(self, url: str) -> str | Skipped:
        """The id of ``url``'s source, or why it is skipped (a ``warc_records.Route``)."""
        try:
            source = self.source_of(url)
            canonical = canonical_url(url)
        except ValueError:  # an address urllib cannot split ("http://[::1")
            return Skipped("not_http", url)
        if source is None:
            return Skipped("off_registry", url, host_of(url))
        pattern = self.patterns.get(source.id)
        if pattern is not None and pattern.search(canonical) is None:
            return Skipped("not_article_url", url, source.id)
        return source.id


@dataclass
class FileTally:
    """What one file gave: records read, pages handed on, and the skipped by reason."""

    records: int = 0
    pages: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def importable(self) -> int:
        """Records that were pages of a registered source (handed on, or stored already)."""
        return self.pages + self.skipped["already_stored"] + self.skipped["repeated"]

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "pages": self.pages, "skipped": dict(self.skipped)}


@dataclass
class ImportTally:
    """The run's counts, by file and by source, as recorded with the run."""

    files: dict[str, FileTally] = field(default_factory=dict)
    by_source: dict[str, Counter[str]] = field(default_factory=dict)
    details: dict[str, list[str]] = field(default_factory=dict)

    def of(self, path: Path) -> FileTally:
        return self.files.setdefault(str(path), FileTally())

    def skip(self, path: Path, skipped: Skipped, source: str | None = None) -> None:
        self.of(path).skipped[skipped.reason] += 1
        if source is not None and skipped.reason == "already_stored":
            self.by_source.setdefault(source, Counter())["known"] += 1
        samples = self.details.setdefault(skipped.reason, [])
        if len(samples) < 5:
            samples.append(" ".join(part for part in (skipped.url, skipped.detail) if part))

    def as_dict(self) -> dict[str, Any]:
        skipped: Counter[str] = Counter()
        for tally in self.files.values():
            skipped.update(tally.skipped)
        return {
            "files": {name: tally.as_dict() for name, tally in self.files.items()},
            "records": sum(tally.records for tally in self.files.values()),
            "pages": sum(tally.pages for tally in self.files.values()),
            "known": skipped["already_stored"],
            "skipped": dict(skipped),
            "by_source": {sid: dict(counts) for sid, counts in self.by_source.items()},
            "error_samples": self.details,
        }


def run_import(
    settings: Settings,
    paths: Sequence[Path],
    *,
    sources_file: Path | str | None = None,
    trigger: str = "import",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import the archive files at ``paths`` as one run; return its summary.

    Raises :class:`crawler.warc_records.ArchiveError` (before the run is opened) for a file
    that is missing or no web archive, :class:`crawler.registry.RegistryError` for a bad
    sources file, and :class:`workers.ingest.errors.IngestError` (the run recorded as failed)
    when the pages cannot be handed on. SIGTERM or Ctrl-C stops the import between two
    batches: the run is ``interrupted``, the pages handed on so far kept.
    """
    for path in paths:
        check_archive(path)
    registry = load_registry([settings.sources, sources_file], builtin=settings.builtin_sources)
    hosts = SourceHosts(registry.values())
    store = open_store(settings.database_url, write=True)
    try:
        with stop_signals():
            beat = settings.run_heartbeat
            recorder = RunRecorder.open(store, [], trigger=trigger, heartbeat=beat)
            with recorder.keep_alive():
                return _recorded_import(settings, store, recorder, hosts, paths, progress)
    finally:
        store.dispose()


def _recorded_import(
    settings: Settings, store: Store, recorder: RunRecorder, hosts: SourceHosts,
    paths: Sequence[Path], progress: Progress | None,
) -> ImportSummary:
    tally = ImportTally()
    importer: _Importer | None = None
    try:
        ingestor = open_ingestor(settings, store, recorder.run_id)
        importer = _Importer(store, recorder.run_id, hosts, ingestor, tally, progress)
        for path in paths:
            importer.read(path, settings.max_page_bytes)
        processed = ingestor.finish(progress=importer.while_processing)
    except BaseException as exc:
        if importer is not None:
            _hand_on_what_is_stored(importer.ingestor)
        counts = tally.as_dict()
        sources = sorted(importer.sources) if importer is not None else []
        if isinstance(exc, Stopped | KeyboardInterrupt):
            error = str(exc) or "stopped by SIGINT"
            if settings.broker_url:
                error += "; the pages already queued stay queued for the workers"
            recorder.finish("interrupted", counts, error=error, sources=sources)
            return ImportSummary(recorder.run_id, "interrupted", counts, error)
        error = str(exc) if isinstance(exc, IngestError) else repr(exc)[:2000]
        recorder.finish("failed", counts, error=error, sources=sources)
        raise
    counts = {**tally.as_dict(), "processing": dict(processed)}
    for name in ("articles", "duplicates", "rejected", "failed"):
        counts[name] = int(processed.get(name, 0))
    status, outcome_error = import_outcome(tally, counts)
    recorder.finish(status, counts, error=outcome_error, sources=sorted(importer.sources))
    return ImportSummary(recorder.run_id, status, counts, outcome_error)


def _hand_on_what_is_stored(ingestor: Ingestor) -> None:
    """Finish (or send) the pages already stored when the import stops early, as a crawl
    does; pages left pending are handed on again by the next import of the file."""
    try:
        ingestor.flush()
    except Exception as exc:
        log.warning("could not hand on the last stored pages: %s", str(exc).splitlines()[0])


def import_outcome(tally: ImportTally, counts: dict[str, Any]) -> tuple[str, str | None]:
    """``succeeded``, or ``failed`` with why: a file gave nothing importable, or every page
    handed on failed in the stages."""
    empty = [name for name, file in tally.files.items() if file.importable == 0]
    if empty:
        described = "; ".join(f"{name}: {_skips_line(tally.files[name])}" for name in empty)
        return "failed", (
            f"nothing to import in {len(empty)} file(s) ({described}); the pages of a source "
            "are imported when its host is registered (`kibaru sources`, --sources FILE)"
        )
    pages = counts["pages"]
    if pages and counts["failed"] == pages:
        return "failed", f"every page handed on ({pages}) failed in the stages (`kibaru runs show`)"
    return "succeeded", None


def _skips_line(file: FileTally) -> str:
    if not file.records:
        return "no records"
    parts = ", ".join(f"{n} {reason}" for reason, n in file.skipped.most_common())
    return f"{file.records} records: {parts}"


class _Importer:
    """Reads files record by record and hands their pages on in batches (see the module)."""

    def __init__(
        self, store: Store, run_id: int, hosts: SourceHosts, ingestor: Ingestor,
        tally: ImportTally, progress: Progress | None,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.hosts = hosts
        self.ingestor = ingestor
        self.tally = tally
        self.progress = progress
        self.sources: set[str] = set()
        self.batch: list[FetchedPage] = []

    def read(self, path: Path, max_bytes: int) -> None:
        file = self.tally.of(path)
        for item in read_archive(path, route=self.hosts.route, max_bytes=max_bytes):
            file.records += 1
            if isinstance(item, Skipped):
                self.tally.skip(path, item)
                if item.reason in ("truncated", "unreadable"):
                    log.warning("%s: %s (%s)", path, REASONS[item.reason], item.detail)
            else:
                self.batch.append(item)
                if len(self.batch) >= BATCH:
                    self._hand_on(path)
            if file.records % REPORT_EVERY == 0:
                self._report()
        self._hand_on(path)
        self._report()

    def _hand_on(self, path: Path) -> None:
        """Hand on the batch's pages that are neither stored already nor handed on before."""
        check_stop()
        batch, self.batch = self.batch, []
        if not batch:
            return
        urls = [page.url for page in batch]
        with self.store.session() as session:
            stored = known_urls(session, urls)
            earlier = urls_of_run(session, urls, self.run_id)
        self._register({page.source for page in batch} - self.sources)
        seen: set[str] = set()
        file = self.tally.of(path)
        for page in batch:
            if page.url in stored:
                self.tally.skip(path, Skipped("already_stored", page.url), page.source)
            elif page.url in earlier or page.url in seen:
                self.tally.skip(path, Skipped("repeated", page.url))
            else:
                seen.add(page.url)
                self.ingestor.submit(page)
                file.pages += 1
                self.tally.by_source.setdefault(page.source, Counter())["pages"] += 1
        self.ingestor.flush_due()

    def _register(self, new: set[str]) -> None:
        """Copy the sources met for the first time into the ``sources`` table (the stages
        read a page's outlet from there)."""
        if not new:
            return
        with self.store.session() as session:
            upsert_sources(session, [self.hosts.sources[sid].model_dump() for sid in sorted(new)])
        self.sources |= new

    def _report(self) -> None:
        check_stop()
        if self.progress is not None:
            self.progress(self.tally.as_dict())

    def while_processing(self, processing: dict[str, Any]) -> None:
        """The progress of the wait for the pages to be processed (stops on a signal)."""
        check_stop()
        if self.progress is not None:
            self.progress({**self.tally.as_dict(), "processing": processing})
