"""Run one backfill in this process: ``run_backfill(...)``, or ``python -m crawler.backfill.run``.

A backfill is a crawl run like any other (:func:`crawler.run.run_sources`: the recorder and the
sources' locks, the ingestor, Scrapy, SIGTERM and Ctrl-C), with its own spider
(:class:`crawler.backfill.spider.BackfillSpider`), trigger ``backfill``, gentler politeness
(``KIBARU_BACKFILL_CONCURRENCY``, ``KIBARU_BACKFILL_DELAY``; a source's ``crawl:`` override
still applies), a first-in first-out scheduler (the walk's order is the fetch order), and a
stored-URL check that counts every stored page, processed or not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.backfill.checkpoints import CheckpointWriter
from crawler.backfill.periods import DateRange, until_end
from crawler.backfill.spider import BackfillPlan, BackfillSpider
from crawler.context import CrawlOptions, KnownFilter
from crawler.dates import parse_since
from crawler.known import stored_url_filter
from crawler.outcome import run_outcome
from crawler.registry import RegistryError, Source, load_registry
from crawler.run import CrawlJob, CrawlSummary, Progress, crawl_options, run_sources, select_sources
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.news import NewsSpider
from kibaru.settings import Settings, load_settings
from storage.backfill import (
    Checkpoint,
    articles_by_month,
    forget_checkpoint,
    read_checkpoint,
)
from storage.db import Store, open_store
from workers.ingest.errors import IngestError
from workers.ingest.rerun import left_unprocessed
from workers.stages.page import FetchedPage

TRIGGER = "backfill"
ORIGIN = "backfill"


@dataclass(frozen=True)
class BackfillSummary:
    """The run (None when every source's range was backfilled already) and the sources
    whose range was complete before it started."""

    run: CrawlSummary | None
    complete: list[str] = field(default_factory=list)


class BackfillJob(CrawlJob):
    """The backfill's spider, politeness, stored-URL check, counts and outcome."""

    spider: type[NewsSpider] = BackfillSpider

    def __init__(
        self, settings: Settings, within: DateRange, *, newest_first: bool,
        source_ids: list[str],
    ) -> None:
        self.settings = settings
        self.within = within
        self.newest_first = newest_first
        self.source_ids = source_ids

    def scrapy_settings(self, settings: Settings, sources: list[Source]) -> dict[str, Any]:
        gentle = settings.model_copy(update={
            "concurrency_per_domain": settings.backfill_concurrency,
            "download_delay": settings.backfill_delay,
        })
        options = scrapy_settings(gentle, sources)
        # Requests leave in the order the walk makes them (Scrapy's default is last in,
        # first out among equal priorities).
        options["SCHEDULER_MEMORY_QUEUE"] = "scrapy.squeues.FifoMemoryQueue"
        options["SCHEDULER_DISK_QUEUE"] = "scrapy.squeues.PickleFifoDiskQueue"
        return options

    def known(self, store: Store, options: CrawlOptions) -> KnownFilter:
        return stored_url_filter(store, every_page=True)

    def spider_arguments(self, store: Store, run_id: int) -> dict[str, Any]:
        """The plan, read while the run holds its sources' locks (no other run moves their
        checkpoints or processes their pages meanwhile)."""
        resumed: dict[str, Checkpoint] = {}
        with store.session() as session:
            for source_id in self.source_ids:
                checkpoint = read_checkpoint(session, source_id)
                if checkpoint is not None and self.goes_on(checkpoint):
                    resumed[source_id] = checkpoint

        writer = CheckpointWriter(store, run_id)

        def leftovers() -> list[FetchedPage]:
            return left_unprocessed(store, self.source_ids, ORIGIN)

        plan = BackfillPlan(
            within=self.within, newest_first=self.newest_first,
            api_page_size=self.settings.backfill_api_page_size,
            max_listing_pages=self.settings.backfill_max_listing_pages,
            resumed=resumed, save=writer.save, saved=writer.close, leftovers=leftovers,
        )
        return {"plan": plan}

    def goes_on(self, checkpoint: Checkpoint) -> bool:
        """Whether a backfill goes on from ``checkpoint`` (same range and order, not done)."""
        return not checkpoint.finished and checkpoint.same_range(
            self.within.since, self.within.until, self.newest_first
        )

    def final_counts(
        self, spider: NewsSpider, store: Store, run_id: int, counts: dict[str, Any]
    ) -> dict[str, Any]:
        """The counts, with each source's walk and its months: found (in this run),
        stored by this run, and in the store for the range."""
        assert isinstance(spider, BackfillSpider)
        walks = spider.report()
        with store.session() as session:
            for source_id, walk in walks.items():
                found = walk.pop("found_by_month")
                stored = articles_by_month(session, source_id, self.within.since,
                                           self.within.until, run_id=run_id)
                in_store = articles_by_month(session, source_id, self.within.since,
                                             self.within.until)
                months = sorted(set(found) | set(stored) | set(in_store))
                walk["months"] = {
                    month: {"found": found.get(month, 0), "stored": stored.get(month, 0),
                            "in_store": in_store.get(month, 0)}
                    for month in months
                }
        counts["backfill"] = walks
        counts["unprocessed_handed_on"] = spider.leftovers
        counts["since"] = self.within.since.isoformat()
        counts["until"] = self.within.until.isoformat() if self.within.until else None
        counts["order"] = "newest" if self.newest_first else "oldest"
        return counts

    def outcome(self, close_reason: str | None, counts: dict[str, Any]) -> tuple[str, str | None]:
        """The crawl's outcome; besides, a backfill that stored nothing and met errors
        has failed."""
        status, error = run_outcome(close_reason, counts)
        errors = counts.get("errors_by_kind") or {}
        stored = counts.get("articles", 0) + counts.get("duplicates", 0)
        if status == "succeeded" and errors and not stored:
            found = ", ".join(f"{kind} {n}" for kind, n in errors.items())
            return "failed", (
                f"nothing stored and {sum(errors.values())} error(s) ({found}); see "
                "`kibaru runs show` for example URLs, then run the same backfill again: it goes "
                "on from its checkpoint"
            )
        return status, error


def run_backfill(
    settings: Settings,
    source_ids: Iterable[str],
    *,
    since: datetime,
    until: datetime | None = None,
    newest_first: bool = False,
    limit: int | None = None,
    restart: bool = False,
    sources_file: Path | str | None = None,
    progress: Progress | None = None,
) -> BackfillSummary:
    """Backfill ``source_ids`` over ``since``–``until`` as one recorded run (trigger
    ``backfill``); return its summary.

    Each source goes on from its checkpoint when the last backfill of the same range and
    order did not finish; a source whose range was finished is left out (``restart`` drops
    the checkpoints and walks again; stored pages are never fetched again either way).
    Raises :class:`crawler.registry.RegistryError` for unknown sources and ValueError for a
    range that ends before it starts; :class:`workers.ingest.errors.IngestError` as
    :func:`crawler.run.run_crawl` does.
    """
    if until is not None and until < since:
        raise ValueError(
            f"--until {until.isoformat()} is before --since {since.isoformat()}; give the "
            "earlier date to --since"
        )
    registry = load_registry([settings.sources, sources_file], builtin=settings.builtin_sources)
    sources = select_sources(registry, source_ids, all_sources=False)
    within = DateRange(since, until)
    complete = _complete_sources(settings, within, newest_first,
                                 [source.id for source in sources], restart)
    sources = [source for source in sources if source.id not in complete]
    if not sources:
        return BackfillSummary(run=None, complete=complete)
    job = BackfillJob(settings, within, newest_first=newest_first,
                      source_ids=[source.id for source in sources])
    options = crawl_options(settings, limit=limit, since=since)
    summary = run_sources(settings, sources, options, trigger=TRIGGER, progress=progress, job=job)
    return BackfillSummary(run=summary, complete=complete)


def _complete_sources(
    settings: Settings, within: DateRange, newest_first: bool, source_ids: list[str],
    restart: bool,
) -> list[str]:
    """The sources whose backfill of this range finished already (after ``restart`` has
    dropped their checkpoints: none)."""
    store = open_store(settings.database_url, write=True)
    try:
        with store.session() as session:
            if restart:
                for source_id in source_ids:
                    forget_checkpoint(session, source_id)
                return []
            complete = []
            for source_id in source_ids:
                checkpoint = read_checkpoint(session, source_id)
                if (checkpoint is not None and checkpoint.finished and checkpoint.same_range(
                        within.since, within.until, newest_first)):
                    complete.append(source_id)
            return complete
    finally:
        store.dispose()


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.backfill.run ID ... --since DATE [--until DATE] [--order
    oldest|newest] [--limit N] [--restart] [--sources FILE]``; prints the summary as one JSON
    line."""
    parser = argparse.ArgumentParser(prog="python -m crawler.backfill.run",
                                     description=main.__doc__)
    parser.add_argument("source_ids", nargs="+")
    parser.add_argument("--since", type=parse_since, required=True)
    parser.add_argument("--until")
    parser.add_argument("--order", choices=("oldest", "newest"), default="oldest")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--restart", action="store_true")
    parser.add_argument("--sources", dest="sources_file")
    args = parser.parse_args(argv)
    try:
        until = until_end(args.until, parse_since(args.until)) if args.until else None
        result = run_backfill(
            load_settings(), args.source_ids, since=args.since, until=until,
            newest_first=args.order == "newest", limit=args.limit, restart=args.restart,
            sources_file=args.sources_file,
        )
    except (RegistryError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if result.run is None:
        print(json.dumps({"run_id": None, "status": "complete", "complete": result.complete}))
        return 0
    summary = result.run
    print(json.dumps({"run_id": summary.run_id, "status": summary.status,
                      "error": summary.error, "complete": result.complete, **summary.counts}))
    return 0 if summary.status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
