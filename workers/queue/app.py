"""The Celery application, configured from the settings object.

``celery -A workers.queue.app worker`` and ``kibaru worker`` use the module-level :data:`app`,
configured from the environment when this module is imported (the Celery app is an edge of the
program, like the CLI). A client that holds other settings (CLI overrides, tests) calls
:func:`configure` before sending tasks.

Reliability choices, all in :func:`celery_config`:

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only once its
  task has finished, and a task whose worker process died is requeued, never lost. Tasks are
  idempotent (every write is an upsert), so running one twice is harmless.
* the broker's ``visibility_timeout`` (how long Redis waits before handing an unacknowledged
  message to another worker) is longer than ``task_time_limit`` (the longest a processing task may
  run), so a slow task is never delivered twice while it still runs.
* ``worker_prefetch_multiplier = 1``: a process worker reserves one task per process, so a
  killed worker strands as few messages as possible and load spreads evenly.
* two queues, routed by task name: ``process`` (tasks of one page, or of a crawl's batch of
  pages) and ``crawl`` (one spider subprocess per crawl), so that operators scale them apart.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu import Queue

from kibaru.settings import Settings, load_settings

PROCESS_QUEUE = "process"
CRAWL_QUEUE = "crawl"
PROCESS_TASK = "kibaru.process_page"
PROCESS_BATCH_TASK = "kibaru.process_pages"
CRAWL_TASK = "kibaru.crawl"
COVERAGE_TASK = "kibaru.coverage"

# Broker-less default so that importing the app never fails; `kibaru worker` refuses to run
# without KIBARU_BROKER_URL.
UNCONFIGURED_BROKER = "memory://"


class WorkerConfigError(ValueError):
    """The settings cannot run workers; the message names the variable to fix."""


def celery_config(settings: Settings) -> dict[str, Any]:
    """The Celery configuration for ``settings`` (see the module docstring for the why)."""
    if settings.visibility_timeout <= settings.task_time_limit:
        raise WorkerConfigError(
            f"KIBARU_VISIBILITY_TIMEOUT ({settings.visibility_timeout}s) must be longer than "
            f"KIBARU_TASK_TIME_LIMIT ({settings.task_time_limit}s), or a slow task would be "
            "delivered to a second worker while it still runs"
        )
    broker = settings.broker_url or UNCONFIGURED_BROKER
    transport_options: dict[str, Any] = {"visibility_timeout": settings.visibility_timeout}
    if settings.visibility_timeout < 60:
        # Short timeouts (tests, small deployments): sweep for stranded messages often enough
        # that the timeout, not kombu's default 100 s sweep period, decides the delay.
        transport_options.update(
            unacked_restore_interval=max(1, settings.visibility_timeout // 4),
            unacked_restore_throttle=1,
        )
    return {
        "broker_url": broker,
        "result_backend": settings.result_backend or settings.broker_url or None,
        "broker_transport_options": transport_options,
        "result_backend_transport_options": {"visibility_timeout": settings.visibility_timeout},
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # keep reconnecting while Redis restarts
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "task_time_limit": settings.task_time_limit,
        "task_soft_time_limit": max(1, int(settings.task_time_limit * 0.9)),
        "task_ignore_result": True,  # progress is tracked in the pages table, not in results
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_default_queue": PROCESS_QUEUE,
        "task_queues": (Queue(PROCESS_QUEUE), Queue(CRAWL_QUEUE)),
        "task_routes": {
            PROCESS_TASK: {"queue": PROCESS_QUEUE},
            PROCESS_BATCH_TASK: {"queue": PROCESS_QUEUE},
            CRAWL_TASK: {"queue": CRAWL_QUEUE},
            COVERAGE_TASK: {"queue": CRAWL_QUEUE},
        },
        "task_publish_retry": True,
        "task_publish_retry_policy": {
            "max_retries": 30,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 3.0,
        },
        "worker_prefetch_multiplier": 1,
        # A pool process reports that it is up only after its warm-up (workers.warmup),
        # which a loaded machine can stretch past Celery's 4 s; one not up in time is killed
        # and replaced, and the next one would be killed the same way.
        "worker_proc_alive_timeout": 60.0,
        "worker_send_task_events": False,
        "worker_hijack_root_logger": False,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "timezone": "UTC",
        "enable_utc": True,
    }


def configure(settings: Settings, celery_app: Celery | None = None) -> Celery:
    """Apply ``settings`` to ``celery_app`` (the module's :data:`app` by default)."""
    target = celery_app or app
    target.conf.update(celery_config(settings))
    target.conf["kibaru_settings"] = settings.model_dump(mode="json")
    return target


def settings_of(celery_app: Celery) -> Settings:
    """The settings the app was configured with (what a task should use)."""
    return Settings(**celery_app.conf["kibaru_settings"])


app = Celery("kibaru", include=["workers.queue.tasks"])
configure(load_settings(), app)
