"""Fake outlets with a past to backfill: a WordPress site with its REST API, a SPIP site with
yearly sitemaps, a site with deep listings only. Each serves articles dated over two years;
``Archive.in_range`` says which of them a backfill of a range must store."""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from tests.crawler.outlets import FakeOutlet, Route, article_html, sitemap_index

FIRST_POST = datetime(2022, 1, 3, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Post:
    path: str
    published: datetime


@dataclass
class Archive:
    """An outlet and its dated articles."""

    outlet: FakeOutlet
    posts: list[Post]
    # Set to hold the API page of that number until the event is set (see wordpress_site).
    gates: dict[int, threading.Event] = field(default_factory=dict)

    def in_range(self, since: datetime, until: datetime | None = None) -> list[Post]:
        return [p for p in self.posts
                if p.published >= since and (until is None or p.published <= until)]

    def urls(self, posts: list[Post]) -> set[str]:
        return {self.outlet.url(post.path) for post in posts}

    def article_requests(self) -> list[str]:
        """The article paths the outlet was asked for, in order (repeats kept)."""
        paths = {post.path for post in self.posts}
        return [path for path in self.outlet.requests if path in paths]


def dates(count: int, *, every_days: int = 9, start: datetime = FIRST_POST) -> list[datetime]:
    return [start + timedelta(days=every_days * n, hours=n % 7) for n in range(count)]


def _add_articles(outlet: FakeOutlet, posts: list[Post]) -> None:
    for post in posts:
        outlet.add(post.path, article_html(f"{outlet.host}{post.path}",
                                           date=post.published.isoformat()).encode())


def _wp_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None


def wordpress_site(host: str, published: list[datetime], *, pagination_headers: bool = True
                   ) -> Archive:
    """A started WordPress-like outlet: posts at ``/YYYY/MM/DD/slug/``, and
    ``/wp-json/wp/v2/posts`` as WordPress answers it: ``after``/``before`` (site time: UTC
    here), ``order``, ``per_page`` (at most 100, else 400 ``rest_invalid_param``), ``page``
    (past the last: 400 ``rest_post_invalid_page_number``), ``X-WP-Total``,
    ``X-WP-TotalPages`` and ``Link`` (dropped, as some proxies do, without
    ``pagination_headers``). robots.txt lists no sitemap; there is none."""
    outlet = FakeOutlet(host)
    posts = [Post(f"/{d:%Y/%m/%d}/actualite-{n}/", d) for n, d in enumerate(published)]
    _add_articles(outlet, posts)
    archive = Archive(outlet, posts)
    outlet.add("/robots.txt", b"User-agent: *\nDisallow: /wp-admin/\n", Content_Type="text/plain")

    def error(status: int, code: str, message: str) -> Route:
        body = json.dumps({"code": code, "message": message, "data": {"status": status}})
        return Route(body.encode(), status, {"Content-Type": "application/json; charset=UTF-8"})

    def posts_api(query: dict[str, str]) -> Route:
        per_page, page = int(query.get("per_page", "10")), int(query.get("page", "1"))
        if not 1 <= per_page <= 100:
            return error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        after, before = _wp_time(query.get("after")), _wp_time(query.get("before"))
        chosen = [p for p in posts if (after is None or p.published > after)
                  and (before is None or p.published < before)]
        chosen.sort(key=lambda p: p.published, reverse=query.get("order", "desc") == "desc")
        total_pages = math.ceil(len(chosen) / per_page)
        if page > max(total_pages, 1):
            return error(400, "rest_post_invalid_page_number",
                         "The page number requested is larger than the number of pages "
                         "available.")
        gate = archive.gates.get(page)
        if gate is not None:
            gate.wait(120)
        shown = chosen[(page - 1) * per_page: page * per_page]
        body = json.dumps([
            {"date_gmt": p.published.strftime("%Y-%m-%dT%H:%M:%S"),
             "modified_gmt": p.published.strftime("%Y-%m-%dT%H:%M:%S"),
             "link": outlet.url(p.path)} for p in shown
        ])
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        if pagination_headers:
            headers["X-WP-Total"] = str(len(chosen))
            headers["X-WP-TotalPages"] = str(total_pages)
            links = []
            base = outlet.url("/wp-json/wp/v2/posts") + "?"
            if page > 1:
                links.append(f'<{base}{urlencode({**query, "page": page - 1})}>; rel="prev"')
            if page < total_pages:
                links.append(f'<{base}{urlencode({**query, "page": page + 1})}>; rel="next"')
            if links:
                headers["Link"] = ", ".join(links)
        return Route(body.encode(), 200, headers)

    outlet.handlers["/wp-json/wp/v2/posts"] = posts_api
    outlet.start()
    return archive


def _urlset_with_lastmod(entries: list[tuple[str, datetime]]) -> bytes:
    urls = "".join(f"<url><loc>{escape(url)}</loc><lastmod>{when.isoformat()}</lastmod></url>"
                   for url, when in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            ).encode()


def spip_site(host: str, published: list[datetime]) -> Archive:
    """A started SPIP-like outlet: articles at ``/articleN.html`` (no date in the address),
    robots.txt pointing to ``/sitemap.xml`` and forbidding ``/wp-json/``, an index of one
    sitemap per year (``/sitemap-YYYY.xml``) whose entries carry the publication date as
    ``lastmod``; no WordPress API (404)."""
    outlet = FakeOutlet(host)
    posts = [Post(f"/article{100 + n}.html", d) for n, d in enumerate(published)]
    _add_articles(outlet, posts)
    years = sorted({post.published.year for post in posts})
    for year in years:
        entries = [(outlet.url(p.path), p.published) for p in posts if p.published.year == year]
        outlet.add(f"/sitemap-{year}.xml", _urlset_with_lastmod(entries),
                   Content_Type="application/xml")
    outlet.add("/sitemap.xml", sitemap_index([outlet.url(f"/sitemap-{y}.xml") for y in years]),
               Content_Type="application/xml")
    robots = f"User-agent: *\nDisallow: /wp-json/\nSitemap: {outlet.url('/sitemap.xml')}\n"
    outlet.add("/robots.txt", robots.encode(), Content_Type="text/plain")
    outlet.start()
    return Archive(outlet, posts)


def listing_site(host: str, published: list[datetime], *, per_page: int = 3) -> Archive:
    """A started outlet with only a paginated listing, newest first: ``/actu/``,
    ``/actu/page/2/``…, each item with its ``<time datetime>``; articles at
    ``/YYYY/MM/DD/story-N.html``. No API, no sitemap, no feed."""
    outlet = FakeOutlet(host)
    posts = [Post(f"/{d:%Y/%m/%d}/story-{n}.html", d) for n, d in enumerate(published)]
    _add_articles(outlet, posts)
    newest_first = sorted(posts, key=lambda p: p.published, reverse=True)
    pages = math.ceil(len(posts) / per_page)
    for number in range(1, pages + 1):
        shown = newest_first[(number - 1) * per_page: number * per_page]
        items = "".join(
            f'<li><a href="{p.path}">Titre</a> <time datetime="{p.published.isoformat()}">'
            f"{p.published:%d/%m/%Y}</time></li>" for p in shown
        )
        following = (f'<a class="next" rel="next" href="/actu/page/{number + 1}/">Suivant</a>'
                     if number < pages else "")
        path = "/actu/" if number == 1 else f"/actu/page/{number}/"
        outlet.add(path, f'<html><body><a href="/apropos/">À propos</a><ul>{items}</ul>'
                   f"{following}</body></html>".encode())
    outlet.add("/robots.txt", b"User-agent: *\nAllow: /\n", Content_Type="text/plain")
    outlet.start()
    return Archive(outlet, posts)


def yoast_site(host: str, published: list[datetime], *, per_sitemap: int = 10) -> Archive:
    """A started WordPress outlet whose REST API is closed (401 ``rest_cannot_access``, as
    security plugins answer) and whose SEO plugin writes ``/sitemap_index.xml`` (not named
    in robots.txt): ``post-sitemap.xml``, ``post-sitemap2.xml``… oldest posts first, each
    with its newest ``lastmod`` in the index, and a ``page-sitemap.xml`` of pages."""
    outlet = FakeOutlet(host)
    posts = [Post(f"/{d:%Y/%m/%d}/article-{n}/", d) for n, d in enumerate(sorted(published))]
    _add_articles(outlet, posts)
    parts = []
    for number, start in enumerate(range(0, len(posts), per_sitemap), start=1):
        chunk = posts[start: start + per_sitemap]
        name = "/post-sitemap.xml" if number == 1 else f"/post-sitemap{number}.xml"
        outlet.add(name, _urlset_with_lastmod([(outlet.url(p.path), p.published) for p in chunk]),
                   Content_Type="application/xml")
        parts.append((name, chunk[-1].published))
    outlet.add("/page-sitemap.xml", _urlset_with_lastmod([(outlet.url("/contact/"), FIRST_POST)]),
               Content_Type="application/xml")
    entries = "".join(f"<sitemap><loc>{outlet.url(name)}</loc><lastmod>{when.isoformat()}"
                      "</lastmod></sitemap>" for name, when in [*parts, ("/page-sitemap.xml",
                                                                         FIRST_POST)])
    outlet.add("/sitemap_index.xml", (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    ).encode(), Content_Type="application/xml")
    outlet.add("/wp-json/wp/v2/posts", json.dumps({
        "code": "rest_cannot_access", "message": "Only authenticated users can access the "
        "REST API.", "data": {"status": 401}}).encode(), status=401,
        Content_Type="application/json; charset=UTF-8")
    outlet.add("/robots.txt", b"User-agent: *\nDisallow: /wp-admin/\n", Content_Type="text/plain")
    outlet.start()
    return Archive(outlet, posts)
