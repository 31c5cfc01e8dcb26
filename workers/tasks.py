"""The Celery tasks: thin shells over the plain functions.

One task per page runs every stage in order (:func:`workers.pipeline.process_page`), rather
than a chain of one task per stage: a Celery hop over Redis costs about 1.5 ms, more than
cleaning a small page, and a chain would also ship the intermediate article between workers
and multiply the points where a message can be lost or duplicated. The stages of one page are
sequential anyway; parallelism comes from running many pages at once.

Tasks receive ids, never page bodies: the crawler stores the raw page first, the task loads it.
Every write is idempotent (upserts), so a task delivered twice, or re-run after its worker
died, leaves the same rows.

* :func:`process_page_task` — runs :func:`workers.stored_pages.process_stored_page`;
  transient errors (database or Redis unreachable) are retried with exponential backoff and
  full jitter, up to ``task_max_retries``; permanent stage errors
  are recorded by the pipeline as failed pages, never retried here.
* :func:`crawl_task` — one crawl in a fresh subprocess (Twisted's reactor cannot restart
  inside a worker), under a per-source Redis lock with expiry; see :mod:`workers.crawl_job`.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
import sqlalchemy.exc
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval

from kibaru.settings import Settings
from storage.db import StoreError
from storage.models import Page
from storage.repository import mark_page, record_failure
from workers.app import CRAWL_TASK, PROCESS_TASK, app, settings_of
from workers.context import reset_worker_context, worker_context
from workers.crawl_job import CrawlRequest, run_crawl_job
from workers.stored_pages import process_stored_page

log = logging.getLogger(__name__)

# Errors that go away by themselves: a server restarting, a network blip, a lock held by a
# busy neighbour. StoreError is what open_store raises when the database does not answer.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    StoreError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.LockError,
    ConnectionError,
    TimeoutError,
)

# Attempts over the soft time limit before a page is recorded as failed ("time_limit").
TIME_LIMIT_RETRIES = 2

_settings_cache: dict[int, Settings] = {}


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


def process_one(page_id: int, settings: Settings) -> str:
    """Process stored page ``page_id`` with this process's resources; return its outcome."""
    context = worker_context(settings)
    return process_stored_page(
        page_id, store=context.store, dedup=context.dedup, catalog=context.catalog
    )


def _give_up(page_id: int, settings: Settings, exc: BaseException, reason: str) -> None:
    """Record a page whose trouble outlasted every retry, with ``reason`` (best effort)."""
    try:
        context = worker_context(settings)
        with context.store.session() as session:
            row = session.get(Page, page_id)
            if row is None:
                return
            record_failure(
                session, url=row.url, stage="task", reason=reason,
                error=repr(exc)[:2000], source=row.source, page_id=page_id, run_id=row.run_id,
            )  # fmt: skip
            mark_page(session, page_id, "failed", reason=f"task: {reason} ({exc!r})")
    except TRANSIENT_ERRORS:
        log.error("page %s: could not record the failure either; it stays pending", page_id)


@app.task(name=PROCESS_TASK, bind=True, max_retries=None)
def process_page_task(self: Task, page_id: int) -> str:
    """Process one stored page (see :func:`process_stored_page`), retrying transient errors."""
    settings = task_settings()
    try:
        return process_one(page_id, settings)
    except SoftTimeLimitExceeded as exc:
        # Over the time limit: a lock or a server slow to come back (transient), or a page
        # that no stage can get through in time (permanent). A few more tries tell them apart.
        _retry_unless_spent(self, page_id, settings, exc, TIME_LIMIT_RETRIES, "time_limit")
        return "failed"
    except TRANSIENT_ERRORS as exc:
        _retry_unless_spent(
            self, page_id, settings, exc, settings.task_max_retries, "retries_exhausted"
        )
        raise


def _retry_unless_spent(
    task: Task, page_id: int, settings: Settings, exc: BaseException, attempts: int, reason: str
) -> None:
    """Retry the task later (raises celery's Retry), with backoff and jitter; once ``attempts``
    retries are spent, record the page as failed with ``reason`` and return."""
    reset_worker_context()  # reconnect from scratch on the next attempt
    retries = int(task.request.retries or 0)
    if retries >= attempts:
        _give_up(page_id, settings, exc, reason)
        return
    delay = retry_delay(retries, settings)
    log.warning("page %s: %r; retry %d in %ds", page_id, exc, retries + 1, delay)
    raise task.retry(exc=exc, countdown=delay) from exc


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
    )  # fmt: skip
    return run_crawl_job(request, task_settings())
