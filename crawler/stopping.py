"""Stopping a crawl process with SIGTERM or Ctrl-C (SIGINT), whatever it is doing.

While Scrapy's reactor runs, Scrapy's own handlers stop the crawl gracefully (the spider closes
with reason ``shutdown``). Once the reactor has stopped they stay installed but can no longer
do anything (they schedule work on a reactor that is gone, and a second signal makes them ignore
every later one), so a crawl waiting for the workers could only be killed. :func:`stop_signals`
puts handlers of its own in place around the run, and :func:`reinstall` puts them back once the
reactor has stopped.

The handlers only take note of the signal; :func:`check` raises :class:`Stopped` at the points
where stopping is safe (the wait for the workers checks at every poll, twice a second). An
exception raised from a signal handler could strike in the middle of a database driver's
call and leave its connection unusable for the very writes that record the stop. A second
signal while the first is being handled takes the default action at once (the process ends).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopped(BaseException):
    """The process was asked to stop (a BaseException, like KeyboardInterrupt: nothing on the
    way should swallow it)."""

    def __init__(self, signum: int | None) -> None:
        self.signum = signum
        by = signal.Signals(signum).name if signum is not None else "a signal while fetching"
        super().__init__(f"stopped by {by}")


# The stop signals received since :func:`stop_signals` began (the first one decides).
_received: list[int] = []


def _take_note(signum: int, frame: FrameType | None) -> None:
    if _received:  # asked again: stop now, the hard way
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _received.append(signum)


def check() -> None:
    """Raise :class:`Stopped` if a stop signal has arrived."""
    if _received:
        raise Stopped(_received[0])


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def reinstall() -> None:
    """Make SIGTERM and SIGINT noted for :func:`check` (again, after Scrapy's reactor)."""
    if _in_main_thread():
        for signum in STOP_SIGNALS:
            signal.signal(signum, _take_note)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """For the block, SIGTERM and SIGINT are noted for :func:`check`; the previous handlers
    after.

    Signals reach only the main thread: elsewhere this does nothing.
    """
    if not _in_main_thread():
        yield
        return
    previous: dict[int, Any] = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    _received.clear()
    reinstall()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
