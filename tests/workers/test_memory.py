"""Pool-process memory: the heap trimmed after pages that grew it, and what a worker imports."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from workers.queue import memory
from workers.queue.memory import MemoryReleaser, resident_bytes

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def test_resident_size_is_read() -> None:
    resident = resident_bytes()
    if sys.platform.startswith("linux"):
        assert resident is not None and resident > 1024 * 1024


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_trims_only_once_the_process_has_grown() -> None:
    releaser = MemoryReleaser(growth=4 * 1024 * 1024)
    assert releaser.available
    assert not releaser.after_page()  # nothing grew
    grown = [bytearray(64 * 1024) for _ in range(256)]  # 16 MB, touched
    for block in grown:
        block[0] = 1
    assert releaser.after_page()
    del grown
    assert not releaser.after_page()  # shrank since: nothing to do
    assert releaser.trims == 1


def test_does_nothing_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    releaser = MemoryReleaser(growth=0)
    assert not releaser.available
    assert not releaser.after_page()


def packages_loaded_by(*modules: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded once it imported ``modules``."""
    code = (
        f"import sys, {', '.join(modules)}\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    return set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )


def test_worker_does_not_import_what_pool_tasks_never_use() -> None:
    """Pool processes fork from the worker's main process: every module it imports is in
    each of them. The command line, the app and its tasks must not load the exporters'
    pyarrow, datasketch's LSH (and scipy), the crawler's Scrapy or the web console."""
    loaded = packages_loaded_by("kibaru.cli", "workers.queue.app", "workers.queue.tasks")
    unwanted = {"pyarrow", "datasketch", "scipy", "scrapy", "twisted", "fastapi", "uvicorn"}
    assert not loaded & unwanted


def test_a_broker_crawl_does_not_import_the_stages() -> None:
    """With a broker the crawl process only fetches and queues: the extraction stack
    (trafilatura, the language model, numpy, dateparser) would add start-up time to every
    crawl and memory to its process for nothing."""
    loaded = packages_loaded_by("kibaru.cli", "crawler.run", "workers.ingest.broker")
    unwanted = {"trafilatura", "justext", "py3langid", "numpy", "dateparser", "htmldate", "ftfy"}
    assert not loaded & unwanted
