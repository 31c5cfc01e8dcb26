"""The run recorder on both databases: a run's life, its heartbeat, its source locks."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.db import Store
from storage.models import CrawlLock, CrawlRun, utcnow
from storage.run_recorder import (
    ABANDONED,
    RunRecorder,
    SourceBusy,
    open_run,
    shown_status,
    stale_after,
)


def _run(store: Store, run_id: int) -> CrawlRun:
    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        return run


def _locks(store: Store) -> dict[str, int]:
    with store.session() as session:
        rows = session.execute(select(CrawlLock.source, CrawlLock.run_id))
        return {source: run_id for source, run_id in rows}


def test_a_run_is_opened_running_and_closed_with_its_counts(store: Store) -> None:
    recorder = RunRecorder.open(store, ["aps"], trigger="cli", heartbeat=30, started_by="me")
    run = _run(store, recorder.run_id)
    assert (run.status, run.trigger, run.started_by) == ("running", "cli", "me")
    assert run.heartbeat_at is not None
    recorder.finish("succeeded", {"articles": 4, "errors": 0})
    run = _run(store, recorder.run_id)
    assert run.status == "succeeded"
    assert run.counts == {"articles": 4, "errors": 0}
    assert run.finished_at is not None and run.finished_at >= run.started_at
    recorder.finish("interrupted", error="overran")  # counts None: the recorded ones stay
    assert _run(store, recorder.run_id).counts == {"articles": 4, "errors": 0}


def test_a_queued_run_is_claimed(store: Store) -> None:
    with store.session() as session:
        queued = open_run(session, [], trigger="detach")
    RunRecorder.claim(store, queued, ["gna"], heartbeat=30)
    assert _run(store, queued).sources == ["gna"]
    with pytest.raises(LookupError, match="run 999"):
        RunRecorder.claim(store, 999, ["aps"], heartbeat=30)


def test_a_source_is_held_by_one_live_run_at_a_time(store: Store) -> None:
    first = RunRecorder.open(store, ["aps", "amap"], trigger="cli", heartbeat=30)
    first.lock_sources(["aps", "amap"])
    second = RunRecorder.open(store, ["gna", "aps"], trigger="beat", heartbeat=30)
    with pytest.raises(SourceBusy, match=f"source aps is being crawled by run {first.run_id}"):
        second.lock_sources(["gna", "aps"])
    # All or none: gna, taken before aps was found busy, is not held either.
    assert _locks(store) == {"aps": first.run_id, "amap": first.run_id}
    first.lock_sources(["aps"])  # a run may take its own lock again
    first.finish("succeeded", {})
    assert _locks(store) == {}
    second.lock_sources(["gna", "aps"])
    assert _locks(store) == {"aps": second.run_id, "gna": second.run_id}


def test_a_dead_run_is_shown_abandoned_and_its_sources_are_freed(store: Store) -> None:
    dead = RunRecorder.open(store, ["aps"], trigger="cli", heartbeat=1)
    dead.lock_sources(["aps"])
    assert shown_status(_run(store, dead.run_id), heartbeat=1) == "running"
    time.sleep(stale_after(1).total_seconds() + 0.5)  # no heartbeat meanwhile
    assert shown_status(_run(store, dead.run_id), heartbeat=1) == ABANDONED
    assert _run(store, dead.run_id).status == "running"  # only shown: nobody wrote it
    successor = RunRecorder.open(store, ["aps"], trigger="cli", heartbeat=1)
    successor.lock_sources(["aps"])  # the dead run's lock has expired
    assert _locks(store) == {"aps": successor.run_id}


def test_the_heartbeat_keeps_a_run_alive_and_its_lock_held(store: Store) -> None:
    alive = RunRecorder.open(store, ["aps"], trigger="cli", heartbeat=1)
    alive.lock_sources(["aps"])
    other = RunRecorder.open(store, ["aps"], trigger="cli", heartbeat=1)
    with alive.keep_alive():
        time.sleep(stale_after(1).total_seconds() + 1.5)
        run = _run(store, alive.run_id)
        assert shown_status(run, heartbeat=1) == "running"
        assert run.heartbeat_at is not None and utcnow() - run.heartbeat_at < timedelta(seconds=3)
        with pytest.raises(SourceBusy):
            other.lock_sources(["aps"])


def test_two_runs_racing_for_a_source_get_it_once(store: Store) -> None:
    runs = [RunRecorder.open(store, ["aps"], trigger="cli", heartbeat=30) for _ in range(6)]
    won: list[int] = []
    start = threading.Barrier(len(runs))

    def take(recorder: RunRecorder) -> None:
        start.wait()
        try:
            recorder.lock_sources(["aps"])
            won.append(recorder.run_id)
        except SourceBusy:
            pass

    threads = [threading.Thread(target=take, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1
    assert _locks(store) == {"aps": won[0]}
