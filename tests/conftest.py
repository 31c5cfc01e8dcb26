"""Fixtures shared by every test: real PostgreSQL, real Redis, and SQLite in a temp dir.

Tests that need PostgreSQL or Redis FAIL when the server cannot be reached: CI starts both,
and a silently skipped integration test would hide a broken pipeline.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import redis

from storage.db import Store, open_store
from tests.services import suite_redis_url

PG_ADMIN_URL = os.environ.get(
    "KIBARU_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_HOST_URL = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)


def _pg_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}); start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`",
            pytrace=False,
        )


def create_pg_database() -> str:
    """A new, empty PostgreSQL database; returns its SQLAlchemy URL."""
    name = f"kibaru_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_HOST_URL}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped on leaving."""
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/kibaru.db"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """Each test using it runs twice: on SQLite and on real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/kibaru.db"
        return
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An upgraded store on SQLite, then on PostgreSQL."""
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.dispose()


def real_redis(url: str, *, flush: bool = False) -> redis.Redis:
    """A client of the real Redis at ``url`` that answered a PING (its database emptied first
    when ``flush``); the test fails, never skips, when Redis cannot be reached."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.flushdb() if flush else client.ping()
    except redis.ConnectionError as exc:
        client.close()
        pytest.fail(
            f"the test suite's own Redis is not reachable at {url} ({exc}); "
            "is the redis-server package installed?",
            pytrace=False,
        )
    return client


def fresh_redis_db(url: str) -> str:
    """Empty the real Redis database at ``url``; return the URL."""
    real_redis(url, flush=True).close()
    return url


@pytest.fixture
def redis_url() -> str:
    """A real Redis database for the test (on the suite's own server), emptied first."""
    return fresh_redis_db(suite_redis_url(9))
