"""Every byline form of the table, placed where outlets put it, through the whole stage."""

from __future__ import annotations

import pytest

from tests.bylines.forms import ALL_FORMS, BODY, ENGLISH, FRENCH, PORTUGUESE, Form
from workers.stages.bylines import tag_bylines

PHOTO_CREDITS = ("Photo", "©", "Crédit photo", "Foto")


def _compose(form: Form) -> tuple[str, str]:
    """(text given to the stage, text expected back)."""
    body = BODY[form.lang]
    if form.where == "start":
        given = f"{form.text}\n\n{body}"
    elif form.where == "dateline":
        given = form.text + body
    else:
        given = f"{body}\n\n{form.text}"
    return given, body if form.removed else given


def test_the_table_is_large_and_covers_three_languages() -> None:
    assert len(ALL_FORMS) >= 150
    assert len(FRENCH) >= 60 and len(ENGLISH) >= 40 and len(PORTUGUESE) >= 25
    negatives = [form for form in ALL_FORMS if not form.removed or not form.authors]
    assert len(negatives) >= 40
    assert len({form.id for form in ALL_FORMS}) == len(ALL_FORMS), "duplicate rows"


@pytest.mark.parametrize("form", ALL_FORMS, ids=lambda form: form.id)
def test_byline_form(form: Form) -> None:
    given, expected_text = _compose(form)
    result = tag_bylines("", given, site_name=form.site_name, title=form.title,
                         host=form.host)
    assert result.authors == form.authors
    assert result.agencies == form.agencies
    assert result.text == expected_text
    if form.raw:
        assert result.byline is not None
        for line in form.text.splitlines():
            if line.startswith(PHOTO_CREDITS):
                continue  # image credits are removed but are no byline
            assert line.strip().strip(" -–—:") in result.byline
    elif not form.removed:
        assert result.byline is None


@pytest.mark.parametrize("form", [f for f in ALL_FORMS if f.where == "end" and f.removed][:40],
                         ids=lambda form: form.id)
def test_end_forms_also_found_after_a_blank_line_each(form: Form) -> None:
    """Signature lines as separate paragraphs ("Oumar Diarra" / blank / "AMAP-Ségou")."""
    body = BODY[form.lang]
    given = body + "\n\n" + "\n\n".join(form.text.splitlines())
    result = tag_bylines("", given, site_name=form.site_name, host=form.host)
    assert (result.authors, result.agencies, result.text) == (form.authors, form.agencies, body)


@pytest.mark.parametrize(
    ("last", "kept", "agency"),
    [
        ("He said the exercise would continue next week. (NAN)",
         "He said the exercise would continue next week.", "NAN"),
        ("Le ministre a promis de revenir sur le sujet (APS).",
         "Le ministre a promis de revenir sur le sujet.", "APS"),
    ],
)
def test_trailing_agency_leaves_only_its_credit(last: str, kept: str, agency: str) -> None:
    body = BODY["en"]
    result = tag_bylines("", f"{body}\n\n{last}")
    assert result.agencies == [agency]
    assert result.text == f"{body}\n\n{kept}"


def test_dateline_only_cut_from_the_first_paragraph() -> None:
    text = "Dakar, 6 fév (APS) - Le président a parlé.\n\nIl a cité (APS) - dans son discours."
    result = tag_bylines("", text)
    assert result.text == "Le président a parlé.\n\nIl a cité (APS) - dans son discours."
    assert result.agencies == ["APS"]
