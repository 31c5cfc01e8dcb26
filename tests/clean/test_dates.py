"""Publication dates from text and markup: FR/EN/PT, day first, never updates or the future."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from workers.stages.clean import SiteRules, clean_page
from workers.stages.clean.datetext import find_dates, is_update, parse_machine_date
from workers.stages.page import FetchedPage

WAT = timezone(timedelta(hours=1))
PARAGRAPH = (
    "Les autorités ont annoncé mercredi un programme de réhabilitation des routes rurales "
    "dans les régions du Nord, financé par la Banque africaine de développement."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Publié le jeudi 6 février 2025 à 19h45min", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("Publié le 06/02/2025 à 19:45", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("06/02/2025", datetime(2025, 2, 6, tzinfo=UTC)),
        ("06.02.2025", datetime(2025, 2, 6, tzinfo=UTC)),
        ("02/13/2025", datetime(2025, 2, 13, tzinfo=UTC)),
        ("February 6, 2025", datetime(2025, 2, 6, tzinfo=UTC)),
        ("Published on February 6, 2025 at 7:45 pm", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("Thursday, 6th February 2025", datetime(2025, 2, 6, tzinfo=UTC)),
        ("6 de fevereiro de 2025", datetime(2025, 2, 6, tzinfo=UTC)),
        ("Publicado em 6 de março de 2025, 08:30", datetime(2025, 3, 6, 8, 30, tzinfo=UTC)),
        ("le 1er août 2024", datetime(2024, 8, 1, tzinfo=UTC)),
        ("6 fév. 2025", datetime(2025, 2, 6, tzinfo=UTC)),
        ("Bissau, 08 abr 2025 (Lusa)", datetime(2025, 4, 8, tzinfo=UTC)),
        ("2025-02-06", datetime(2025, 2, 6, tzinfo=UTC)),
    ],
)
def test_written_dates(text: str, expected: datetime) -> None:
    found = find_dates(text)
    assert found and found[0].value == expected


def test_local_offset_applies_to_dates_without_one() -> None:
    found = find_dates("Publié le 6 février 2025 à 19h45", default_offset_hours=1)
    assert found[0].value == datetime(2025, 2, 6, 19, 45, tzinfo=WAT)


def test_update_dates_are_marked() -> None:
    found = find_dates("Mis à jour le 8 février 2025 à 10h00 — Publié le 6 février 2025")
    assert [is_update(f) for f in found] == [True, False]


def test_impossible_dates_are_ignored() -> None:
    assert find_dates("31/02/2025 et 45/13/2025") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-02-06T19:45:00+00:00", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("2025-02-06T19:45:00Z", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("2025-02-06T19:45:00+0100", datetime(2025, 2, 6, 19, 45, tzinfo=WAT)),
        ("2025-02-06 19:45:00", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("Thu, 06 Feb 2025 19:45:00 +0000", datetime(2025, 2, 6, 19, 45, tzinfo=UTC)),
        ("not a date", None),
    ],
)
def test_machine_dates(value: str, expected: datetime | None) -> None:
    assert parse_machine_date(value) == expected


def _clean(
    head: str,
    body: str,
    url: str = "https://site.example/politique/un-article-long-titre/",
    **kwargs: object,
) -> datetime | None:
    html = f"<html><head>{head}</head><body><h1>Titre</h1>{body}" + f"<p>{PARAGRAPH}</p>" * 2
    page = FetchedPage(url=url, source="t", body=html.encode(),
                       fetched_at=datetime(2025, 8, 1, tzinfo=UTC))
    return clean_page(page, **kwargs).published_at  # type: ignore[arg-type]


def test_jsonld_published_beats_modified_and_visible_updates() -> None:
    head = (
        '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":'
        '"2025-02-06T19:45:00+00:00","dateModified":"2025-02-09T10:00:00+00:00"}</script>'
    )
    got = _clean(head, "<p>Mis à jour le 9 février 2025</p>")
    assert got == datetime(2025, 2, 6, 19, 45, tzinfo=UTC)


def test_future_metadata_is_skipped_for_the_visible_date() -> None:
    head = '<meta property="article:published_time" content="2052-02-06T19:45:00+00:00">'
    got = _clean(
        head, '<time class="entry-date published" datetime="2025-02-06T19:45:00Z">x</time>'
    )
    assert got == datetime(2025, 2, 6, 19, 45, tzinfo=UTC)


def test_related_article_dates_in_widgets_do_not_count() -> None:
    body = (
        '<aside class="widget"><span class="date">30 janvier 2025</span></aside>'
        '<div class="related-posts"><time datetime="2025-01-29">29 janvier</time></div>'
    )
    assert _clean("", body) is None


def test_url_date_when_nothing_else() -> None:
    got = _clean("", "", url="https://site.example/2025/02/06/un-article/")
    assert got == datetime(2025, 2, 6, tzinfo=UTC)


def test_source_date_selector_and_offset() -> None:
    rules = SiteRules(date=".quand", utc_offset_hours=1)
    got = _clean("", '<div class="quand">06/02/2025 19:45</div>', rules=rules)
    assert got == datetime(2025, 2, 6, 19, 45, tzinfo=WAT)


def test_discovery_hint_is_used_after_metadata() -> None:
    html = "<html><body><h1>Titre</h1>" + f"<p>{PARAGRAPH}</p>" * 2
    page = FetchedPage(
        url="https://site.example/politique/un-article-long-titre/", source="t",
        body=html.encode(), hints={"published_at": "2025-02-06T19:45:00+00:00"},
    )
    assert clean_page(page).published_at == datetime(2025, 2, 6, 19, 45, tzinfo=UTC)


def test_a_utc_timestamp_is_written_on_the_day_the_url_gives() -> None:
    # 23:11 UTC on the 31st is already the 1st where the address was dated: same instant.
    head = '<meta property="article:published_time" content="2024-12-31T23:11:59+00:00">'
    got = _clean(head, "", url="https://site.example/2025/01/01/bonne-annee-a-tous/")
    assert got == datetime(2024, 12, 31, 23, 11, 59, tzinfo=UTC)
    assert got is not None and got.date().isoformat() == "2025-01-01"


def test_a_month_in_the_url_is_no_day() -> None:
    # The address names a month: a day found anywhere else wins, the 1st is not made up.
    got = _clean("", '<div class="infos">17/03/2025</div>',
                 url="https://site.example/2025/03/une-nouvelle-route-ouverte.html")
    assert got == datetime(2025, 3, 17, tzinfo=UTC)
