"""Web archive import: ``kibaru import-warc`` pages/s against a crawl of the same pages, and its
peak memory at two WARC sizes (it streams: memory flat with file size).

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/warc_bench.py [--pages N]
        [--sizes 300,2000] [--registered 200] [--workdir /tmp]

**Rate.** The real-page site (benchmarks/bench_site.py: the pages of ``../shared/extsuites``,
served gzipped, politeness lifted through the sources file) is crawled by
``kibaru crawl bench --sources FILE`` (embedded default, a fresh SQLite file); the same pages,
as the site serves them (``Content-Encoding: gzip``, same URLs), are written to a WARC file
(one gzip member per record, as archiving crawlers write them) and imported by
``kibaru import-warc FILE --sources FILE`` into another fresh SQLite file. Both are wall
clocks of the whole command, start-up included; both run every page through the same stages
in the embedded shape (extraction in one child process). Pages/s = pages handed to the
stages / seconds.

**Memory.** Two WARC files of about ``--sizes`` MB each (gzipped per record, written under
``--workdir`` and deleted after): the same ``--registered`` pages of the registered host,
spread evenly through the file, among copies of the site's pages under other hosts (records
of no registered source, as in a Common Crawl news file), each copy with its own URL, repeated
until the file has its size. Each is imported into a fresh SQLite file; peak RSS is the
maximum resident set of the command's own process (``VmHWM``, read until it exits: the reader,
the batches, the writes) and of its process tree (``wait4``: with the extraction child), with
the file's size, records read, and wall clock.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_site import BenchSite, build_real_site, write_sources  # noqa: E402
from crawl_bench import KIBARU, Measure, kibaru_crawl, kibaru_environment  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.timeutils import datetime_to_iso_date  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

IMPORTED = re.compile(
    r"run \d+ (\w+): (\d+) records, (\d+) pages imported \(origin import\), (\d+) articles "
    r"stored \((\d+) duplicates\), (\d+) rejected, (\d+) failed"
)
MB = 1024 * 1024


def _record(writer: WARCWriter, url: str, body: bytes, when: str) -> None:
    """A response as the site serves it: gzip-encoded body, HTML without a charset."""
    http = StatusAndHeaders(
        "200 OK",
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
         ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )
    writer.write_record(writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
        warc_headers_dict={"WARC-Date": when},
    ))


def write_site_warc(site: BenchSite, path: Path) -> None:
    """Every page of the site, at its own URL, as one gzipped response record each."""
    when = datetime_to_iso_date(datetime.now(UTC).replace(tzinfo=None), use_micros=True)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "warc_bench"}))
        for url, body in zip(site.article_urls, site.pages, strict=True):
            _record(writer, url, body, when)


def write_sized_warc(site: BenchSite, path: Path, megabytes: int, registered: int) -> int:
    """A WARC of about ``megabytes`` MB: ``registered`` site pages spread through copies of
    the site's pages under hosts of no source; returns the records written."""
    when = datetime_to_iso_date(datetime.now(UTC).replace(tzinfo=None), use_micros=True)
    average = sum(len(body) for body in site.pages) / len(site.pages) + 600
    total = int(megabytes * MB / average)
    stride = max(1, total // registered)
    written = placed = copy = 0
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "warc_bench"}))
        while handle.tell() < megabytes * MB or placed < registered:
            if placed < registered and written % stride == 0:
                _record(writer, site.article_urls[placed], site.pages[placed], when)
                placed += 1
            else:
                index = copy % len(site.pages)
                route = urlsplit(site.article_urls[index]).path
                url = f"http://archive-{copy // len(site.pages)}.example.org{route}"
                _record(writer, url, site.pages[index], when)
                copy += 1
            written += 1
    return written + 1


def _high_water_mb(pid: int) -> float:
    """The process's peak resident set so far (``VmHWM``), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) / 1024 if found else 0.0


def run_with_memory(
    command: list[str], env: dict[str, str], timeout: float = 3600
) -> tuple[float, float, float, str]:
    """Run ``command``: (wall seconds, peak RSS of its process tree from ``wait4``, peak RSS of
    the command's own process (its ``VmHWM``, read until it exits), its output)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   cwd=ROOT)
        own = 0.0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                process.kill()
            own = max(own, _high_water_mb(process.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{text[-4000:]}")
    return seconds, usage.ru_maxrss / 1024, own, text


def kibaru_import(
    warc: Path, sources: Path, database: str, name: str
) -> tuple[Measure, int, float]:
    """``kibaru import-warc`` as a subprocess: its measure (pages handed on; peak RSS of the
    process tree), the records read, and the peak RSS of the command's own process."""
    env = kibaru_environment(KIBARU_DATABASE_URL=database, KIBARU_BUILTIN_SOURCES="false",
                             COLUMNS="200")
    seconds, peak, own, output = run_with_memory(
        [KIBARU, "import-warc", str(warc), "--sources", str(sources)], env
    )
    found = IMPORTED.search(re.sub(r"\s+", " ", output))
    if not found or found.group(1) != "succeeded":
        raise RuntimeError(f"{name}: no successful summary:\n{output[-3000:]}")
    records, pages, stored, duplicates, rejected, failed = map(int, found.groups()[1:])
    detail = f"{stored} stored, {duplicates} dup, {rejected} rejected, {failed} failed"
    return Measure(name, pages, seconds, peak, detail), records, own


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, help="real pages (default: every suite page)")
    parser.add_argument("--sizes", default="300,2000", help="WARC sizes in MB (memory runs)")
    parser.add_argument("--registered", type=int, default=200,
                        help="pages of the registered host in each sized WARC")
    parser.add_argument("--workdir", default="/tmp", help="where the sized WARCs are written")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]

    site = build_real_site(args.pages)
    n = len(site.article_urls)
    try:
        with tempfile.TemporaryDirectory(prefix="kibaru-warc-bench-", dir=args.workdir) as name:
            tmp = Path(name)
            sources = write_sources(site, tmp / "sources.yaml")
            print(f"real-page site: {n} pages", flush=True)
            crawl = kibaru_crawl(
                sources, kibaru_environment(KIBARU_DATABASE_URL=f"sqlite:///{tmp}/crawl.db"),
                "kibaru crawl (embedded, fetch + stages)", n, all_articles=False,
            )
            print(f"  crawl: {crawl.rate:.1f} pages/s ({crawl.detail})", flush=True)
            warc = tmp / "site.warc.gz"
            write_site_warc(site, warc)
            size = warc.stat().st_size / MB
            imported, _, _ = kibaru_import(warc, sources, f"sqlite:///{tmp}/import.db",
                                        "kibaru import-warc (embedded, stages)")
            print(f"  import: {imported.rate:.1f} pages/s ({imported.detail})", flush=True)
            warc.unlink()

            memory: list[tuple[float, int, Measure, float]] = []
            for megabytes in sizes:
                sized = tmp / f"sized-{megabytes}.warc.gz"
                records = write_sized_warc(site, sized, megabytes, min(args.registered, n))
                actual = sized.stat().st_size / MB
                run, read, own = kibaru_import(
                    sized, sources, f"sqlite:///{tmp}/sized-{megabytes}.db",
                    f"import-warc, {actual:,.0f} MB WARC",
                )
                if read != records:
                    raise RuntimeError(f"{read} records read of {records} written")
                sized.unlink()
                memory.append((actual, records, run, own))
                print(f"  {run.name}: peak RSS {own:.0f} MB (process), {run.peak_rss_mb:.0f} MB "
                      f"(tree), {run.seconds:.0f} s", flush=True)
    finally:
        site.stop()

    print()
    print(f"Rate, {n} real pages ({size:.0f} MB WARC, gzip per record):")
    print()
    print("| run | pages | seconds | pages/s | peak RSS | outcome |")
    print("|---|---|---|---|---|---|")
    for run in (crawl, imported):
        print(f"| {run.name} | {run.pages} | {run.seconds:.2f} | {run.rate:.1f} | "
              f"{run.peak_rss_mb:.0f} MB | {run.detail} |")
    print()
    print(f"import-warc / crawl: {imported.rate / crawl.rate:.2f}×")
    print()
    print("Memory by WARC size:")
    print()
    print("| WARC | records | pages imported | seconds | MB/s read | peak RSS, import-warc "
          "process | peak RSS, with its extraction child |")
    print("|---|---|---|---|---|---|---|")
    for actual, records, run, own in memory:
        print(f"| {actual:,.0f} MB | {records:,} | {run.pages} | {run.seconds:.1f} | "
              f"{actual / run.seconds:.1f} | {own:.0f} MB | {run.peak_rss_mb:.0f} MB |")
    print(f"\n(run at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
