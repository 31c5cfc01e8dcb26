"""One page through every stage, in order: clean → bylines → dedup → store.

This is the whole processing of a page, as plain calls. The embedded default calls it
in-process; the Celery task calls it in a worker. It tells apart the outcomes a caller counts:

* ``stored`` — a new article (or a refreshed one), ``duplicate`` — stored, as a copy of an
  earlier story (``duplicate_of`` set);
* ``rejected`` — not an article (category page, video…), never stored as one;
* ``failed`` — a permanent failure of a stage, recorded in ``failed_pages``. Two kinds:
  the known outcomes of a stage (:class:`StageError`: empty body, binary content…, and a page
  that trips a parser's limits, ``crash:…``), and **bugs**: any other exception a stage raises
  (``TypeError``, ``UnicodeEncodeError``…). A bug is logged at ERROR with its traceback, and
  recorded with reason ``bug:<ExceptionType>`` and the traceback as the failure's ``error``,
  so that ``kibaru status`` counts it apart and ``kibaru retry-failed`` reruns the page once
  the code is fixed. Whatever one page raises, the caller's other pages go on.

Transient failures (:data:`TRANSIENT_ERRORS`: database or Redis unreachable) and operator
errors (:data:`OPERATOR_ERRORS`: a dedup index of an earlier layout) are not caught here: they
propagate so that the caller retries or stops. Every write is idempotent, so running a page
twice leaves the same rows.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import redis.exceptions
import sqlalchemy.exc
from billiard.exceptions import SoftTimeLimitExceeded

from storage.db import Store, StoreError
from storage.processed import save_processed
from storage.record import ArticleRecord
from storage.repository import mark_page, record_failure
from storage.runs import BUG_REASON_PREFIX
from workers.extract import SourceInfo, extract_record
from workers.stages.dedup.redis_index import IndexLayoutError
from workers.stages.dedup.service import Deduplicator
from workers.stages.errors import PageRejected, StageError
from workers.stages.page import FetchedPage

log = logging.getLogger(__name__)

Status = Literal["stored", "duplicate", "rejected", "failed"]
Extract = Callable[[FetchedPage, SourceInfo | None], ArticleRecord]


@dataclass(frozen=True)
class Outcome:
    """What became of one page."""

    status: Status
    url: str
    article_id: str | None = None
    reason: str | None = None


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

# Not the page's fault and not a bug: the operator must act (an index left by an earlier
# version: ``kibaru dedup rebuild``). Raised through, so that the caller stops or retries with
# the error's one-line message instead of recording page after page as failed.
OPERATOR_ERRORS: tuple[type[BaseException], ...] = (IndexLayoutError,)

# Raised into a stage from outside to stop it: the worker's soft time limit (Celery raises it
# wherever the page happens to be). The task layer retries, then records ``time_limit``.
INTERRUPTIONS: tuple[type[BaseException], ...] = (SoftTimeLimitExceeded,)

# A page that trips a limit of a parser (nesting too deep, too big) trips it again: a
# permanent failure of that page, not a bug of ours.
PAGE_LIMIT_ERRORS: tuple[type[BaseException], ...] = (MemoryError, RecursionError)

# How much of a bug's traceback the failure keeps (the innermost frames, where it was raised).
TRACEBACK_CHARS = 8000


def bug_failure(exc: BaseException) -> tuple[str, str]:
    """The recorded reason and error of an unexpected exception: its type, its traceback."""
    text = "".join(traceback.format_exception(exc))
    return f"{BUG_REASON_PREFIX}{type(exc).__name__}", text[-TRACEBACK_CHARS:]


def _fail(
    store: Store,
    page: FetchedPage,
    page_id: int | None,
    run_id: int | None,
    stage: str,
    reason: str,
    error: str | None,
) -> Outcome:
    """Record ``page`` as failed in ``stage`` (the failure, and the page's state)."""
    with store.session() as session:
        record_failure(
            session,
            url=page.url,
            stage=stage,
            reason=reason,
            error=error,
            source=page.source,
            page_id=page_id,
            run_id=run_id,
        )
        if page_id is not None:
            mark_page(session, page_id, "failed", reason=f"{stage}: {reason}")
    return Outcome("failed", page.url, reason=f"{stage}: {reason}")


def process_page(
    page: FetchedPage,
    *,
    store: Store,
    dedup: Deduplicator,
    source: SourceInfo | None,
    page_id: int | None = None,
    run_id: int | None = None,
    extract: Extract = extract_record,
) -> Outcome:
    """Run the stages on ``page`` and store the result; see the module docstring.

    ``extract`` gives the page's record (clean + bylines): :func:`extract_record` itself, or
    what waits for it from another process (the embedded ingestor's extraction process); it
    raises what extract_record raises.
    """
    stage = "extract"
    try:
        try:
            record = extract(page, source)
        except PageRejected as exc:
            if page_id is not None:
                with store.session() as session:
                    mark_page(session, page_id, "rejected", reason=exc.reason)
            return Outcome("rejected", page.url, reason=exc.reason)
        stage = "dedup"
        decision = dedup.assign(record)
        placed = record.placed(
            content_hash=decision.content_hash,
            cluster_id=decision.cluster_id,
            duplicate_of=decision.duplicate_of,
        )
        stage = "store"
        status: Status = "duplicate" if decision.duplicate_of else "stored"
        row = {**placed.columns(), "signature": decision.signature, "page_id": page_id,
               "run_id": run_id}
        article_id = save_processed(store, row, url=page.url, page_id=page_id, state=status)
        dedup.commit(article_id, decision)
        return Outcome(status, page.url, article_id=article_id)
    except StageError as exc:
        log.info("failed %s: %s", page.url, exc)
        return _fail(store, page, page_id, run_id, exc.stage, exc.reason, exc.detail or None)
    except (*TRANSIENT_ERRORS, *OPERATOR_ERRORS, *INTERRUPTIONS):
        raise
    except PAGE_LIMIT_ERRORS as exc:
        log.warning("failed %s: %s hit %r", page.url, stage, exc)
        reason = f"crash:{type(exc).__name__}"
        return _fail(store, page, page_id, run_id, stage, reason, str(exc)[:500])
    except Exception as exc:
        # Not a known outcome of any stage: a bug. Loud (ERROR, traceback) and kept with the
        # page, never a silent loss of the page or of the batch it came in.
        log.exception("bug in stage %s on %s (page %s)", stage, page.url, page_id)
        reason, error = bug_failure(exc)
        return _fail(store, page, page_id, run_id, stage, reason, error)
