"""Where the CPU of one end-to-end broker run goes: CPU seconds per process, per page.

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/cpu_share.py [--pages N]
        [--concurrency C]

One run of ``pipeline_bench.py``'s end-to-end configuration (a fresh PostgreSQL database, an
emptied Redis database 13, one ``kibaru worker --concurrency C`` ready first, then
``kibaru crawl`` with the broker), while every process's user + system CPU time is sampled
from ``/proc`` three times a second (a process that ends keeps its last sample). The table
splits the CPU between the crawl, the worker's main (consumer) process and its pool
processes, PostgreSQL backends, Redis and the test site's server (this process), so that an
optimisation can be aimed at the process that costs most. Sampling misses at most the last
third of a second of each process.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_site import build_site, write_sources  # noqa: E402
from pipeline_bench import broker_run  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[int, tuple[str, float, int]]:
    """Every process: (command line, CPU seconds so far, parent pid)."""
    found: dict[int, tuple[str, float, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
        found[int(entry.name)] = (command, seconds, int(fields[1]))
    return found


def role(pid: int, command: str, parent: int, commands: dict[int, str]) -> str:
    if "postgres" in command:
        return "PostgreSQL backends"
    if "redis-server" in command:
        return "Redis"
    if " worker " in command and "kibaru" in command:
        return "worker pool processes" if " worker " in commands.get(parent, "") else "worker main"
    if " crawl " in command and "kibaru" in command:
        return "kibaru crawl"
    if pid == os.getpid():
        return "test site's server (this process)"
    return "other"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    site = build_site(args.pages)
    before = cpu_seconds()
    last = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            last.update(cpu_seconds())
            done.wait(0.3)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        with tempfile.TemporaryDirectory(prefix="kibaru-cpu-share-") as tmp_name:
            tmp = Path(tmp_name)
            sources = write_sources(site, tmp / "sources.yaml")
            sampler.start()
            started = time.monotonic()
            run = broker_run(
                sources, tmp, [args.concurrency], args.pages, "cpu share", backlog=False
            )
            wall = time.monotonic() - started
            done.set()
            sampler.join()
    finally:
        site.stop()
    commands = {pid: command for pid, (command, _, _) in last.items()}
    shares: Counter[str] = Counter()
    for pid, (command, seconds, parent) in last.items():
        spent = seconds - before.get(pid, (command, 0.0, parent))[1]
        if spent > 0:
            shares[role(pid, command, parent, commands)] += spent
    total = sum(shares.values())
    n = args.pages
    print(f"{n:,} pages, 1 worker --concurrency {args.concurrency}: {run.measure.rate:.0f} pages/s")
    print(f"end to end; {total:.1f} CPU s in {wall:.1f} s of wall clock ({total / wall:.2f} cores)")
    print()
    print("| process | CPU s | CPU ms per page | share |")
    print("|---|---|---|---|")
    for name, seconds in shares.most_common():
        print(f"| {name} | {seconds:.1f} | {seconds / n * 1000:.2f} | {seconds / total:.0%} |")
    print(f"| all | {total:.1f} | {total / n * 1000:.2f} | 100% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
