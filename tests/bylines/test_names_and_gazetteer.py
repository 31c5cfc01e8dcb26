"""Units: name splitting and display, titles, desk accounts, the agency gazetteer."""

from __future__ import annotations

import pytest

from workers.stages.bylines.gazetteer import agencies, find_agencies, lookup_agency
from workers.stages.bylines.names import display_name, looks_like_name, split_names, strip_title
from workers.stages.bylines.negatives import is_desk_account, is_photo_credit


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Oumar DIARRA", "Oumar Diarra"),
        ("OUMAR DIARRA", "Oumar Diarra"),
        ("Mohamed OULD ABDALLAH", "Mohamed Ould Abdallah"),
        ("Modibo DIT Fily KEITA", "Modibo dit Fily Keita"),
        ("Cheikh N'DIAYE", "Cheikh N'Diaye"),
        ("Aminata BA", "Aminata Ba"),
        ("JEAN-PIERRE KABORÉ", "Jean-Pierre Kaboré"),
        ("Joaquim DOS SANTOS", "Joaquim dos Santos"),
        ("Maria DA SILVA", "Maria da Silva"),
        ("Amen K.", "Amen K."),
        ("A.K. DIALLO", "A.K. Diallo"),
        ("Ahmed Ag ALBACHAR", "Ahmed Ag Albachar"),
        ("Brian McCarthy", "Brian McCarthy"),
    ],
)
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("Moussa Diallo et Awa Traoré", ["Moussa Diallo", "Awa Traoré"]),
        ("Abdullahi Musa and Grace Okon", ["Abdullahi Musa", "Grace Okon"]),
        ("Ali Sow, Awa Ba & Issa Kane", ["Ali Sow", "Awa Ba", "Issa Kane"]),
        ("Ali Sow, Awa Ba et Issa Kane", ["Ali Sow", "Awa Ba", "Issa Kane"]),
        ("Aliu Candé e Maria Silva", ["Aliu Candé", "Maria Silva"]),
        ("João Silva e Sousa", ["João Silva e Sousa"]),
        ("Moussa Diallo", ["Moussa Diallo"]),
    ],
)
def test_split_names(raw: str, parts: list[str]) -> None:
    assert split_names(raw) == parts


@pytest.mark.parametrize(
    ("raw", "name"),
    [("Dr Amadou Ba", "Amadou Ba"), ("Me Mamadou Konaté", "Mamadou Konaté"),
     ("Pr. Aly Tandian", "Aly Tandian"), ("Hon. Ahmed Idris", "Ahmed Idris"),
     ("M. Diallo", "M. Diallo"), ("Mme Awa Sow", "Awa Sow")],
)
def test_strip_title(raw: str, name: str) -> None:
    assert strip_title(raw) == name


@pytest.mark.parametrize(
    "text", ["Amen K.", "Fredo BASSOLÉ", "Mohamed Ould Cheikh", "Modibo dit Fily Keita",
             "Jean de la Fontaine"])
def test_names(text: str) -> None:
    assert looks_like_name(text)


@pytest.mark.parametrize(
    "text", ["Affaire à suivre", "A. K.", "Le Soleil", "Moussa", "Sadio Camara a dit.",
             "Lundi Matin", "Source APS", "Mali Sénégal", "user_123 abc"])
def test_not_names(text: str) -> None:
    assert not looks_like_name(text)


@pytest.mark.parametrize(
    ("name", "site"),
    [("Rédaction", None), ("La rédaction", None), ("admin", None), ("Agency Report", None),
     ("Web Desk", None), ("Staff Reporter", None), ("Redação", None), ("webmaster", None),
     ("Maliweb", "maliweb.net"), ("www.maliweb.net", "Maliweb"), ("jdoe_2", None)],
)
def test_desk_accounts(name: str, site: str | None) -> None:
    assert is_desk_account(name, site)


@pytest.mark.parametrize("name", ["Amen K.", "Moussa Diallo", "Grace Okon"])
def test_people_are_not_desk_accounts(name: str) -> None:
    assert not is_desk_account(name, "Maliweb")


@pytest.mark.parametrize("line", ["Photo : AMAP", "Crédit photo : X", "© Sidwaya",
                                  "Foto: Lusa", "Photo credit: GNA"])
def test_photo_credits(line: str) -> None:
    assert is_photo_credit(line)


@pytest.mark.parametrize(
    ("alias", "short"),
    [("Agence de Presse Sénégalaise", "APS"), ("agence de presse senegalaise", "APS"),
     ("Agence Malienne de Presse et de Publicité", "AMAP"), ("A.F.P.", "AFP"),
     ("News Agency of Nigeria", "NAN"), ("Ghana News Agency", "GNA"), ("Panapress", "PANA"),
     ("Chine Nouvelle", "Xinhua"), ("Agência Lusa", "Lusa"), ("L’Essor", "L'Essor"),
     ("Fratmat", "Fraternité Matin"), ("Associated Press", "AP"), ("Anadolu Agency", "Anadolu")],
)
def test_gazetteer_aliases(alias: str, short: str) -> None:
    found = lookup_agency(alias)
    assert found is not None and found.short == short


@pytest.mark.parametrize("word", ["aps", "ap", "Ap", "aa", "le", "Moussa Diallo"])
def test_gazetteer_rejects_lowercase_acronyms_and_other_words(word: str) -> None:
    assert lookup_agency(word) is None


def test_gazetteer_covers_the_region() -> None:
    shorts = {agency.short for agency in agencies()}
    for expected in ("APS", "AMAP", "AIB", "AIP", "ANP", "AGP", "ATOP", "ABP", "NAN", "GNA",
                     "APA", "PANA", "AFP", "Reuters", "AP", "Xinhua", "Anadolu", "Lusa",
                     "L'Essor", "Le Soleil", "Sidwaya", "Fraternité Matin", "Daily Trust"):
        assert expected in shorts


def test_find_agencies_in_order_longest_first() -> None:
    text = "Sources : Agence France-Presse, l’Essor et APS (pas ap ni aps)"
    assert [mention.short for mention in find_agencies(text)] == ["AFP", "L'Essor", "APS"]
