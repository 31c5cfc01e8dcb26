"""Unit tests of the Celery layer's pieces (no worker process): configuration, retry policy,
schedule, locks, run bookkeeping."""

from __future__ import annotations

import logging

import pytest
import redis
import sqlalchemy.exc
from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded

from kibaru.settings import Settings
from storage.db import Store
from storage.models import CrawlRun
from storage.repository import record_failure, save_page
from storage.run_recorder import RunRecorder, claim_run, open_run
from storage.runs import (
    assign_pages_to_run,
    outcome_counts,
    page_state_counts,
    pending_page_ids,
    select_page_ids,
    source_health,
    unresolved_failures,
)
from workers.queue import tasks
from workers.queue.app import (
    CRAWL_TASK,
    PROCESS_BATCH_TASK,
    PROCESS_TASK,
    WorkerConfigError,
    celery_config,
    configure,
)
from workers.queue.crawl_job import CrawlRequest, crawl_command, run_crawl_job
from workers.queue.schedule import ScheduleError, beat_schedule, parse_cron
from workers.stages.dedup.redis_index import IndexLayoutError


def test_celery_config_is_reliable_by_default() -> None:
    config = celery_config(Settings(broker_url="redis://redis.invalid:6379/10"))
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1
    assert config["broker_transport_options"]["visibility_timeout"] > config["task_time_limit"]
    assert config["task_routes"][PROCESS_TASK] == {"queue": "process"}
    assert config["task_routes"][PROCESS_BATCH_TASK] == {"queue": "process"}
    assert config["task_routes"][CRAWL_TASK] == {"queue": "crawl"}
    assert config["result_backend"] == "redis://redis.invalid:6379/10"


def test_visibility_timeout_must_outlast_the_longest_task() -> None:
    with pytest.raises(WorkerConfigError, match="KIBARU_VISIBILITY_TIMEOUT"):
        celery_config(Settings(visibility_timeout=60, task_time_limit=60))


def test_short_visibility_timeouts_are_swept_often() -> None:
    options = celery_config(Settings(visibility_timeout=8, task_time_limit=6))[
        "broker_transport_options"
    ]
    assert options["unacked_restore_interval"] == 2 and options["unacked_restore_throttle"] == 1


def test_retry_delay_grows_exponentially_under_a_cap_with_jitter() -> None:
    settings = Settings(retry_backoff_max=30)
    early = [tasks.retry_delay(1, settings) for _ in range(200)]
    late = [tasks.retry_delay(12, settings) for _ in range(200)]
    assert max(early) <= 2
    assert max(late) <= 30 and max(late) > 10
    assert len(set(late)) > 5  # jitter: retries of one outage do not all fire together


def _eager_app(monkeypatch: pytest.MonkeyPatch, **settings: object) -> None:
    configure(Settings(**settings), tasks.app)  # type: ignore[arg-type]
    monkeypatch.setattr(tasks, "retry_delay", lambda retries, settings: 0)
    monkeypatch.setattr(tasks, "read_batch", lambda page_ids, settings: {})


@pytest.fixture
def restore_app() -> object:
    yield None
    configure(Settings(), tasks.app)


def test_transient_errors_are_retried_until_the_page_goes_through(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    _eager_app(monkeypatch, task_max_retries=5)
    attempts: list[int] = []

    def flaky(page_id: int, settings: Settings, row: object = None) -> str:
        attempts.append(page_id)
        if len(attempts) < 3:
            raise sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed"))
        return "stored"

    monkeypatch.setattr(tasks, "process_one", flaky)
    monkeypatch.setattr(tasks, "reset_worker_context", lambda: None)
    result = tasks.process_page_task.apply(args=[7])
    assert result.get() == "stored"
    assert attempts == [7, 7, 7]


def test_a_page_whose_transient_error_outlasts_every_retry_is_recorded(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    _eager_app(monkeypatch, task_max_retries=2)
    given_up: list[int] = []

    def down(page_id: int, settings: Settings, row: object = None) -> str:
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(tasks, "process_one", down)
    monkeypatch.setattr(tasks, "reset_worker_context", lambda: None)
    monkeypatch.setattr(tasks, "_give_up", lambda page_ids, *_: given_up.extend(page_ids))
    result = tasks.process_page_task.apply(args=[9])
    with pytest.raises(redis.exceptions.ConnectionError):
        result.get()
    assert given_up == [9]


def test_an_old_dedup_index_is_retried_like_an_outage_and_never_recorded_as_a_bug(
    monkeypatch: pytest.MonkeyPatch, restore_app: object, caplog: pytest.LogCaptureFixture
) -> None:
    _eager_app(monkeypatch, task_max_retries=2)
    attempts: list[int] = []
    given_up: list[tuple[list[int], str]] = []

    def old_index(page_id: int, settings: Settings, row: object = None) -> str:
        attempts.append(page_id)
        raise IndexLayoutError("the dedup index is of layout 1: run `kibaru dedup rebuild`")

    monkeypatch.setattr(tasks, "process_one", old_index)
    monkeypatch.setattr(tasks, "reset_worker_context", lambda: None)
    monkeypatch.setattr(
        tasks, "_give_up", lambda page_ids, settings, exc, reason, *_: given_up.append(
            (page_ids, reason)
        ),
    )
    with caplog.at_level(logging.ERROR, logger="workers.queue.tasks"):
        result = tasks.process_pages_task.apply(args=[[4, 5]])
    with pytest.raises(IndexLayoutError):
        result.get()
    assert attempts == [4, 4, 4]  # the first try and two retries, the batch held behind it
    assert given_up == [([4, 5], tasks.OPERATOR_REASON)]
    assert not tasks.OPERATOR_REASON.startswith("bug:")
    assert any("kibaru dedup rebuild" in r.getMessage() and not r.exc_info for r in caplog.records)


def test_a_bug_is_recorded_with_its_traceback_and_not_retried(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    _eager_app(monkeypatch, task_max_retries=5)
    attempts: list[int] = []
    given_up: list[tuple[list[int], str, str | None]] = []

    def broken(page_id: int, settings: Settings, row: object = None) -> str:
        attempts.append(page_id)
        raise KeyError("a bug, not an outage")

    def give_up(
        page_ids: list[int], settings: Settings, exc: BaseException, reason: str,
        error: str | None = None,
    ) -> None:
        given_up.append((page_ids, reason, error))

    monkeypatch.setattr(tasks, "process_one", broken)
    monkeypatch.setattr(tasks, "_give_up", give_up)
    assert tasks.process_page_task.apply(args=[3]).get() == "failed"
    assert attempts == [3]
    [(pages, reason, error)] = given_up
    assert (pages, reason) == ([3], "bug:KeyError")
    assert error is not None and "Traceback" in error and "a bug, not an outage" in error


def test_a_bug_on_one_page_leaves_the_rest_of_its_batch_processed(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    _eager_app(monkeypatch)
    processed: list[int] = []
    given_up: list[tuple[list[int], str]] = []

    def one_bad(page_id: int, settings: Settings, row: object = None) -> str:
        if page_id == 2:
            raise UnicodeEncodeError("ascii", "\u09e7", 0, 1, "ordinal not in range(128)")
        processed.append(page_id)
        return "stored"

    monkeypatch.setattr(tasks, "process_one", one_bad)
    monkeypatch.setattr(
        tasks, "_give_up", lambda ids, settings, exc, reason, error=None: given_up.append(
            (ids, reason)
        ),
    )
    result = tasks.process_pages_task.apply(args=[[1, 2, 3, 4]])
    assert result.get() == {"stored": 3, "failed": 1}
    assert processed == [1, 3, 4]
    assert given_up == [([2], "bug:UnicodeEncodeError")]


def test_a_batch_processes_its_pages_in_order(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    _eager_app(monkeypatch)
    seen: list[tuple[int, object]] = []

    def process(page_id: int, settings: Settings, row: object = None) -> str:
        seen.append((page_id, row))
        return "duplicate" if page_id == 2 else "stored"

    monkeypatch.setattr(tasks, "process_one", process)
    # The batch's rows are read in one go; a page missing from them is read on its own.
    monkeypatch.setattr(tasks, "read_batch", lambda ids, settings: {1: "row 1", 3: "row 3"})
    assert tasks.process_pages_task.apply(args=[[1, 2, 3]]).get() == {"stored": 2, "duplicate": 1}
    assert seen == [(1, "row 1"), (2, None), (3, "row 3")]


def test_a_batch_retries_from_the_failing_page_with_its_own_retries(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    _eager_app(monkeypatch, task_max_retries=2)
    attempts: list[int] = []
    given_up: list[int] = []
    failures = {2: 2, 3: 2}  # pages 2 and 3 each fail twice: within their own 2 retries

    def flaky(page_id: int, settings: Settings, row: object = None) -> str:
        attempts.append(page_id)
        if failures.get(page_id):
            failures[page_id] -= 1
            raise sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed"))
        return "stored"

    monkeypatch.setattr(tasks, "process_one", flaky)
    monkeypatch.setattr(tasks, "reset_worker_context", lambda: None)
    monkeypatch.setattr(tasks, "_give_up", lambda page_ids, *_: given_up.extend(page_ids))
    tasks.process_pages_task.apply(args=[[1, 2, 3, 4]]).get()
    assert attempts == [1, 2, 2, 2, 3, 3, 3, 4]  # page 1 is never redone
    assert given_up == []


def test_a_batch_whose_page_outlasts_every_retry_gives_up_the_rest(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    _eager_app(monkeypatch, task_max_retries=1)
    given_up: list[int] = []

    def down_from_page_2(page_id: int, settings: Settings, row: object = None) -> str:
        if page_id >= 2:
            raise redis.exceptions.ConnectionError("Connection refused")
        return "stored"

    monkeypatch.setattr(tasks, "process_one", down_from_page_2)
    monkeypatch.setattr(tasks, "reset_worker_context", lambda: None)
    monkeypatch.setattr(tasks, "_give_up", lambda page_ids, *_: given_up.extend(page_ids))
    with pytest.raises(redis.exceptions.ConnectionError):
        tasks.process_pages_task.apply(args=[[1, 2, 3]]).get()
    assert given_up == [2, 3]


def test_a_page_over_the_time_limit_fails_alone_and_its_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    _eager_app(monkeypatch)
    attempts: list[int] = []
    given_up: list[int] = []

    def slow_page_2(page_id: int, settings: Settings, row: object = None) -> str:
        attempts.append(page_id)
        if page_id == 2:
            raise SoftTimeLimitExceeded()
        return "stored"

    monkeypatch.setattr(tasks, "process_one", slow_page_2)
    monkeypatch.setattr(tasks, "reset_worker_context", lambda: None)
    monkeypatch.setattr(tasks, "_give_up", lambda page_ids, *_: given_up.extend(page_ids))
    tasks.process_pages_task.apply(args=[[1, 2, 3]]).get()
    assert attempts == [1, 2, 2, 2, 3]  # retried twice (TIME_LIMIT_RETRIES), then given up
    assert given_up == [2]


class _RecordingApp:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[object]]] = []

    def send_task(self, name: str, args: list[object], **options: object) -> None:
        self.sent.append((name, args))


def test_the_broker_ingestor_sends_pages_in_batches(
    monkeypatch: pytest.MonkeyPatch, restore_app: object
) -> None:
    from workers.ingest import broker
    from workers.stages.page import FetchedPage

    settings = Settings(broker_url="redis://redis.invalid:6379/15", process_batch=3)
    ingestor = broker.BrokerIngestor(settings, store=None, run_id=1)  # type: ignore[arg-type]
    app = _RecordingApp()
    ingestor.app = app  # type: ignore[assignment]
    stored = iter(range(100, 200))
    monkeypatch.setattr(broker, "save_fetched_page", lambda *_: next(stored))
    clock = [1000.0]
    monkeypatch.setattr(broker.time, "monotonic", lambda: clock[0])
    page = FetchedPage(url="https://www.aps.sn/a", source="aps", body=b"<html></html>")

    for _ in range(4):
        ingestor.submit(page)
    assert app.sent == [(PROCESS_BATCH_TASK, [[100, 101, 102]])]  # full batch; 103 waits
    ingestor.flush_due()
    assert len(app.sent) == 1  # 103 has not waited long enough
    clock[0] += broker.FLUSH_SECONDS
    ingestor.flush_due()
    assert app.sent[1:] == [(PROCESS_TASK, [103])]  # a batch of one is a page task
    ingestor.submit(page)
    ingestor.submit(page)
    ingestor.flush()
    assert app.sent[2:] == [(PROCESS_BATCH_TASK, [[104, 105]])]
    ingestor.send_many([1, 2, 3, 4, 5, 6, 7])
    assert app.sent[3:] == [
        (PROCESS_BATCH_TASK, [[1, 2, 3]]),
        (PROCESS_BATCH_TASK, [[4, 5, 6]]),
        (PROCESS_TASK, [7]),
    ]


def test_the_wait_for_the_workers_polls_sooner_as_the_queue_drains() -> None:
    from workers.ingest.broker import MIN_POLL_SECONDS, Throughput

    rate = Throughput()
    rate.observe(800, 100.0)
    assert rate.next_poll(800, 0.5) == 0.5  # no rate known yet
    rate.observe(800, 101.0)
    assert rate.next_poll(800, 0.5) == 0.5  # nothing drained: stalled workers, no hurry
    rate.observe(400, 110.0)  # 40 pages a second
    assert rate.next_poll(400, 0.5) == 0.5  # 10 s to go
    assert rate.next_poll(10, 0.5) == pytest.approx(0.125)  # half of the 0.25 s to go
    assert rate.next_poll(1, 0.5) == MIN_POLL_SECONDS


def test_the_warm_up_pages_go_through_every_stage_that_loads_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The warm-up loads the stages' tables only if its pages reach them: a title, a date
    (dateparser), a byline, a language (the language model), a fingerprint, and htmldate's
    last resort, dateparser's search over every locale."""
    import htmldate.extractors

    from workers.extract import extract_record
    from workers.stages.dedup.fingerprint import fingerprint
    from workers.stages.page import FetchedPage
    from workers.warmup import WARM_UP_PAGE, WARM_UP_URL, warm_up

    page = FetchedPage(url=WARM_UP_URL, source="warm-up", body=WARM_UP_PAGE, headers={})
    record = extract_record(page, None)
    assert record.title == "La saison des pluies commence à Kaolack"
    assert record.published_at is not None and record.published_at.year == 2026
    assert record.authors == ("Awa Ndiaye",)
    assert record.language == "fr"
    assert not fingerprint(record.text).empty

    parsed: list[str] = []
    external = htmldate.extractors._external_date

    def spied(text: str) -> object:
        parsed.append(text)
        return external(text)

    monkeypatch.setattr(htmldate.extractors, "_external_date", spied)
    htmldate.extractors.try_date_expr.cache_clear()  # a cached answer would skip the parser
    assert warm_up() > 0
    assert parsed  # the date page reached dateparser


def test_a_warm_up_that_meets_a_bug_logs_it_and_lets_the_process_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from workers import warmup

    def broken(*_: object) -> None:
        raise KeyError("a bug in a stage")

    monkeypatch.setattr(warmup, "extract_record", broken)
    with caplog.at_level("ERROR", logger="workers.warmup"):
        assert warmup.warm_up() >= 0
    assert "the warm-up page failed" in caplog.text
    assert "KeyError: 'a bug in a stage'" in caplog.text  # with its traceback


def test_cron_expressions() -> None:
    schedule = parse_cron("0 */2 * * *")
    assert schedule.hour == set(range(0, 24, 2)) and schedule.minute == {0}
    with pytest.raises(ScheduleError, match=r"source aps.*five fields"):
        parse_cron("every two hours", where="source aps")
    with pytest.raises(ScheduleError, match="not a valid cron"):
        parse_cron("61 * * * *")


def test_beat_schedule_has_one_crawl_per_source_with_the_default() -> None:
    entries = beat_schedule([("aps", "*/10 * * * *"), ("amap", None)], default="0 */3 * * *")
    assert set(entries) == {"crawl:aps", "crawl:amap"}
    assert entries["crawl:aps"]["args"] == (["aps"],)
    assert entries["crawl:aps"]["schedule"].minute == set(range(0, 60, 10))
    assert entries["crawl:amap"]["schedule"].hour == set(range(0, 24, 3))
    assert entries["crawl:amap"]["options"] == {"queue": "crawl"}
    assert all(entry["task"] == CRAWL_TASK for entry in entries.values())


def test_an_overlapping_crawl_is_recorded_as_skipped(sqlite_url: str) -> None:
    from storage.db import open_store

    store = open_store(sqlite_url)
    holder = RunRecorder.open(store, ["aps"], trigger="cli", heartbeat=30)
    holder.lock_sources(["aps"])
    settings = Settings(database_url=sqlite_url)
    result = run_crawl_job(CrawlRequest(["aps"], trigger="beat"), settings)
    assert result["status"] == "skipped"
    with store.session() as session:
        run = session.get(CrawlRun, result["run_id"])
        assert run is not None and run.status == "skipped" and run.trigger == "beat"
        assert f"being crawled by run {holder.run_id}" in (run.error or "")
        assert run.counts == {"skipped_for_run": holder.run_id}
    store.dispose()


def test_crawl_command_names_the_run() -> None:
    command = crawl_command(CrawlRequest(["aps"], trigger="detach", limit=5), 17)
    assert command[1:] == ["-m", "crawler.run", "aps", "--trigger", "detach", "--run-id", "17",
                           "--limit", "5"]


def _page(session: object, url: str, run_id: int, source: str = "aps") -> int:
    return save_page(session, url=url, final_url=url, source=source, body=b"<p>x</p>",
                     run_id=run_id)  # type: ignore[arg-type]


def test_run_progress_is_counted_from_page_states(store: Store) -> None:
    with store.session() as session:
        run_id = open_run(session, ["aps"])
        ids = [_page(session, f"https://aps.sn/{n}", run_id) for n in range(5)]
    from storage.repository import mark_page

    with store.session() as session:
        mark_page(session, ids[0], "stored", article_id="a")
        mark_page(session, ids[1], "duplicate", article_id="b")
        mark_page(session, ids[2], "rejected")
        mark_page(session, ids[3], "failed")
        counts = outcome_counts(page_state_counts(session, run_id))
        assert counts == {"pages": 5, "articles": 2, "duplicates": 1, "rejected": 1,
                          "failed": 1, "pending": 1}
        assert pending_page_ids(session, run_id) == [ids[4]]
        retry_run = open_run(session, ["aps"], trigger="retry")
        assert assign_pages_to_run(session, ids[:2], retry_run) == 2
        assert page_state_counts(session, retry_run) == {"pending": 2}
        assert select_page_ids(session, source="aps") == ids
        assert select_page_ids(session, source="gna") == []


def test_failures_and_source_health(store: Store) -> None:
    with store.session() as session:
        run_id = open_run(session, ["aps"])
        page_id = _page(session, "https://aps.sn/x", run_id)
        record_failure(session, url="https://aps.sn/x", stage="clean", reason="empty_body",
                       source="aps", page_id=page_id, run_id=run_id)
        session.get(CrawlRun, run_id).status = "succeeded"  # type: ignore[union-attr]
        session.get(CrawlRun, run_id).counts = {"articles": 0}  # type: ignore[union-attr]
        queued = open_run(session, [], trigger="detach")
        claim_run(session, queued, ["gna"])
    with store.session() as session:
        failed = unresolved_failures(session)
        assert [(f.url, f.stage, f.reason, f.page_id) for f in failed] == [
            ("https://aps.sn/x", "clean", "empty_body", page_id)
        ]
        assert unresolved_failures(session, source="gna") == []
        health = {item.source: item for item in source_health(session, heartbeat=30)}
        assert health["aps"].last_error == "clean: empty_body (https://aps.sn/x)"
        assert health["aps"].needs_attention  # stored nothing
        assert health["gna"].last_run_status == "running"
        with pytest.raises(LookupError, match="run 999"):
            claim_run(session, 999, ["aps"])


def test_unused_celery_instance_can_be_configured() -> None:
    other = configure(Settings(broker_url="redis://redis.invalid:6379/10"), Celery("other"))
    assert other.conf.task_acks_late is True
