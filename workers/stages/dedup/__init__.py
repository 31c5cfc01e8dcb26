"""The dedup stage as plain functions: normalisation, fingerprints, band keys, decisions.

No SQL and no Redis here: the shared index lives in ``storage.dedup_index`` (database) and
``workers.dedup_index`` (Redis); ``workers.dedup`` puts the pieces together.
"""

from workers.stages.dedup.decide import Assignment, Original, Rules, assign_cluster, similarity
from workers.stages.dedup.entry import Entry, Features, band_keys, pack_entry, unpack_entry
from workers.stages.dedup.fingerprint import (
    Fingerprint,
    fingerprint,
    from_signature_bytes,
    to_signature_bytes,
)
from workers.stages.dedup.normalise import content_hash, normalise, numbers_in

__all__ = [
    "Assignment",
    "Entry",
    "Features",
    "Fingerprint",
    "Original",
    "Rules",
    "assign_cluster",
    "band_keys",
    "content_hash",
    "fingerprint",
    "from_signature_bytes",
    "normalise",
    "numbers_in",
    "pack_entry",
    "similarity",
    "to_signature_bytes",
    "unpack_entry",
]
