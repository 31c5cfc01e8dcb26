"""Pairwise precision and recall of a clustering against labels (for tests and benchmarks)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairScores:
    """Counts of document pairs: put together rightly, wrongly, or wrongly kept apart."""

    true_pairs: int
    false_pairs: int
    missed_pairs: int

    @property
    def precision(self) -> float:
        found = self.true_pairs + self.false_pairs
        return self.true_pairs / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pairs + self.missed_pairs
        return self.true_pairs / wanted if wanted else 1.0


def _pairs(counts: Counter[Hashable]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def pairwise_scores(labels: Mapping[str, Hashable], clusters: Mapping[str, Hashable]) -> PairScores:
    """Compare ``clusters`` (doc → predicted cluster) with ``labels`` (doc → true story).

    A pair of documents counts as found when both share a predicted cluster, as wanted when
    both share a label. Only documents present in both mappings count.
    """
    docs = [d for d in labels if d in clusters]
    both = _pairs(Counter((labels[d], clusters[d]) for d in docs))
    predicted = _pairs(Counter(clusters[d] for d in docs))
    wanted = _pairs(Counter(labels[d] for d in docs))
    return PairScores(both, predicted - both, wanted - both)
