"""Cleaning on the fixture corpus: kibaru's title, date and body against trafilatura alone.

    .venv/bin/python benchmarks/clean_bench.py [--repeat N] [--verbose]

Truth is the hand-reviewed goldens (``tests/fixtures/pages/*/*.golden.json``). Pages whose
golden is an error (home, category, video pages…) are left out of the accuracy figures but
are timed with the others. kibaru is scored on ``extract_record`` (clean + bylines), because
the goldens' text has the byline lines removed and that removal is the byline stage's job;
the row "kibaru clean_page" scores the cleaning stage's own text (byline lines still in it)
for comparison. Title and date are the cleaning stage's in both rows. trafilatura is
``bare_extraction(html, url=..., with_metadata=True)``, its ``title``, ``date`` and ``text``.
Both get the page's bytes (``FetchedPage.body``), so each picks the charset itself. The
goldens are the stages' own output checked by hand (``tests/clean/regenerate.py``), so
kibaru's figures here say that it still agrees with them, not how it fares on unseen sites.

* title accuracy: the headline equals the golden's (up to Unicode normalisation and spaces);
* date accuracy: same instant as the golden ``published_at``, or same calendar date read in
  the golden's offset or the outlet's local time (trafilatura gives dates without time);
* body F1: token-level F1 (bags of case-folded words) per page, averaged over the pages;
* speed: ``clean_page`` alone (decode to language detection), ``extract_record`` (clean +
  bylines, for reference) and ``bare_extraction`` over every page, ``--repeat`` times, in
  alternating order; CPU is ``time.process_time``, pages/s is wall time; the median repeat
  is reported, and the CPU ratio of the cleaning stage (``clean_page``) to trafilatura.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus_scoring import (  # noqa: E402
    corpus_pages,
    same_date,
    same_title,
    token_f1,
    trafilatura_document,
)
from tests.clean.corpus import Fixture  # noqa: E402
from workers.extract import SourceInfo, extract_record  # noqa: E402
from workers.stages.clean import clean_page, utc_offset_for_country  # noqa: E402
from workers.stages.errors import StageError  # noqa: E402
from workers.stages.page import FetchedPage  # noqa: E402


class Tally:
    """Title and date hits and body F1s of one extractor over the scored pages."""

    def __init__(self) -> None:
        self.pages = self.titles = self.dates = 0
        self.f1s: list[float] = []

    def add(self, title_ok: bool, date_ok: bool, f1: float) -> None:
        self.pages += 1
        self.titles += title_ok
        self.dates += date_ok
        self.f1s.append(f1)

    @property
    def title_accuracy(self) -> float:
        return self.titles / self.pages if self.pages else 0.0

    @property
    def date_accuracy(self) -> float:
        return self.dates / self.pages if self.pages else 0.0

    @property
    def body_f1(self) -> float:
        return statistics.fmean(self.f1s) if self.f1s else 0.0


def local_offset(fixture: Fixture, source: SourceInfo | None) -> float:
    if source is not None and source.selectors is not None:
        return source.selectors.utc_offset_hours
    declared = fixture.meta["source"]
    return utc_offset_for_country(declared["country"]) if isinstance(declared, dict) else 0.0


def kibaru_fields(page: FetchedPage, source: SourceInfo | None) -> tuple[dict[str, Any], str]:
    """extract_record's title/date/text and clean_page's text; empty fields when refused."""
    try:
        record = extract_record(page, source)
    except StageError:
        return {"title": None, "published_at": None, "text": ""}, ""
    rules = source.selectors if source else None
    cleaned = clean_page(page, rules, language_hint=source.language if source else None)
    return record.exported(), cleaned.text


def run_kibaru(inputs: list[tuple[FetchedPage, SourceInfo | None, str]]) -> None:
    for page, source, _url in inputs:
        with contextlib.suppress(StageError):
            clean_page(
                page,
                source.selectors if source else None,
                language_hint=source.language if source else None,
            )


def run_extract_record(inputs: list[tuple[FetchedPage, SourceInfo | None, str]]) -> None:
    for page, source, _url in inputs:
        with contextlib.suppress(StageError):
            extract_record(page, source)


def run_trafilatura(inputs: list[tuple[FetchedPage, SourceInfo | None, str]]) -> None:
    for page, _source, url in inputs:
        trafilatura.bare_extraction(page.body, url=url, with_metadata=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="timing repetitions (default 10)")
    parser.add_argument("--verbose", action="store_true", help="print every page's misses")
    options = parser.parse_args()

    pages = corpus_pages()
    record_tally, clean_tally, traf_tally = Tally(), Tally(), Tally()
    inputs = []
    for fixture, golden in pages:
        page, source, url = fixture.page(), fixture.source(), fixture.meta["url"]
        inputs.append((page, source, url))
        if "error" in golden:
            continue
        offset = local_offset(fixture, source)
        record, clean_text = kibaru_fields(page, source)
        traf = trafilatura_document(page.body, url)
        title_ok = same_title(record["title"], golden["title"])
        date_ok = same_date(record["published_at"], golden["published_at"], offset)
        record_f1 = token_f1(record["text"], golden["text"])
        record_tally.add(title_ok, date_ok, record_f1)
        clean_tally.add(title_ok, date_ok, token_f1(clean_text, golden["text"]))
        traf_title_ok = same_title(traf.get("title"), golden["title"])
        traf_date_ok = same_date(traf.get("date"), golden["published_at"], offset)
        traf_f1 = token_f1(traf.get("text"), golden["text"])
        traf_tally.add(traf_title_ok, traf_date_ok, traf_f1)
        if options.verbose and not (title_ok and date_ok and record_f1 == 1.0):
            print(
                f"  {fixture.key}: title {title_ok} date {date_ok} F1 {record_f1:.3f}"
                f" (trafilatura: {traf_title_ok} {traf_date_ok} {traf_f1:.3f})"
            )
            if not title_ok:
                print(f"    title {record['title']!r} / golden {golden['title']!r}")
            if not date_ok:
                print(f"    date {record['published_at']} / golden {golden['published_at']}")

    runners = {"record": run_extract_record, "kibaru": run_kibaru, "trafilatura": run_trafilatura}
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in runners}
    for repeat in range(options.repeat):
        order = list(runners) if repeat % 2 == 0 else list(reversed(runners))
        for name in order:
            cpu, wall = time.process_time(), time.perf_counter()
            runners[name](inputs)
            timings[name].append((time.process_time() - cpu, time.perf_counter() - wall))
    cpu_ms = {
        name: statistics.median(c for c, _ in runs) / len(inputs) * 1000
        for name, runs in timings.items()
    }
    rate = {
        name: len(inputs) / statistics.median(w for _, w in runs) for name, runs in timings.items()
    }

    print(
        f"{len(pages)} pages ({record_tally.pages} articles scored, "
        f"{len(pages) - record_tally.pages} refused pages timed only), "
        f"{options.repeat} timing repeats"
    )
    print()
    print("| | title acc. | date acc. | body F1 | pages/s | CPU ms/page |")
    print("|---|---|---|---|---|---|")
    for label, tally, speed in (
        ("kibaru extract_record (clean + bylines)", record_tally, "record"),
        ("kibaru clean_page (byline lines kept)", clean_tally, "kibaru"),
        ("trafilatura bare_extraction", traf_tally, "trafilatura"),
    ):
        print(
            f"| {label} | {tally.title_accuracy:.3f} | {tally.date_accuracy:.3f} "
            f"| {tally.body_f1:.3f} | {rate[speed]:.0f} | {cpu_ms[speed]:.2f} |"
        )
    print()
    ratio = cpu_ms["kibaru"] / cpu_ms["trafilatura"]
    print(f"CPU per page, clean_page / trafilatura: {ratio:.2f}x (target <= 1.3x)")
    print(
        json.dumps(
            {
                "title_accuracy": round(record_tally.title_accuracy, 3),
                "date_accuracy": round(record_tally.date_accuracy, 3),
                "body_f1": round(record_tally.body_f1, 3),
                "trafilatura_body_f1": round(traf_tally.body_f1, 3),
                "cpu_ratio": round(ratio, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
