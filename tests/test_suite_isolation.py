"""The test suite keeps off the machine's own Redis: an operator may run it beside a live stack."""

from __future__ import annotations

import re
from pathlib import Path

import redis

from tests.services import suite_redis_url

TESTS = Path(__file__).parent
# A URL or address of the Redis an operator runs on this machine (the default port on loopback).
OPERATOR_REDIS = re.compile(r"(127\.0\.0\.1|localhost|\[::1\]):6379\b|port=6379\b")


def test_no_test_addresses_the_machines_own_redis() -> None:
    offenders = [
        f"{path.relative_to(TESTS)}:{number}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OPERATOR_REDIS.search(line)
    ]
    listing = "\n".join(offenders)
    assert not offenders, f"tests must use tests.services.suite_redis_url():\n{listing}"


def test_the_suites_redis_is_its_own_server() -> None:
    url = suite_redis_url(3)
    assert ":6379/" not in url
    client = redis.Redis.from_url(url)
    try:
        client.set("kibaru-test:isolation", "1")
        # The server that answered is the one on the port the URL names, not the default one.
        info = client.info("server")
        assert int(info["tcp_port"]) == int(url.rsplit(":", 1)[1].split("/")[0])
        assert client.get("kibaru-test:isolation") == b"1"
    finally:
        client.delete("kibaru-test:isolation")
        client.close()
