"""The local news sites the crawl and pipeline benchmarks share: synthetic or real pages.

    .venv/bin/python benchmarks/bench_site.py [--real] [--pages N] [--serve]

Without ``--serve`` it prints the site's shape (page count, page sizes); with it, it also serves
the site until interrupted and writes its sources file, for poking at it by hand.

**Real pages** (``--real``, :func:`build_real_site`): the article pages of the shared external
suites (``../shared/extsuites/``: about 840 pages of many publishers, 50–300 KB each), read in
place (never copied into the repository) and served as they are stored, gzipped
(``Content-Encoding: gzip``, ``Content-Type: text/html`` with no charset: the charset is the
page's business), each under its own URL's path (a path two pages share, such as ``/``, is
prefixed with the page's host). ``--pages N`` takes the first N; past the suites' count the
pages are served again under ``/copy-K/`` prefixes (copies the duplicate detector groups),
so that a benchmark can watch memory as the site grows.

**Synthetic pages** (the default, :func:`build_site`): 2,000 generated articles.

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
import gzip
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.urls import canonical_url  # noqa: E402
from tests.crawler.outlets import SENTENCES, FakeOutlet, Route, urlset  # noqa: E402

HOST = "127.0.0.90"
REAL_HOST = "127.0.0.91"
EXTSUITES = ROOT.parent / "shared" / "extsuites"
SUITES = ("aeb", "fundus", "trafilatura")
UNSAFE_PATH = re.compile(r"[^A-Za-z0-9/._~%-]")
SOURCE_ID = "bench"
DEFAULT_PAGES = 2000
# Requests in flight at once to the site, for kibaru and for the bare spider alike.
CONCURRENCY = 8

VOCABULARY = sorted({word.strip(".,:;'").lower() for line in SENTENCES for word in line.split()})
AUTHORS = ["Amen K.", "Oumar Diarra", "Fatoumata Traoré", "Moussa Keïta", "Aïssata Sow"]
MENU = [
    "Accueil",
    "Politique",
    "Économie",
    "Société",
    "Culture",
    "Sport",
    "International",
    "Santé",
    "Éducation",
    "Environnement",
    "Régions",
    "Opinions",
    "Vidéos",
    "Contact",
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
    """The running site: its server, the article URLs and each page's bytes as served
    (gzipped when ``gzipped``)."""

    outlet: FakeOutlet
    article_urls: list[str]
    pages: list[bytes]
    gzipped: bool = False

    @property
    def sitemap_url(self) -> str:
        return self.outlet.url("/sitemap.xml")

    def html(self, index: int) -> bytes:
        """Page ``index`` as a browser would have it (decompressed)."""
        body = self.pages[index]
        return gzip.decompress(body) if self.gzipped else body

    def write_manifest(self, folder: Path) -> Path:
        """Each page as a file under ``folder`` and a ``kibaru extract --manifest`` file of
        them (``{"path", "url", "source"}`` lines, the URL the crawl fetches it from)."""
        folder.mkdir(parents=True, exist_ok=True)
        manifest = folder / "manifest.jsonl"
        with manifest.open("w", encoding="utf-8") as out:
            for index, url in enumerate(self.article_urls):
                path = folder / f"page-{index:05d}.html"
                path.write_bytes(self.html(index))
                line = {"path": str(path), "url": url, "source": SOURCE_ID}
                out.write(json.dumps(line) + "\n")
        return manifest

    def stop(self) -> None:
        self.outlet.stop()


def _serve(outlet: FakeOutlet, paths: list[str]) -> list[str]:
    """robots.txt, a sitemap of ``paths`` and a homepage; the article URLs."""
    urls = [outlet.url(path) for path in paths]
    outlet.add("/sitemap.xml", urlset(urls), Content_Type="application/xml")
    outlet.add(
        "/robots.txt",
        f"User-agent: *\nAllow: /\nSitemap: {outlet.url('/sitemap.xml')}\n".encode(),
        Content_Type="text/plain",
    )
    outlet.routes.setdefault("/", Route(b"<html><body><h1>Le Quotidien Test</h1></body></html>"))
    outlet.start()
    return urls


def build_site(pages: int = DEFAULT_PAGES, host: str = HOST) -> BenchSite:
    """Start the synthetic site on ``host`` with ``pages`` articles, a robots.txt and a
    sitemap."""
    outlet = FakeOutlet(host)
    paths, bodies = [], []
    for number in range(pages):
        body = article_page(number, pages).encode()
        outlet.add(article_path(number), body)
        paths.append(article_path(number))
        bodies.append(body)
    return BenchSite(outlet, _serve(outlet, paths), bodies)


def real_cases(suites_dir: Path = EXTSUITES) -> list[tuple[str, Path]]:
    """(original URL, gzipped page file) of every case of the suites, in a stable order."""
    cases = []
    for suite in SUITES:
        folder = suites_dir / suite
        with (folder / "cases.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                case = json.loads(line)
                cases.append((case["url"], folder / case["page"]))
    if not cases:
        raise RuntimeError(f"no cases under {suites_dir} (see its README.md)")
    return cases


def _real_path(url: str, taken: set[str]) -> str:
    """The served path of a page: its URL's path (query dropped), percent-encoded as the
    crawler will ask for it; prefixed with its host when another page has it already."""
    parts = urlsplit(url)
    path = urlsplit(canonical_url("http://bench" + (parts.path or "/"))).path
    if path in taken or path in ("/", "/robots.txt", "/sitemap.xml"):
        path = urlsplit(canonical_url(f"http://bench/{parts.hostname}{parts.path}")).path
    # Characters that clients re-encode differently (square brackets, commas…) become "-",
    # so that the path the crawler sends is the one served.
    return UNSAFE_PATH.sub("-", path)


def build_real_site(
    pages: int | None = None, host: str = REAL_HOST, suites_dir: Path = EXTSUITES
) -> BenchSite:
    """Start the real-page site on ``host``: the suites' pages (the first ``pages``, or
    repeated under ``/copy-K/`` up to ``pages``), a robots.txt and a sitemap."""
    cases = real_cases(suites_dir)
    count = len(cases) if pages is None else pages
    outlet = FakeOutlet(host)
    gzipped = [file.read_bytes() for _, file in cases[: min(count, len(cases))]]
    paths: list[str] = []
    bodies: list[bytes] = []
    taken: set[str] = set()
    for index in range(count):
        url = cases[index % len(cases)][0]
        path = _real_path(url, taken)
        if index >= len(cases):
            path = f"/copy-{index // len(cases)}{path}"
        taken.add(path)
        body = gzipped[index % len(cases)]
        outlet.routes[path] = Route(
            body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )
        paths.append(path)
        bodies.append(body)
    return BenchSite(outlet, _serve(outlet, paths), bodies, gzipped=True)


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
    parser.add_argument("--pages", type=int, help=f"default {DEFAULT_PAGES}; real: every page")
    parser.add_argument("--real", action="store_true", help="the suites' real pages")
    parser.add_argument("--serve", action="store_true", help="serve until interrupted")
    args = parser.parse_args()
    site = build_real_site(args.pages) if args.real else build_site(args.pages or DEFAULT_PAGES)
    sizes = sorted(len(site.html(index)) for index in range(len(site.pages)))
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
