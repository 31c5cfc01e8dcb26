"""A local news site for the worker tests: articles, a syndicated copy, a category page and a
page no stage can read, all listed in a sitemap, plus the sources file describing it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.crawler.outlets import FakeOutlet, article_html, urlset

BINARY_PAGE = bytes(range(32)) * 200


@dataclass
class Site:
    """The outlets, the sources file, and what a crawl of them must end with."""

    outlets: list[FakeOutlet]
    sources_file: Path
    article_urls: list[str]
    rejected_urls: list[str]
    failed_urls: list[str]

    @property
    def page_count(self) -> int:
        return len(self.article_urls) + len(self.rejected_urls) + len(self.failed_urls)

    def stop(self) -> None:
        for outlet in self.outlets:
            outlet.stop()


def build_site(tmp: Path, *, articles: int, host: str = "127.0.0.61") -> Site:
    """Start the outlet(s) on ``host`` (and the next address) and write the sources file.

    The main outlet has ``articles`` articles, a category page and a binary page; the second
    republishes the first article (a later copy with a "Source :" line), so that dedup has a
    cluster to find.
    """
    main = FakeOutlet(host).start()
    prefix, last = host.rsplit(".", 1)
    aggregator = FakeOutlet(f"{prefix}.{int(last) + 1}").start()
    article_urls, rejected, failed = [], [], []
    for number in range(articles):
        path = f"/2025/02/article-{number:05d}.html"
        day = 1 + number % 27
        page = article_html(f"wk{number}", date=f"2025-02-{day:02d}T10:00:00+00:00")
        main.add(path, page.encode())
        article_urls.append(main.url(path))
    category = (
        b"<html><body class='category'><h1>Politique</h1>"
        b"<ul><li><a href='/2025/02/article-00000.html'>Un</a></li></ul></body></html>"
    )
    main.add("/category/politique/", category)
    rejected.append(main.url("/category/politique/"))
    main.add("/2025/02/illisible.html", BINARY_PAGE)
    failed.append(main.url("/2025/02/illisible.html"))
    main.add("/sitemap.xml", urlset([*article_urls, *rejected, *failed]),
             Content_Type="application/xml")

    copy = article_html("wk0", date="2025-02-28T18:00:00+00:00").replace(
        "<p class=\"author\">Amen K.</p>", "<p>Source : Le Quotidien Test</p>"
    )
    aggregator.add("/reprise/article-00000.html", copy.encode())
    aggregator.add("/sitemap.xml", urlset([aggregator.url("/reprise/article-00000.html")]),
                   Content_Type="application/xml")
    article_urls.append(aggregator.url("/reprise/article-00000.html"))

    sources = [
        {"id": "wk-main", "name": "Le Quotidien Test", "country": "ML", "language": "fr",
         "homepage": main.url("/"), "sitemaps": [main.url("/sitemap.xml")],
         "schedule": "*/5 * * * *"},
        {"id": "wk-agg", "name": "Portail Test", "country": "SN", "language": "fr",
         "homepage": aggregator.url("/"), "sitemaps": [aggregator.url("/sitemap.xml")]},
    ]
    sources_file = tmp / "sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return Site([main, aggregator], sources_file, article_urls, rejected, failed)
