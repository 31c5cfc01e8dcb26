"""The test suite's own servers: a redis-server on a free port, started once per test process.

The tests never touch the Redis that answers on this machine's default port: an operator may
run the suite beside a live stack, and flushing its databases would lose their queued pages
and locks. Every Redis URL a test uses comes from :func:`suite_redis_url`, which points at a
server this test process started itself and stops when the process ends.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server of our own on 127.0.0.1.

    ``append_only`` gives it the persistence of docker-compose (for tests that restart it and
    expect the data back); otherwise nothing is written to disk.
    """

    def __init__(self, port: int, directory: Path, *, append_only: bool = False) -> None:
        if shutil.which("redis-server") is None:
            raise AssertionError("redis-server is not installed; install the redis-server package")
        self.port = port
        self.directory = directory
        self.append_only = append_only
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.url_of(0)

    def url_of(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        persistence = ["--appendonly", "no"]
        if self.append_only:
            persistence = ["--appendonly", "yes", "--appendfsync", "always"]
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", *persistence,
             "--save", "", "--dir", str(self.directory), "--databases", "16"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (SIGTERM: an append-only one finishes writing its file first)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
        self.process = None


_suite_redis: RedisServer | None = None


def suite_redis_url(db: int) -> str:
    """URL of database ``db`` of this test process's own redis-server (started on first use)."""
    global _suite_redis
    if _suite_redis is None or not _suite_redis.answers():
        directory = Path(tempfile.mkdtemp(prefix="kibaru-test-redis-"))
        _suite_redis = RedisServer(free_port(), directory).start()
        atexit.register(_suite_redis.stop)
    return _suite_redis.url_of(db)
