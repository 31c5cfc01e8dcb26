"""Where the CPU of one end-to-end broker run goes: CPU seconds per process, per page.

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/cpu_share.py [--real] [--pages N]
        [--concurrency C]

One run of ``pipeline_bench.py``'s end-to-end configuration (a fresh PostgreSQL database, an
emptied Redis database 13, one ``kibaru worker --concurrency C`` ready first, then
``kibaru crawl`` with the broker), while every process's user + system CPU time is sampled
from ``/proc`` three times a second (a process that ends keeps its last sample). The table
splits the CPU between the crawl, the worker's main (consumer) process and its pool
processes, PostgreSQL backends (of the benchmark's databases), Redis (the benchmark's own
server) and the test site's server (this process), so that an optimisation can be aimed at
the process that costs most; other processes of the shared machine are left out. Sampling
misses at most the last third of a second of each process.
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

from bench_site import build_real_site, build_site, write_sources  # noqa: E402

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


def role(
    pid: int, command: str, parent: int, parents: dict[int, int], commands: dict[int, str]
) -> str | None:
    """What a process is to the benchmark, or None when it is not the benchmark's (the
    machine is shared: other PostgreSQL databases, other Redis servers, other processes)."""
    if command.startswith("postgres:"):
        return "PostgreSQL backends" if "kibaru_bench_" in command else None
    if "redis-server" in command:
        # The benchmark's own server (started by this process), not the machine's.
        return "Redis" if _descends_from(pid, os.getpid(), parents) else None
    if not _descends_from(pid, os.getpid(), parents):
        return None
    if " worker " in command and "kibaru" in command:
        return "worker pool processes" if " worker " in commands.get(parent, "") else "worker main"
    if " crawl " in command and "kibaru" in command:
        return "kibaru crawl"
    if pid == os.getpid():
        return "test site's server (this process)"
    return "other"


def _descends_from(pid: int, ancestor: int, parents: dict[int, int]) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = parents.get(pid, 0)
    return False


class CpuSampler:
    """While in its ``with`` block, samples every process's CPU three times a second;
    :meth:`shares` then gives the CPU seconds spent in the block by role (see :func:`role`)."""

    def __init__(self) -> None:
        self.before: dict[int, tuple[str, float, int]] = {}
        self.last: dict[int, tuple[str, float, int]] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.wall = 0.0

    def _sample(self) -> None:
        while not self.done.is_set():
            self._update()
            self.done.wait(0.3)

    def _update(self) -> None:
        """Take a sample; a process that has exited but is not yet reaped (a zombie) has an
        empty command line, so it keeps the one it was last seen with (its role)."""
        for pid, (command, seconds, parent) in cpu_seconds().items():
            if not command and pid in self.last:
                command = self.last[pid][0]
            self.last[pid] = (command, seconds, parent)

    def __enter__(self) -> CpuSampler:
        self.before = cpu_seconds()
        self.last = dict(self.before)
        self.started = time.monotonic()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.monotonic() - self.started
        self.done.set()
        self.thread.join()
        self._update()

    def shares(self) -> Counter[str]:
        commands = {pid: command for pid, (command, _, _) in self.last.items()}
        parents = {pid: parent for pid, (_, _, parent) in self.last.items()}
        shares: Counter[str] = Counter()
        for pid, (command, seconds, parent) in self.last.items():
            spent = seconds - self.before.get(pid, (command, 0.0, parent))[1]
            name = role(pid, command, parent, parents, commands)
            if spent > 0 and name is not None:
                shares[name] += spent
        return shares


def cpu_table(shares: Counter[str], pages: int) -> list[str]:
    """The markdown table of CPU per page by process."""
    total = sum(shares.values())
    lines = ["| process | CPU s | CPU ms per page | share |", "|---|---|---|---|"]
    for name, seconds in shares.most_common():
        lines.append(
            f"| {name} | {seconds:.1f} | {seconds / pages * 1000:.2f} | {seconds / total:.0%} |"
        )
    lines.append(f"| all | {total:.1f} | {total / pages * 1000:.2f} | 100% |")
    return lines


def main() -> int:
    from pipeline_bench import broker_run  # it uses this module's sampler

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, help="default: 1,000 synthetic, every real page")
    parser.add_argument("--real", action="store_true", help="the real-page site")
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    site = build_real_site(args.pages) if args.real else build_site(args.pages or 1000)
    pages = len(site.article_urls)
    try:
        with tempfile.TemporaryDirectory(prefix="kibaru-cpu-share-") as tmp_name:
            tmp = Path(tmp_name)
            sources = write_sources(site, tmp / "sources.yaml")
            with CpuSampler() as sampler:
                run = broker_run(
                    sources,
                    tmp,
                    [args.concurrency],
                    pages,
                    "cpu share",
                    backlog=False,
                    all_articles=not args.real,
                )
    finally:
        site.stop()
    shares = sampler.shares()
    total = sum(shares.values())
    print(
        f"{pages:,} pages, 1 worker --concurrency {args.concurrency}: "
        f"{run.measure.rate:.1f} pages/s end to end"
    )
    print(
        f"{total:.1f} CPU s in {sampler.wall:.1f} s of wall clock "
        f"({total / sampler.wall:.2f} cores)"
    )
    print()
    print("\n".join(cpu_table(shares, pages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
