"""The compose ``web`` service's command and healthcheck, run here as compose runs them:
with the container's environment (PostgreSQL and Redis mapped to this machine's) the
console starts on every address with its token, its healthcheck passes, and the same
command without the token refuses to start with one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import create_pg_database, drop_pg_database
from tests.deploy.compose_model import (
    compose,
    container_environment,
    kibaru_argv,
    map_hosts_to_this_machine,
)
from tests.services import free_port, suite_redis_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
CONTAINER_PORT = "8000"


def _on_port(words: list[str], port: int) -> list[str]:
    return [word.replace(CONTAINER_PORT, str(port)) for word in words]


def _environment(database_url: str) -> dict[str, str]:
    env = map_hosts_to_this_machine(
        container_environment("web"), database_url=database_url, redis_url=suite_redis_url(12)
    )
    env = {key: value for key, value in env.items() if key.startswith("KIBARU_")}
    env.pop("KIBARU_SOURCES", None)
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}


def _healthcheck(port: int) -> int:
    test = compose()["services"]["web"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"]
    return subprocess.run([sys.executable, *_on_port(test[2:], port)], capture_output=True,
                          timeout=30, check=False).returncode


def test_the_web_service_starts_with_its_token_and_passes_its_healthcheck(
    tmp_path: Path,
) -> None:
    database_url = create_pg_database()
    port = free_port()
    env = _environment(database_url)
    assert env["KIBARU_WEB_TOKEN"]
    log = tmp_path / "web.log"
    with log.open("wb") as output:
        process = subprocess.Popen(_on_port(kibaru_argv("web"), port), env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while _healthcheck(port) != 0:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"healthcheck never passed:\n{log.read_text()}"
            time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(timeout=20)
        drop_pg_database(database_url)
    assert _healthcheck(port) != 0, "the healthcheck passes with no console running"


def test_the_web_service_without_its_token_refuses_to_start() -> None:
    # Refused before the store is opened: no database is needed.
    env = _environment("postgresql+psycopg://127.0.0.1:9/unused")
    del env["KIBARU_WEB_TOKEN"]
    done = subprocess.run(_on_port(kibaru_argv("web"), free_port()), env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error:") and len(done.stderr.strip().splitlines()) == 1
    assert "KIBARU_WEB_TOKEN" in done.stderr
