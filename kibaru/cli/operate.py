"""Operator commands around the workers: worker, beat, status, reprocess, retry-failed,
coverage.

Heavy imports (Celery, the stages) happen inside the commands, so that ``kibaru --help`` and
the other commands stay quick.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from kibaru.cli.common import (
    check_output_path,
    console,
    err_console,
    fail,
    get_settings,
    open_store_or_fail,
    since_option,
)
from kibaru.settings import Settings
from storage.db import Store


def register(app: typer.Typer) -> None:
    for name, func in (
        ("worker", worker),
        ("beat", beat),
        ("status", status),
        ("reprocess", reprocess),
        ("retry-failed", retry_failed),
        ("coverage", coverage),
    ):
        app.command(name=name)(func)


def _broker_settings() -> Settings:
    settings = get_settings()
    if not settings.broker_url:
        fail(
            "KIBARU_BROKER_URL is not set: workers need a broker, e.g. "
            "KIBARU_BROKER_URL=redis://127.0.0.1:6379/0 (without one, `kibaru crawl` "
            "processes pages in-process and no worker is needed)"
        )
    return settings


def worker(
    queues: str = typer.Option(
        "process", "--queues", "-Q", help="Comma-separated queues: process, crawl."
    ),
    concurrency: int = typer.Option(
        2, "--concurrency", "-c", min=1, help="Worker processes (prefork)."
    ),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l", help="DEBUG, INFO, WARNING…"),
    hostname: str | None = typer.Option(
        None, "--hostname", "-n", help="Worker name (default: celery@<host>)."
    ),
) -> None:
    """Run a Celery worker consuming the given queues (process pages, or run crawls)."""
    wanted = [name.strip() for name in queues.split(",") if name.strip()]
    from workers.queue.depths import QUEUE_NAMES

    unknown = [name for name in wanted if name not in QUEUE_NAMES]
    if not wanted or unknown:
        fail(f"--queues {queues!r}: choose among {', '.join(QUEUE_NAMES)} (comma-separated)")
    settings = _broker_settings()
    from workers.queue.app import WorkerConfigError, configure

    try:
        app = configure(settings)
    except WorkerConfigError as exc:
        fail(str(exc))
    # The schema is created before any worker starts, so that tasks never race to migrate.
    _upgrade_schema(settings)
    if "process" in wanted and settings.effective_redis_url:
        _check_dedup_index(settings.effective_redis_url)
    if "process" in wanted:
        from workers.queue.tasks import warm_pool_processes

        warm_pool_processes()
    argv = [
        "worker",
        f"--queues={','.join(wanted)}",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel}",
        "--prefetch-multiplier=1",
        "--without-mingle",
        "--without-gossip",
    ]
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv)


def _upgrade_schema(settings: Settings) -> None:
    """Bring the schema to the newest migration in a forked child process, so that this
    process, which Celery forks into the pool processes, never imports alembic; then let the
    pool processes skip the check (see :mod:`workers.queue.context`). Exits as
    :func:`open_store_or_fail` does when the store cannot be opened."""
    from workers.queue.context import schema_upgraded

    if not hasattr(os, "fork"):
        open_store_or_fail(settings).dispose()
        schema_upgraded()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: upgrade, report through the exit status, never return
        code = 1
        try:
            open_store_or_fail(settings).dispose()
            code = 0
        except typer.Exit as exc:
            code = exc.exit_code
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise typer.Exit(code if code > 0 else 1)
    schema_upgraded()


def _check_dedup_index(redis_url: str) -> None:
    """Refuse to start process workers on a dedup index of an earlier layout (every page
    would wait for ``kibaru dedup rebuild``)."""
    import redis

    from workers.stages.dedup.redis_index import IndexLayoutError, RedisIndex

    index = RedisIndex.from_url(redis_url)
    try:
        index.check_layout()
    except IndexLayoutError as exc:
        fail(str(exc))
    except redis.RedisError:
        pass  # Redis not up yet: the tasks retry until it is
    finally:
        index.close()


def beat(
    sources_file: Path | None = typer.Option(
        None, "--sources", help="Extra sources file merged over the registry."
    ),
    schedule_file: Path = typer.Option(
        Path(tempfile.gettempdir()) / "kibaru-beat-schedule",
        "--schedule-file",
        help="Where beat remembers when each crawl last ran.",
    ),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l"),
) -> None:
    """Run the scheduler: each source's crawl on its cron `schedule` (else the default)."""
    check_output_path(schedule_file, "--schedule-file")
    settings = _broker_settings()
    from crawler.registry import RegistryError, load_registry
    from workers.queue.app import WorkerConfigError, configure
    from workers.queue.schedule import (
        COVERAGE_SCHEDULE,
        ScheduleError,
        beat_schedule,
        coverage_entry,
    )

    # One bad entry must not stop the schedule of every other source: it is reported and
    # left out (`kibaru sources` refuses the same file, naming the entry).
    unscheduled: list[str] = []
    try:
        registry = load_registry(
            [settings.sources, sources_file], builtin=settings.builtin_sources,
            invalid=unscheduled,
        )
        schedule = beat_schedule(
            [(source.id, source.schedule) for source in registry.values()],
            default=settings.default_schedule,
            sources_file=str(sources_file) if sources_file else None,
            skipped=unscheduled,
        )
        app = configure(settings)
    except (RegistryError, ScheduleError, WorkerConfigError) as exc:
        fail(str(exc))
    for problem in unscheduled:
        err_console.print(f"[bold red]not scheduled:[/] {escape(problem)}", highlight=False,
                          soft_wrap=True)
    if not schedule:
        fail("no source can be scheduled (see the lines above)")
    app.conf.beat_schedule = {**schedule, **coverage_entry()}
    err_console.print(
        f"beat: {len(schedule)} scheduled crawls, and the coverage check daily at "
        f"{COVERAGE_SCHEDULE} (UTC)",
        highlight=False,
    )
    app.Beat(loglevel=loglevel, schedule=str(schedule_file)).run()


def _live_workers(settings: Settings) -> list[str]:
    from workers.queue.app import configure

    replies = configure(settings).control.ping(timeout=1.0) or []
    return sorted(name for reply in replies for name in reply)


def status(
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of tables."),
) -> None:
    """Queue depths, live workers, and each source's last run and last error."""
    settings = get_settings()
    from storage.coverage import open_flags
    from storage.runs import source_health, unresolved_bug_counts
    from workers.queue.depths import queue_depths

    report: dict[str, Any] = {"broker": bool(settings.broker_url)}
    if settings.broker_url:
        try:
            report["queues"] = queue_depths(settings)
            report["workers"] = _live_workers(settings)
        except Exception as exc:  # the broker being down is itself the status to report
            report["broker_error"] = f"{type(exc).__name__}: {exc}"
    store = open_store_or_fail(settings)
    try:
        with store.session() as session:
            health = source_health(session, heartbeat=settings.run_heartbeat)
            bugs = unresolved_bug_counts(session)
            flags = [(flag.source, flag.metric) for flag in open_flags(session)]
    finally:
        store.dispose()
    report["sources"] = [
        {
            "source": item.source,
            "last_run_id": item.last_run_id,
            "last_run_status": item.last_run_status,
            "last_run_at": item.last_run_at.isoformat() if item.last_run_at else None,
            "last_run_articles": item.last_run_articles,
            "last_error": item.last_error,
            "bugs": bugs.get(item.source, 0),
            "needs_attention": item.needs_attention,
        }
        for item in health
    ]
    # Pages that met a bug of ours (not a bad page): a fix, then `kibaru retry-failed`.
    report["bugs"] = sum(bugs.values())
    report["attention"] = [item.source for item in health if item.needs_attention]
    # Open coverage flags (`kibaru coverage`): a field or the volume dropped under its median.
    report["coverage_flags"] = [{"source": source, "metric": metric} for source, metric in flags]
    if as_json:
        typer.echo(json.dumps(report))
        return
    _print_status(report)


def _print_status(report: dict[str, Any]) -> None:
    if not report["broker"]:
        console.print("broker: none (embedded mode: pages are processed in-process)")
    elif "broker_error" in report:
        console.print(f"[red]broker unreachable:[/] {escape(report['broker_error'])}",
                      highlight=False)
    else:
        queues = ", ".join(f"{name}={depth}" for name, depth in report["queues"].items())
        # Messages, not pages: a crawl's process task carries a batch of KIBARU_PROCESS_BATCH.
        console.print(f"queued tasks: {queues}", highlight=False)
        workers = report["workers"]
        console.print(
            f"workers alive: {len(workers)} {escape(' '.join(workers))}", highlight=False
        )
    table = Table(title="sources")
    for column in ("source", "last run", "status", "articles", "bugs", "last error"):
        table.add_column(column)
    for item in report["sources"]:
        style = "red" if item["needs_attention"] else None
        table.add_row(
            escape(item["source"]), f"{item['last_run_id'] or '-'} {item['last_run_at'] or ''}",
            str(item["last_run_status"] or "-"), str(item["last_run_articles"] or 0),
            str(item["bugs"]), escape((item["last_error"] or "")[:120]), style=style,
        )
    console.print(table)
    if report["bugs"]:
        console.print(
            f"[red]bugs:[/] {report['bugs']} page(s) met an unexpected error in a stage (a bug, "
            "traceback in the worker log and in the failed page); after the fix: "
            "`kibaru retry-failed`",
            highlight=False,
        )
    if report["coverage_flags"]:
        shown = ", ".join(f"{flag['source']} {flag['metric']}" for flag in report["coverage_flags"])
        console.print(
            f"[red]coverage dropped[/] (`kibaru coverage`): {escape(shown)}", highlight=False
        )
    if report["attention"]:
        console.print(
            f"[red]needs attention[/] (last run failed, skipped or stored nothing): "
            f"{escape(', '.join(report['attention']))}",
            highlight=False,
        )



def _rerun(
    settings: Settings, store: Store, page_ids: list[int], sources: list[str], trigger: str
) -> None:
    """Process stored pages again as a new run, with progress, and print its summary.

    SIGTERM or Ctrl-C stops it as it stops a crawl (:mod:`crawler.stopping`): at the next
    progress report, with the run recorded ``interrupted`` and the queued pages left to the
    workers.
    """
    from crawler.stopping import Stopped, stop_signals
    from crawler.stopping import check as check_stop
    from storage.run_recorder import RunRecorder
    from workers.ingest.errors import IngestError
    from workers.ingest.rerun import rerun_pages

    recorder = RunRecorder.open(store, sources, trigger=trigger, heartbeat=settings.run_heartbeat)
    run_id = recorder.run_id
    status_line = err_console.status(f"run {run_id}: {len(page_ids)} pages")

    def progress(counts: dict[str, Any]) -> None:
        check_stop()
        done = counts["pages"] - counts["pending"]
        notice = f" ({counts['notice']})" if counts.get("notice") else ""
        status_line.update(f"run {run_id}: {done}/{counts['pages']} pages processed{notice}")

    try:
        with stop_signals(), recorder.keep_alive(), status_line:
            counts = rerun_pages(settings, store, run_id, page_ids, progress)
    except IngestError as exc:
        recorder.finish("failed", {}, error=str(exc))
        fail(str(exc))
    except (Stopped, KeyboardInterrupt) as exc:
        error = str(exc) or "stopped by SIGINT"
        if settings.broker_url:
            error += "; the pages already queued stay queued for the workers"
        recorder.finish("interrupted", {}, error=error)
        fail(f"run {run_id} interrupted: {error}")
    except BaseException as exc:
        recorder.finish("failed", {}, error=repr(exc)[:2000])
        raise
    recorder.finish("succeeded", counts)
    console.print(
        f"run {run_id}: {counts['pages']} pages, {counts['articles']} articles "
        f"({counts['duplicates']} duplicates), {counts['rejected']} rejected, "
        f"{counts['failed']} failed",
        highlight=False,
    )


def reprocess(
    source: str = typer.Option(..., "--source", help="Source id whose stored pages to rerun."),
    since: str = typer.Option(
        None, "--since", help="Only pages fetched on or after this date (2025-02-06)."
    ),
) -> None:
    """Rerun the stages on stored pages (no fetching): after a fix to a stage or a selector."""
    settings = get_settings()
    since_at = since_option(since)
    from storage.runs import select_page_ids

    store = open_store_or_fail(settings, write=True)
    try:
        with store.session() as session:
            page_ids = select_page_ids(session, source=source, since=since_at)
        if not page_ids:
            fail(f"no stored pages of source {source!r}" + (f" since {since}" if since else ""))
        _rerun(settings, store, page_ids, [source], "reprocess")
    finally:
        store.dispose()


def retry_failed(
    run_id: int | None = typer.Option(None, "--run", help="Only failures of this run."),
    source: str | None = typer.Option(None, "--source", help="Only failures of this source."),
    failure_id: int | None = typer.Option(
        None, "--failure", help="Only this failure (its id in `kibaru web`'s failures page)."
    ),
    stage: str | None = typer.Option(None, "--stage", help="Only failures of this stage."),
    reason: str | None = typer.Option(None, "--reason", help="Only failures of this reason."),
) -> None:
    """Re-queue the failed pages (those a stage could not process) and wait for them."""
    settings = get_settings()
    from storage.runs import unresolved_failures

    store = open_store_or_fail(settings, write=True)
    try:
        with store.session() as session:
            failures = unresolved_failures(
                session, run_id=run_id, source=source, failure_id=failure_id, stage=stage,
                reason=reason,
            )
        page_ids = list(dict.fromkeys(f.page_id for f in failures if f.page_id is not None))
        unfetched = sum(1 for f in failures if f.page_id is None)
        if unfetched:
            err_console.print(
                f"{unfetched} failure(s) have no stored page (the fetch itself failed): "
                "crawl their source again to retry them",
                highlight=False,
            )
        if not page_ids:
            console.print("no failed pages to retry")
            return
        sources = sorted({f.source for f in failures if f.source})
        _rerun(settings, store, page_ids, sources, "retry")
    finally:
        store.dispose()


def coverage(
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of a table."),
) -> None:
    """Compare each source's field coverage and daily volume with its trailing 14-day median;
    flag drops past KIBARU_COVERAGE_TOLERANCE points (volume: under half), and POST each new
    flag to KIBARU_ALERT_WEBHOOK when it is set. Exit 1 while a flag is open."""
    settings = get_settings()
    from workers.coverage_job import check_coverage

    store = open_store_or_fail(settings, write=True)
    try:
        check = check_coverage(settings, store)
    finally:
        store.dispose()
    if as_json:
        typer.echo(json.dumps({
            "sources": {
                source: {
                    "recent": item.recent, "baseline": item.baseline,
                    "volume_recent": item.volume_recent, "volume_baseline": item.volume_baseline,
                    "drops": list(item.drops),
                }
                for source, item in check.report.items()
            },
            "open": [list(flag) for flag in check.open],
            "opened": [list(flag) for flag in check.opened],
            "alerts_sent": check.alerts_sent,
            "alerts_failed": check.alerts_failed,
        }))
    else:
        _print_coverage(check)
    if check.open:
        raise typer.Exit(1)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _print_coverage(check: Any) -> None:
    from storage.coverage import FIELDS

    table = Table(title="coverage: latest run against the 14-day median")
    for column in ("source", *FIELDS, "articles/24h", "drops"):
        table.add_column(column)
    for source, item in check.report.items():
        cells = [f"{_percent(item.recent[name])} ({_percent(item.baseline[name])})"
                 for name in FIELDS]
        volume = f"{item.volume_recent} ({item.volume_baseline if item.volume_baseline else '-'})"
        table.add_row(escape(source), *cells, volume, escape(", ".join(item.drops)) or "-",
                      style="red" if item.drops else None)
    console.print(table)
    opened = ", ".join(f"{source} {metric}" for source, metric in check.opened)
    console.print(f"new flags: {escape(opened) or 'none'}; open flags: {len(check.open)}",
                  highlight=False)
    if check.alerts_sent or check.alerts_failed:
        console.print(f"alerts sent: {check.alerts_sent}, failed: {check.alerts_failed} "
                      "(sent again by the next check)", highlight=False)
