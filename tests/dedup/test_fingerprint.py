"""Fingerprints, their byte forms, index entries and band keys."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import numpy as np
import pytest

from workers.stages.dedup.decide import jaccard
from workers.stages.dedup.entry import (
    BANDS,
    LEAD_BANDS,
    Entry,
    Features,
    band_keys,
    decode_id,
    encode_id,
    pack_entry,
    parse_published,
    split_ids,
    unpack_entry,
)
from workers.stages.dedup.fingerprint import (
    NUM_PERM,
    fingerprint,
    from_signature_bytes,
    shingles,
    to_signature_bytes,
)
from workers.stages.dedup.normalise import tokens

TEXT = (
    "Le gouvernement a débloqué une enveloppe d’urgence de 2 milliards de francs CFA pour "
    "l’achat de vivres, de tentes et de kits d’hygiène destinés aux familles sans abri.\n"
    "La protection civile appelle les populations riveraines du fleuve Niger à quitter les "
    "zones inondables, la crue devant atteindre son pic en septembre."
)


def test_same_text_same_signature_across_calls() -> None:
    a, b = fingerprint(TEXT), fingerprint(TEXT)
    assert np.array_equal(a.signature, b.signature)
    assert a.signature.dtype == np.uint32 and len(a.signature) == NUM_PERM
    assert a.size == len(shingles(tokens(TEXT))) > 30


def test_jaccard_estimate_follows_the_edit() -> None:
    base = fingerprint(TEXT)
    few_words = fingerprint(TEXT.replace("débloqué", "dégagé"))
    other = fingerprint("Les Lions de la Teranga ont battu le Bénin deux buts à zéro samedi soir.")
    assert jaccard(base.signature, few_words.signature) > 0.7
    assert jaccard(base.signature, other.signature) < 0.1


def test_signature_bytes_round_trip_and_are_compact() -> None:
    fp = fingerprint(TEXT)
    data = to_signature_bytes(fp)
    assert len(data) < 700
    back = from_signature_bytes(data)
    assert np.array_equal(back.signature, fp.signature)
    assert np.array_equal(back.lead, fp.lead)
    assert (back.size, back.numbers) == (fp.size, fp.numbers)


@pytest.mark.parametrize(
    "bad", [b"", b"\x09" + bytes(600), to_signature_bytes(fingerprint(TEXT))[:-4]]
)
def test_bad_signature_bytes_say_what_to_do(bad: bytes) -> None:
    with pytest.raises(ValueError, match="signature"):
        from_signature_bytes(bad)


def test_entry_round_trip_keeps_everything() -> None:
    fp = fingerprint(TEXT)
    when = datetime(2025, 2, 6, 10, 30, tzinfo=UTC)
    entry = Entry("0123456789abcdef0123", Features.of(fp, when), 42, "fedcba98765432100000")
    back = unpack_entry(entry.id, pack_entry(entry))
    assert (back.id, back.seq, back.cluster_id) == (entry.id, 42, entry.cluster_id)
    assert back.features.minute == entry.features.minute
    assert np.array_equal(back.features.signature, entry.features.signature)
    assert back.features.numbers == fp.numbers
    assert len(pack_entry(entry)) < 400
    undated = Entry("doc-1", Features.of(fp, None), 1, "doc-1")
    assert unpack_entry("doc-1", pack_entry(undated)).features.minute is None


@pytest.mark.parametrize("article_id", ["0123456789abcdef0123", "doc-1", "é", "ab"])
def test_ids_encode_compactly_and_concatenate(article_id: str) -> None:
    encoded = encode_id(article_id)
    assert decode_id(encoded) == (article_id, len(encoded))
    assert split_ids(encoded + encode_id("x") + encoded) == [article_id, "x", article_id]
    if article_id == "0123456789abcdef0123":
        assert len(encoded) == 11


def test_band_keys_are_stable_signed_64_bit_and_shared_by_copies() -> None:
    keys = band_keys(fingerprint(TEXT))
    assert len(keys) == BANDS + LEAD_BANDS
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert keys == band_keys(fingerprint(TEXT.upper()))
    assert set(keys) & set(band_keys(fingerprint(TEXT.replace("septembre", "octobre"))))
    assert band_keys(fingerprint("")) == []


def test_published_dates_parse_leniently() -> None:
    assert parse_published("2025-02-06T10:00:00Z") == datetime(2025, 2, 6, 10, tzinfo=UTC)
    assert parse_published("2025-02-06") == datetime(2025, 2, 6, tzinfo=UTC)
    assert parse_published("not a date") is None
    assert parse_published(None) is None


def test_minhash_is_datasketch_affine32() -> None:
    """The numpy MinHash gives datasketch's affine32 values bit for bit: the signatures kept
    in articles.signature and in the index were computed with datasketch."""
    from datasketch import MinHash

    fp = importlib.import_module("workers.stages.dedup.fingerprint")

    rng = np.random.default_rng(7)
    words = [f"w{n}" for n in range(500)]
    for seed, num_perm in ((fp.SEED, fp.NUM_PERM), (fp.SEED + 1, fp.LEAD_PERM)):
        perms = fp.permutations(num_perm, seed)
        reference = MinHash(num_perm=num_perm, seed=seed, scheme=fp.SCHEME)
        assert np.array_equal(perms, reference.permutations)
        for size in (0, 1, 2, 3, 40, 700):
            items = fp.shingles([str(w) for w in rng.choice(words, size)])
            sketch = MinHash(
                num_perm=num_perm, seed=seed, scheme=fp.SCHEME, hashfunc=fp._hash32,
                permutations=reference.permutations,
            )
            sketch.update_batch(items)
            ours = fp._minhash(items, num_perm, perms)
            assert ours.dtype == np.uint32
            assert np.array_equal(ours, np.asarray(sketch.hashvalues, dtype=np.uint32))
