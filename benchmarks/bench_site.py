"""The local news site the crawl and pipeline benchmarks share: 2,000 article pages.

    .venv/bin/python benchmarks/bench_site.py [--pages N] [--serve]

Without ``--serve`` it prints the site's shape (page count, page sizes); with it, it also serves
the site until interrupted and writes its sources file, for poking at it by hand.

The server is the crawl tests' :class:`tests.crawler.outlets.FakeOutlet` (a threaded HTTP
server on a loopback address). Every page is a realistic WordPress-style article of about
10 KB: head with styles and scripts, a large navigation menu, breadcrumbs, share buttons, the
article (headline, date, eight to eleven paragraphs, byline), a sidebar of related links,
comments and a footer of links. The text of each article is drawn from its own seed, so the
2,000 stories are distinct (the duplicate detector finds no cluster among them) while reading
like French news copy. The site has a ``robots.txt`` (naming the sitemap) and one sitemap
listing the 2,000 article URLs; the benchmark sources file points one source at that
sitemap, with politeness switched off (see :func:`write_sources`).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.crawler.outlets import SENTENCES, FakeOutlet, urlset  # noqa: E402

HOST = "127.0.0.90"
SOURCE_ID = "bench"
DEFAULT_PAGES = 2000
# Requests in flight at once to the site, for kibaru and for the bare spider alike.
CONCURRENCY = 8

VOCABULARY = sorted({word.strip(".,:;'").lower() for line in SENTENCES for word in line.split()})
AUTHORS = ["Amen K.", "Oumar Diarra", "Fatoumata Traoré", "Moussa Keïta", "Aïssata Sow"]
MENU = [
    "Accueil", "Politique", "Économie", "Société", "Culture", "Sport", "International", "Santé",
    "Éducation", "Environnement", "Régions", "Opinions", "Vidéos", "Contact",
]
STYLE = (
    "<style>body{font-family:Georgia,serif;margin:0}.menu a{padding:4px 8px}"
    ".sidebar{float:right;width:30%}.share a{margin-right:6px}.comments li{margin:8px 0}"
    "footer{background:#222;color:#eee;padding:20px}</style>"
)


def _sentence(rng: random.Random) -> str:
    words = rng.choices(VOCABULARY, k=rng.randint(12, 20))
    return " ".join(words).capitalize() + "."


def article_path(number: int) -> str:
    return f"/2025/02/{number % 27 + 1:02d}/article-{number:05d}.html"


def article_page(number: int, pages: int = DEFAULT_PAGES) -> str:
    """Article ``number`` of the site, as HTML (deterministic)."""
    rng = random.Random(f"bench-{number}")
    day = number % 27 + 1
    date = f"2025-02-{day:02d}T{8 + number % 10:02d}:30:00+00:00"
    title = f"{rng.choice(SENTENCES)[:-1][:70]} ({number})"
    paragraphs = "\n".join(
        "<p>" + " ".join(_sentence(rng) for _ in range(rng.randint(3, 5))) + "</p>"
        for _ in range(rng.randint(8, 11))
    )
    menu = "".join(
        f'<li><a href="/{re.sub(r"[^a-z]", "", name.lower())}/">{name}</a></li>' for name in MENU
    )
    related = "".join(
        f'<li><a href="{article_path(other)}">{SENTENCES[other % len(SENTENCES)][:60]}</a></li>'
        for other in rng.sample(range(pages), 8)
    )
    comments = "".join(
        f'<li class="comment"><span class="comment-author">Lecteur {rng.randint(1, 999)}</span>'
        f"<p>{_sentence(rng)}</p></li>"
        for _ in range(3)
    )
    footer_links = " | ".join(f'<a href="/page/{n}/">{name}</a>' for n, name in enumerate(MENU))
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – Le Quotidien Test</title>
<meta name="description" content="{_sentence(rng)}">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Le Quotidien Test">
<meta property="article:published_time" content="{date}">
<link rel="stylesheet" href="/wp-content/themes/quotidien/style.css">
{STYLE}
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}
gtag('js',new Date());gtag('config','G-TEST');</script>
</head><body class="post-template-default single single-post">
<header class="site-header"><div class="logo"><a href="/">Le Quotidien Test</a></div>
<nav class="menu"><ul>{menu}</ul></nav>
<form class="search" action="/"><input name="s" placeholder="Rechercher"></form></header>
<div class="breadcrumbs"><a href="/">Accueil</a> » <a href="/societe/">Société</a> » {title}</div>
<main class="content"><article class="post type-post">
<h1 class="entry-title">{title}</h1>
<div class="entry-meta"><time class="entry-date" datetime="{date}">{day} février 2025</time>
<span class="cat-links"><a href="/societe/">Société</a></span></div>
<div class="share"><a href="https://facebook.com/sharer">Partager</a>
<a href="https://twitter.com/intent/tweet">Tweeter</a><a href="mailto:?">E-mail</a></div>
<div class="entry-content">
{paragraphs}
<p class="author">{rng.choice(AUTHORS)}</p>
</div>
<div class="tags"><a href="/tag/mali/">Mali</a> <a href="/tag/bamako/">Bamako</a></div>
</article>
<aside class="sidebar"><h3>À lire aussi</h3><ul class="related">{related}</ul>
<div class="newsletter"><p>Recevez chaque matin l'essentiel de l'actualité.</p>
<form><input name="email"><button>S'abonner</button></form></div></aside>
<section class="comments"><h3>3 commentaires</h3><ol>{comments}</ol></section>
</main>
<footer class="site-footer"><p>{footer_links}</p>
<p>© 2025 Le Quotidien Test. Tous droits réservés. Reproduction interdite sans autorisation.</p>
</footer>
<script src="/wp-includes/js/jquery.min.js"></script>
</body></html>"""


@dataclass
class BenchSite:
    """The running site: its server, the article URLs and the pages' HTML."""

    outlet: FakeOutlet
    article_urls: list[str]
    pages: list[bytes]

    @property
    def sitemap_url(self) -> str:
        return self.outlet.url("/sitemap.xml")

    def stop(self) -> None:
        self.outlet.stop()


def build_site(pages: int = DEFAULT_PAGES, host: str = HOST) -> BenchSite:
    """Start the site on ``host`` with ``pages`` articles, a robots.txt and a sitemap."""
    outlet = FakeOutlet(host)
    urls, bodies = [], []
    for number in range(pages):
        body = article_page(number, pages).encode()
        outlet.add(article_path(number), body)
        urls.append(outlet.url(article_path(number)))
        bodies.append(body)
    outlet.add("/sitemap.xml", urlset(urls), Content_Type="application/xml")
    outlet.add(
        "/robots.txt",
        f"User-agent: *\nAllow: /\nSitemap: {outlet.url('/sitemap.xml')}\n".encode(),
        Content_Type="text/plain",
    )
    outlet.add("/", b"<html><body><h1>Le Quotidien Test</h1></body></html>")
    outlet.start()
    return BenchSite(outlet, urls, bodies)


def write_sources(site: BenchSite, path: Path, concurrency: int = CONCURRENCY) -> Path:
    """The sources file of the site: one source, its sitemap, politeness off.

    ``crawl: {concurrency: N, delay: 0, autothrottle: false}``: without it the default
    politeness (2 requests at a time, 0.25 s apart, AutoThrottle) would measure the delay,
    not the crawler. The bare Scrapy spider gets the same concurrency and no delay.
    """
    source = {
        "id": SOURCE_ID,
        "name": "Le Quotidien Test",
        "country": "ML",
        "language": "fr",
        "homepage": site.outlet.url("/"),
        "sitemaps": [site.sitemap_url],
        "crawl": {"concurrency": concurrency, "delay": 0, "autothrottle": False},
    }
    path.write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    parser.add_argument("--serve", action="store_true", help="serve until interrupted")
    args = parser.parse_args()
    site = build_site(args.pages)
    sizes = sorted(len(body) for body in site.pages)
    print(
        f"{len(sizes)} article pages at {site.sitemap_url}: "
        f"{sizes[0] / 1024:.1f}–{sizes[-1] / 1024:.1f} KB, "
        f"median {sizes[len(sizes) // 2] / 1024:.1f} KB"
    )
    if args.serve:
        sources = write_sources(site, Path("bench-sources.yaml"))
        print(f"sources file: {sources} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
