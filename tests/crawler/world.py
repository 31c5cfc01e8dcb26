"""A small world of fake West African outlets, one per loopback address, each exercising one
discovery path or one trap. ``build_world()`` starts them and writes the sources file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.crawler.outlets import (
    FakeOutlet,
    article_html,
    atom,
    gz,
    rss,
    sitemap_index,
    urlset,
)

DATE = "Thu, 06 Feb 2025 10:00:00 +0000"
ISO = "2025-02-06T10:00:00+00:00"
HUGE_BYTES = 30 * 1024 * 1024
ACCENTED = "Le président de la Transition a inauguré l'école à Ségou, près de la Falémé"


@dataclass
class World:
    """The outlets by name, the sources file, and the article URLs that must be stored."""

    outlets: dict[str, FakeOutlet]
    sources_file: Path
    articles: set[str] = field(default_factory=set)

    def stop(self) -> None:
        for outlet in self.outlets.values():
            outlet.stop()


def _articles(outlet: FakeOutlet, paths: list[str], world: World) -> list[str]:
    for path in paths:
        outlet.add(path, article_html(f"{outlet.host}{path}").encode())
        world.articles.add(outlet.url(path))
    return [outlet.url(path) for path in paths]


def _huge_page() -> object:
    def chunks() -> object:
        block = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
        for _ in range(HUGE_BYTES // len(block)):
            yield block

    return chunks


def build_world(tmp: Path) -> World:
    """Start every fake outlet and write ``tmp/sources.yaml`` describing them."""
    names = ["rss", "atom", "gzindex", "news", "listing", "auto", "usual", "robots", "traps",
             "cp1252", "elsewhere"]
    outlets = {name: FakeOutlet(f"127.0.0.{11 + i}").start() for i, name in enumerate(names)}
    world = World(outlets=outlets, sources_file=tmp / "sources.yaml")
    sources = []

    def source(sid: str, outlet: FakeOutlet, **fields: object) -> None:
        entry = {"id": sid, "name": f"Test {sid}", "country": "ML", "language": "fr",
                 "homepage": outlet.url("/")}
        entry.update(fields)
        sources.append(entry)

    # RSS, with one article listed three ways (tracking parameters, fragment, plain).
    o = outlets["rss"]
    a = _articles(o, ["/2025/02/un.html", "/2025/02/deux.html", "/2025/02/trois.html"], world)
    items = [(a[0] + "?utm_source=rss&utm_medium=feed&fbclid=abc", DATE), (a[0] + "#reactions",
             DATE), (a[0], DATE), (a[1], DATE), (a[2], DATE)]
    o.add("/feed.xml", rss(items), Content_Type="application/rss+xml")
    source("t-rss", o, feeds=[o.url("/feed.xml")])

    o = outlets["atom"]
    a = _articles(o, ["/atom/a.html", "/atom/b.html"], world)
    o.add("/atom.xml", atom([(u, ISO) for u in a]), Content_Type="application/atom+xml")
    source("t-atom", o, feeds=[o.url("/atom.xml")])

    # A sitemap index pointing to a gzipped sitemap.
    o = outlets["gzindex"]
    a = _articles(o, ["/p/1", "/p/2", "/p/3"], world)
    o.add("/sitemap_index.xml", sitemap_index([o.url("/sitemap-posts.xml.gz")]),
          Content_Type="application/xml")
    o.add("/sitemap-posts.xml.gz", gz(urlset(a)), Content_Type="application/x-gzip")
    source("t-gzindex", o, sitemaps=[o.url("/sitemap_index.xml")])

    # A Google News sitemap: its dates travel with the page as hints.
    o = outlets["news"]
    a = _articles(o, ["/news/x-1", "/news/x-2"], world)
    o.add("/news-sitemap.xml", urlset(a, news_dates=["2025-02-06T19:45:00+00:00"] * 2),
          Content_Type="application/xml")
    source("t-news", o, sitemaps=[o.url("/news-sitemap.xml")])

    # A listing with pagination; articles match article_pattern, other links do not.
    o = outlets["listing"]
    pages = 9
    for number in range(1, pages + 1):
        paths = [f"/story/{number}{k}" for k in range(2)]
        if number <= 6:  # pages 7+ lie beyond the pagination depth (5) and are never read
            _articles(o, paths, world)
        else:
            for p in paths:
                o.add(p, article_html(p).encode())
        links = "".join(f'<li><a href="{p}">Story</a></li>' for p in paths)
        nxt = f'<a rel="next" href="/actu/page/{number + 1}">Suivant</a>' if number < pages else ""
        path = "/actu/" if number == 1 else f"/actu/page/{number}"
        o.add(path, f'<html><body><a href="/apropos">À propos</a><ul>{links}</ul>{nxt}'
              "</body></html>".encode())
    source("t-listing", o, listings=[o.url("/actu/")], article_pattern=r"/story/\d+$")

    # Discovery from the homepage alone: <link rel=alternate> and robots.txt Sitemap line.
    o = outlets["auto"]
    a = _articles(o, ["/a/feed-1", "/a/map-1"], world)
    o.add("/", b'<html><head><link rel="alternate" type="application/rss+xml" href="/flux/">'
          b"</head><body>Accueil</body></html>")
    o.add("/flux/", rss([(a[0], DATE)]), Content_Type="application/rss+xml")
    o.add("/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {o.url('/carte.xml')}\n".encode(),
          Content_Type="text/plain")
    o.add("/carte.xml", urlset([a[1]]), Content_Type="application/xml")
    source("t-auto", o)

    # Discovery through the usual paths only (/feed/, /sitemap.xml).
    o = outlets["usual"]
    a = _articles(o, ["/u/feed-only", "/u/sitemap-only"], world)
    o.add("/", b"<html><body>Accueil sans liens</body></html>")
    o.add("/feed/", rss([(a[0], DATE)]), Content_Type="application/rss+xml")
    o.add("/sitemap.xml", urlset([a[1]]), Content_Type="application/xml")
    source("t-usual", o)

    # robots.txt Disallow honoured.
    o = outlets["robots"]
    a = _articles(o, ["/public/ok"], world)
    o.add("/private/secret", article_html("secret").encode())
    o.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n", Content_Type="text/plain")
    o.add("/feed.xml", rss([(a[0], DATE), (o.url("/private/secret"), DATE)]),
          Content_Type="application/rss+xml")
    source("t-robots", o, feeds=[o.url("/feed.xml")])

    # Traps: a 404, a 301 to the canonical URL, a redirect off the site, a 30 MB page,
    # and an XML entity bomb in a sitemap.
    o, away = outlets["traps"], outlets["elsewhere"]
    a = _articles(o, ["/canonical/story"], world)
    away.add("/stolen", article_html("stolen").encode())
    o.add("/old/story", b"", status=301, Location="{base}/canonical/story")
    o.add("/leave", b"", status=302, Location=away.url("/stolen"))
    o.add("/huge", _huge_page(), Content_Type="text/html")  # type: ignore[arg-type]
    o.add("/feed.xml", rss([(o.url(p), DATE) for p in ("/gone", "/old/story", "/canonical/story",
          "/leave", "/huge")]), Content_Type="application/rss+xml")
    # Eleven levels of ten references each: 10**11 copies of a URL, were it ever expanded.
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY l0 "{o.url("/bomb-target")}">'
            f'{laughs}]><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<url><loc>&l0;</loc></url><url><loc>&l11;</loc></url></urlset>")
    o.add("/bomb.xml", bomb.encode(), Content_Type="application/xml")
    o.add("/bomb-target", article_html("bomb").encode())
    source("t-traps", o, feeds=[o.url("/feed.xml")], sitemaps=[o.url("/bomb.xml")])

    # windows-1252 declared only in a meta tag (the HTTP header names no charset).
    o = outlets["cp1252"]
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    page = article_html("cp1252").replace('<meta charset="utf-8">', meta)
    page = page.replace("<h1>", f"<p>{ACCENTED}.</p><h1>", 1)
    o.add("/article-cp1252.html", page.encode("cp1252"), Content_Type="text/html")
    world.articles.add(o.url("/article-cp1252.html"))
    o.add("/feed.xml", rss([(o.url("/article-cp1252.html"), DATE)]),
          Content_Type="application/rss+xml")
    source("t-cp1252", o, feeds=[o.url("/feed.xml")])

    world.sources_file.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True))
    return world
