"""The dedup stage, all of it: plain functions, the shared index and the service.

Read in this order:

* ``normalise``, ``fingerprint``, ``entry``, ``decide``, ``evaluate`` — plain functions, no SQL
  and no Redis: normalisation, MinHash fingerprints, band keys and the packed index entry, the
  copy decision, pairwise scores;
* ``index`` — the one interface of the shared index and the transaction rules both backends
  keep;
* ``database_index`` and ``redis_index`` — its two backends (the database in the embedded
  default, Redis with a broker);
* ``service`` — :class:`~workers.stages.dedup.service.Deduplicator`, what the pipeline calls.
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
