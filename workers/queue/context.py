"""What a worker process keeps between tasks: the store, the deduplicator, the source catalog.

Opened lazily on the first task of each process (after Celery's prefork, so no connection is
shared across processes), and opened again when the settings or the process change. Opening
may fail with a transient error (database or Redis unreachable); the task retries it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from kibaru.settings import Settings
from storage.db import Store, open_store
from workers.sources import SourceCatalog
from workers.stages.dedup.service import Deduplicator, open_dedup


@dataclass
class WorkerContext:
    """The per-process resources of the processing tasks."""

    settings: Settings
    store: Store
    dedup: Deduplicator
    catalog: SourceCatalog
    pid: int


_current: WorkerContext | None = None
# Set by ``kibaru worker`` once it has brought the schema to the newest migration, before
# Celery forks the pool processes: they then open the store without checking the schema
# again, which would load alembic (about 11 MB) in each of them. A worker started another
# way (``celery -A workers.queue.app worker``) checks, and migrates, as before.
_schema_upgraded = False


def schema_upgraded() -> None:
    """Record that this process (the parent of the pool processes) upgraded the schema."""
    global _schema_upgraded
    _schema_upgraded = True


def worker_context(settings: Settings) -> WorkerContext:
    """The context of this process for ``settings``, opened on first use."""
    global _current
    if _current is not None and _current.pid == os.getpid() and _current.settings == settings:
        return _current
    # No pre-ping: a connection that died with its server fails the task's first statement,
    # which the task retries after dropping the pool (see workers.queue.tasks); a ping would cost a
    # round trip on every session of every page.
    store = open_store(settings.database_url, pre_ping=False, migrate=not _schema_upgraded)
    try:
        dedup = open_dedup(settings, store)
    except BaseException:
        store.dispose()
        raise
    _current = WorkerContext(
        settings=settings, store=store, dedup=dedup, catalog=SourceCatalog(store),
        pid=os.getpid(),
    )
    return _current


def reset_worker_context() -> None:
    """Forget this process's context (after a fork, or to reconnect from scratch)."""
    global _current
    if _current is not None and _current.pid == os.getpid():
        _current.store.dispose()
    _current = None
