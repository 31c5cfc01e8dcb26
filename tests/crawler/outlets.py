"""Fake news outlets for crawl tests: one small HTTP server per loopback address.

Each :class:`FakeOutlet` serves a dict of routes and records every path it was asked for,
when each request arrived and how many were in flight at once, so that tests can tell what
the crawler fetched (and what it never touched) and how politely it did so.
"""

from __future__ import annotations

import gzip
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

Body = bytes | Callable[[], Iterator[bytes]]
# A path answered by code: called with the query string's parameters.
Handler = Callable[[dict[str, str]], "Route"]


@dataclass
class Route:
    """What a path answers: status, headers and a body (bytes, or chunks streamed without
    a Content-Length, for pages too big to build in memory)."""

    body: Body = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


class _OutletServer(ThreadingHTTPServer):
    """A threading server with room for a crawl's parallel connections: socketserver's
    listen backlog of 5 made the kernel drop the SYNs of a burst of requests on a busy machine,
    and each dropped connection came back a second later (TCP's retransmission), so a site
    looked as if it were crawled a few requests at a time."""

    request_queue_size = 128
    daemon_threads = True


class FakeOutlet:
    """An HTTP server on ``host`` (a loopback address) with its routes and request log.

    ``latency`` seconds pass before each answer (so that parallel requests overlap);
    ``arrivals`` holds (monotonic time, path) of every request, ``max_in_flight`` the most
    requests it was answering at once.
    """

    def __init__(self, host: str, *, latency: float = 0.0) -> None:
        self.host = host
        self.latency = latency
        self.routes: dict[str, Route] = {}
        self.handlers: dict[str, Handler] = {}
        self.requests: list[str] = []
        self.arrivals: list[tuple[float, str]] = []
        self.user_agents: set[str] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        lock = threading.Lock()
        outlet = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                with lock:
                    outlet.in_flight += 1
                    outlet.max_in_flight = max(outlet.max_in_flight, outlet.in_flight)
                    outlet.arrivals.append((time.monotonic(), self.path))
                try:
                    self.answer()
                finally:
                    with lock:
                        outlet.in_flight -= 1

            def answer(self) -> None:
                outlet.requests.append(self.path)
                outlet.user_agents.add(self.headers.get("User-Agent", ""))
                if outlet.latency:
                    time.sleep(outlet.latency)
                path, _, query = self.path.partition("?")
                handler = outlet.handlers.get(path)
                if handler is not None:
                    parameters = {k: v[-1] for k, v in parse_qs(query).items()}
                    route: Route | None = handler(parameters)
                else:
                    route = outlet.routes.get(self.path) or outlet.routes.get(path)
                if route is None:
                    route = Route(b"<html><body>Not found</body></html>", status=404)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value.replace("{base}", outlet.base))
                if isinstance(route.body, bytes):
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                    return
                self.end_headers()
                try:
                    for chunk in route.body():
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler hung up: that is what a size cap does

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _OutletServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: Body, status: int = 200, **headers: str) -> None:
        """Serve ``body`` at ``path``; header names use underscores (``Content_Type``)."""
        named = {name.replace("_", "-"): value for name, value in headers.items()}
        named.setdefault("Content-Type", "text/html; charset=utf-8")
        self.routes[path] = Route(body, status, named)

    def hits(self, path: str) -> int:
        """How many times ``path`` (query string included, if given) was requested."""
        return sum(1 for requested in self.requests if requested == path)

    def start(self) -> FakeOutlet:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def sitemap_site(host: str, articles: int, *, slug: str, latency: float = 0.0) -> FakeOutlet:
    """A started outlet with ``articles`` article pages (``/2025/02/06/{slug}-N.html``), one
    sitemap listing them and a robots.txt that allows everything."""
    outlet = FakeOutlet(host, latency=latency)
    urls = []
    for number in range(articles):
        path = f"/2025/02/06/{slug}-{number}.html"
        outlet.add(path, article_html(f"{host}-{slug}-{number}").encode())
        urls.append(outlet.url(path))
    outlet.add("/sitemap.xml", urlset(urls), Content_Type="application/xml")
    outlet.add("/robots.txt", b"User-agent: *\nAllow: /\n", Content_Type="text/plain")
    return outlet.start()


SENTENCES = [
    "Le ministre a présidé la cérémonie d'ouverture en présence des partenaires techniques.",
    "Les échanges ont porté sur la sécurité alimentaire et la résilience des communautés.",
    "Plusieurs délégations régionales ont salué l'initiative prise par le gouvernement.",
    "Selon les organisateurs, près de trois cents participants étaient attendus à Bamako.",
    "La société civile réclame davantage de transparence dans la gestion des fonds publics.",
    "Les producteurs de coton espèrent une meilleure campagne grâce aux pluies abondantes.",
    "Le directeur général a rappelé les efforts consentis pour moderniser les équipements.",
    "Des experts venus de Dakar et d'Abidjan ont présenté leurs travaux devant l'assemblée.",
    "La rencontre s'est achevée par l'adoption d'une feuille de route pour l'année prochaine.",
    "Les habitants du quartier dénoncent les coupures d'électricité de plus en plus fréquentes.",
    "Le tribunal de grande instance a renvoyé l'affaire à une date ultérieure.",
    "Les enseignants ont annoncé une grève de soixante-douze heures à partir de lundi.",
    "La fédération de football a dévoilé la liste des joueurs convoqués pour les éliminatoires.",
    "Un accord de financement a été signé avec la Banque ouest-africaine de développement.",
    "Le préfet a appelé les populations au calme après les incidents de la veille.",
    "Les commerçants du grand marché saluent la baisse du prix du sac de riz importé.",
    "La campagne de vaccination contre la rougeole touchera plus de deux millions d'enfants.",
    "Le conseil municipal a voté le budget après de longues heures de débats animés.",
    "Les autorités sanitaires recommandent la vigilance face à la recrudescence du paludisme.",
    "Une mission conjointe s'est rendue dans les zones touchées par les inondations.",
]
VOCABULARY = sorted({word.strip(".,").lower() for line in SENTENCES for word in line.split()})


def article_html(
    slug: str, *, title: str | None = None, date: str = "2025-02-06T10:00:00+00:00"
) -> str:
    """A page that looks like a real news article: headline, date, several paragraphs,
    a byline, site chrome around it. ``slug`` seeds distinct content per article."""
    rng = random.Random(slug)
    title = title or f"Actualité {slug} : " + rng.choice(SENTENCES)[:60]
    paragraphs = []
    for index in range(6):
        # Words drawn at random from the sentences: French text that no two articles share,
        # so that dedup finds only the copies a test makes on purpose.
        words = rng.choices(VOCABULARY, k=45)
        paragraphs.append(
            f"<p>{' '.join(words).capitalize()}. Le dossier {slug} numéro {index} reste suivi.</p>"
        )
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>{title} – Le Quotidien Test</title>
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{date}">
</head><body>
<header><nav><a href="/">Accueil</a> <a href="/politique/">Politique</a></nav></header>
<main><article>
<h1>{title}</h1>
<time datetime="{date}">{date[:10]}</time>
{"".join(paragraphs)}
<p class="author">Amen K.</p>
</article></main>
<footer>© Le Quotidien Test</footer>
</body></html>"""


def rss(items: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed of (url, RFC 822 date) items."""
    body = "".join(
        f"<item><title>t</title><link>{url}</link><pubDate>{date}</pubDate></item>"
        for url, date in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Fil</title>'
        f"<link>http://x/</link>{body}</channel></rss>"
    ).encode()


def atom(items: list[tuple[str, str]]) -> bytes:
    """An Atom feed of (url, ISO date) entries."""
    body = "".join(
        f'<entry><title>t</title><link rel="alternate" type="text/html" href="{url}"/>'
        f"<id>{url}</id><published>{date}</published><updated>{date}</updated></entry>"
        for url, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Fil</title><id>urn:x</id><updated>2025-02-06T10:00:00Z</updated>{body}</feed>"
    ).encode()


def urlset(urls: list[str], *, news_dates: list[str] | None = None) -> bytes:
    """A sitemap url set; with ``news_dates`` a Google News sitemap."""
    entries = []
    for index, url in enumerate(urls):
        news = ""
        if news_dates:
            news = (
                "<news:news><news:publication><news:name>Test</news:name>"
                "<news:language>fr</news:language></news:publication>"
                f"<news:publication_date>{news_dates[index]}</news:publication_date>"
                "<news:title>t</news:title></news:news>"
            )
        entries.append(f"<url><loc>{escape(url)}</loc>{news}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{''.join(entries)}</urlset>"
    ).encode()


def sitemap_index(urls: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
        "</sitemapindex>"
    ).encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data)
