"""Real processes for the worker tests: Celery workers, crawls, a TCP proxy.

Every process is started in its own session and stopped by its own id (process group), never
by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

KIBARU = str(Path(sys.executable).with_name("kibaru"))
REPO = Path(__file__).resolve().parents[2]

# Fast, impolite crawling of the local test sites; short timeouts so that faults heal quickly.
TEST_ENVIRONMENT = {
    "KIBARU_DOWNLOAD_DELAY": "0",
    "KIBARU_AUTOTHROTTLE": "false",
    "KIBARU_CONCURRENCY_PER_DOMAIN": "8",
    "KIBARU_VISIBILITY_TIMEOUT": "8",
    "KIBARU_TASK_TIME_LIMIT": "6",
    "KIBARU_RETRY_BACKOFF_MAX": "2",
    "KIBARU_LOG_LEVEL": "WARNING",
    # Only the local test sites: the built-in registry names real outlets on the internet,
    # which `crawl --all` would try to reach.
    "KIBARU_BUILTIN_SOURCES": "false",
}


def environment(**variables: str | None) -> dict[str, str]:
    """This environment without any KIBARU_* of the caller, plus the test ones and ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")}
    env.update(TEST_ENVIRONMENT)
    for name, value in variables.items():
        if value is not None:
            env[name] = value
    return env


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Worker:
    """A ``kibaru worker`` process (a Celery prefork worker and its children)."""

    def __init__(
        self, env: Mapping[str, str], log_path: Path, *, queues: str = "process",
        concurrency: int = 2, name: str = "w1",
    ) -> None:
        self.log_path = log_path
        self.concurrency = concurrency
        self.log = log_path.open("ab")
        # The log may hold an earlier worker's lines (a benchmark's rounds share a file name):
        # only what this worker writes counts.
        self.log_start = self.log.tell()
        self.process = subprocess.Popen(
            [KIBARU, "worker", "--queues", queues, "--concurrency", str(concurrency),
             "--hostname", f"{name}@%h", "--loglevel", "INFO"],
            env=dict(env), stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> Worker:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.output()[-3000:]}")
            return " ready." in self.output()

        wait_until(ready, timeout, "the worker to be ready")
        return self

    def wait_warm(self, timeout: float = 120) -> Worker:
        """Wait until each pool process has run its warm-up (``workers.warmup``): Celery
        says "ready" once it consumes, while its pool processes may still be warming up."""
        self.wait_ready(timeout)
        wait_until(
            lambda: self.output().count(" warmed up in ") >= self.concurrency,
            timeout,
            "the worker's pool processes to warm up",
        )
        return self

    def output(self) -> str:
        """What this worker has written to its log so far."""
        with self.log_path.open("rb") as log:
            log.seek(self.log_start)
            return log.read().decode("utf-8", "replace")

    def kill(self) -> None:
        """SIGKILL the worker and every process of its group: no chance to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


def start_crawl(
    env: Mapping[str, str], sources_file: Path, log_path: Path, *extra: str
) -> subprocess.Popen[bytes]:
    """``kibaru crawl --all --sources FILE`` in the background."""
    log = log_path.open("ab")
    return subprocess.Popen(
        [KIBARU, "crawl", "--all", "--sources", str(sources_file), *extra],
        env=dict(env), stdout=log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True,
    )


def run_kibaru(env: Mapping[str, str], *args: str, timeout: float = 120) -> str:
    """Run a kibaru command to completion; its output, or AssertionError with it."""
    done = subprocess.run(
        [KIBARU, *args], env=dict(env), capture_output=True, text=True, timeout=timeout, cwd=REPO
    )
    if done.returncode != 0:
        raise AssertionError(
            f"kibaru {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


class TcpProxy:
    """A TCP forwarder to ``target`` that the test can cut (every connection dropped, new ones
    refused at once) and restore, to make a server unreachable without stopping it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def cut(self) -> None:
        self.open = False
        with self.lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self.connections.clear()

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.cut()
        self.listener.close()
