"""Sources as processing sees them: read from the ``sources`` table, cached per process."""

from __future__ import annotations

from storage.db import Store
from storage.models import SourceRow
from workers.extract import SourceInfo, source_info


class SourceCatalog:
    """Looks up a page's source once per process; unknown ids give None (generic rules)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, SourceInfo | None] = {}

    def get(self, source_id: str) -> SourceInfo | None:
        if source_id not in self._cache:
            with self.store.session() as session:
                row = session.get(SourceRow, source_id)
                self._cache[source_id] = None if row is None else source_info(row)
        return self._cache[source_id]
