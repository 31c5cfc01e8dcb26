"""The compose services run as plain processes on this machine.

A :class:`LocalStack` gives each service the environment its container would get
(``.env.example`` + the operator's additions, through ``env_file`` and ``environment:``),
with the hosts ``redis``/``postgres`` mapped to this machine's servers and every container
path under a mount (``/data``, ``/etc/kibaru``, named volumes) mapped to a directory of the
test, then runs the service's own ``command:``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tests.deploy.compose_model import (
    KIBARU_EXECUTABLE,
    ROOT,
    compose,
    container_environment,
    container_mounts,
    example_env,
    map_hosts_to_this_machine,
    to_local_path,
)

VENV_BIN = ROOT / ".venv" / "bin"
STOP_TIMEOUT = 30


@dataclass
class Started:
    """A service process started in the background, with its log."""

    service: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]


@dataclass
class LocalStack:
    """Runs compose services here. ``operator_env`` is what the operator adds to ``.env``."""

    root: Path
    database_url: str
    redis_url: str
    operator_env: dict[str, str] = field(default_factory=dict)
    started: list[Started] = field(default_factory=list)

    def mounts(self, service: str) -> dict[str, Path]:
        mounts = container_mounts(service, self.root)
        for local in mounts.values():
            local.mkdir(parents=True, exist_ok=True)
        return mounts

    def environment(self, service: str) -> dict[str, str]:
        """The process environment of ``service``: its container's, mapped to this machine."""
        container = container_environment(service, example_env() | self.operator_env)
        mapped = map_hosts_to_this_machine(
            container, database_url=self.database_url, redis_url=self.redis_url
        )
        mounts = self.mounts(service)
        mapped = {key: to_local_path(value, mounts) for key, value in mapped.items()}
        # The machine's own variables (PATH, HOME…) but none of kibaru's from outside.
        base = {k: v for k, v in os.environ.items() if not k.startswith(("KIBARU_", "CELERY"))}
        base["PATH"] = f"{VENV_BIN}{os.pathsep}{base.get('PATH', '')}"
        return base | mapped

    def argv(self, service: str, arguments: list[str] | None = None) -> list[str]:
        """``kibaru`` + the service's ``command:`` (or ``arguments``, for ``run``), with
        container paths mapped."""
        if arguments is None:
            command = list(compose()["services"][service].get("command") or [])
        else:
            command = list(arguments)
        mounts = self.mounts(service)
        return [str(KIBARU_EXECUTABLE), *(to_local_path(word, mounts) for word in command)]

    def workdir(self, service: str) -> Path:
        declared = compose()["services"][service].get("working_dir")
        path = Path(to_local_path(declared, self.mounts(service))) if declared else None
        path = path or self.root / "workdir" / service
        path.mkdir(parents=True, exist_ok=True)
        return path

    def run(
        self, service: str, arguments: list[str] | None = None, *, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """``docker compose run --rm <service> <arguments>``, here."""
        return subprocess.run(
            self.argv(service, arguments),
            env=self.environment(service),
            cwd=self.workdir(service),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def shell(
        self, service: str, script: str, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        """A ``CMD-SHELL`` healthcheck (or ``exec … sh -c``) of ``service``, here."""
        env = self.environment(service) | {"HOSTNAME": socket.gethostname()} | extra_env
        return subprocess.run(
            ["sh", "-c", script],
            env=env,
            cwd=self.workdir(service),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def start(self, service: str) -> Started:
        """``docker compose up <service>``, here: the process runs until :meth:`stop_all`."""
        log_path = self.root / "logs" / f"{service}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab")
        process = subprocess.Popen(
            self.argv(service),
            env=self.environment(service),
            cwd=self.workdir(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the prefork children stop with it
        )
        started = Started(service, process, log_path, log)
        self.started.append(started)
        return started

    def wait_healthy(self, service: str, *, timeout: float = 60) -> None:
        """Run the service's healthcheck until it passes (as Compose's depends_on does)."""
        test = compose()["services"][service]["healthcheck"]["test"]
        assert test[0] == "CMD-SHELL", f"{service}: expected a CMD-SHELL healthcheck"
        deadline = time.monotonic() + timeout
        while True:
            for started in self.started:
                if started.service == service and started.process.poll() is not None:
                    raise AssertionError(f"{service} exited:\n{started.output()}")
            result = self.shell(service, test[1])
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                logs = "\n".join(s.output() for s in self.started if s.service == service)
                raise AssertionError(
                    f"{service} never became healthy: {result.stdout}{result.stderr}\n{logs}"
                )
            time.sleep(1)

    def stop_all(self) -> None:
        """SIGTERM (Docker's stop signal), then SIGKILL after a grace period."""
        for started in reversed(self.started):
            if started.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(started.process.pid, signal.SIGTERM)
        for started in reversed(self.started):
            try:
                started.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(started.process.pid, signal.SIGKILL)
                started.process.wait(timeout=10)
            # Children left in the group (a crawl subprocess) go too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(started.process.pid, signal.SIGKILL)
            started.log.close()
        self.started.clear()
