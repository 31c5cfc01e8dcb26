"""The standfirst: the summary between headline and body, found by the page's description."""

from __future__ import annotations

from workers.stages.clean import clean_page
from workers.stages.page import FetchedPage

URL = "https://site.example/economie/la-campagne-cotonniere-demarre/"
LEAD = (
    "La campagne cotonnière démarre avec un prix au producteur relevé de dix francs, une "
    "première depuis cinq ans."
)
PARAGRAPHS = "".join(
    f"<p>Les producteurs de la zone {n} ont accueilli la nouvelle avec satisfaction, selon les "
    "responsables de leur union, qui attendent les premières livraisons d'intrants.</p>"
    for n in range(1, 5)
)


def _page(head: str, header: str, body: str = PARAGRAPHS) -> FetchedPage:
    html = (
        f"<html><head>{head}</head><body><article><header><h1>La campagne démarre</h1>"
        f'{header}</header><div class="entry-content">{body}</div></article></body></html>'
    )
    return FetchedPage(url=URL, source="t", body=html.encode())


def test_the_standfirst_shown_in_the_header_opens_the_text() -> None:
    page = _page(f'<meta property="og:description" content="{LEAD}">',
                 f'<p class="chapo">{LEAD}</p>')
    result = clean_page(page)
    assert result.text.startswith(LEAD + "\n\n")
    assert result.evidence["text"].reason.endswith("put first")


def test_a_description_the_page_does_not_show_is_not_added() -> None:
    result = clean_page(_page(f'<meta name="description" content="{LEAD}">', ""))
    assert LEAD not in result.text


def test_a_standfirst_the_body_holds_already_is_not_repeated() -> None:
    page = _page(f'<meta property="og:description" content="{LEAD}">', "",
                 body=f"<p>{LEAD}</p>{PARAGRAPHS}")
    result = clean_page(page)
    assert result.text.count("relevé de dix francs") == 1
