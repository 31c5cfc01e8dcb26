"""Why the pages of a run cannot be handed on (raised by the ingestors, caught at the edges)."""

from __future__ import annotations


class IngestError(RuntimeError):
    """The pages cannot be handed on; the message says why and how to fix it (one line)."""
