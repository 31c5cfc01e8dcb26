"""A hostile local site and a hostile sources file through `kibaru crawl`, `kibaru extract`
and `kibaru sources check`: every case must end within its bound, without a traceback, with
the outcome it should have (a clean error, a refusal, or stored).

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/hostile.py

The site runs on 127.0.0.201 (allowed to the commands through KIBARU_ALLOWED_NETWORKS, or
through a source that lives there); 127.0.0.202 stands for an address nobody allowed (an
intranet, the metadata service): it must never see a request. Nothing leaves the loopback
interface. Each command runs as its own process, with KIBARU_FETCH_TIMEOUT=5.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KIBARU = [sys.executable, "-m", "kibaru"]
SITE_HOST, FORBIDDEN_HOST = "127.0.0.201", "127.0.0.202"
FETCH_TIMEOUT = 5

ARTICLE = (
    "<html><head><title>Le conseil des ministres adopte le budget</title>"
    '<meta property="article:published_time" content="2025-02-06T10:00:00+00:00"></head>'
    "<body><article><h1>Le conseil des ministres adopte le budget</h1>"
    + "".join(
        f"<p>Paragraphe {i} : le gouvernement a présenté devant les députés les grandes "
        "lignes du budget de l'année, consacré à l'école, à la santé et aux routes.</p>"
        for i in range(8)
    )
    + "</article></body></html>"
).encode()

Body = bytes | Callable[[], Iterator[bytes]]


def drip() -> Iterator[bytes]:
    """One byte a second for ten minutes: never silent long enough for a read timeout."""
    yield b"<html><body>"
    for _ in range(600):
        time.sleep(1)
        yield b"x"


def huge() -> Iterator[bytes]:
    """Fifty megabytes with no Content-Length."""
    chunk = b"<p>" + b"a" * 65_530 + b"</p>"
    for _ in range(800):
        yield chunk


class Site:
    """A threaded HTTP server on ``host`` serving ``routes``; it records every path asked."""

    def __init__(self, host: str) -> None:
        self.requests: list[str] = []
        self.routes: dict[str, tuple[int, dict[str, str], Body]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                site.requests.append(self.path)
                status, headers, body = site.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in {"Content-Type": "text/html", **headers}.items():
                    self.send_header(name, value)
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.end_headers()
                try:
                    for chunk in body():
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path


def hostile_routes(site: Site, forbidden: Site) -> dict[str, tuple[int, dict[str, str], Body]]:
    rng = random.Random(7)
    chain = {f"/chain/{i}": (302, {"Location": f"/chain/{i + 1}"}, b"") for i in range(20)}
    pages = ["good", "loop-a", "self", "chain/0", "huge", "garbage", "nested", "drip", "away"]
    sitemap = "".join(f"<url><loc>{site.url('/' + page)}</loc></url>" for page in pages)
    xml = {"Content-Type": "application/xml"}
    return {
        "/good": (200, {}, ARTICLE),
        "/drip": (200, {}, drip),
        "/loop-a": (301, {"Location": "/loop-b"}, b""),
        "/loop-b": (301, {"Location": "/loop-a"}, b""),
        "/self": (302, {"Location": "/self"}, b""),
        **chain,
        "/huge": (200, {}, huge),
        "/garbage": (200, {}, bytes(rng.getrandbits(8) for _ in range(300_000))),
        "/nested": (200, {}, b"<html><body>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000),
        "/away": (302, {"Location": forbidden.url("/latest/meta-data/")}, b""),
        "/robots.txt": (302, {"Location": forbidden.url("/robots.txt")}, b""),
        "/sitemap.xml": (
            200,
            xml,
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{sitemap}</urlset>'.encode(),
        ),
        "/drip-feed": (200, {"Content-Type": "application/rss+xml"}, drip),
    }


SOURCE = """\
  - id: {id}
    name: "{name}"
    country: SN
    language: fr
    homepage: {homepage}
"""


def write_sources(path: Path, entries: list[dict[str, str]], extra: str = "") -> Path:
    text = "sources:\n" + "".join(
        SOURCE.format(**entry)
        + "".join(f"    {line}\n" for line in entry.get("lines", "").split("|") if line)
        for entry in entries
    )
    path.write_text(text + extra, encoding="utf-8")
    return path


@dataclass
class Case:
    name: str
    args: list[str]
    expected: str
    bound: float
    env: dict[str, str]


@dataclass
class Result:
    case: Case
    outcome: str
    seconds: float
    detail: str


def classify(done: subprocess.CompletedProcess[str] | None) -> tuple[str, str]:
    """(outcome, first error line) of a finished command, or HUNG when it was killed."""
    if done is None:
        return "HUNG", "killed at its bound"
    text = done.stdout + done.stderr
    if "Traceback" in text:
        return "TRACEBACK", text.strip().splitlines()[-1][:120]
    error = next((line for line in text.splitlines() if '"error"' in line or "error:" in line), "")
    if done.returncode == 0 and '"error"' not in done.stdout:
        lines = done.stdout.strip().splitlines() or [""]
        summary = next((line for line in lines if line.startswith("run ")), lines[-1])
        return "stored", summary[:160]
    lowered = error.lower()
    refused = ("refused", "private address", "not one of the source's hosts", "offsite")
    if any(word in lowered for word in refused):
        return "refused", error[:120]
    return "clean error", error[:120]


def run_case(case: Case, cwd: Path) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")}
    env.update(case.env)
    started = time.monotonic()
    try:
        done: subprocess.CompletedProcess[str] | None = subprocess.run(
            [*KIBARU, *case.args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=case.bound,
        )
    except subprocess.TimeoutExpired:
        done = None
    seconds = time.monotonic() - started
    outcome, detail = classify(done)
    return Result(case, outcome, seconds, detail)


def cases(site: Site, work: Path) -> list[Case]:
    base_env = {
        "KIBARU_BUILTIN_SOURCES": "false",
        "KIBARU_FETCH_TIMEOUT": str(FETCH_TIMEOUT),
        "KIBARU_DOWNLOAD_DELAY": "0",
        "KIBARU_DATABASE_URL": f"sqlite:///{work}/hostile.db",
    }
    allowed = {**base_env, "KIBARU_ALLOWED_NETWORKS": SITE_HOST}
    hostile = write_sources(
        work / "hostile.yaml",
        [
            {
                "id": "hostile",
                "name": "Hostile",
                "homepage": site.url("/"),
                "lines": f"sitemaps: ['{site.url('/sitemap.xml')}']|"
                f"feeds: ['{site.url('/drip-feed')}']",
            },
            {"id": "dead", "name": "Dead", "homepage": "http://dead.invalid/"},
        ],
    )
    duplicate = write_sources(
        work / "duplicate.yaml",
        [
            {"id": "twice", "name": "Le Soleil", "homepage": "https://a.example.org/"},
            {"id": "twice", "name": "Mali Web", "homepage": "https://b.example.org/"},
        ],
    )
    schedule = write_sources(
        work / "schedule.yaml",
        [
            {
                "id": "sched",
                "name": "S",
                "homepage": "https://s.example.org/",
                "lines": "schedule: every hour",
            }
        ],
    )
    selector = write_sources(
        work / "selector.yaml",
        [
            {
                "id": "sel",
                "name": "S",
                "homepage": "https://s.example.org/",
                "lines": "selectors: {body: 'div[[['}",
            }
        ],
    )
    garbage = work / "garbage.yaml"
    garbage.write_bytes(bytes(random.Random(3).getrandbits(8) for _ in range(5000)))
    aliases = work / "aliases.yaml"
    aliases.write_text(
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}" + f",*{chr(97 + i)}" * 8 + "]\n"
            for i in range(8)
        )
        + "sources: *i\n",
        encoding="utf-8",
    )
    extract = 60.0
    return [
        Case("baseline: kibaru --help (start-up)", ["--help"], "stored", 30.0, base_env),
        Case(
            "extract: one byte a second",
            ["extract", site.url("/drip")],
            "clean error",
            extract,
            allowed,
        ),
        Case(
            "extract: redirect loop",
            ["extract", site.url("/loop-a")],
            "clean error",
            extract,
            allowed,
        ),
        Case(
            "extract: 20 redirects",
            ["extract", site.url("/chain/0")],
            "clean error",
            extract,
            allowed,
        ),
        Case(
            "extract: 50 MB page", ["extract", site.url("/huge")], "clean error", extract, allowed
        ),
        Case(
            "extract: random bytes",
            ["extract", site.url("/garbage")],
            "clean error",
            extract,
            allowed,
        ),
        Case(
            "extract: 100,000 nested divs",
            ["extract", site.url("/nested")],
            "clean error",
            extract,
            allowed,
        ),
        Case("extract: article", ["extract", site.url("/good")], "stored", extract, allowed),
        Case(
            "extract: redirect to a forbidden host",
            ["extract", site.url("/away")],
            "refused",
            extract,
            allowed,
        ),
        Case(
            "extract: loopback nobody allowed",
            ["extract", site.url("/good")],
            "refused",
            extract,
            base_env,
        ),
        Case(
            "extract: source lives there",
            ["extract", site.url("/good"), "--sources", str(hostile)],
            "stored",
            extract,
            base_env,
        ),
        Case(
            "sources check: hostile site",
            ["sources", "check", "hostile", "--sources", str(hostile)],
            "stored",
            120.0,
            base_env,
        ),
        Case(
            "crawl: hostile site",
            ["crawl", "hostile", "--sources", str(hostile)],
            "stored",
            180.0,
            base_env,
        ),
        Case(
            "crawl: nothing resolves",
            ["crawl", "dead", "--sources", str(hostile)],
            "clean error",
            60.0,
            base_env,
        ),
        Case(
            "sources: two entries, one id",
            ["sources", "--sources", str(duplicate)],
            "clean error",
            30.0,
            base_env,
        ),
        Case(
            "sources: schedule not cron",
            ["sources", "--sources", str(schedule)],
            "clean error",
            30.0,
            base_env,
        ),
        Case(
            "sources: selector not CSS",
            ["sources", "--sources", str(selector)],
            "clean error",
            30.0,
            base_env,
        ),
        Case(
            "sources: random bytes",
            ["sources", "--sources", str(garbage)],
            "clean error",
            30.0,
            base_env,
        ),
        Case(
            "sources: YAML alias bomb",
            ["sources", "--sources", str(aliases)],
            "clean error",
            30.0,
            base_env,
        ),
        Case(
            "sources: a directory",
            ["crawl", "--all", "--sources", str(work)],
            "clean error",
            30.0,
            base_env,
        ),
        Case(
            "export: onto a directory", ["export", "-o", str(work)], "clean error", 30.0, base_env
        ),
        Case(
            "export: missing directory",
            ["export", "-o", str(work / "no" / "x.csv"), "-f", "csv"],
            "clean error",
            30.0,
            base_env,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()
    forbidden, site = Site(FORBIDDEN_HOST), Site(SITE_HOST)
    site.routes.update(hostile_routes(site, forbidden))
    results = []
    with tempfile.TemporaryDirectory(prefix="kibaru-hostile-") as tmp:
        work = Path(tmp)
        for case in cases(site, work):
            if args.only and args.only not in case.name:
                continue
            result = run_case(case, work)
            results.append(result)
            print(
                f"  {case.name}: {result.outcome} in {result.seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    width = max(len(r.case.name) for r in results)
    print(f"| {'case':<{width}} | outcome | expected | seconds | bound | ok | first line |")
    print(f"|{'-' * (width + 2)}|---|---|---|---|---|---|")
    failures = 0
    for r in results:
        ok = r.outcome == r.case.expected and r.seconds <= r.case.bound
        failures += not ok
        detail = r.detail.replace("|", "\\|")
        print(
            f"| {r.case.name:<{width}} | {r.outcome} | {r.case.expected} | {r.seconds:.1f} | "
            f"{r.case.bound:.0f} | {'yes' if ok else 'NO'} | {detail} |"
        )
    print(f"\nrequests that reached {FORBIDDEN_HOST} (must be none): {forbidden.requests}")
    print(
        f"fetch deadline KIBARU_FETCH_TIMEOUT={FETCH_TIMEOUT} s; {failures} case(s) not as expected"
    )
    return 1 if failures or forbidden.requests else 0


if __name__ == "__main__":
    sys.exit(main())
