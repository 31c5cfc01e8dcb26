"""One page through every stage, in order: clean → bylines → dedup → store.

This is the whole processing of a page, as plain calls. The embedded default calls it
in-process; the Celery task calls it in a worker. It tells apart the outcomes a caller counts:

* ``stored`` — a new article (or a refreshed one), ``duplicate`` — stored, as a copy of an
  earlier story (``duplicate_of`` set);
* ``rejected`` — not an article (category page, video…), never stored as one;
* ``failed`` — a permanent failure of a stage, recorded in ``failed_pages``.

Transient failures (database or Redis unreachable) are not caught here: they propagate so that
the caller retries. Every write is idempotent, so running a page twice leaves the same rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from storage.db import Store
from storage.processed import save_processed
from storage.repository import article_id_for, mark_page, record_failure
from workers.extract import SourceInfo, extract_record
from workers.stages.dedup.service import Deduplicator
from workers.stages.errors import PageRejected, StageError
from workers.stages.page import FetchedPage

log = logging.getLogger(__name__)

Status = Literal["stored", "duplicate", "rejected", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What became of one page."""

    status: Status
    url: str
    article_id: str | None = None
    reason: str | None = None


def _extract(page: FetchedPage, source: SourceInfo | None) -> dict[str, object]:
    """clean + bylines; any error of these pure stages is permanent for this page."""
    try:
        return extract_record(page, source)
    except StageError:
        raise
    except (MemoryError, RecursionError, ValueError, TypeError, LookupError, AttributeError) as exc:
        # A page that trips a bug or a limit of a parser will trip it again: permanent.
        raise _Crashed("extract", f"crash:{type(exc).__name__}", str(exc)[:500]) from exc


class _Crashed(StageError):
    pass


def process_page(
    page: FetchedPage,
    *,
    store: Store,
    dedup: Deduplicator,
    source: SourceInfo | None,
    page_id: int | None = None,
    run_id: int | None = None,
) -> Outcome:
    """Run the stages on ``page`` and store the result; see the module docstring."""
    try:
        record = _extract(page, source)
    except PageRejected as exc:
        if page_id is not None:
            with store.session() as session:
                mark_page(session, page_id, "rejected", reason=exc.reason)
        return Outcome("rejected", page.url, reason=exc.reason)
    except StageError as exc:
        with store.session() as session:
            record_failure(
                session, url=page.url, stage=exc.stage, reason=exc.reason, error=exc.detail or None,
                source=page.source, page_id=page_id, run_id=run_id,
            )  # fmt: skip
            if page_id is not None:
                mark_page(session, page_id, "failed", reason=f"{exc.stage}: {exc.reason}")
        log.info("failed %s: %s", page.url, exc)
        return Outcome("failed", page.url, reason=f"{exc.stage}: {exc.reason}")

    canonical = str(record.get("canonical_url") or record["url"])
    record["canonical_url"] = canonical
    record["id"] = article_id_for(canonical)
    decision = dedup.assign(record)
    record.update(
        content_hash=decision.content_hash,
        cluster_id=decision.cluster_id,
        duplicate_of=decision.duplicate_of,
        signature=decision.signature,
        page_id=page_id,
        run_id=run_id,
    )
    status: Status = "duplicate" if decision.duplicate_of else "stored"
    article_id = save_processed(store, record, url=page.url, page_id=page_id, state=status)
    dedup.commit(article_id, decision)
    return Outcome(status, page.url, article_id=article_id)
