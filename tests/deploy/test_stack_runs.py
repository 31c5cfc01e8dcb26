"""The whole stack, each service's own command run here as a process, with real Redis and
PostgreSQL: what ``docker compose up`` and the README's operator commands do.

One stack per module: ``migrate`` runs once, then the ``worker``, ``crawler`` and ``beat``
services start with their compose commands and environment (hosts mapped to 127.0.0.1,
mounts to directories of the test). Two fake outlets on loopback addresses stand in for the
news sites; the operator's ``config/sources.yaml`` points the built-in ``aps`` at the first
(so that the README's ``crawl aps`` runs verbatim) and adds ``beat-check``, scheduled every
minute, on the second. Every other source gets a default schedule that never fires here.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.parquet as pq
import pytest
import yaml

from storage.db import head_revision
from tests.conftest import create_pg_database, drop_pg_database, real_redis
from tests.crawler.outlets import FakeOutlet, article_html, rss
from tests.deploy.compose_model import compose
from tests.deploy.local_stack import LocalStack
from tests.deploy.readme_ops import container_shell, operator_command, operator_commands
from tests.services import suite_redis_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

APS_PATHS = ["/actualites/2025/02/un.html", "/actualites/2025/02/deux.html",
             "/actualites/2025/02/trois.html"]
BEAT_PATHS = ["/2025/02/planifie-a.html", "/2025/02/planifie-b.html"]
DATE = "Thu, 06 Feb 2025 10:00:00 +0000"
# The beat fires at the next minute boundary; allow for a crawl after it.
BEAT_WAIT_SECONDS = 120


@dataclass
class Stack:
    local: LocalStack
    aps: FakeOutlet
    beat_site: FakeOutlet
    crawl: subprocess.CompletedProcess[str]

    @property
    def aps_urls(self) -> set[str]:
        return {self.aps.url(path) for path in APS_PATHS}

    @property
    def beat_urls(self) -> set[str]:
        return {self.beat_site.url(path) for path in BEAT_PATHS}

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.local.database_url.replace("+psycopg", "")) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def _outlet(host: str, paths: list[str]) -> FakeOutlet:
    outlet = FakeOutlet(host).start()
    for path in paths:
        outlet.add(path, article_html(f"{host}{path}").encode())
    outlet.add("/feed.xml", rss([(outlet.url(p), DATE) for p in paths]),
               Content_Type="application/rss+xml")
    outlet.add("/", b"<html><body><h1>Accueil</h1></body></html>")
    outlet.add("/robots.txt", b"User-agent: *\nAllow: /\n", Content_Type="text/plain")
    return outlet


def _write_operator_sources(config_dir: Path, aps: FakeOutlet, beat_site: FakeOutlet) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    sources = {
        "sources": [
            {"id": "aps", "homepage": aps.url("/"), "feeds": [aps.url("/feed.xml")]},
            {
                "id": "beat-check",
                "name": "Planifié Test",
                "country": "SN",
                "language": "fr",
                "homepage": beat_site.url("/"),
                "feeds": [beat_site.url("/feed.xml")],
                "schedule": "* * * * *",
            },
        ]
    }
    (config_dir / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack")
    aps = _outlet("127.0.0.61", APS_PATHS)
    beat_site = _outlet("127.0.0.62", BEAT_PATHS)
    database_url = create_pg_database()
    redis_url = suite_redis_url(14)
    client = real_redis(redis_url, flush=True)
    local = LocalStack(
        root=root,
        database_url=database_url,
        redis_url=redis_url,
        # What the README tells operators to put in .env, plus a default schedule that
        # does not fire during the test (the built-in sources are real sites).
        operator_env={
            "KIBARU_SOURCES": "/etc/kibaru/sources.yaml",
            "KIBARU_DEFAULT_SCHEDULE": "0 0 1 1 *",
        },
    )
    _write_operator_sources(local.mounts("kibaru")["/etc/kibaru"], aps, beat_site)
    try:
        migrated = local.run("migrate")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        for service in ("worker", "crawler", "beat"):
            local.start(service)
        local.wait_healthy("worker")
        local.wait_healthy("crawler")
        crawl = local.run("kibaru", operator_command("crawl"), timeout=180)
        yield Stack(local, aps, beat_site, crawl)
    finally:
        local.stop_all()
        client.flushdb()
        client.close()
        aps.stop()
        beat_site.stop()
        drop_pg_database(database_url)


def _logs(stack: Stack) -> str:
    return "\n".join(f"--- {s.service}\n{s.output()}" for s in stack.local.started)


def test_the_operator_crawl_is_processed_by_the_worker_and_stored(stack: Stack) -> None:
    assert stack.crawl.returncode == 0, stack.crawl.stdout + stack.crawl.stderr + _logs(stack)
    stored = {url for (url,) in stack.query("SELECT url FROM articles WHERE source = 'aps'")}
    assert stored == stack.aps_urls, _logs(stack)
    # The crawl went through the broker: the pages were processed by the worker service.
    (status,) = stack.query(
        "SELECT status FROM crawl_runs WHERE trigger <> 'beat' ORDER BY id LIMIT 1"
    )[0]
    assert status == "succeeded"
    worker_log = next(s for s in stack.local.started if s.service == "worker").output()
    assert "kibaru.process_page" in worker_log, worker_log


def test_the_migrate_service_left_the_schema_at_the_newest_revision(stack: Stack) -> None:
    (revision,) = stack.query("SELECT version_num FROM alembic_version")[0]
    assert revision == head_revision()


def test_the_worker_healthcheck_answers(stack: Stack) -> None:
    test = compose()["services"]["worker"]["healthcheck"]["test"]
    result = stack.local.shell("worker", test[1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pong" in result.stdout.lower()


def test_the_operator_sources_file_is_read_through_the_mount(stack: Stack) -> None:
    listed = stack.local.run("kibaru", operator_command("sources"))
    assert listed.returncode == 0, listed.stderr
    assert "beat-check" in listed.stdout


def test_runs_and_status_show_the_crawl(stack: Stack) -> None:
    runs = stack.local.run("kibaru", operator_command("runs"))
    assert runs.returncode == 0, runs.stderr
    assert "aps" in runs.stdout
    status = stack.local.run("kibaru", operator_command("status"))
    assert status.returncode == 0, status.stderr
    assert "aps" in status.stdout


def test_export_writes_the_stored_articles_to_the_data_mount(stack: Stack) -> None:
    data_dir = stack.local.mounts("kibaru")["/data"]
    jsonl = stack.local.run("kibaru", operator_command("export", containing="/data/articles.jsonl"))
    assert jsonl.returncode == 0, jsonl.stderr
    records = [
        json.loads(line)
        for line in (data_dir / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    urls = {record["url"] for record in records}
    # The scheduled crawl may have stored its articles too by now; nothing else may be there.
    assert stack.aps_urls <= urls <= stack.aps_urls | stack.beat_urls
    assert all(record["title"] and record["text"] for record in records)
    parquet = stack.local.run("kibaru", operator_command("export", containing="parquet"))
    assert parquet.returncode == 0, parquet.stderr
    table = pq.read_table(data_dir / "articles.parquet")
    assert stack.aps_urls <= set(table.column("url").to_pylist())


def test_every_operator_command_of_the_readme_runs(stack: Stack) -> None:
    """The README's operator commands, all of them, as written (crawl ran in the fixture)."""
    for command in operator_commands():
        if command[0] == "crawl":
            continue
        result = stack.local.run("kibaru", command)
        assert result.returncode == 0, f"kibaru {' '.join(command)}: {result.stderr}"


def test_backup_and_restore_commands_round_trip_the_database(stack: Stack, tmp_path: Path) -> None:
    """The README's pg_dump and psql scripts, run as `docker compose exec postgres` would
    (POSTGRES_USER/POSTGRES_DB of the container), restore into a fresh database."""
    source_db = stack.local.database_url.rsplit("/", 1)[1]
    dump = subprocess.run(
        ["sh", "-c", container_shell("postgres", "pg_dump")],
        env={
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": source_db,
            "PGHOST": "127.0.0.1",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        check=False,
    )
    assert dump.returncode == 0, dump.stderr
    backup = tmp_path / "kibaru.sql.gz"
    backup.write_bytes(gzip.compress(dump.stdout))
    target_url = create_pg_database()
    try:
        restore = subprocess.run(
            ["sh", "-c", container_shell("postgres", "psql")],
            input=gzip.decompress(backup.read_bytes()),
            env={
                "POSTGRES_USER": "postgres",
                "POSTGRES_DB": target_url.rsplit("/", 1)[1],
                "PGHOST": "127.0.0.1",
                "PATH": "/usr/bin:/bin",
            },
            capture_output=True,
            check=False,
        )
        assert restore.returncode == 0, restore.stderr
        with psycopg.connect(target_url.replace("+psycopg", "")) as conn:
            restored = {row[0] for row in conn.execute("SELECT url FROM articles").fetchall()}
            (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone() or ()
        assert stack.aps_urls <= restored
        assert revision == head_revision()
    finally:
        drop_pg_database(target_url)


def test_beat_enqueues_the_scheduled_crawl_that_the_crawler_runs(stack: Stack) -> None:
    deadline = time.monotonic() + BEAT_WAIT_SECONDS
    while time.monotonic() < deadline:
        rows = stack.query(
            "SELECT status FROM crawl_runs WHERE trigger = 'beat' AND status = 'succeeded'"
        )
        if rows:
            break
        time.sleep(2)
    else:
        pytest.fail(f"no scheduled crawl completed in {BEAT_WAIT_SECONDS}s\n{_logs(stack)}")
    stored = {url for (url,) in stack.query("SELECT url FROM articles WHERE source = 'beat-check'")}
    assert stored == stack.beat_urls
    schedule_dir = stack.local.mounts("beat")["/var/lib/kibaru"]
    assert any(schedule_dir.glob("celerybeat-schedule*")), "beat keeps its state on its volume"
