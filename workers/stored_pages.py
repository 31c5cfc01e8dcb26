"""Processing pages that are already in the store: the task's work, reprocess, retry-failed.

A stored page keeps its raw HTML (compressed), so the stages can be rerun on it without
fetching. :func:`rerun_pages` puts a set of stored pages under a run, marks them pending, and
processes them: in this process without a broker, through the workers with one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from kibaru.settings import Settings
from storage.db import Store
from storage.runs import Progress, assign_pages_to_run, outcome_counts, page_state_counts
from workers.page_rows import fetched_page, load_stored_page
from workers.pipeline import process_page
from workers.sources import SourceCatalog
from workers.stages.dedup.service import Deduplicator, open_dedup

log = logging.getLogger(__name__)



def process_stored_page(
    page_id: int,
    *,
    store: Store,
    dedup: Deduplicator,
    catalog: SourceCatalog,
    row: Row[Any] | None = None,
) -> str:
    """Run the stages on stored page ``page_id``; return its outcome.

    ``row`` is the page's stored row when the caller read it already (with the rest of a
    batch); otherwise it is read here. Returns ``"skipped"`` when the page is no longer pending
    (an earlier delivery of the same task processed it) and ``"missing"`` when it is not in the
    store. Transient errors (database or Redis unreachable) propagate.
    """
    if row is None:
        row = load_stored_page(store, page_id)
    if row is None:
        log.warning("page %s is not in the store (deleted?); nothing to process", page_id)
        return "missing"
    if row.state != "pending":
        return "skipped"
    page = fetched_page(row)
    run_id = row.run_id
    outcome = process_page(
        page, store=store, dedup=dedup, source=catalog.get(page.source), page_id=page_id,
        run_id=run_id,
    )
    return outcome.status


def rerun_pages(
    settings: Settings,
    store: Store,
    run_id: int,
    page_ids: Sequence[int],
    progress: Progress | None = None,
) -> dict[str, int]:
    """Process stored ``page_ids`` again as run ``run_id``; return the outcome counts.

    With a broker, raises :class:`workers.ingest_errors.IngestError` when it does not answer (before
    any page is touched) or when no worker consumes the queue for ``KIBARU_WORKER_WAIT``.
    """
    if settings.broker_url:
        from workers.distributed import BrokerIngestor

        ingestor = BrokerIngestor(settings, store, run_id)
        ingestor.ensure_broker()
        with store.session() as session:
            assign_pages_to_run(session, page_ids, run_id)
        ingestor.send_many(list(page_ids))
        return ingestor.finish(progress)
    with store.session() as session:
        assign_pages_to_run(session, page_ids, run_id)
    dedup = open_dedup(settings, store)
    catalog = SourceCatalog(store)
    for done, page_id in enumerate(page_ids, start=1):
        process_stored_page(page_id, store=store, dedup=dedup, catalog=catalog)
        if progress is not None and (done % 50 == 0 or done == len(page_ids)):
            with store.session() as session:
                progress(outcome_counts(page_state_counts(session, run_id)))
    with store.session() as session:
        return outcome_counts(page_state_counts(session, run_id))
