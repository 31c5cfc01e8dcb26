"""Where the crawler hands fetched pages on: in-process, or to the workers.

``open_ingestor(settings, store, run_id)`` picks the mode from the settings: without
``KIBARU_BROKER_URL`` every page is processed as soon as it is submitted (the embedded
default); with it, pages are stored and queued for Celery workers, and ``finish`` waits until
every page of the run has been processed.

Before crawling, the caller keeps the ``sources`` table in step with the registry
(``storage.repository.upsert_sources``): processing reads a page's source (name, country,
selectors) from there, never from the registry, so that workers need no registry file.
"""

from __future__ import annotations

from typing import Protocol

from kibaru.settings import Settings
from storage.db import Store
from storage.runs import Progress
from workers.ingest.errors import IngestError
from workers.stages.page import FetchedPage


class Ingestor(Protocol):
    """Takes the pages of one crawl run."""

    def submit(self, page: FetchedPage) -> None:
        """Hand one fetched page on (processed now, or queued)."""

    def flush_due(self) -> None:
        """Hand on the pages that have waited long enough for their batch (if it batches)."""

    def flush(self) -> None:
        """Hand on every page submitted so far (if it batches)."""

    def finish(self, progress: Progress | None = None) -> dict[str, int]:
        """Wait until every submitted page is processed; return counts by outcome."""
        ...


def open_ingestor(settings: Settings, store: Store, run_id: int | None) -> Ingestor:
    """The embedded ingestor, or the broker one when ``settings.broker_url`` is set. Raises
    :class:`workers.ingest.errors.IngestError` when the broker does not answer, or when the
    embedded one's dedup index in Redis is of an earlier layout.

    Each is imported only when chosen: a crawl that hands its pages to workers never loads
    the stages (trafilatura and its dependencies take most of a second to import).
    """
    if settings.broker_url:
        from workers.ingest.broker import BrokerIngestor

        ingestor = BrokerIngestor(settings, store, run_id)
        ingestor.ensure_broker()
        return ingestor
    from workers.ingest.embedded import EmbeddedIngestor
    from workers.stages.dedup.redis_index import IndexLayoutError
    from workers.stages.dedup.service import open_dedup

    try:
        dedup = open_dedup(settings, store)
    except IndexLayoutError as exc:  # the operator's to fix, before anything is fetched
        raise IngestError(str(exc)) from exc
    return EmbeddedIngestor(store, dedup, run_id)
