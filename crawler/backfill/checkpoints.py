"""Writing a backfill's checkpoints off the reactor and the ingest thread.

A walk's position moves on the reactor (an answer came) and on the ingest thread (a page was
stored); neither should wait for the database. The checkpoints go to one thread of their own,
written in the order they came, so the last one written is the walk's latest position.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy.exc

from storage.backfill import Checkpoint, write_checkpoint
from storage.db import Store

log = logging.getLogger(__name__)


class CheckpointWriter:
    """Writes the checkpoints of run ``run_id`` into ``store``, in order, on one thread."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kibaru-checkpoints")

    def save(self, checkpoint: Checkpoint) -> None:
        """Queue ``checkpoint`` to be written (returns at once)."""
        self.pool.submit(self._write, checkpoint)

    def _write(self, checkpoint: Checkpoint) -> None:
        try:
            with self.store.session() as session:
                write_checkpoint(session, checkpoint, run_id=self.run_id)
        except sqlalchemy.exc.SQLAlchemyError as exc:  # the next one carries the position on
            log.warning("backfill checkpoint of %s not written: %s", checkpoint.source,
                        str(exc).splitlines()[0])

    def close(self) -> None:
        """Wait until every queued checkpoint is written."""
        self.pool.shutdown(wait=True)
