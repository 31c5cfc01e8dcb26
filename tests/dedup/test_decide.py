"""The decision rules, on hand-made candidates (no index)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workers.stages.dedup.decide import Original, Rules, assign_cluster, similarity
from workers.stages.dedup.entry import Entry, Features
from workers.stages.dedup.fingerprint import fingerprint

PARAGRAPHS = [
    "Le prix du kilogramme de riz brisé non parfumé a reculé de 4 % en février sur les "
    "marchés de Dakar, passant de 350 à 336 francs CFA, selon le bulletin mensuel publié lundi.",
    "L’huile végétale reste stable à 1 250 francs CFA le litre, tandis que le sucre en poudre "
    "progresse légèrement à 650 francs CFA le kilogramme, selon la même source.",
    "Dans les régions, les écarts restent importants. À Kédougou, le riz se vend à 400 francs "
    "CFA le kilogramme, en raison des coûts de transport vers l’est du pays.",
    "Le ministère du Commerce annonce des contrôles renforcés dans 14 régions pour faire "
    "respecter les prix plafonds fixés en décembre dernier par le gouvernement.",
]
TEXT = "\n".join(PARAGRAPHS)
WHEN = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
RULES = Rules.for_days(30)


def features(text: str, when: datetime | None = WHEN) -> Features:
    return Features.of(fingerprint(text), when)


def entry(article_id: str, text: str, when: datetime | None = WHEN, seq: int = 1,
          cluster: str | None = None) -> Entry:
    return Entry(article_id, features(text, when), seq, cluster or article_id)


def test_republished_copy_with_credit_and_cut_is_a_copy() -> None:
    copy = "\n".join(PARAGRAPHS[:-1]) + "\nSource : APS"
    assert similarity(features(copy), features(TEXT), RULES) is not None


def test_excerpt_of_the_first_paragraph_joins_its_story() -> None:
    excerpt = PARAGRAPHS[0] + "…\nLire la suite"
    assert similarity(features(excerpt), features(TEXT), RULES) is not None
    assert similarity(features(TEXT), features(excerpt), RULES) is not None


def test_last_months_bulletin_on_the_same_template_is_not_a_copy() -> None:
    template = (
        TEXT.replace("4 %", "2 %").replace("350 à 336", "330 à 350").replace("1 250", "1 200")
        .replace("650", "640").replace("400", "390")
    )
    assert similarity(features(template, WHEN - timedelta(days=28)), features(TEXT), RULES) is None
    # Without dates only the figures tell them apart, and they do.
    assert similarity(features(template, None), features(TEXT, None), RULES) is None


def test_a_copy_outside_the_window_is_not_compared() -> None:
    later = WHEN + timedelta(days=45)
    assert similarity(features(TEXT, later), features(TEXT), RULES) is None
    assert similarity(features(TEXT, later), features(TEXT), Rules.for_days(60)) is not None
    assert similarity(features(TEXT, None), features(TEXT), RULES) is not None


def test_one_corrected_figure_is_tolerated() -> None:
    corrected = TEXT.replace("14 régions", "13 régions")
    assert similarity(features(corrected), features(TEXT), RULES) is not None


def test_empty_bodies_are_nobodys_copies() -> None:
    assert similarity(features(""), features(""), RULES) is None


def test_new_story_starts_its_own_cluster() -> None:
    other = entry("b", "Les Lions ont battu le Bénin deux buts à zéro samedi soir à Diamniadio.")
    got = assign_cluster("a", features(TEXT), [other], {}, RULES)
    assert (got.cluster_id, got.duplicate_of, got.becomes_original) == ("a", None, False)


def test_copy_joins_the_cluster_and_points_at_its_original() -> None:
    first = entry("orig", TEXT, seq=1)
    second = entry("copy1", TEXT + "\nSource : APS", WHEN + timedelta(hours=2), 2, "orig")
    originals = {"orig": Original("orig", first.features.minute)}
    got = assign_cluster("copy2", features(TEXT, WHEN + timedelta(hours=5)), [second, first],
                         originals, RULES)
    assert (got.cluster_id, got.duplicate_of) == ("orig", "orig")
    assert set(got.matched) == {"orig", "copy1"}


def test_earlier_published_copy_stored_later_becomes_the_original() -> None:
    stored = entry("late", TEXT, WHEN + timedelta(hours=6))
    originals = {"late": Original("late", stored.features.minute)}
    got = assign_cluster("early", features(TEXT, WHEN), [stored], originals, RULES)
    assert (got.cluster_id, got.duplicate_of, got.becomes_original) == ("late", None, True)
    assert got.original == Original("early", features(TEXT, WHEN).minute)


def test_missing_or_equal_dates_keep_the_first_stored_as_original() -> None:
    for first_when, new_when in ((None, WHEN), (WHEN, None), (WHEN, WHEN), (None, None)):
        stored = entry("first", TEXT, first_when)
        originals = {"first": Original("first", stored.features.minute)}
        got = assign_cluster("second", features(TEXT, new_when), [stored], originals, RULES)
        assert (got.cluster_id, got.duplicate_of, got.becomes_original) == ("first", "first", False)


def test_own_entry_among_candidates_is_ignored() -> None:
    got = assign_cluster("a", features(TEXT), [entry("a", TEXT)], {}, RULES)
    assert (got.cluster_id, got.duplicate_of) == ("a", None)
