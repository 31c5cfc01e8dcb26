"""Normalisation and the exact hash: what outlets change does not count, the story does."""

from __future__ import annotations

import pytest

from workers.stages.dedup.normalise import content_hash, normalise, numbers_in, story_lines

BODY = (
    "Le ministre a annoncé jeudi l’arrivée de 1 500 tonnes de riz.\n"
    "Il a ajouté que 12 régions recevront une partie du stock."
)


@pytest.mark.parametrize(
    "dateline",
    [
        "Dakar, 6 fév (APS) -",
        "DAKAR, 6 fév. (APS) –",
        "Bamako, le 6 février 2025 -",
        "ABUJA (NAN) -",
        "LAGOS, Feb. 6, 2025 -",
        "Accra, Feb 6, (GNA) –",
        "Bissau, 06 fev 2025 (Lusa) –",
        "Praia, 11 de fevereiro de 2025 -",
    ],
)
def test_datelines_are_removed(dateline: str) -> None:
    assert story_lines(f"{dateline} {BODY}") == story_lines(BODY)
    assert content_hash(f"{dateline} {BODY}") == content_hash(BODY)


@pytest.mark.parametrize(
    "edited",
    [
        BODY + "\nSource : APS",
        "Source : APS\n" + BODY,
        BODY + " Source : L’Essor",
        BODY + "\nFonte: Lusa",
        BODY + "\n(APS)",
        BODY + "\nLire la suite",
        BODY + "… Lire la suite",
        BODY.upper(),
        BODY.replace("’", "'").replace(".", " .").replace(" ", "  "),
        BODY.replace("é", "e").replace("ô", "o"),
    ],
)
def test_credit_lines_case_punctuation_and_accents_do_not_change_the_hash(edited: str) -> None:
    assert content_hash(edited) == content_hash(BODY)


def test_a_changed_word_or_figure_changes_the_hash() -> None:
    assert content_hash(BODY.replace("jeudi", "vendredi")) != content_hash(BODY)
    assert content_hash(BODY.replace("1 500", "1 600")) != content_hash(BODY)


def test_a_sentence_mentioning_a_source_in_the_body_is_kept() -> None:
    text = BODY + "\nSelon une source proche du dossier, la livraison est prévue en mars."
    assert "selon une source proche du dossier" in normalise(text)


def test_numbers_keep_thousands_together_and_skip_the_dateline() -> None:
    assert numbers_in(f"Dakar, 6 fév (APS) - {BODY}") == ("1500", "12")
    assert numbers_in("Il y a 1.500 morts et 1,500 blessés, 3,5 % de plus") == ("1500", "35")
    assert numbers_in("Aucun chiffre ici.") == ()


def test_empty_text_is_harmless() -> None:
    assert normalise("") == ""
    assert numbers_in("") == ()
    assert len(content_hash("")) == 64
