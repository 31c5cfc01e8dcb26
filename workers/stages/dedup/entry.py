"""What the shared index keeps per story, in one compact binary form used by every backend.

An :class:`Entry` is about 340 bytes: MinHash values truncated to 16 bits (b-bit minwise
hashing: two different values agree by chance with probability 1/65536, a negligible bias on
the Jaccard estimate), the shingle count, the figures, the publication minute, the order of
storage and the cluster. The cluster id sits at a fixed offset (after the 17-byte header) so
that a Redis script can read it without parsing the rest.

Band keys (:func:`band_keys`) are 64-bit signed integers, one per LSH band, so that they fit a
BIGINT column and an 8-byte Redis hash field.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from workers.stages.dedup.fingerprint import LEAD_PERM, NUM_PERM, Fingerprint

BANDS = 32
ROWS = 4
LEAD_BANDS = 4
LEAD_ROWS = 4
assert BANDS * ROWS <= NUM_PERM and LEAD_BANDS * LEAD_ROWS <= LEAD_PERM

NO_MINUTE = -(2**31)
_VERSION = 1
HEADER = struct.Struct("<BiIQ")  # version, published minute, size, storage sequence
_HEX_ID = re.compile(r"(?:[0-9a-f]{2}){1,63}")


@dataclass(frozen=True)
class Features:
    """The comparable part of a story: 16-bit signatures, size, figures, publication minute."""

    signature: np.ndarray  # uint16[NUM_PERM]
    lead: np.ndarray  # uint16[LEAD_PERM]
    size: int
    numbers: tuple[int, ...]
    minute: int | None  # minutes since the epoch (UTC), None when the date is unknown

    @classmethod
    def of(cls, fp: Fingerprint, published_at: datetime | None) -> Features:
        return cls(
            signature=(fp.signature & 0xFFFF).astype(np.uint16),
            lead=(fp.lead & 0xFFFF).astype(np.uint16),
            size=fp.size,
            numbers=fp.numbers,
            minute=to_minute(published_at),
        )


@dataclass(frozen=True)
class Entry:
    """One indexed story: its id, features, storage order and cluster."""

    id: str
    features: Features
    seq: int
    cluster_id: str


def to_minute(published_at: datetime | None) -> int | None:
    if published_at is None:
        return None
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=UTC)
    return int(published_at.timestamp() // 60)


def parse_published(value: object) -> datetime | None:
    """An ISO-8601 string, a datetime or None → an aware datetime or None (bad → None)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def encode_id(article_id: str) -> bytes:
    """Length-prefixed compact id: hex ids (the usual 20-char ones) take half the bytes."""
    if _HEX_ID.fullmatch(article_id):
        raw = bytes.fromhex(article_id)
        return bytes([0x80 | len(raw)]) + raw
    raw = article_id.encode("utf-8")
    if len(raw) > 127:
        raise ValueError(f"article id {article_id[:40]!r}… is longer than 127 bytes")
    return bytes([len(raw)]) + raw


def decode_id(data: bytes, offset: int = 0) -> tuple[str, int]:
    """Read one :func:`encode_id` at ``offset``; return (id, offset after it)."""
    flag = data[offset]
    length = flag & 0x7F
    raw = data[offset + 1 : offset + 1 + length]
    text = raw.hex() if flag & 0x80 else raw.decode("utf-8")
    return text, offset + 1 + length


def split_ids(data: bytes) -> list[str]:
    """All ids of a concatenation of :func:`encode_id` values."""
    ids, offset = [], 0
    while offset < len(data):
        article_id, offset = decode_id(data, offset)
        ids.append(article_id)
    return ids


def pack_entry(entry: Entry) -> bytes:
    f = entry.features
    minute = NO_MINUTE if f.minute is None else f.minute
    return b"".join(
        (
            HEADER.pack(_VERSION, minute, f.size, entry.seq),
            encode_id(entry.cluster_id),
            bytes([len(f.numbers)]),
            np.asarray(f.numbers, dtype="<u2").tobytes(),
            f.signature.astype("<u2").tobytes(),
            f.lead.astype("<u2").tobytes(),
        )
    )


def unpack_entry(article_id: str, data: bytes) -> Entry:
    version, minute, size, seq = HEADER.unpack_from(data)
    if version != _VERSION:
        raise ValueError(f"dedup index entry format {version} unknown: run `kibaru dedup rebuild`")
    cluster_id, offset = decode_id(data, HEADER.size)
    count = data[offset]
    offset += 1
    numbers = np.frombuffer(data, dtype="<u2", count=count, offset=offset)
    offset += 2 * count
    signature = np.frombuffer(data, dtype="<u2", count=NUM_PERM, offset=offset)
    offset += 2 * NUM_PERM
    lead = np.frombuffer(data, dtype="<u2", count=LEAD_PERM, offset=offset)
    features = Features(
        signature=signature.astype(np.uint16),
        lead=lead.astype(np.uint16),
        size=int(size),
        numbers=tuple(int(n) for n in numbers),
        minute=None if minute == NO_MINUTE else int(minute),
    )
    return Entry(id=article_id, features=features, seq=int(seq), cluster_id=cluster_id)


_blake2b = hashlib.blake2b
# The first byte hashed with each band: its number.
_BAND_NUMBERS = [bytes([band]) for band in range(BANDS + LEAD_BANDS)]


def _band_key(band: int, values: bytes) -> int:
    """The key of band ``band`` whose values are ``values`` (little-endian uint32)."""
    digest = _blake2b(_BAND_NUMBERS[band] + values, digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def band_keys(fp: Fingerprint) -> list[int]:
    """The LSH band keys of a fingerprint: ``BANDS`` over the body, ``LEAD_BANDS`` over the lead.

    Computed from the full 32-bit values (fewer chance collisions than the 16-bit ones).
    An empty body has no bands: it is nobody's candidate.
    """
    if fp.empty:
        return []
    # One conversion each; a band's values are then a slice of the bytes.
    body = fp.signature.astype("<u4").tobytes()
    lead = fp.lead.astype("<u4").tobytes()
    width, lead_width = 4 * ROWS, 4 * LEAD_ROWS
    keys = [_band_key(b, body[b * width : (b + 1) * width]) for b in range(BANDS)]
    keys += [
        _band_key(BANDS + b, lead[b * lead_width : (b + 1) * lead_width])
        for b in range(LEAD_BANDS)
    ]
    return keys
