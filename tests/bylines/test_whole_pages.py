"""Whole fixture pages (shared with the cleaning stage) through clean + bylines.

Two checks: every golden's byline fields (authors, agencies, byline, text) are what the stage
produces now; and for the byline-specific pages (``bylines-*``), authors and agencies equal
the truth the page was written with, stated here independently of the goldens.
"""

from __future__ import annotations

import pytest

from tests.clean.corpus import Fixture, fixtures, run

BYLINE_PAGES_TRUTH = {
    "maliweb/bylines-seed-desk-author": (["Amen K."], []),
    "maliweb/bylines-aggregator-source-lessor": (["Mariam Konaté"], ["L'Essor"]),
    "aps/bylines-dispatch-dateline-staff-code": ([], ["APS"]),
    "seneweb/bylines-republished-source-aps": ([], ["APS"]),
    "amap/bylines-signature-agency-bureau": (["Oumar Diarra"], ["AMAP"]),
    "premiumtimes/bylines-agency-report-nan": ([], ["NAN"]),
    "dailytrust/bylines-two-authors-first-line": (["Abdullahi Musa", "Grace Okon"], []),
    "guineenews/bylines-envoye-special": (["Mamadou Saliou Diallo"], []),
    "actuniger/bylines-signature-slash-agency": (["Moussa Issa"], ["ANP"]),
    "odemocrata/bylines-portuguese-lusa": (["Aliu Candé"], ["Lusa"]),
    "lefaso/bylines-spip-signature-site": (["Fredo Bassolé"], []),
    "gna/bylines-gna-dateline-first-line": (["Kwame Mensah"], ["GNA"]),
    "fratmat/bylines-first-line-and-markup-same-author": (["Marie-Laure N'Guessan"], []),
}
BYLINE_FIELDS = ("authors", "agencies", "byline", "text")

ALL_FIXTURES = fixtures()
WITH_GOLDEN = [fixture for fixture in ALL_FIXTURES if fixture.golden_path.exists()]


@pytest.mark.parametrize("key", sorted(BYLINE_PAGES_TRUTH))
def test_byline_page_truth(key: str) -> None:
    fixture = next(fixture for fixture in ALL_FIXTURES if fixture.key == key)
    record = run(fixture)
    authors, agencies = BYLINE_PAGES_TRUTH[key]
    assert record["authors"] == authors
    assert record["agencies"] == agencies
    for author in authors:  # the signature left the body
        assert author.split()[0] not in record["text"].split("\n\n")[-1][:20]


def test_seed_article_signature_wins_over_desk_markup() -> None:
    fixture = next(f for f in ALL_FIXTURES if f.key == "maliweb/bylines-seed-desk-author")
    html = fixture.html_path.read_text(encoding="utf-8")
    assert '"name":"Rédaction"' in html and 'content="admin"' in html  # the desk markup
    record = run(fixture)
    assert record["authors"] == ["Amen K."]
    assert record["byline"] == "Amen K."
    assert not record["text"].rstrip().endswith("Amen K.")
    assert record["text"].rstrip().endswith("la prospérité de leurs populations.")
    for sidebar_or_related in ("Moussa Diallo", "Awa Traoré", "Sidiki Doumbia", "Bakary Keita"):
        assert sidebar_or_related not in record["authors"]


@pytest.mark.parametrize("fixture", WITH_GOLDEN, ids=lambda fixture: fixture.key)
def test_golden_byline_fields(fixture: Fixture) -> None:
    golden = fixture.golden()
    record = run(fixture)
    if "error" in golden:
        assert record == golden
        return
    assert {field: record[field] for field in BYLINE_FIELDS} == {
        field: golden[field] for field in BYLINE_FIELDS
    }
