"""Fields are chosen among candidates by agreement and plausibility, and say their evidence."""

from __future__ import annotations

from datetime import UTC, datetime

from workers.stages.clean import CleanedPage, clean_page
from workers.stages.page import FetchedPage

FETCHED = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
PARAGRAPHS = [
    "Les autorités ont annoncé mercredi un programme de réhabilitation des routes rurales "
    "dans les régions du Nord, financé par la Banque africaine de développement.",
    "Les travaux commenceront en mars dans trois régions, a précisé le ministre des "
    "Infrastructures lors d'une conférence de presse tenue à la capitale.",
    "Le programme prévoit aussi la construction de ponts et de pistes pour désenclaver les "
    "zones de production agricole pendant la saison des pluies.",
]
PROSE = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
HEADLINE = "Le programme des routes rurales est lancé"


URL = "https://site.example/societe/routes-rurales-lancees/"


def _clean(html: str, url: str = URL) -> CleanedPage:
    return clean_page(FetchedPage(url=url, source="t", body=html.encode(), fetched_at=FETCHED))


def test_a_navigation_heading_loses_to_the_headline_the_metadata_agree_on() -> None:
    html = (
        f'<html><head><meta property="og:title" content="{HEADLINE}">'
        f"<title>{HEADLINE} | Site</title></head><body><h1>Navigation</h1>"
        f"<div><h2>{HEADLINE}</h2>{PROSE}</div></body></html>"
    )
    cleaned = _clean(html)
    assert cleaned.title == HEADLINE
    choice = cleaned.evidence["title"]
    assert choice.origin == "meta:og:title"
    assert "Navigation" in [candidate.value for candidate in choice.candidates]


def test_a_date_the_url_contradicts_gives_way_to_the_one_it_confirms() -> None:
    # The metadata carry a date from another page of the template; the theme's date and the
    # URL agree.
    html = (
        '<html><head><meta property="article:published_time" content="2021-01-04T08:00:00Z">'
        f'</head><body><h1>{HEADLINE}</h1><time class="entry-date published" '
        f'datetime="2025-03-05T10:00:00Z">5 mars 2025</time>{PROSE}</body></html>'
    )
    cleaned = _clean(html, "https://site.example/2025/03/05/routes-rurales-lancees/")
    assert cleaned.published_at == datetime(2025, 3, 5, 10, 0, tzinfo=UTC)
    choice = cleaned.evidence["published_at"]
    assert choice.origin.startswith(("element:", "loose:"))
    assert "contradicts the URL" in choice.reason


def test_the_days_date_in_the_site_header_is_not_the_publication_date() -> None:
    html = (
        '<html><body><div class="top"><span class="date">1 août 2025</span></div>'
        f'<h1>{HEADLINE}</h1><span class="date">28 juillet 2025</span>{PROSE}</body></html>'
    )
    cleaned = _clean(html)
    assert cleaned.published_at == datetime(2025, 7, 28, tzinfo=UTC)
    noted = [c for c in cleaned.evidence["published_at"].candidates if c.note]
    assert [c.value[:10] for c in noted] == ["2025-08-01"]


def test_a_container_holding_only_the_teaser_gives_way_to_the_whole_article() -> None:
    # The generic ".article-body" holds the first paragraph only; the rest follows outside it.
    more = " ".join(PARAGRAPHS) * 2
    html = (
        f"<html><body><article><h1>{HEADLINE}</h1><div class='article-body'>"
        f"<p>{PARAGRAPHS[0]}</p></div><p>{more}</p><p>{PARAGRAPHS[1]} {PARAGRAPHS[2]}</p>"
        "</article></body></html>"
    )
    cleaned = _clean(html)
    assert PARAGRAPHS[2] in cleaned.text
    choice = cleaned.evidence["text"]
    assert choice.origin == "trafilatura"
    assert "no agreement" in choice.reason


def test_a_container_that_agrees_with_the_extractor_is_kept() -> None:
    html = f"<html><body><h1>{HEADLINE}</h1><div class='article-body'>{PROSE}</div></body></html>"
    choice = _clean(html).evidence["text"]
    assert choice.origin == "markup:.article-body"
    assert choice.reason.startswith("agrees with trafilatura")


def test_an_article_in_a_wrapper_named_like_furniture_is_read_from_the_whole_page() -> None:
    # Short paragraphs (no one of them long enough to protect the wrapper) inside a
    # "widget" wrapper: the furniture-free page holds almost nothing, the whole page holds it.
    html = (
        f"<html><body><h1>{HEADLINE}</h1><div class='widget-area'>{PROSE}{PROSE.upper()}"
        "</div></body></html>"
    )
    cleaned = _clean(html)
    assert PARAGRAPHS[1] in cleaned.text
    assert cleaned.evidence["text"].origin == "trafilatura:page"
