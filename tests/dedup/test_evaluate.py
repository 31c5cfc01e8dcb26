"""Pairwise precision/recall, checked against a brute-force count."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from workers.stages.dedup.evaluate import pairwise_scores


def test_known_example() -> None:
    labels = {"a": 1, "b": 1, "c": 1, "d": 2}
    clusters = {"a": "x", "b": "x", "c": "y", "d": "y"}
    scores = pairwise_scores(labels, clusters)
    assert (scores.true_pairs, scores.false_pairs, scores.missed_pairs) == (1, 1, 2)
    assert scores.precision == 0.5 and abs(scores.recall - 1 / 3) < 1e-9


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=12))
def test_matches_brute_force(assignments: list[tuple[int, int]]) -> None:
    labels = {str(i): label for i, (label, _) in enumerate(assignments)}
    clusters = {str(i): cluster for i, (_, cluster) in enumerate(assignments)}
    tp = fp = fn = 0
    for a, b in itertools.combinations(labels, 2):
        same_label, same_cluster = labels[a] == labels[b], clusters[a] == clusters[b]
        tp += same_label and same_cluster
        fp += same_cluster and not same_label
        fn += same_label and not same_cluster
    scores = pairwise_scores(labels, clusters)
    assert (scores.true_pairs, scores.false_pairs, scores.missed_pairs) == (tp, fp, fn)
