"""Real workers, real Redis, real PostgreSQL: the distributed mode stores what the embedded
default stores, and the operator commands around it work."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.workers.conftest import (
    assert_site_stored_once,
    cluster_partition,
    failures,
    stored_records,
)
from tests.workers.processes import Worker, environment, run_kibaru
from tests.workers.site import Site

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def _summary(output: str) -> dict[str, int]:
    found = re.search(
        r"(\d+) articles stored \((\d+) duplicates\), (\d+) rejected, (\d+) failed", output
    )
    assert found, output
    articles, duplicates, rejected, failed = map(int, found.groups())
    return {"articles": articles, "duplicates": duplicates, "rejected": rejected,
            "failed": failed}


def test_workers_store_exactly_what_the_embedded_default_stores(
    site: Site,
    tmp_path: Path,
    broker_env: dict[str, str],
    start_worker: Callable[..., Worker],
) -> None:
    embedded_url = f"sqlite:///{tmp_path}/embedded.db"
    embedded_out = run_kibaru(
        environment(KIBARU_DATABASE_URL=embedded_url), "crawl", "--all", "--sources",
        str(site.sources_file),
    )
    w1 = start_worker(broker_env, name="w1", concurrency=2)
    w2 = start_worker(broker_env, name="w2", concurrency=1)
    broker_out = run_kibaru(broker_env, "crawl", "--all", "--sources", str(site.sources_file))
    # Each pool process ran the warm-up page as it started (workers.warmup).
    for worker, processes in ((w1, 2), (w2, 1)):
        warmed = set(re.findall(r"pool process (\d+) warmed up in", worker.output()))
        assert len(warmed) == processes, worker.output()[-3000:]

    # Same summary, and the crawl returned only once every page was processed.
    assert _summary(broker_out) == _summary(embedded_out)
    assert _summary(broker_out) == {
        "articles": len(site.article_urls), "duplicates": 1, "rejected": 1, "failed": 1,
    }
    assert_site_stored_once(embedded_url, site)
    assert_site_stored_once(broker_env["KIBARU_DATABASE_URL"], site)

    embedded = stored_records(embedded_url)
    distributed = stored_records(broker_env["KIBARU_DATABASE_URL"])
    for records in (embedded, distributed):
        for record in records.values():
            record.pop("cluster_id")
    partition = cluster_partition(stored_records(broker_env["KIBARU_DATABASE_URL"]))
    assert partition == cluster_partition(stored_records(embedded_url))
    assert distributed == embedded
    copy = next(url for url in site.article_urls if "/reprise/" in url)
    assert distributed[copy]["duplicate_of"] is not None
    assert {site.article_urls[0], copy} in partition

    # Operators see the workers, empty queues, and each source's last run.
    status = json.loads(run_kibaru(broker_env, "status", "--json"))
    assert len(status["workers"]) == 2
    assert status["queues"]["process"] == 0
    by_source = {item["source"]: item for item in status["sources"]}
    assert by_source["wk-main"]["last_run_status"] == "succeeded"
    assert by_source["wk-main"]["last_error"].startswith("clean: binary_content")

    # retry-failed re-queues the failed page; it fails again, one more attempt recorded.
    retry_out = run_kibaru(broker_env, "retry-failed")
    assert "1 pages" in retry_out and "1 failed" in retry_out
    assert [(reason, attempts) for _, reason, attempts, _ in failures(
        broker_env["KIBARU_DATABASE_URL"])] == [("binary_content", 2)]

    # reprocess reruns the stages on the stored pages, without fetching: same rows.
    requests_before = len(site.outlets[0].requests)
    out = run_kibaru(broker_env, "reprocess", "--source", "wk-main", "--since", "2000-01-01")
    assert f"{len(site.article_urls) - 1} articles" in out
    assert len(site.outlets[0].requests) == requests_before
    again = stored_records(broker_env["KIBARU_DATABASE_URL"])
    for record in again.values():
        record.pop("cluster_id")
    assert again == distributed
