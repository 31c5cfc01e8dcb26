"""Stored pages handed on again (``kibaru reprocess``, ``kibaru retry-failed``, and the pages
a killed backfill left unprocessed).

:func:`rerun_pages` puts a set of stored pages under a run, marks them pending, and processes
them: in this process without a broker (:func:`workers.stored_pages.process_stored_page`),
through the workers with one (the broker ingestor's tasks, and its wait for the run).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kibaru.settings import Settings
from storage.backfill import unprocessed_pages
from storage.db import Store
from storage.runs import Progress, assign_pages_to_run, outcome_counts, page_state_counts
from workers.ingest.errors import IngestError
from workers.page_rows import fetched_page
from workers.stages.page import FetchedPage


def left_unprocessed(store: Store, sources: Iterable[str], origin: str) -> list[FetchedPage]:
    """The pages of ``sources`` that a killed run of ``origin`` stored but never processed, as
    fetched, to be handed on again through a run's ingestor (no fetch). Call it while the
    run holds the sources' locks."""
    with store.session() as session:
        return [fetched_page(row) for row in unprocessed_pages(session, sources, origin)]


def rerun_pages(
    settings: Settings,
    store: Store,
    run_id: int,
    page_ids: Sequence[int],
    progress: Progress | None = None,
) -> dict[str, int]:
    """Process stored ``page_ids`` again as run ``run_id``; return the outcome counts.

    Raises :class:`workers.ingest.errors.IngestError` with a broker when it does not answer
    (before any page is touched) or when no worker consumes the queue for
    ``KIBARU_WORKER_WAIT``; without one, when the dedup index in Redis is of an earlier layout.
    """
    if settings.broker_url:
        from workers.ingest.broker import BrokerIngestor

        ingestor = BrokerIngestor(settings, store, run_id)
        ingestor.ensure_broker()
        with store.session() as session:
            assign_pages_to_run(session, page_ids, run_id)
        ingestor.send_many(list(page_ids))
        return ingestor.finish(progress)
    # In this process: the stages load only now, as in the embedded ingestor.
    from workers.sources import SourceCatalog
    from workers.stages.dedup.redis_index import IndexLayoutError
    from workers.stages.dedup.service import open_dedup
    from workers.stored_pages import process_stored_page

    try:
        dedup = open_dedup(settings, store)
        with store.session() as session:
            assign_pages_to_run(session, page_ids, run_id)
        catalog = SourceCatalog(store)
        for done, page_id in enumerate(page_ids, start=1):
            process_stored_page(page_id, store=store, dedup=dedup, catalog=catalog)
            if progress is not None and (done % 50 == 0 or done == len(page_ids)):
                with store.session() as session:
                    progress(outcome_counts(page_state_counts(session, run_id)))
    except IndexLayoutError as exc:  # the pages not processed yet stay pending
        raise IngestError(str(exc)) from exc
    with store.session() as session:
        return outcome_counts(page_state_counts(session, run_id))
