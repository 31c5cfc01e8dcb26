"""The README's first command: ``make run`` is a bounded first crawl (recent articles, a few per
source) that ends by saying where the articles are and how to look at them.

The crawl runs with the Makefile's own default arguments, on a fake outlet whose feed holds
more recent articles than the bound and some older ones; the export command that the summary
prints is then run as printed.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import yaml

from crawler.dates import parse_since
from tests.crawler.crawling import REPO, crawl_env
from tests.crawler.outlets import FakeOutlet, article_html, rss

KIBARU = str(REPO / ".venv" / "bin" / "kibaru")


def makefile_run_args() -> list[str]:
    """The arguments ``make run`` gives ``kibaru crawl`` when none are given."""
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^ARGS\s*\?=\s*(.*)$", text, flags=re.M)
    assert match, "the Makefile has no default ARGS for `make run`"
    assert re.search(r"^\t\$\(BIN\)/kibaru crawl \$\(ARGS\)$", text, flags=re.M)
    return shlex.split(match.group(1))


def option(args: list[str], name: str) -> str:
    assert name in args, f"`make run` must bound the first crawl with {name}: {args}"
    return args[args.index(name) + 1]


def test_make_run_is_a_bounded_first_look_that_says_where_the_articles_are(
    tmp_path: Path,
) -> None:
    args = makefile_run_args()
    limit = int(option(args, "--limit"))
    since = parse_since(option(args, "--since"))
    assert "--all" in args and 1 <= limit <= 10
    assert timedelta(days=1) <= datetime.now(UTC) - since <= timedelta(days=31)

    now = datetime.now(UTC)
    outlet = FakeOutlet("127.0.0.41").start()
    try:
        recent, old = [], []
        for n in range(limit + 3):  # more recent articles than the bound, newest first
            published = now - timedelta(hours=2 + 6 * n)
            path = f"/recent/{n}.html"
            outlet.add(path, article_html(f"recent-{n}", date=published.isoformat()).encode())
            recent.append((outlet.url(path), format_datetime(published)))
        for n in range(3):  # older than --since
            published = since - timedelta(days=2 + n)
            path = f"/old/{n}.html"
            outlet.add(path, article_html(f"old-{n}", date=published.isoformat()).encode())
            old.append((outlet.url(path), format_datetime(published)))
        outlet.add("/feed.xml", rss([*old, *recent]), Content_Type="application/rss+xml")
        sources = tmp_path / "sources.yaml"
        source: dict[str, object] = {
            "id": "t-first",
            "name": "Test first look",
            "country": "SN",
            "language": "fr",
        }
        source.update(homepage=outlet.url("/"), feeds=[outlet.url("/feed.xml")])
        sources.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
        env = crawl_env(f"sqlite:///{tmp_path / 'kibaru.db'}", KIBARU_BUILTIN_SOURCES="false")
        done = subprocess.run(
            [KIBARU, "crawl", *args, "--sources", str(sources)],
            cwd=tmp_path,
            env={**env, "COLUMNS": "250"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        fetched = {
            path for path in (f"/recent/{n}.html" for n in range(limit + 3)) if outlet.hits(path)
        }
        old_hits = sum(outlet.hits(f"/old/{n}.html") for n in range(3))
    finally:
        outlet.stop()
    assert done.returncode == 0, done.stderr[-4000:]
    assert fetched == {f"/recent/{n}.html" for n in range(limit)}
    assert old_hits == 0

    summary = done.stdout
    assert f"articles are in the SQLite file {tmp_path / 'kibaru.db'}" in summary
    export_line = next(line for line in summary.splitlines() if "kibaru export" in line)
    export = shlex.split(export_line, comments=True)
    assert export[0] == "kibaru"
    exported = subprocess.run(
        [KIBARU, *export[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert exported.returncode == 0, exported.stderr
    output = tmp_path / export[export.index("-o") + 1]
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(record["url"] for record in records) == sorted(
        outlet.url(f"/recent/{n}.html") for n in range(limit)
    )
    assert re.search(r"kibaru runs show \d+", summary)
