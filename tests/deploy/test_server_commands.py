"""The commands of redis, postgres and migrate, run here as compose runs them.

* redis: the compose ``command:`` (append-only) on a private port and data directory: its
  healthcheck answers, and a key written before a restart is there after it;
* postgres: the healthcheck (``pg_isready`` with the container's variables) passes against
  this machine's server and fails where no server listens;
* migrate: ``kibaru db upgrade`` with the compose environment brings a fresh PostgreSQL
  database to the newest revision, and running it again is harmless.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from storage.db import head_revision
from tests.conftest import fresh_pg_database
from tests.deploy.compose_model import compose
from tests.deploy.local_stack import LocalStack
from tests.services import free_port, suite_redis_url

pytestmark = [pytest.mark.slow]



def _start_redis(command: list[str], port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    assert shutil.which(command[0]), f"{command[0]} is not installed on this machine"
    # The compose command, then where it listens and keeps its files here (in the container:
    # the default port, and /data on the redis-data volume).
    process = subprocess.Popen(
        [
            *command,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data_dir),
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process


def _redis_healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    test = compose()["services"]["redis"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    return subprocess.run(
        [*test[1:2], "-p", str(port), *test[2:]], capture_output=True, text=True, check=False
    )


def _wait_redis(port: int) -> None:
    deadline = time.monotonic() + 20
    while _redis_healthcheck(port).stdout.strip() != "PONG":
        assert time.monotonic() < deadline, "redis-server with the compose command never answered"
        time.sleep(0.1)


@pytest.mark.redis
def test_redis_command_persists_appends_across_a_restart(tmp_path: Path) -> None:
    command = compose()["services"]["redis"]["command"]
    port = free_port()
    server = _start_redis(command, port, tmp_path)
    try:
        _wait_redis(port)
        cli = ["redis-cli", "-p", str(port)]
        subprocess.run([*cli, "SET", "kibaru:probe", "kept"], check=True, capture_output=True)
        policy = subprocess.run(
            [*cli, "CONFIG", "GET", "maxmemory-policy"], capture_output=True, text=True, check=True
        ).stdout.split()
        assert policy[-1] == "noeviction"
        # No RDB snapshot (--save ""), no SAVE: only the append-only file can keep the key.
        subprocess.run([*cli, "SHUTDOWN", "NOSAVE"], check=False, capture_output=True)
        server.wait(timeout=20)
        assert not (tmp_path / "dump.rdb").exists()
        server = _start_redis(command, port, tmp_path)
        _wait_redis(port)
        kept = subprocess.run(
            [*cli, "GET", "kibaru:probe"], capture_output=True, text=True, check=True
        )
        assert kept.stdout.strip() == "kept"
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.postgres
def test_postgres_healthcheck_passes_on_a_live_server_and_fails_without_one() -> None:
    test = compose()["services"]["postgres"]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    # In the container the variables are the POSTGRES_* of the service; here, the machine's.
    env = {"POSTGRES_USER": "postgres", "POSTGRES_DB": "test", "PGHOST": "127.0.0.1"}
    env["PATH"] = os.environ["PATH"]
    live = subprocess.run(["sh", "-c", test[1]], env=env, capture_output=True, check=False)
    assert live.returncode == 0, live.stdout + live.stderr
    down = env | {"PGPORT": str(free_port()), "PGCONNECT_TIMEOUT": "2"}
    dead = subprocess.run(["sh", "-c", test[1]], env=down, capture_output=True, check=False)
    assert dead.returncode != 0


@pytest.fixture
def fresh_database() -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


@pytest.mark.postgres
def test_migrate_upgrades_a_fresh_database_and_is_safe_to_rerun(
    tmp_path: Path, fresh_database: str
) -> None:
    stack = LocalStack(root=tmp_path, database_url=fresh_database, redis_url=suite_redis_url(14))
    first = stack.run("migrate", timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    with psycopg.connect(fresh_database.replace("+psycopg", "")) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone() or (None,)
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
    assert revision == head_revision()
    assert {"articles", "crawl_runs"} <= tables
    again = stack.run("migrate", timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert revision in again.stdout
