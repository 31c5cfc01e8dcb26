"""The Celery tasks: thin shells over the plain functions.

One task runs every stage of a page in order (:func:`workers.pipeline.process_page`), rather
than a chain of one task per stage: a Celery hop over Redis costs about 1.5 ms, more than
cleaning a small page, and a chain would also ship the intermediate article between workers
and multiply the points where a message can be lost or duplicated. The stages of one page are
sequential anyway; parallelism comes from running many pages at once. For the same reason a
crawl sends its pages in batches of ``KIBARU_PROCESS_BATCH`` to one task.

Tasks receive ids, never page bodies: the crawler stores the raw page first, the task loads it.
Every write is idempotent (upserts), so a task delivered twice, or re-run after its worker
died, leaves the same rows.

* :func:`process_page_task` (one page id) and :func:`process_pages_task` (a list of them) —
  run :func:`workers.stored_pages.process_stored_page`; transient errors (database or Redis
  unreachable) are retried with exponential backoff and full jitter, up to
  ``task_max_retries``, and so are operator errors (a dedup index of an earlier layout),
  logged at ERROR with their one-line message; permanent stage errors are recorded by the
  pipeline as failed pages, never retried here.
* :func:`coverage_task` — the daily coverage check (:mod:`workers.coverage_job`), on the
  ``crawl`` queue.
* :func:`crawl_task` — one crawl in a fresh subprocess (Twisted's reactor cannot restart
  inside a worker), under a per-source Redis lock with expiry; see :mod:`workers.queue.crawl_job`.

Once :func:`warm_pool_processes` is called (``kibaru worker`` on the ``process`` queue), each
pool process forked afterwards runs :func:`workers.warmup.warm_up` as it starts.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from typing import Any, NoReturn

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from celery.utils.time import get_exponential_backoff_interval
from sqlalchemy import Row

from kibaru.settings import Settings
from storage.models import Page
from storage.repository import mark_page, record_failure
from workers.page_rows import load_stored_pages
from workers.pipeline import OPERATOR_ERRORS, TRANSIENT_ERRORS, bug_failure
from workers.queue.app import (
    COVERAGE_TASK,
    CRAWL_TASK,
    PROCESS_BATCH_TASK,
    PROCESS_TASK,
    app,
    settings_of,
)
from workers.queue.context import reset_worker_context, worker_context
from workers.queue.crawl_job import CrawlRequest, run_crawl_job
from workers.queue.memory import release_freed_memory
from workers.stored_pages import process_stored_page
from workers.warmup import warm_up

log = logging.getLogger(__name__)

# Attempts over the soft time limit before a page is recorded as failed ("time_limit").
TIME_LIMIT_RETRIES = 2
# The failure reason of pages given up on an operator's error (see workers.pipeline).
OPERATOR_REASON = "operator_error"

_settings_cache: dict[int, Settings] = {}
_warm_pool = False


def warm_pool_processes() -> None:
    """Have every pool process this process forks from now on warm up as it starts (a
    crawl-only worker's pool processes run spiders in subprocesses: they have no use for the
    stages' tables)."""
    global _warm_pool
    _warm_pool = True


@worker_process_init.connect
def _on_pool_process_start(**_: object) -> None:
    if _warm_pool:
        seconds = warm_up()
        log.info("pool process %d warmed up in %.2f s", os.getpid(), seconds)


def task_settings() -> Settings:
    """The settings the app was configured with (parsed once per configuration)."""
    key = id(app.conf["kibaru_settings"])
    if key not in _settings_cache:
        _settings_cache.clear()
        _settings_cache[key] = settings_of(app)
    return _settings_cache[key]


def retry_delay(retries: int, settings: Settings) -> int:
    """Exponential backoff with full jitter: random in [0, min(cap, 2**retries)] seconds.

    Jitter spreads the retries of many tasks hit by the same outage, so that a database
    coming back is not hit by all of them in the same second.
    """
    return int(
        get_exponential_backoff_interval(
            factor=1, retries=retries, maximum=settings.retry_backoff_max, full_jitter=True
        )
    )


def process_one(page_id: int, settings: Settings, row: Row[Any] | None = None) -> str:
    """Process stored page ``page_id`` (its ``row`` if read already) with this process's
    resources; return its outcome."""
    context = worker_context(settings)
    return process_stored_page(
        page_id, store=context.store, dedup=context.dedup, catalog=context.catalog, row=row
    )


def read_batch(page_ids: list[int], settings: Settings) -> dict[int, Row[Any]]:
    """The stored rows of a batch, in one statement instead of one per page."""
    return load_stored_pages(worker_context(settings).store, page_ids)


def _give_up(
    page_ids: list[int],
    settings: Settings,
    exc: BaseException,
    reason: str,
    error: str | None = None,
) -> None:
    """Record pages whose trouble outlasted every retry (or that met a bug), with ``reason``
    and ``error`` (``repr(exc)`` by default), best effort: pending pages only."""
    try:
        context = worker_context(settings)
        with context.store.session() as session:
            for page_id in page_ids:
                row = session.get(Page, page_id)
                if row is None or row.state != "pending":
                    continue
                record_failure(
                    session, url=row.url, stage="task", reason=reason,
                    error=error or repr(exc)[:2000],
                    source=row.source, page_id=page_id, run_id=row.run_id,
                )
                mark_page(session, page_id, "failed", reason=f"task: {reason} ({exc!r})")
    except Exception:
        log.exception("pages %s: could not record the failure either; they stay pending", page_ids)


# Schedules a retry of the task on the given pages (raises celery's Retry): the pages,
# how many retries the first of them has had, the error, the delay in seconds.
RetryPages = Callable[[list[int], int, BaseException, int], NoReturn]


@app.task(name=PROCESS_TASK, bind=True, max_retries=None)
def process_page_task(self: Task, page_id: int) -> str:
    """Process one stored page (see :func:`process_stored_page`), retrying transient errors."""

    def retry(pages: list[int], retries: int, exc: BaseException, delay: int) -> NoReturn:
        raise self.retry(exc=exc, countdown=delay)

    outcomes = _process_in_order([page_id], int(self.request.retries or 0), retry)
    return outcomes[0]


@app.task(name=PROCESS_BATCH_TASK, bind=True, max_retries=None)
def process_pages_task(
    self: Task, page_ids: list[int], retries_of_first: int = 0
) -> dict[str, int]:
    """Process stored pages in order; return the count of each outcome.

    A crawl sends its pages in batches (``KIBARU_PROCESS_BATCH``): the worker's cost per
    message (fetching it from Redis, the acknowledgement bookkeeping, handing it to a pool
    process) is larger than the stages' cost on a small page, and a batch pays it once. Each
    page is still processed and committed on its own, so a batch delivered twice, or retried,
    redoes only the pages that are still pending (the others come back ``skipped``). A retry
    carries the pages not yet processed, and ``retries_of_first``, the retries of the page that
    caused it: every page gets its own retries, wherever it sits in the batch.
    """

    def retry(pages: list[int], retries: int, exc: BaseException, delay: int) -> NoReturn:
        raise self.retry(
            args=[pages], kwargs={"retries_of_first": retries}, exc=exc, countdown=delay
        )

    return dict(Counter(_process_in_order(list(page_ids), retries_of_first, retry)))


def _process_in_order(page_ids: list[int], retries_of_first: int, retry: RetryPages) -> list[str]:
    """Process ``page_ids`` one after the other; return their outcomes.

    A transient error retries the pages not yet processed, the failing one first, with
    backoff; once its retries are spent they are recorded as failed (``retries_exhausted``) and
    the error is raised. A page over the soft time limit is retried twice, then recorded as
    failed (``time_limit``); the pages after it go on in a new execution, since the hard limit
    is near.
    """
    settings = task_settings()
    outcomes: list[str] = []
    rows: dict[int, Row[Any]] = {}
    for position, page_id in enumerate(page_ids):
        rest = page_ids[position:]
        retries = retries_of_first if position == 0 else 0
        try:
            if position == 0 and len(page_ids) > 1:
                rows = read_batch(page_ids, settings)
            # A row read with the batch may be a little stale: at worst a page processed
            # meanwhile by another delivery is processed again, which stores the same rows.
            outcomes.append(process_one(page_id, settings, rows.pop(page_id, None)))
        except SoftTimeLimitExceeded as exc:
            # Over the time limit: a lock or a server slow to come back (transient), or a page
            # that no stage can get through in time (permanent). A few more tries tell them
            # apart.
            _retry_unless_spent(rest, retries, settings, exc, TIME_LIMIT_RETRIES, retry)
            _give_up([page_id], settings, exc, "time_limit")
            if rest[1:]:
                retry(rest[1:], 0, exc, 0)
            return [*outcomes, "failed"]
        except TRANSIENT_ERRORS as exc:
            _retry_unless_spent(rest, retries, settings, exc, settings.task_max_retries, retry)
            _give_up(rest, settings, exc, "retries_exhausted")
            raise
        except OPERATOR_ERRORS as exc:
            # The operator must act (the message says what to run), and may be doing so (a
            # rebuild under way): the pages are not at fault. They stay pending and are retried
            # like a transient error; only once the retries are spent are they recorded.
            log.error("page %s: %s", page_id, exc)
            _retry_unless_spent(rest, retries, settings, exc, settings.task_max_retries, retry)
            _give_up(rest, settings, exc, OPERATOR_REASON, str(exc))
            raise
        except Exception as exc:
            # A bug outside the stages (reading the stored page, recording its outcome): this
            # page is recorded with the traceback, and the rest of the batch goes on.
            log.exception("bug processing page %s; the rest of its batch goes on", page_id)
            reason, error = bug_failure(exc)
            _give_up([page_id], settings, exc, reason, error)
            outcomes.append("failed")
        # What a large page left behind goes back to the system before the next page (the
        # peak of a pool process is its resident base plus its largest page).
        release_freed_memory()
    return outcomes


def _retry_unless_spent(
    rest: list[int],
    retries: int,
    settings: Settings,
    exc: BaseException,
    attempts: int,
    retry: RetryPages,
) -> None:
    """Retry ``rest`` later (raises celery's Retry), with backoff and jitter; return once
    ``attempts`` retries of its first page are spent (the caller gives the pages up)."""
    reset_worker_context()  # reconnect from scratch on the next attempt
    if retries >= attempts:
        log.error("page %s: %r after %d retries; giving up", rest[0], exc, retries)
        return
    delay = retry_delay(retries, settings)
    others = f" (with the {len(rest) - 1} pages after it in its batch)" if len(rest) > 1 else ""
    log.warning("page %s: %r; retry %d in %ds%s", rest[0], exc, retries + 1, delay, others)
    retry(rest, retries + 1, exc, delay)


@app.task(name=CRAWL_TASK, bind=True, acks_late=False, max_retries=None)
def crawl_task(
    self: Task,
    source_ids: list[str],
    trigger: str = "beat",
    run_id: int | None = None,
    limit: int | None = None,
    sources_file: str | None = None,
) -> dict[str, Any]:
    """Crawl ``source_ids`` in a subprocess; return the run's summary.

    Acknowledged on receipt (``acks_late=False``), unlike page tasks: a crawl may outlast any
    sane broker visibility timeout, and redelivering it would start a second crawl of the same
    source. A crawl lost with its worker is not lost work: crawls are incremental, the next
    scheduled run fetches what it missed, and the pages it already stored are in the store.
    """
    request = CrawlRequest(
        source_ids=list(source_ids), trigger=trigger, run_id=run_id, limit=limit,
        sources_file=sources_file,
    )
    return run_crawl_job(request, task_settings())


@app.task(name=COVERAGE_TASK, acks_late=False)
def coverage_task() -> dict[str, Any]:
    """Compare every source's coverage with its trailing median, flag drops, alert the new
    flags; return what it found."""
    from storage.db import open_store
    from workers.coverage_job import check_coverage

    settings = task_settings()
    store = open_store(settings.database_url)
    try:
        check = check_coverage(settings, store)
    finally:
        store.dispose()
    return {"opened": check.opened, "open": check.open, "alerts_sent": check.alerts_sent}
