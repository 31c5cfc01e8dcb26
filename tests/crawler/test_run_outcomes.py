"""What a run says about itself: `kibaru crawl`, `kibaru runs show` and `kibaru status` in
subprocesses, against outlets on loopback addresses and hosts that do not resolve."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.crawler.crawling import REPO, crawl_env
from tests.crawler.outlets import FakeOutlet, article_html

KIBARU = str(REPO / ".venv" / "bin" / "kibaru")


def kibaru(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KIBARU, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def sources_file(path: Path, entries: list[dict[str, Any]]) -> Path:
    lines = ["sources:"]
    for entry in entries:
        lines += [
            f"  - id: {entry['id']}",
            f'    name: "{entry["id"]}"',
            "    country: SN",
            "    language: fr",
            f"    homepage: {entry['homepage']}",
        ]
        for key in ("feeds", "sitemaps"):
            if key in entry:
                lines.append(f"    {key}: {json.dumps(entry[key])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sitemap(urls: list[str]) -> bytes:
    items = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'
    ).encode()


@pytest.fixture
def outlet() -> Iterator[FakeOutlet]:
    site = FakeOutlet("127.0.0.86").start()
    site.add("/2025/02/good.html", article_html("good-one").encode())
    site.add("/2025/02/loop-a.html", b"", status=301, Location="{base}/2025/02/loop-b.html")
    site.add("/2025/02/loop-b.html", b"", status=301, Location="{base}/2025/02/loop-a.html")
    site.add("/2025/02/self.html", b"", status=302, Location="/2025/02/self.html")
    site.add(
        "/sitemap.xml",
        sitemap([site.url(f"/2025/02/{name}.html") for name in ("good", "loop-a", "self")]),
        Content_Type="application/xml",
    )
    yield site
    site.stop()


def env_for(tmp_path: Path) -> dict[str, str]:
    return crawl_env(f"sqlite:///{tmp_path}/k.db", KIBARU_BUILTIN_SOURCES="false")


def test_a_run_in_which_no_request_was_answered_has_failed(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    path = sources_file(
        tmp_path / "s.yaml",
        [
            {"id": "dead-one", "homepage": "http://dead-one.invalid/"},
            {
                "id": "dead-two",
                "homepage": "http://dead-two.invalid/",
                "feeds": ["http://dead-two.invalid/feed"],
            },
        ],
    )
    done = kibaru("crawl", "--all", "--sources", str(path), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "no request was answered" in done.stderr and "dns" in done.stderr

    shown = json.loads(kibaru("runs", "show", "1", "--json", env=env).stdout)
    assert shown["status"] == "failed"
    assert "dns" in shown["error"]

    status = json.loads(kibaru("status", "--json", env=env).stdout)
    by_source = {item["source"]: item for item in status["sources"]}
    for source in ("dead-one", "dead-two"):
        assert by_source[source]["last_run_status"] == "failed"
        assert "dns" in by_source[source]["last_error"]
        assert by_source[source]["needs_attention"] is True


def test_a_dead_source_beside_a_live_one_shows_its_own_error(
    outlet: FakeOutlet, tmp_path: Path
) -> None:
    env = env_for(tmp_path)
    path = sources_file(
        tmp_path / "s.yaml",
        [
            {"id": "live", "homepage": outlet.url("/"), "sitemaps": [outlet.url("/sitemap.xml")]},
            {"id": "dead", "homepage": "http://dead.invalid/", "feeds": ["http://dead.invalid/f"]},
        ],
    )
    done = kibaru("crawl", "--all", "--sources", str(path), env=env)
    assert done.returncode == 0, done.stdout + done.stderr

    status = json.loads(kibaru("status", "--json", env=env).stdout)
    by_source = {item["source"]: item for item in status["sources"]}
    assert by_source["dead"]["last_error"] == "fetch errors: dns 1"
    assert by_source["dead"]["needs_attention"] is True
    assert "dead" in status["attention"] and "live" not in status["attention"]


def test_redirect_loops_in_a_sitemap_are_counted(outlet: FakeOutlet, tmp_path: Path) -> None:
    env = env_for(tmp_path)
    path = sources_file(
        tmp_path / "s.yaml",
        [
            {"id": "loops", "homepage": outlet.url("/"), "sitemaps": [outlet.url("/sitemap.xml")]},
        ],
    )
    done = kibaru("crawl", "loops", "--sources", str(path), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = json.loads(kibaru("runs", "show", "1", "--json", env=env).stdout)["counts"]
    assert counts["errors_by_kind"].get("redirect_loop") == 2, counts["errors_by_kind"]
    assert counts["articles"] == 1
    assert sorted(counts["error_samples"]["redirect_loop"]) == [
        outlet.url("/2025/02/loop-b.html"),
        outlet.url("/2025/02/self.html"),
    ]


def test_a_robots_txt_redirecting_off_the_source_is_not_followed(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    home, elsewhere = FakeOutlet("127.0.0.87").start(), FakeOutlet("127.0.0.88").start()
    try:
        home.add("/robots.txt", b"", status=302, Location=elsewhere.url("/robots.txt"))
        home.add("/2025/02/good.html", article_html("robots-redirect").encode())
        home.add(
            "/sitemap.xml",
            sitemap([home.url("/2025/02/good.html")]),
            Content_Type="application/xml",
        )
        elsewhere.add("/robots.txt", b"User-agent: *\nAllow: /\n", Content_Type="text/plain")
        path = sources_file(
            tmp_path / "s.yaml",
            [{"id": "home", "homepage": home.url("/"), "sitemaps": [home.url("/sitemap.xml")]}],
        )
        done = kibaru("crawl", "home", "--sources", str(path), env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert elsewhere.requests == []
        assert home.hits("/2025/02/good.html") == 1
        counts = json.loads(kibaru("runs", "show", "1", "--json", env=env).stdout)["counts"]
        assert counts["errors_by_kind"].get("offsite") == 1
    finally:
        home.stop()
        elsewhere.stop()


STUBBED_CRAWL = """
import sys
from crawler import netguard
real = netguard._lookup
netguard._lookup = lambda host: {"outlet.test": ("127.0.0.89",)}.get(host) or real(host)
from crawler.run import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_crawl_connects_to_the_address_the_guard_checked(tmp_path: Path) -> None:
    # Only the guard's resolver knows outlet.test: the crawl reaches the outlet only if its
    # connections use the answer the guard checked (the system resolver has never heard of it).
    site = FakeOutlet("127.0.0.89").start()
    try:
        base = f"http://outlet.test:{site.port}"
        site.add("/2025/02/good.html", article_html("checked-address").encode())
        site.add(
            "/sitemap.xml", sitemap([base + "/2025/02/good.html"]), Content_Type="application/xml"
        )
        path = sources_file(
            tmp_path / "s.yaml",
            [{"id": "stubbed", "homepage": base + "/", "sitemaps": [base + "/sitemap.xml"]}],
        )
        done = subprocess.run(
            [
                str(REPO / ".venv" / "bin" / "python"),
                "-c",
                STUBBED_CRAWL,
                "stubbed",
                "--sources",
                str(path),
            ],
            cwd=REPO,
            env=env_for(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        assert summary["articles"] == 1, summary
        assert site.hits("/2025/02/good.html") == 1
    finally:
        site.stop()


def test_download_errors_are_counted_by_kind(tmp_path: Path) -> None:
    import socket
    import time

    def drip() -> Iterator[bytes]:
        yield b"<html><body>"
        for _ in range(60):
            time.sleep(1)
            yield b"x"

    site = FakeOutlet("127.0.0.90").start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.90", 0))
        closed = probe.getsockname()[1]  # nothing listens there once the probe is closed
    try:
        site.add("/2025/02/drip.html", drip)
        site.add(
            "/sitemap.xml",
            sitemap([site.url("/2025/02/drip.html"), f"http://127.0.0.90:{closed}/2025/02/x.html"]),
            Content_Type="application/xml",
        )
        path = sources_file(
            tmp_path / "s.yaml",
            [{"id": "errs", "homepage": site.url("/"), "sitemaps": [site.url("/sitemap.xml")]}],
        )
        env = {**env_for(tmp_path), "KIBARU_FETCH_TIMEOUT": "2"}
        done = kibaru("crawl", "errs", "--sources", str(path), env=env)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        counts = json.loads(kibaru("runs", "show", "1", "--json", env=env).stdout)["counts"]
        assert counts["errors_by_kind"] == {"connection_refused": 1, "timeout": 1}, counts
    finally:
        site.stop()
