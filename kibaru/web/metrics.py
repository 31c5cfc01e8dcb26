"""``/metrics``: what Prometheus scrapes, read from the store (and the broker) at each scrape.

* ``kibaru_pages_fetched_total{source}`` — pages fetched and stored raw;
* ``kibaru_pages_stored_total{source}`` — of them, stored as articles (originals and copies);
* ``kibaru_pages_rejected_total{source}``, ``kibaru_pages_failed_total{source}``;
* ``kibaru_queue_depth{queue}`` — tasks waiting (broker mode; absent when it does not answer);
* ``kibaru_last_success_age_seconds{source}`` — since the source's last succeeded run ended.

The figures are the database's own counts, so every console and every restart agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from kibaru.settings import Settings
from storage.console import last_successful_runs, page_counts_by_source
from storage.db import Store

PAGE_COUNTERS = {
    "fetched": ("pending", "stored", "duplicate", "rejected", "failed"),
    "stored": ("stored", "duplicate"),
    "rejected": ("rejected",),
    "failed": ("failed",),
}


class StoreCollector(Collector):
    """Collects the page counts, queue depths and run ages at scrape time."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store

    def collect(self) -> Iterator[Metric]:
        with self.store.session() as session:
            pages = page_counts_by_source(session)
            successes = last_successful_runs(session)
        for name, states in PAGE_COUNTERS.items():
            family = CounterMetricFamily(
                f"kibaru_pages_{name}", f"Pages {name}, by source", labels=["source"]
            )
            for source, counts in sorted(pages.items()):
                family.add_metric([source], sum(counts.get(state, 0) for state in states))
            yield family
        age = GaugeMetricFamily(
            "kibaru_last_success_age_seconds",
            "Seconds since the source's last succeeded run finished",
            labels=["source"],
        )
        now = datetime.now(UTC)
        for source, finished in sorted(successes.items()):
            age.add_metric([source], max(0.0, (now - finished).total_seconds()))
        yield age
        if self.settings.broker_url:
            yield from self._queues()

    def _queues(self) -> Iterator[Metric]:
        from workers.queue.depths import queue_depths

        try:
            depths = queue_depths(self.settings)
        except Exception:  # the broker down: no depth rather than a failed scrape
            return
        family = GaugeMetricFamily("kibaru_queue_depth", "Tasks waiting, by queue",
                                   labels=["queue"])
        for queue, depth in depths.items():
            family.add_metric([queue], depth)
        yield family


def metrics_registry(settings: Settings, store: Store) -> CollectorRegistry:
    """A registry holding only the store's collector (no process metrics of the server)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(settings, store))
    return registry
