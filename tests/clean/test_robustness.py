"""Bad input never crashes the cleaning stage: it fails or rejects with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clean.corpus import fixtures
from workers.stages.clean import CleanedPage, clean_page
from workers.stages.errors import PageRejected, StageError, StageFailed
from workers.stages.page import FetchedPage

ARTICLE_URL = "https://www.example.sn/politique/le-conseil-des-ministres-adopte-le-projet-de-loi/"
SAMPLE_PAGES = [f.html_path.read_bytes() for f in fixtures()[:12]]
PARAGRAPH = (
    "Le conseil des ministres a adopté mercredi le projet de loi de finances rectificative, "
    "qui prévoit une hausse des dépenses d’investissement dans les infrastructures rurales."
)


def page(body: bytes, **kwargs: object) -> FetchedPage:
    return FetchedPage(url=ARTICLE_URL, source="test", body=body, **kwargs)  # type: ignore[arg-type]


def clean_or_reason(body: bytes, **kwargs: object) -> CleanedPage | StageError:
    try:
        return clean_page(page(body, **kwargs))
    except StageError as exc:
        assert exc.stage == "clean"
        assert exc.reason and exc.reason.replace("_", "").isalnum()
        return exc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_a_page_or_a_reason(body: bytes) -> None:
    clean_or_reason(body)


@st.composite
def mutated_pages(draw: st.DrawFn) -> bytes:
    """A real fixture page with slices cut, duplicated or replaced by random bytes."""
    body = bytearray(draw(st.sampled_from(SAMPLE_PAGES)))
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(body)))
        end = draw(st.integers(start, min(len(body), start + 400)))
        action = draw(st.sampled_from(["cut", "dup", "noise", "truncate"]))
        if action == "cut":
            del body[start:end]
        elif action == "dup":
            body[start:start] = body[start:end]
        elif action == "noise":
            body[start:end] = draw(st.binary(min_size=0, max_size=64))
        else:
            del body[start:]
    return bytes(body)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_pages())
def test_mutated_pages_give_a_page_or_a_reason(body: bytes) -> None:
    result = clean_or_reason(body)
    if isinstance(result, CleanedPage):
        assert result.text.strip()
        assert "\x00" not in result.text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty_body"),
        (b"   \n\t  ", "empty_body"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj", "pdf_content"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary_content"),
        (bytes(range(256)) * 20, "binary_content"),
        (b"<html><body><p>Bonjour</p></body></html>", "no_article_body"),
    ],
    ids=["empty", "blank", "pdf", "png", "garbage", "no-text"],
)
def test_bad_bodies_get_a_clear_reason(body: bytes, reason: str) -> None:
    result = clean_or_reason(body)
    assert isinstance(result, StageError)
    assert result.reason == reason


def test_pdf_is_a_failure_not_a_rejection() -> None:
    with pytest.raises(StageFailed):
        clean_page(page(b"%PDF-1.4 binary"))


def test_ten_megabytes_of_nested_divs_are_handled() -> None:
    depth = 10 * 1024 * 1024 // 11
    body = b"<html><body>" + b"<div>" * depth + PARAGRAPH.encode() + b"</div>" * depth
    result = clean_or_reason(body)
    # libxml2 stops nesting at 256 levels: the text below is lost, and that is said.
    assert isinstance(result, PageRejected)
    assert result.reason == "no_article_body"


def test_deep_but_legal_nesting_keeps_the_text() -> None:
    body = "<html><body>" + "<div>" * 200 + ("<p>" + PARAGRAPH + "</p>") * 3 + "</div>" * 200
    result = clean_page(page(body.encode()))
    assert PARAGRAPH in result.text


def test_unclosed_tags_and_no_html_element() -> None:
    body = (
        "<h1>Le conseil des ministres adopte le projet de loi"
        + ("<p>" + PARAGRAPH) * 3
        + "<div><span><b>"
    )
    result = clean_page(page(body.encode()))
    assert result.title == "Le conseil des ministres adopte le projet de loi"
    assert result.text.count(PARAGRAPH) == 3
    assert result.text.split("\n\n") == [PARAGRAPH] * 3


def test_windows_1252_declared_only_in_a_meta_tag() -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        "<title>Élections : l’opposition dénonce</title></head><body><h1>Élections : l’opposition "
        "dénonce</h1>"
        + ("<p>" + PARAGRAPH + " Œuvre évaluée à 5 € près.</p>") * 2
        + "</body></html>"
    )
    result = clean_page(page(html.encode("cp1252"), headers={"content-type": "text/html"}))
    assert result.title == "Élections : l’opposition dénonce"
    assert "Œuvre évaluée à 5 € près." in result.text
    assert "dépenses d’investissement" in result.text


def test_header_lying_about_the_charset_is_repaired() -> None:
    html = (
        "<html><body><h1>Sécurité : l’armée renforce ses positions</h1>"
        + ("<p>" + PARAGRAPH + "</p>") * 2
    )
    result = clean_page(
        page(html.encode("utf-8"), headers={"content-type": "text/html; charset=iso-8859-1"})
    )
    assert result.title == "Sécurité : l’armée renforce ses positions"
    assert PARAGRAPH in result.text
    assert "Ã" not in result.text


def test_windows_1252_passages_inside_a_utf8_page_are_untangled() -> None:
    # The template is UTF-8; the article was pasted from a word processor in windows-1252
    # (curly quotes, accents, the euro sign): every character survives, none is replaced.
    template = "<html><head><meta charset=\"utf-8\"></head><body><h1>Économie : l’État paie</h1>"
    pasted = ("<p>" + PARAGRAPH + " « Œuvre évaluée à 5 € près », dit-il.</p>") * 2
    body = template.encode("utf-8") + pasted.encode("cp1252") + b"</body></html>"
    result = clean_page(page(body, headers={"content-type": "text/html; charset=utf-8"}))
    assert result.title == "Économie : l’État paie"
    assert "« Œuvre évaluée à 5 € près », dit-il." in result.text
    assert "\ufffd" not in result.text


def test_crawler_encoding_wins_when_it_decodes() -> None:
    html = ("<html><body><h1>Économie</h1>" + ("<p>" + PARAGRAPH + "</p>") * 2).encode("cp1252")
    result = clean_page(page(html, encoding="cp1252", headers={"content-type": "text/html"}))
    assert PARAGRAPH in result.text


def test_spaces_and_unicode_are_normalised() -> None:
    decomposed = "e\u0301"  # "é" as e + combining accent
    html = (
        "<html><body><h1>Le pr\u00e9sident\u00a0: \u00ab\u202fOui\u202f\u00bb</h1>"
        f"<p>Le pr{decomposed}sident a parl\u00e9\u00a0; il a dit \u00ab\u202fnon\u202f\u00bb "
        "\u00e0 la r\u00e9forme\u200b, " + PARAGRAPH + "</p><p>" + PARAGRAPH + "</p></body></html>"
    )
    result = clean_page(page(html.encode()))
    assert result.title == "Le président : « Oui »"
    assert result.text.startswith("Le président a parlé ; il a dit « non » à la réforme, ")
    assert (
        "\u00a0" not in result.text and "\u202f" not in result.text and "\u200b" not in result.text
    )


def test_http_error_status_is_a_failure() -> None:
    with pytest.raises(StageFailed) as caught:
        clean_page(page(b"<html><body><p>Not found</p></body></html>", status=404))
    assert caught.value.reason == "http_error"


def test_future_fetch_clock_is_respected() -> None:
    html = (
        '<html><head><meta property="article:published_time" content="2031-01-01T10:00:00Z">'
        "</head><body><h1>Titre</h1><p>Publié le 3 mars 2025 à 10h00</p>"
        + ("<p>" + PARAGRAPH + "</p>")
        * 2
    )
    fetched = datetime(2025, 6, 1, tzinfo=UTC)
    result = clean_page(page(html.encode(), fetched_at=fetched))
    assert result.published_at == datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def test_a_control_byte_in_the_markup_next_to_furniture_is_no_crash() -> None:
    # The parser keeps the byte in a tail text; removing the menu before it moves that text.
    html = (
        '<html><body><div class="menu"><a href="/">Accueil</a></div>\x01 suite'
        f"<article><h1>Titre de l'article</h1><p>{PARAGRAPH}</p>"
        f"<p>Le texte sera examiné la semaine prochaine. {PARAGRAPH}</p></article></body></html>"
    )
    result = clean_or_reason(html.encode())
    assert isinstance(result, CleanedPage)
    assert "\x01" not in result.text
