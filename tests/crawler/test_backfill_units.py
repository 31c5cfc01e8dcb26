"""The backfill's pure parts: the WordPress API's pages, dates in addresses and sitemap
names, which sitemaps of an index are read in what order, and a walk's checkpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.backfill.periods import (
    DateRange,
    article_period,
    sitemap_period,
    sitemaps_to_read,
    until_end,
)
from crawler.backfill.walk import Walk
from crawler.backfill.wpapi import NotAnApi, posts_url, read_posts_page
from crawler.feeds import Entry
from storage.backfill import Checkpoint

RANGE = DateRange(datetime(2022, 6, 1, tzinfo=UTC), datetime(2023, 2, 28, 23, 59, tzinfo=UTC))


def test_posts_url_asks_a_day_wider_in_the_chosen_order() -> None:
    url = posts_url("https://www.example.ml/fr/", RANGE, page=3, per_page=50, newest_first=True)
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("www.example.ml", "/wp-json/wp/v2/posts")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "after": "2022-05-31T00:00:00", "before": "2023-03-01T23:59:00", "orderby": "date",
        "order": "desc", "per_page": "50", "page": "3", "_fields": "link,date_gmt,modified_gmt",
    }


def _posts(n: int) -> bytes:
    return json.dumps([{"link": f"https://x.ml/{i}/", "date_gmt": "2022-07-01T10:00:00"}
                       for i in range(n)]).encode()


def test_an_api_page_says_whether_another_follows() -> None:
    page = read_posts_page(200, {"x-wp-totalpages": "4"}, _posts(2), page=3, per_page=2)
    assert page.more and page.total_pages == 4
    assert page.entries[0].url == "https://x.ml/0/"
    assert page.entries[0].published == datetime(2022, 7, 1, 10, tzinfo=UTC)
    assert not read_posts_page(200, {"x-wp-totalpages": "3"}, _posts(2), page=3,
                               per_page=2).more
    # Without the totals: the Link header, else a full page.
    assert not read_posts_page(200, {"link": '<…>; rel="prev"'}, _posts(2), page=2,
                               per_page=2).more
    assert read_posts_page(200, {}, _posts(2), page=2, per_page=2).more
    assert not read_posts_page(200, {}, _posts(1), page=2, per_page=2).more


def test_past_the_last_page_and_no_api_at_all() -> None:
    past = json.dumps({"code": "rest_post_invalid_page_number", "message": "…",
                       "data": {"status": 400}}).encode()
    page = read_posts_page(400, {}, past, page=9, per_page=10)
    assert page.past_end and not page.more and page.entries == []
    with pytest.raises(NotAnApi) as missing:
        read_posts_page(404, {}, b"<html>Not found</html>", page=1, per_page=10)
    assert missing.value.reason == "http_404"
    with pytest.raises(NotAnApi) as html:
        read_posts_page(200, {}, b"<html>Accueil</html>", page=1, per_page=10)
    assert html.value.reason == "not_json"
    with pytest.raises(NotAnApi) as closed:
        read_posts_page(200, {}, b'{"code": "rest_disabled"}', page=1, per_page=10)
    assert closed.value.reason == "not_posts"


def test_dates_in_addresses_and_sitemap_names() -> None:
    day = article_period("https://x.ml/2024/05/12/slug/")
    assert day is not None and (day.start.day, day.end.day, day.end.hour) == (12, 12, 23)
    month = article_period("https://x.ml/2024/02/slug.html")
    assert month is not None and (month.start.day, month.end.day) == (1, 29)
    assert article_period("https://x.ml/article1234.html") is None
    year = sitemap_period("https://x.ml/sitemap-2019.xml")
    assert year is not None and (year.start.month, year.end.month) == (1, 12)
    in_month = sitemap_period("https://x.ml/post-sitemap-2019-03.xml")
    assert in_month is not None and (in_month.start.month, in_month.end.day) == (3, 31)
    assert sitemap_period("https://x.ml/post-sitemap2.xml") is None


def test_an_entry_is_in_the_range_by_its_address_else_its_date() -> None:
    assert RANGE.admits(Entry("https://x.ml/2022/06/01/a/"))
    assert not RANGE.admits(Entry("https://x.ml/2022/05/31/a/"))
    # A month-only address overlapping the range's start is kept.
    assert RANGE.admits(Entry("https://x.ml/2023/02/a/"))
    assert not RANGE.admits(Entry("https://x.ml/p/1", datetime(2022, 5, 31, 23, tzinfo=UTC)))
    assert RANGE.admits(Entry("https://x.ml/p/2"))  # undated: the page will tell


def test_which_sitemaps_of_an_index_are_read_and_in_what_order() -> None:
    entries = [
        Entry("https://x.ml/sitemap-2021.xml"), Entry("https://x.ml/sitemap-2023.xml"),
        Entry("https://x.ml/sitemap-2022.xml"), Entry("https://x.ml/sitemap-2024.xml"),
        Entry("https://x.ml/page-sitemap.xml"), Entry("https://x.ml/category-sitemap.xml"),
        Entry("https://x.ml/news-sitemap.xml"),
    ]
    assert sitemaps_to_read(entries, RANGE, newest_first=False) == [
        "https://x.ml/sitemap-2022.xml", "https://x.ml/sitemap-2023.xml"
    ]
    assert sitemaps_to_read(entries, RANGE, newest_first=True) == [
        "https://x.ml/sitemap-2023.xml", "https://x.ml/sitemap-2022.xml"
    ]
    # Undated names: by lastmod, and those unchanged since before the range left out.
    numbered = [
        Entry("https://x.ml/post-sitemap2.xml", datetime(2023, 1, 5, tzinfo=UTC)),
        Entry("https://x.ml/post-sitemap.xml", datetime(2022, 2, 1, tzinfo=UTC)),
        Entry("https://x.ml/post-sitemap3.xml", datetime(2024, 1, 5, tzinfo=UTC)),
        Entry("https://x.ml/wp-sitemap-posts-post-4.xml", datetime(2022, 8, 5, tzinfo=UTC)),
    ]
    assert sitemaps_to_read(numbered, RANGE, newest_first=False) == [
        "https://x.ml/wp-sitemap-posts-post-4.xml", "https://x.ml/post-sitemap2.xml",
        "https://x.ml/post-sitemap3.xml",
    ]


def test_until_as_a_bare_date_includes_its_day() -> None:
    midnight = datetime(2024, 3, 31, tzinfo=UTC)
    assert until_end("2024-03-31", midnight) == datetime(2024, 3, 31, 23, 59, 59, 999999,
                                                         tzinfo=UTC)
    assert until_end("2024-03-31T00:00:00Z", midnight) == midnight


def test_a_walk_saves_the_first_step_not_done() -> None:
    saved: list[Checkpoint] = []
    walk = Walk("t", RANGE, newest_first=False, resumed=None, save=saved.append)
    walk.begin("wp-json")
    first = walk.step(1)
    walk.requested(first, "u1")
    walk.requested(first, "u2")
    walk.received(first)
    second = walk.step(2)
    assert saved[-1].position == {"step": 1}
    walk.article_stored("u1")
    assert saved[-1].position == {"step": 1}  # u2 is not stored yet
    walk.article_stored("u2")
    assert saved[-1].position == {"step": 2}
    walk.requested(second, "u3")
    walk.received(second)
    walk.article_failed("u3", may_pass=True)  # a timeout: page 2 is read again next time
    walk.end()
    assert saved[-1].position == {"step": 2} and not saved[-1].finished


def test_a_walk_is_finished_once_its_last_step_is_done() -> None:
    saved: list[Checkpoint] = []
    resumed = Checkpoint("t", RANGE.since, RANGE.until, False, "sitemap",
                         {"root": "https://x.ml/sitemap.xml", "step": "https://x.ml/s-2022.xml"})
    walk = Walk("t", RANGE, newest_first=False, resumed=resumed, save=saved.append)
    step = walk.step("https://x.ml/s-2022.xml")
    walk.requested(step, "u1")
    walk.received(step)
    walk.article_failed("u1", may_pass=False)  # a 404: nothing to come back for
    walk.end()
    assert saved[-1].finished and saved[-1].strategy == "sitemap"
    assert saved[-1].position["root"] == "https://x.ml/sitemap.xml"
