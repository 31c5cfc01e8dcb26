"""Export rate: `kibaru export` (JSONL) over 100,000 articles in SQLite.

Prints rows/s and peak memory for kibaru's streamed export, and, in the same run, for a
baseline that reads the same table with the bare sqlite3 module and json.dumps each row.

    .venv/bin/python benchmarks/export_bench.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from storage.db import open_store
from storage.models import Article
from storage.record import article_id_for

PARAGRAPH = (
    "Le ministre malien de la Défense a accueilli son homologue sénégalais pour une rencontre "
    "bilatérale de deux jours à Bamako, afin de renforcer la coopération sécuritaire. "
) * 6


def fill(url: str, rows: int) -> None:
    store = open_store(url)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    batch = []
    with store.engine.begin() as connection:
        for n in range(rows):
            canonical = f"https://www.example-{n % 60}.ml/article-{n}"
            batch.append(
                {
                    "id": article_id_for(canonical), "url": canonical, "canonical_url": canonical,
                    "source": f"source{n % 60}", "source_name": "Source", "country": "ML",
                    "title": f"Titre {n}", "text": f"{PARAGRAPH}\n\n{PARAGRAPH}",
                    "published_at": start + timedelta(minutes=n), "language": "fr",
                    "authors": ["Amen K."], "agencies": ["AMAP"], "byline": "Amen K.",
                    "cluster_id": article_id_for(canonical), "duplicate_of": None,
                    "content_hash": f"{n:064x}", "fetched_at": start,
                    "created_at": start, "updated_at": start,
                }
            )
            if len(batch) == 5000:
                connection.execute(Article.__table__.insert(), batch)
                batch = []
        if batch:
            connection.execute(Article.__table__.insert(), batch)
    store.dispose()


BASELINE = """
import json, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
out = open(sys.argv[2], "w")
for row in connection.execute("SELECT * FROM articles ORDER BY published_at, id"):
    out.write(json.dumps(row, ensure_ascii=False, default=str) + "\\n")
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{command} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "kibaru.db")
        url = f"sqlite:///{path}"
        started = time.perf_counter()
        fill(url, args.rows)
        print(f"filled {args.rows} rows in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "KIBARU_DATABASE_URL": url}
        out = os.path.join(tmp, "out.jsonl")
        base_s, base_mb = timed([sys.executable, "-c", BASELINE, path, out], env)
        kib_s, kib_mb = timed([sys.executable, "-m", "kibaru", "export", "-o", out], env)
        with open(out, encoding="utf-8") as exported:
            lines = sum(1 for _ in exported)
            assert lines == args.rows, lines
        with open(out, encoding="utf-8") as exported:
            first = json.loads(exported.readline())
        assert "cluster_id" in first
        print(f"{'':32}{'rows/s':>10}{'seconds':>10}{'peak RSS MB':>14}")
        for label, seconds, megabytes in (
            ("kibaru export (jsonl)", kib_s, kib_mb),
            ("baseline sqlite3 + json", base_s, base_mb),
        ):
            print(f"{label:32}{args.rows / seconds:>10.0f}{seconds:>10.2f}{megabytes:>14.0f}")
        print(f"ratio kibaru/baseline rate: {base_s / kib_s:.2f}")
        print(f"output: {os.path.getsize(out) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
