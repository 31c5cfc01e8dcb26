"""One source's backfill walk: its steps in order, how far it got, its checkpoint.

A step is one page of the walk: an API page, a sitemap, a listing page. It is done once its
answer has come and every article fetched from it has been handed on (stored): only then may
a killed backfill skip it. The walk's position, the first step not done, is written to the
source's checkpoint each time it moves, from whichever thread moved it (the reactor, when an
answer comes; the ingest thread, when a page is stored): a lock keeps the two apart.

An article that failed for a reason that may pass (a timeout, a 5xx, a refused connection)
keeps its step undone: the next backfill of the range reads that step again and fetches the
articles of it that are not stored. One cut off by ``--limit`` does the same.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crawler.backfill.periods import DateRange
from storage.backfill import Checkpoint

STRATEGIES = ("wp-json", "sitemap", "listing")


@dataclass
class Step:
    """One page of the walk (``key``: the API page number or the page's URL)."""

    key: int | str
    extra: dict[str, Any] = field(default_factory=dict)
    received: bool = False
    outstanding: int = 0
    hole: bool = False

    @property
    def done(self) -> bool:
        return self.received and self.outstanding == 0 and not self.hole


class Walk:
    """The walk of one source over ``within``; ``save`` writes its checkpoint.

    ``resumed`` is the checkpoint of an earlier backfill of the same range to go on from
    (its strategy and position), or None to start afresh.
    """

    def __init__(
        self, source_id: str, within: DateRange, *, newest_first: bool,
        resumed: Checkpoint | None, save: Callable[[Checkpoint], None],
    ) -> None:
        self.source_id = source_id
        self.within = within
        self.newest_first = newest_first
        self.strategy: str | None = resumed.strategy if resumed else None
        self.start: dict[str, Any] = dict(resumed.position) if resumed else {}
        self.resumed = resumed is not None
        self.save = save
        self.steps: list[Step] = []
        self.articles: dict[str, Step] = {}
        self.over = False
        self.stopped: str | None = None
        self.found: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.position: dict[str, Any] = dict(self.start)
        self.finished = False

    # -- the walk's life (reactor thread) ------------------------------------------------

    def begin(self, strategy: str, **root: Any) -> None:
        """The strategy the probes settled on (``root``: what it starts from)."""
        assert strategy in STRATEGIES
        with self.lock:
            self.strategy = strategy
            self.start = dict(root)
            self.position = dict(root)
            self._save()

    def step(self, key: int | str, **extra: Any) -> Step:
        """A step about to be requested."""
        with self.lock:
            step = Step(key, extra)
            self.steps.append(step)
            return step

    def received(self, step: Step) -> None:
        with self.lock:
            step.received = True
            self._moved()

    def requested(self, step: Step, url: str) -> None:
        """An article of ``step`` is being fetched."""
        with self.lock:
            step.outstanding += 1
            self.articles[url] = step

    def leave_undone(self, step: Step) -> None:
        """Something of ``step`` is not fetched this time (``--limit``): it stays undone."""
        with self.lock:
            step.hole = True

    def end(self) -> None:
        """No step follows the last one requested."""
        with self.lock:
            self.over = True
            self._moved()

    def stop(self, reason: str) -> None:
        """The walk cannot go on this time (a step failed, ``--limit`` reached); the
        position stays at its first step not done."""
        with self.lock:
            self.stopped = self.stopped or reason

    # -- articles (reactor or ingest thread) ---------------------------------------------

    def article_stored(self, url: str) -> None:
        self._article_ended(url, hole=False)

    def article_failed(self, url: str, *, may_pass: bool) -> None:
        self._article_ended(url, hole=may_pass)

    def _article_ended(self, url: str, *, hole: bool) -> None:
        with self.lock:
            step = self.articles.pop(url, None)
            if step is None:
                return
            step.outstanding -= 1
            step.hole = step.hole or hole
            self._moved()

    # -- the checkpoint ------------------------------------------------------------------

    def _moved(self) -> None:
        """Drop the steps done at the front; save the position when it changed."""
        while self.steps and self.steps[0].done:
            self.steps.pop(0)
        finished = False
        if self.steps:
            first = self.steps[0]
            position = {**self.start, "step": first.key, **first.extra}
        elif self.over:
            position, finished = dict(self.position), True
        else:
            return  # between steps: the next one is about to be requested
        if position != self.position or finished != self.finished:
            self.position, self.finished = position, finished
            self._save()

    def _save(self) -> None:
        assert self.strategy is not None
        self.save(Checkpoint(
            source=self.source_id, since=self.within.since, until=self.within.until,
            newest_first=self.newest_first, strategy=self.strategy,
            position=dict(self.position), finished=self.finished,
        ))

    def report(self) -> dict[str, Any]:
        """What the run records of this walk."""
        with self.lock:
            return {
                "strategy": self.strategy, "resumed": self.resumed,
                "position": dict(self.position), "finished": self.finished,
                "stopped": self.stopped,
                "found_by_month": dict(sorted(self.found.items())),
            }
