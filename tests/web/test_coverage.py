"""The coverage monitor: a site whose template loses its bylines between two real crawls is
flagged, in ``kibaru coverage``, ``kibaru status`` and the console, and a local webhook gets
exactly one alert; a webhook that fails first gets the alert on a retry."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from kibaru.settings import Settings
from storage.coverage import coverage_report
from storage.db import open_store
from storage.models import CoverageFlag
from storage.repository import upsert_article
from tests.crawler.crawling import REPO, run_crawl_process
from tests.crawler.outlets import FakeOutlet, article_html, urlset
from tests.web.console import running_console, web_env
from tests.web.receiver import Receiver
from workers.coverage_job import check_coverage

BYLINE = '<p class="author">Amen K.</p>'


def _publish(outlet: FakeOutlet, numbers: range, *, with_byline: bool) -> None:
    """Articles ``numbers`` on the outlet, listed (with every earlier one) in its sitemap."""
    for number in numbers:
        page = article_html(f"cov{number}")
        if not with_byline:
            page = page.replace(BYLINE, "")
        outlet.add(f"/2025/02/cov-{number}.html", page.encode())
    listed = [outlet.url(f"/2025/02/cov-{n}.html") for n in range(numbers.stop)]
    outlet.add("/sitemap.xml", urlset(listed), Content_Type="application/xml")


def _kibaru(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kibaru", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_authors_vanishing_between_two_crawls_is_flagged_and_alerted_once(
    tmp_path: Path,
) -> None:
    outlet = FakeOutlet("127.0.0.81").start()
    outlet.add("/robots.txt", b"User-agent: *\nAllow: /\n", Content_Type="text/plain")
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": [
        {"id": "cov-site", "name": "Le Témoin Test", "country": "BF", "language": "fr",
         "homepage": outlet.url("/"), "sitemaps": [outlet.url("/sitemap.xml")]},
    ]}), encoding="utf-8")
    receiver = Receiver()
    database_url = f"sqlite:///{tmp_path}/kibaru.db"
    env = web_env(database_url, KIBARU_ALERT_WEBHOOK=receiver.url,
                  KIBARU_SOURCES=str(sources_file), KIBARU_BUILTIN_SOURCES="false")
    try:
        _publish(outlet, range(0, 6), with_byline=True)
        assert run_crawl_process(sources_file, database_url)["status"] == "succeeded"
        first = _kibaru(env, "coverage", "--json")
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout)["sources"]["cov-site"]["recent"]["authors"] == 1.0
        assert receiver.attempts == 0

        # The outlet's new template drops the byline: the next crawl's articles have none.
        _publish(outlet, range(6, 12), with_byline=False)
        assert run_crawl_process(sources_file, database_url)["status"] == "succeeded"
        second = _kibaru(env, "coverage", "--json")
        assert second.returncode == 1, second.stderr
        report = json.loads(second.stdout)
        assert report["opened"] == [["cov-site", "authors"]]
        assert report["sources"]["cov-site"]["recent"]["authors"] == 0.0
        assert report["sources"]["cov-site"]["baseline"]["authors"] == 1.0
        assert report["alerts_sent"] == 1
        assert len(receiver.received) == 1
        alert = receiver.received[0]
        assert alert["source"] == "cov-site" and alert["metric"] == "authors"
        assert "cov-site" in alert["text"] and "authors" in alert["text"]

        # The drop lasts: still flagged, never alerted twice.
        third = _kibaru(env, "coverage", "--json")
        assert third.returncode == 1
        assert json.loads(third.stdout)["opened"] == []
        assert json.loads(third.stdout)["open"] == [["cov-site", "authors"]]
        assert len(receiver.received) == 1 and receiver.attempts == 1

        status = _kibaru(env, "status", "--json")
        assert json.loads(status.stdout)["coverage_flags"] == [
            {"source": "cov-site", "metric": "authors"}
        ]
        with running_console(tmp_path, env) as console:
            _, page = console.get("/sources")
        assert '<span class="flag">authors</span>' in page
    finally:
        receiver.stop()
        outlet.stop()


def test_a_webhook_that_fails_first_gets_the_alert_on_a_retry(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    now = datetime.now(UTC)
    with store.session() as session:
        for number in range(4):
            upsert_article(session, {
                "url": f"https://example.org/a{number}", "source": "flaky", "title": "t",
                "text": "x", "authors": ["Awa Diop"], "language": "fr",
                "published_at": now - timedelta(hours=2), "fetched_at": now - timedelta(hours=2),
                "run_id": 1,
            })
        for number in range(4, 8):
            upsert_article(session, {
                "url": f"https://example.org/a{number}", "source": "flaky", "title": "t",
                "text": "x", "authors": [], "language": "fr",
                "published_at": now, "fetched_at": now, "run_id": 2,
            })
        report = coverage_report(session, now)
    assert report["flaky"].drops == ("authors",)
    receiver = Receiver(fail_first=1)
    settings = Settings(database_url=sqlite_url, alert_webhook=receiver.url)
    try:
        check = check_coverage(settings, store, now)
        assert (check.alerts_sent, check.alerts_failed) == (1, 0)
        assert receiver.attempts == 2 and len(receiver.received) == 1
        again = check_coverage(settings, store, now)
        assert again.alerts_sent == 0 and receiver.attempts == 2
        with store.session() as session:
            flag = session.query(CoverageFlag).one()
            assert flag.alerted_at is not None and flag.alert_attempts == 2
    finally:
        receiver.stop()
        store.dispose()
