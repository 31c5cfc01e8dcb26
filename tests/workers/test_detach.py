"""``kibaru crawl --detach``: the crawl is handed to a worker of the ``crawl`` queue and the
command returns at once; the worker's job records the run, the process workers store the
pages. Real Redis, PostgreSQL and Celery workers, the local site."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import yaml
from sqlalchemy import select

from storage.db import open_store
from storage.models import CrawlRun
from tests.workers.conftest import assert_site_stored_once
from tests.workers.processes import KIBARU, REPO, Worker, environment, run_kibaru, wait_until
from tests.workers.site import Site


def site_source_ids(site: Site) -> list[str]:
    return [entry["id"] for entry in yaml.safe_load(site.sources_file.read_text())["sources"]]


def runs(database_url: str) -> list[tuple[str, str, list[str]]]:
    """(trigger, status, sources) of every recorded run."""
    store = open_store(database_url)
    try:
        with store.session() as session:
            rows = session.execute(select(CrawlRun.trigger, CrawlRun.status, CrawlRun.sources))
            return [(trigger, status, list(sources or [])) for trigger, status, sources in rows]
    finally:
        store.dispose()


def test_a_detached_crawl_runs_on_a_crawler_worker(
    site: Site, broker_env: dict[str, str], start_worker: Callable[..., Worker]
) -> None:
    start_worker(broker_env, name="crawler", queues="crawl", concurrency=1)
    start_worker(broker_env, name="w1", concurrency=2)
    out = run_kibaru(
        broker_env, "crawl", "--all", "--sources", str(site.sources_file), "--detach", timeout=60
    )
    assert "queued for a crawler worker" in out

    database_url = broker_env["KIBARU_DATABASE_URL"]

    def finished() -> bool:
        return any(status != "running" for _, status, _ in runs(database_url))

    wait_until(finished, 300, "the detached run to finish")
    [(trigger, status, sources)] = runs(database_url)
    assert (trigger, status) == ("detach", "succeeded")
    assert sorted(sources) == sorted(site_source_ids(site))
    assert_site_stored_once(database_url, site)


def test_detach_without_a_broker_or_with_options_it_cannot_pass_says_so(tmp_path: object) -> None:
    env = environment(KIBARU_DATABASE_URL=f"sqlite:///{tmp_path}/k.db")
    for extra in ([], ["--since", "7d"]):
        done = subprocess.run(
            [KIBARU, "crawl", "aps", "--detach", *extra],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --detach"), done.stderr
