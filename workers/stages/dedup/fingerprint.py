"""The fingerprint of a story: MinHash signatures, size and figures, and their byte forms.

* ``signature`` — MinHash (128 permutations, fixed seed) of the word 3-shingles of the
  normalised body; estimates the Jaccard similarity of two bodies.
* ``lead`` — a 16-permutation MinHash of the shingles of the first ``LEAD_WORDS`` words only:
  an excerpt ("first paragraphs… Lire la suite") shares its lead with the full story even
  when it shares only a fraction of its shingles.
* ``size`` — the number of distinct shingles, to turn a Jaccard estimate into a containment.
* ``numbers`` — 16-bit hashes of the figures of the text (see ``normalise.numbers_in``).

:func:`to_signature_bytes` is what the article row keeps (``articles.signature``); the index
is rebuilt from it alone. It is versioned so that the layout can change.

The MinHash is datasketch's "affine32" scheme (2.0), computed here with numpy alone and
checked against datasketch by the tests: importing datasketch loads its LSH indexes and with
them scipy, about 55 MB of resident memory in every worker process for two arrays of
permutations.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from workers.stages.dedup.normalise import (
    hash_of_joined_tokens,
    numbers_of_lines,
    story_lines,
    tokens_of_lines,
)

NUM_PERM = 128
LEAD_PERM = 16
SEED = 20250206
SHINGLE_WORDS = 3
LEAD_WORDS = 30
SCHEME = "affine32"

_FORMAT_VERSION = 1
_HEADER = struct.Struct("<BIB")  # version, size, count of numbers

_EMPTY = np.uint32(0xFFFFFFFF)  # the value of a MinHash of nothing


def permutations(num_perm: int, seed: int) -> np.ndarray:
    """The ``(a, b)`` of ``num_perm`` affine permutations ``h -> a * h + b mod 2**32`` (``a``
    odd), drawn as datasketch's ``MinHash(num_perm, seed, scheme="affine32")`` draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


_PERMUTATIONS = permutations(NUM_PERM, SEED)
_LEAD_PERMUTATIONS = permutations(LEAD_PERM, SEED + 1)


_blake2b = hashlib.blake2b


def _hash32(data: bytes) -> int:
    return int.from_bytes(_blake2b(data, digest_size=4).digest(), "little")


def _hashes32(items: list[bytes]) -> np.ndarray:
    """:func:`_hash32` of every item, as ``uint32``: the 4-byte digests joined and read as
    little-endian words in one step, rather than one Python int per shingle."""
    digests = b"".join([_blake2b(item, digest_size=4).digest() for item in items])
    return np.frombuffer(digests, dtype="<u4")


def number_hash(number: str) -> int:
    """A 16-bit hash of one figure (collisions only make the figures check more lenient).

    Figures arrive as ASCII digits (``normalise.ascii_digits``); UTF-8 keeps any other text
    hashable rather than failing the page.
    """
    return zlib.crc32(number.encode("utf-8")) & 0xFFFF


@dataclass(frozen=True)
class Fingerprint:
    """What dedup knows of one body; see the module docstring."""

    signature: np.ndarray  # uint32[NUM_PERM]
    lead: np.ndarray  # uint32[LEAD_PERM]
    size: int
    numbers: tuple[int, ...]

    @property
    def empty(self) -> bool:
        """No words at all: such a body is never anyone's copy."""
        return self.size == 0


def shingles(words: list[str], width: int = SHINGLE_WORDS) -> list[bytes]:
    """Distinct word ``width``-grams (a shorter text is one shingle of all its words)."""
    if not words:
        return []
    if len(words) <= width:
        return [" ".join(words).encode("utf-8")]
    grams = (" ".join(words[i : i + width]) for i in range(len(words) - width + 1))
    return list(dict.fromkeys(gram.encode("utf-8") for gram in grams))


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (a bijection), the pre-mix of the affine32 scheme."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def _minhash(items: list[bytes], num_perm: int, perms: np.ndarray) -> np.ndarray:
    """The ``num_perm`` MinHash values of ``items`` (all ``2**32 - 1`` for no items)."""
    if not items:
        return np.full(num_perm, _EMPTY, dtype=np.uint32)
    return _minhash_of_mixed(_fmix32(_hashes32(items)), perms)


def _minhash_of_mixed(mixed: np.ndarray, perms: np.ndarray) -> np.ndarray:
    """The MinHash values of items whose pre-mixed hashes (``_fmix32(_hash32(item))``) are
    ``mixed`` (at least one)."""
    a, b = perms
    values = np.multiply.outer(mixed, a)
    values += b
    return np.asarray(values.min(axis=0), dtype=np.uint32)


def _positional_shingles(words: list[str], spaced: str, joined: bytes) -> list[bytes]:
    """The shingle at every position of ``words`` (more than ``SHINGLE_WORDS``), repeats
    included, as :func:`shingles` encodes them; ``spaced`` is ``" ".join(words)`` and
    ``joined`` its UTF-8 form: each shingle is one slice of it rather than a join and an
    encode."""
    if len(joined) == len(spaced):
        lengths = list(map(len, words))  # ASCII: a character is a byte
    else:
        lengths = [len(word.encode("utf-8")) for word in words]
    starts = [0] * len(words)
    position = 0
    for i, length in enumerate(lengths):
        starts[i] = position
        position += length + 1
    last = SHINGLE_WORDS - 1
    # The shingle at i runs from the start of word i to the end of word i + last.
    return [
        joined[start : end_start + end_length]
        for start, end_start, end_length in zip(
            starts[: len(words) - last], starts[last:], lengths[last:], strict=True
        )
    ]


def fingerprint(text: str) -> Fingerprint:
    """Fingerprint a body (plain text, paragraphs separated by newlines)."""
    return analyse(text)[0]


def analyse(text: str) -> tuple[Fingerprint, str]:
    """The fingerprint of a body and its :func:`~.normalise.content_hash`, in one pass."""
    lines = story_lines(text)
    words = tokens_of_lines(lines)
    spaced = " ".join(words)
    joined = spaced.encode("utf-8")
    numbers = tuple(number_hash(n) for n in numbers_of_lines(lines))
    digest = hash_of_joined_tokens(joined)
    if len(words) <= SHINGLE_WORDS:
        # No words: no shingles, both MinHashes empty. Up to SHINGLE_WORDS: one shingle.
        grams = [joined] if words else []
        fp = Fingerprint(
            signature=_minhash(grams, NUM_PERM, _PERMUTATIONS),
            lead=_minhash(grams, LEAD_PERM, _LEAD_PERMUTATIONS),
            size=len(grams),
            numbers=numbers,
        )
        return fp, digest
    positional = _positional_shingles(words, spaced, joined)
    grams = list(dict.fromkeys(positional))  # shingles(words)
    mixed = _fmix32(_hashes32(grams))
    # The lead's shingles (those of the first LEAD_WORDS words) are the body's first ones, so
    # its distinct shingles are the first ``lead`` of ``grams`` (first occurrences keep their
    # order) and their hashes are already known.
    if len(words) <= LEAD_WORDS:
        lead = len(grams)
    else:
        lead = len(set(positional[: LEAD_WORDS - SHINGLE_WORDS + 1]))
    fp = Fingerprint(
        signature=_minhash_of_mixed(mixed, _PERMUTATIONS),
        lead=_minhash_of_mixed(mixed[:lead], _LEAD_PERMUTATIONS),
        size=len(grams),
        numbers=numbers,
    )
    return fp, digest


def to_signature_bytes(fp: Fingerprint) -> bytes:
    """The compact, versioned form kept in ``articles.signature`` (about 600 bytes)."""
    return b"".join(
        (
            _HEADER.pack(_FORMAT_VERSION, fp.size, len(fp.numbers)),
            np.asarray(fp.numbers, dtype="<u2").tobytes(),
            fp.lead.astype("<u4").tobytes(),
            fp.signature.astype("<u4").tobytes(),
        )
    )


def from_signature_bytes(data: bytes) -> Fingerprint:
    """Read back :func:`to_signature_bytes`; ValueError names what is wrong."""
    if len(data) < _HEADER.size:
        raise ValueError(
            "dedup signature too short; run `kibaru dedup rebuild` after re-extracting"
        )
    version, size, count = _HEADER.unpack_from(data)
    if version != _FORMAT_VERSION:
        raise ValueError(
            f"dedup signature format {version} is not known (expected {_FORMAT_VERSION})"
        )
    expected = _HEADER.size + 2 * count + 4 * LEAD_PERM + 4 * NUM_PERM
    if len(data) != expected:
        raise ValueError(f"dedup signature has {len(data)} bytes, expected {expected}")
    offset = _HEADER.size
    numbers = np.frombuffer(data, dtype="<u2", count=count, offset=offset)
    offset += 2 * count
    lead = np.frombuffer(data, dtype="<u4", count=LEAD_PERM, offset=offset)
    offset += 4 * LEAD_PERM
    signature = np.frombuffer(data, dtype="<u4", count=NUM_PERM, offset=offset)
    return Fingerprint(
        signature=signature.astype(np.uint32),
        lead=lead.astype(np.uint32),
        size=int(size),
        numbers=tuple(int(n) for n in numbers),
    )
