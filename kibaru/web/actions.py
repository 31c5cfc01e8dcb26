"""What the console's buttons start: a retry of failed pages, a crawl of a source.

Both reuse the command line's own paths: a retry runs ``kibaru retry-failed`` (with
``--failure`` or ``--stage``/``--reason``) in a child process, which reprocesses the stored
pages in-process or through the workers exactly as the command does; a crawl is queued for a
crawler worker in the broker mode (as ``kibaru crawl --detach``) and runs as a ``kibaru
crawl`` child process in the embedded default. Children get the console's environment, so
the same store and broker, and run on after a request has answered; the run they record
shows on the runs page.
"""

from __future__ import annotations

import subprocess
import sys
import threading

from kibaru.settings import Settings


class ActionError(RuntimeError):
    """An action could not be started; the message says why."""


class Launcher:
    """Starts the children and reaps the finished ones."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._children: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()

    def _spawn(self, arguments: list[str]) -> int:
        self.reap()
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", "kibaru", *arguments],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise ActionError(f"cannot start kibaru {arguments[0]}: {exc}") from exc
        with self._lock:
            self._children.append(child)
        return child.pid

    def reap(self) -> None:
        """Forget the children that have exited."""
        with self._lock:
            self._children = [child for child in self._children if child.poll() is None]

    def retry(
        self, *, failure_id: int | None = None, stage: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Start ``kibaru retry-failed`` for one failure or every failure of a reason."""
        arguments = ["retry-failed"]
        if failure_id is not None:
            arguments += ["--failure", str(failure_id)]
        if stage:
            arguments += ["--stage", stage]
        if reason:
            arguments += ["--reason", reason]
        if len(arguments) == 1:
            raise ActionError("name a failure, or a stage and a reason, to retry")
        return self._spawn(arguments)

    def crawl(self, source_id: str) -> str:
        """Queue (broker) or start (embedded) a crawl of ``source_id``; a line saying which."""
        if not self.settings.broker_url:
            pid = self._spawn(["crawl", source_id])
            return f"crawl of {source_id} started (process {pid})"
        import kombu.exceptions

        from workers.queue.app import CRAWL_TASK, configure

        arguments = {"source_ids": [source_id], "trigger": "web"}
        try:
            task = configure(self.settings).send_task(
                CRAWL_TASK, kwargs=arguments, ignore_result=True
            )
        except (OSError, kombu.exceptions.OperationalError) as exc:
            raise ActionError(f"cannot queue the crawl on KIBARU_BROKER_URL: {exc}") from exc
        return f"crawl of {source_id} queued for a crawler worker (task {task.id})"
