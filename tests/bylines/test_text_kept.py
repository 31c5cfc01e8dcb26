"""Properties: the stage removes byline lines and nothing else, and never crashes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.stages.bylines import tag_bylines

VOCABULARY = (
    "le la les de du des un une ministre gouvernement projet a été dit que pour dans avec "
    "the of and to government minister said project will be for with o da do que para "
    "Bamako Dakar Abuja Mali Sénégal Nigeria président santé école 2025 jeudi"
)
WORDS = st.sampled_from(VOCABULARY.split())
SENTENCE = st.lists(WORDS, min_size=4, max_size=18).map(
    lambda words: (" ".join(words)[:1].upper() + " ".join(words)[1:] + ".")
)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join)
BODY = st.lists(PARAGRAPH, min_size=1, max_size=6).map("\n\n".join)
SIGNATURES = st.sampled_from(
    ["Amen K.", "Source : APS", "Moussa Issa/ANP", "Oumar DIARRA\nAMAP-Ségou", "(NAN)",
     "ASG/OID", "Avec AFP", "Aliu Candé / Lusa", "La Rédaction"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODY)
def test_prose_comes_back_untouched(body: str) -> None:
    result = tag_bylines("", body)
    assert result.text == body
    assert result.authors == [] and result.agencies == [] and result.byline is None


@settings(max_examples=150, deadline=None)
@given(body=BODY, signature=SIGNATURES)
def test_only_the_signature_goes(body: str, signature: str) -> None:
    result = tag_bylines("", f"{body}\n\n{signature}")
    assert result.text == body
    assert result.byline is not None


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400), html=st.text(max_size=400))
def test_arbitrary_input_never_crashes_and_only_removes_lines(text: str, html: str) -> None:
    result = tag_bylines(html, text)
    kept = [line for line in result.text.split("\n") if line.strip()]
    original = text.split("\n")
    for line in kept:
        # every kept line is an original line, or one whose dateline/agency edge was cut
        assert any(line == source or line in source for source in original)
    assert all(isinstance(author, str) and author for author in result.authors)


def test_a_marked_byline_under_a_short_standfirst_is_taken_and_the_standfirst_kept() -> None:
    standfirst = "Analyse : ce que change la réforme du code foncier"
    body = (
        "Le gouvernement a adopté jeudi en conseil des ministres le projet de réforme du code "
        "foncier, attendu depuis plusieurs années par les organisations paysannes."
    )
    result = tag_bylines("", f"{standfirst}\n\nUne chronique de Mariama Sow\n\n{body}")
    assert result.authors == ["Mariama Sow"]
    assert result.text == f"{standfirst}\n\n{body}"


def test_an_unmarked_name_under_a_standfirst_is_body_text() -> None:
    text = (
        "Ce que change la réforme du code foncier\n\nMariama Sow\n\nLe gouvernement a adopté "
        "jeudi en conseil des ministres le projet de réforme du code foncier."
    )
    result = tag_bylines("", text)
    assert result.authors == [] and result.text == text
