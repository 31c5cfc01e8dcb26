"""The WordPress REST API's list of posts, page by page (``/wp-json/wp/v2/posts``).

A page asks for the posts published within the range (``after``/``before``, a day wider on
each side: WordPress reads them in the site's time zone, and ``date_gmt`` decides exactly
afterwards), oldest or newest first, only the fields a backfill needs. The pages end at
``X-WP-TotalPages``; without that header (a proxy may drop it), at ``Link: rel="next"``'s
absence, a short page, or the 400 ``rest_post_invalid_page_number`` that WordPress answers
past the last page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, timedelta
from urllib.parse import urlencode

from crawler.backfill.periods import DateRange
from crawler.dates import parse_date
from crawler.discovery import with_path
from crawler.feeds import Entry

POSTS_PATH = "/wp-json/wp/v2/posts"
PAST_LAST_PAGE = "rest_post_invalid_page_number"
FIELDS = "link,date_gmt,modified_gmt"
# WordPress reads after/before in the site's time zone (UTC-12 to UTC+14).
MARGIN = timedelta(days=1)


class NotAnApi(ValueError):
    """The answer is not a page of the posts API; ``reason`` is a short code for the errors."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


@dataclass(frozen=True)
class PostsPage:
    """One page of the API: its posts as entries (link, ``date_gmt``), and whether another
    page follows. ``past_end``: the answer to a page past the last one."""

    entries: list[Entry]
    more: bool
    total_pages: int | None = None
    past_end: bool = False


def posts_url(homepage: str, within: DateRange, *, page: int, per_page: int,
              newest_first: bool) -> str:
    """The address of page ``page`` of the posts published within ``within``."""
    query = {"after": (within.since - MARGIN).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
    if within.until is not None:
        query["before"] = (within.until + MARGIN).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    query.update(
        orderby="date", order="desc" if newest_first else "asc", per_page=str(per_page),
        page=str(page), _fields=FIELDS,
    )
    return with_path(homepage, POSTS_PATH) + "?" + urlencode(query)


def read_posts_page(
    status: int, headers: dict[str, str], body: bytes, *, page: int, per_page: int
) -> PostsPage:
    """The posts of an answer to :func:`posts_url` (``headers`` with lower-case names).

    Raises :class:`NotAnApi` (reasons ``http_<status>``, ``not_json``, ``not_posts``) when the
    answer is not a page of posts: the site runs no WordPress, or its API is closed.
    """
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if status == 400 and isinstance(data, dict) and data.get("code") == PAST_LAST_PAGE:
        return PostsPage(entries=[], more=False, past_end=True)
    if status != 200:
        raise NotAnApi(f"http_{status}", f"the posts API answered {status}")
    if data is None:
        raise NotAnApi("not_json", "the posts API answered something other than JSON")
    if not isinstance(data, list):
        raise NotAnApi("not_posts", "the posts API answered JSON that is not a list of posts")
    entries = []
    for post in data:
        if not isinstance(post, dict) or not isinstance(post.get("link"), str):
            continue
        published = parse_date(post.get("date_gmt") or post.get("date"))
        entries.append(Entry(post["link"], published))
    total = _integer(headers.get("x-wp-totalpages"))
    if total is not None:
        more = page < total
    elif "link" in headers:
        more = 'rel="next"' in headers["link"]
    else:
        more = len(data) >= per_page
    return PostsPage(entries=entries, more=more, total_pages=total)


def _integer(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
