"""One page already in the store through the stages: a worker's task, reprocess, retry-failed.

A stored page keeps its raw HTML (compressed), so the stages can be rerun on it without
fetching. :func:`process_stored_page` reads the row (unless its caller read it with a batch),
rebuilds the :class:`~workers.stages.page.FetchedPage` and runs :func:`process_page` on it.
Handing a set of stored pages on again is :mod:`workers.ingest.rerun`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Row

from storage.db import Store
from workers.page_rows import fetched_page, load_stored_page
from workers.pipeline import process_page
from workers.sources import SourceCatalog
from workers.stages.dedup.service import Deduplicator

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
