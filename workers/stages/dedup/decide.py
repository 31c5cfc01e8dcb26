"""Is a candidate a copy of the new story, and which cluster does the new story join?

A candidate (found through a shared LSH band) is a copy when all of these hold:

1. **Window** — both publication dates known: they are at most ``window_minutes`` apart.
   Last year's dispatch written on the same template never qualifies when dated.
2. **Figures** — the figures of the shorter text are found in the longer one (at most
   ``max_missing_numbers`` missing, and never more than a third of them). Same-template
   dispatches differ exactly there: casualties, amounts, dates, scores.
3. **Text** — either the estimated Jaccard similarity of the bodies is at least
   ``near_jaccard`` (a republished copy: headline rewritten, dateline removed, "Source :"
   added, last paragraph cut, a few words fixed), or the shorter one is an excerpt of the
   longer: same lead (``lead_jaccard``) and estimated containment at least ``containment``.

Two outlets' different reports of one event share names and places but few 3-word shingles,
so they fail (3) whatever their dates.

The new story joins the cluster of its best-matching copy (ties: the earliest stored).
``duplicate_of`` is the cluster's original: the earliest *published* copy, the first stored
when dates are equal or missing. When the new story is published strictly earlier than the
cluster's original (both dated), it becomes the original: ``duplicate_of`` is None and the
caller repoints the cluster's other copies at it (:attr:`Assignment.becomes_original`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from workers.stages.dedup.entry import Entry, Features


@dataclass(frozen=True)
class Rules:
    """Thresholds of :func:`is_copy` (see the module docstring)."""

    window_minutes: int = 30 * 24 * 60
    near_jaccard: float = 0.5
    lead_jaccard: float = 0.5
    containment: float = 0.7
    min_excerpt_size: int = 15
    max_missing_numbers: int = 1

    @classmethod
    def for_days(cls, window_days: int) -> Rules:
        return cls(window_minutes=window_days * 24 * 60)


@dataclass(frozen=True)
class Original:
    """The original of a cluster: the earliest published copy."""

    id: str
    minute: int | None


@dataclass(frozen=True)
class Assignment:
    """Where the new story goes."""

    cluster_id: str
    duplicate_of: str | None
    original: Original  # the cluster's original after the new story joined
    becomes_original: bool  # the new story displaced an earlier-stored original
    matched: tuple[str, ...]  # ids of the candidates judged copies


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity from two MinHash signatures of equal length."""
    return float(np.count_nonzero(a == b)) / len(a)


def containment(j: float, size_a: int, size_b: int) -> float:
    """Estimated share of the smaller set inside the larger, given their Jaccard estimate."""
    smaller = min(size_a, size_b)
    if smaller == 0:
        return 0.0
    return min(1.0, j * (size_a + size_b) / ((1.0 + j) * smaller))


def within_window(a: int | None, b: int | None, window_minutes: int) -> bool:
    return a is None or b is None or abs(a - b) <= window_minutes


def figures_agree(a: Features, b: Features, max_missing: int) -> bool:
    """The figures of the shorter text are (nearly all) in the longer one."""
    short, long = (a, b) if a.size <= b.size else (b, a)
    if not short.numbers:
        return True
    present = set(long.numbers)
    missing = sum(1 for n in short.numbers if n not in present)
    return missing <= max_missing and missing * 3 <= len(short.numbers)


def similarity(new: Features, other: Features, rules: Rules) -> float | None:
    """A score in [0, 1] when ``other`` is a copy of ``new`` (see the module docstring)."""
    if new.size == 0 or other.size == 0:
        return None
    if not within_window(new.minute, other.minute, rules.window_minutes):
        return None
    if not figures_agree(new, other, rules.max_missing_numbers):
        return None
    j = jaccard(new.signature, other.signature)
    if j >= rules.near_jaccard:
        return j
    if min(new.size, other.size) < rules.min_excerpt_size:
        return None
    if jaccard(new.lead, other.lead) < rules.lead_jaccard:
        return None
    c = containment(j, new.size, other.size)
    return c * rules.near_jaccard if c >= rules.containment else None


def _earlier(a: Original, b: Original) -> bool:
    """``a`` was published strictly before ``b`` (both dates known)."""
    return a.minute is not None and b.minute is not None and a.minute < b.minute


def assign_cluster(
    new_id: str,
    new: Features,
    candidates: Iterable[Entry],
    originals: Mapping[str, Original],
    rules: Rules,
) -> Assignment:
    """Decide the cluster of ``new_id`` among ``candidates`` (entries of other stories).

    ``originals`` maps the candidates' cluster ids to their originals (a missing one counts
    as the cluster's first member with an unknown date).
    """
    best: tuple[float, int, Entry] | None = None
    matched: list[str] = []
    for entry in candidates:
        if entry.id == new_id:
            continue
        score = similarity(new, entry.features, rules)
        if score is None:
            continue
        matched.append(entry.id)
        key = (score, -entry.seq, entry)
        if best is None or key[:2] > best[:2]:
            best = key
    me = Original(new_id, new.minute)
    if best is None:
        return Assignment(new_id, None, me, False, ())
    cluster_id = best[2].cluster_id
    original = originals.get(cluster_id, Original(cluster_id, None))
    if _earlier(me, original):
        return Assignment(cluster_id, None, me, True, tuple(matched))
    return Assignment(cluster_id, original.id, original, False, tuple(matched))
