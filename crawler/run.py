"""Run one crawl in this process: ``run_crawl(...)``, or ``python -m crawler.run ...``.

A run is recorded in storage (sources, start/end, status, counts). The crawl returns when
every page it found has been processed (embedded mode) or processed by the workers (broker
mode). Twisted's reactor cannot be restarted, so call :func:`run_crawl` once per process;
callers that need several crawls (a Celery task, the tests) start ``python -m crawler.run``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from twisted.internet import task

from crawler.context import CrawlContext, CrawlOptions, KnownFilter, never_known
from crawler.dates import parse_since
from crawler.known import stored_url_filter
from crawler.outcome import run_outcome
from crawler.registry import RegistryError, Source, load_registry
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.news import NewsSpider
from crawler.stopping import Stopped, stop_signals
from crawler.stopping import check as check_stop
from crawler.stopping import reinstall as reinstall_stop_signals
from kibaru.settings import Settings, load_settings
from storage.db import Store, open_store
from storage.repository import upsert_sources
from storage.run_recorder import RunRecorder, SourceBusy
from workers.ingest import Ingestor, open_ingestor
from workers.ingest.errors import IngestError

Progress = Callable[[dict[str, Any]], None]
log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 1.0


@dataclass(frozen=True)
class CrawlSummary:
    """The outcome of a run: its id in storage, final status and counts."""

    run_id: int
    status: str
    counts: dict[str, Any]
    error: str | None = None


def select_sources(
    registry: dict[str, Source], source_ids: Iterable[str], *, all_sources: bool
) -> list[Source]:
    """The sources to crawl; RegistryError naming the unknown ids and how to list them."""
    wanted = list(dict.fromkeys(source_ids))
    if all_sources:
        return list(registry.values())
    if not wanted:
        raise RegistryError("no source given: name source ids, or use --all")
    unknown = [sid for sid in wanted if sid not in registry]
    if unknown:
        raise RegistryError(
            f"unknown source id(s): {', '.join(unknown)} (see `kibaru sources` for the ids)"
        )
    return [registry[sid] for sid in wanted]


def run_crawl(
    settings: Settings,
    source_ids: Iterable[str] = (),
    *,
    all_sources: bool = False,
    sources_file: Path | str | None = None,
    limit: int | None = None,
    since: datetime | None = None,
    refresh: bool = False,
    trigger: str = "cli",
    progress: Progress | None = None,
    run_id: int | None = None,
) -> CrawlSummary:
    """Crawl the chosen sources, hand every page on, record the run; return its summary.

    ``progress`` (if given) is called about once a second with the running counts, then,
    while waiting for the workers, with the same counts plus ``processing`` (counts by
    outcome, and a ``notice`` when no worker consumes the queue).

    The run holds its sources' locks (see :mod:`storage.run_recorder`): when another live run
    crawls one of them, nothing is fetched and the run is ``skipped``. SIGTERM or Ctrl-C stops
    the run at once, whatever it is doing: the run is ``interrupted``, and the pages already
    queued stay with the workers. Raises :class:`workers.ingest.errors.IngestError` (one line, the
    run recorded as failed) when the pages cannot be handed on: the broker does not answer (it
    is checked before any fetch), or no worker consumes its queue for ``KIBARU_WORKER_WAIT``.
    """
    registry = load_registry([settings.sources, sources_file], builtin=settings.builtin_sources)
    sources = select_sources(registry, source_ids, all_sources=all_sources)
    options = crawl_options(settings, limit=limit, since=since, refresh=refresh)
    return run_sources(
        settings, sources, options, trigger=trigger, progress=progress, run_id=run_id
    )


def crawl_options(settings: Settings, **chosen: Any) -> CrawlOptions:
    """The run's options: the operator's ``chosen`` ones and the limits of the settings."""
    return CrawlOptions(
        **chosen,
        max_sitemap_bytes=settings.max_sitemap_bytes,
        max_pagination_depth=settings.max_pagination_depth,
        allowed_networks=settings.allowed_network_list,
    )


class CrawlJob:
    """What a run crawls with, and how its end is judged: the live crawl's spider, settings,
    known-URL filter and outcome as they are here. ``kibaru backfill`` subclasses it
    (:class:`crawler.backfill.run.BackfillJob`), so that both go through the same run: the
    recorder and its locks, the ingestor, Scrapy, the stop signals."""

    spider: type[NewsSpider] = NewsSpider

    def scrapy_settings(self, settings: Settings, sources: list[Source]) -> dict[str, Any]:
        """The Scrapy settings of the run."""
        return scrapy_settings(settings, sources)

    def known(self, store: Store, options: CrawlOptions) -> KnownFilter:
        """Which URLs are stored already (none with ``--refresh``)."""
        return never_known if options.refresh else stored_url_filter(store)

    def spider_arguments(self, store: Store, run_id: int) -> dict[str, Any]:
        """Keyword arguments of the spider besides the run's context."""
        return {}

    def final_counts(
        self, spider: NewsSpider, store: Store, run_id: int, counts: dict[str, Any]
    ) -> dict[str, Any]:
        """The counts recorded with the run, once its pages are processed."""
        return counts

    def outcome(self, close_reason: str | None, counts: dict[str, Any]) -> tuple[str, str | None]:
        """``(status, error)`` of the finished run."""
        return run_outcome(close_reason, counts)


def run_sources(
    settings: Settings,
    sources: list[Source],
    options: CrawlOptions,
    *,
    trigger: str,
    progress: Progress | None = None,
    run_id: int | None = None,
    job: CrawlJob | None = None,
) -> CrawlSummary:
    """Crawl ``sources`` with ``job`` (the live crawl by default) as one recorded run; see
    :func:`run_crawl` for the run's life, its signals and its errors."""
    job = job or CrawlJob()
    ids = [source.id for source in sources]
    store = open_store(settings.database_url, write=True)
    try:
        with stop_signals():
            with store.session() as session:
                upsert_sources(session, [source.model_dump() for source in sources])
            beat = settings.run_heartbeat
            if run_id is None:
                recorder = RunRecorder.open(store, ids, trigger=trigger, heartbeat=beat)
            else:  # opened by whoever queued the crawl (a crawl task's sender, its job)
                recorder = RunRecorder.claim(store, run_id, ids, heartbeat=beat)
            with recorder.keep_alive():
                return _recorded_crawl(
                    settings, store, recorder, sources, options, progress, job
                )
    finally:
        store.dispose()


def _recorded_crawl(
    settings: Settings, store: Store, recorder: RunRecorder, sources: list[Source],
    options: CrawlOptions, progress: Progress | None, job: CrawlJob,
) -> CrawlSummary:
    run_id = recorder.run_id
    try:
        recorder.lock_sources([source.id for source in sources])
    except SourceBusy as busy:
        skipped: dict[str, Any] = {"skipped_for_run": busy.holder}
        recorder.finish("skipped", skipped, error=str(busy))
        return CrawlSummary(run_id=run_id, status="skipped", counts=skipped, error=str(busy))
    ingestor: Ingestor | None = None
    context: CrawlContext | None = None
    try:
        ingestor = open_ingestor(settings, store, run_id)
        context = CrawlContext(
            sources={source.id: source for source in sources},
            options=options,
            known=job.known(store, options),
            submit=ingestor.submit,
            flush_due=ingestor.flush_due,
        )
        check_stop()  # a signal that came before Scrapy's handlers were in place
        stats, spider = _crawl(
            job.scrapy_settings(settings, sources), context, progress, job.spider,
            job.spider_arguments(store, run_id),
        )
        if context.close_reason == "shutdown":  # Scrapy stopped the spider on a signal
            raise Stopped(None)
        check_stop()
        processed = ingestor.finish(progress=_while_processing(context, progress))
    except BaseException as exc:
        if ingestor is not None:
            _hand_on_what_is_stored(ingestor)
        counts: dict[str, Any] = {}
        if context is not None:
            counts = {**context.tally.as_dict(), "error_samples": context.error_samples}
        if isinstance(exc, Stopped | KeyboardInterrupt):
            error = str(exc) or "stopped by SIGINT"
            if settings.broker_url:
                error += "; the pages already queued stay queued for the workers"
            recorder.finish("interrupted", counts, error=error)
            return CrawlSummary(run_id=run_id, status="interrupted", counts=counts, error=error)
        error = str(exc) if isinstance(exc, IngestError) else repr(exc)[:2000]
        recorder.finish("failed", counts, error=error)
        raise
    counts = job.final_counts(spider, store, run_id, _final_counts(context, stats, processed))
    status, outcome_error = job.outcome(context.close_reason, counts)
    recorder.finish(status, counts, error=outcome_error)
    return CrawlSummary(run_id=run_id, status=status, counts=counts, error=outcome_error)


def _while_processing(context: CrawlContext, progress: Progress | None) -> Progress:
    """The progress callback of the wait for the workers: the crawl's counts stay shown,
    with the processing counts under ``processing``. It is called at every poll of the wait,
    and raises :class:`Stopped` there once a stop signal has arrived (the ingestor's wait
    ends with whatever its callback raises)."""

    def report(processing: dict[str, Any]) -> None:
        check_stop()
        if progress is not None:
            progress({**context.tally.as_dict(), "processing": processing})

    return report


def _hand_on_what_is_stored(ingestor: Ingestor) -> None:
    """Send the pages waiting in a batch when the crawl stops early (they are stored)."""
    try:
        ingestor.flush()
    except Exception as exc:  # the stored pages stay pending; `kibaru reprocess` sends them
        log.warning("could not hand on the last stored pages: %s", str(exc).splitlines()[0])


def _crawl(
    scrapy_options: dict[str, Any], context: CrawlContext, progress: Progress | None,
    spider: type[NewsSpider], spider_arguments: dict[str, Any],
) -> tuple[dict[str, Any], NewsSpider]:
    process = CrawlerProcess(scrapy_options)
    # Scrapy's LOG_LEVEL filters at its handler only: every page would still build DEBUG
    # records ("Crawled", "Scraped from" with the whole page) for the handler to drop.
    logging.getLogger("scrapy").setLevel(scrapy_options["LOG_LEVEL"])
    crawler = process.create_crawler(spider)
    process.crawl(crawler, context=context, **spider_arguments)
    ticker = None
    if progress is not None:
        ticker = task.LoopingCall(lambda: progress(context.tally.as_dict()))
        ticker.start(PROGRESS_INTERVAL, now=False)
    process.start()
    # Scrapy's signal handlers outlive its reactor and can no longer stop anything.
    reinstall_stop_signals()
    if ticker is not None and ticker.running:
        ticker.stop()
    assert crawler.stats is not None and isinstance(crawler.spider, NewsSpider)
    return dict(crawler.stats.get_stats()), crawler.spider


def _final_counts(
    context: CrawlContext, stats: dict[str, Any], processed: dict[str, int]
) -> dict[str, Any]:
    counts = context.tally.as_dict()
    # Every request that went out, robots.txt fetches included (Scrapy's own count).
    counts["requests"] = int(stats.get("downloader/request_count", counts["requests"]))
    counts["handed_on"] = counts["pages"]
    for name in ("articles", "duplicates", "rejected", "failed"):
        counts[name] = int(processed.get(name, 0))
    counts["processing"] = dict(processed)
    counts["error_samples"] = context.error_samples
    counts["close_reason"] = context.close_reason
    return counts


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.run [ID ...] [--all] [--sources FILE] [--limit N] [--since DATE]
    [--refresh] [--trigger NAME]``; prints the summary as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=main.__doc__)
    parser.add_argument("source_ids", nargs="*")
    parser.add_argument("--all", dest="all_sources", action="store_true")
    parser.add_argument("--sources", dest="sources_file")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--since", type=parse_since)
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--trigger", default="subprocess")
    parser.add_argument("--run-id", type=int, help="record into this existing run")
    args = parser.parse_args(argv)
    try:
        # The options are named as run_crawl's parameters (``dest`` where they differ).
        summary = run_crawl(load_settings(), **vars(args))
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except IngestError as exc:  # recorded as the run's error
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"run_id": summary.run_id, "status": summary.status,
                      "error": summary.error, **summary.counts}))
    return 0 if summary.status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
