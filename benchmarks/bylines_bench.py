"""Bylines on the fixture corpus: kibaru's authors and agencies vs trafilatura's author field.

    .venv/bin/python benchmarks/bylines_bench.py [--repeat N]

Truth is the hand-reviewed goldens (``tests/fixtures/pages/*/*.golden.json``): their
``authors`` and ``agencies`` lists; pages the stages refuse (golden ``error``) are left out.
Scores are micro-averaged over (page, name) pairs; names compare without case, accents or
dots ("Oumar DIARRA" = "Oumar Diarra"). trafilatura has no agency notion: its ``author``
field (``bare_extraction(..., with_metadata=True)``) is scored against the authors, and the
items of that field that the gazetteer knows as agencies against the agencies, in the same run.
Also prints the time per page of the byline stage alone and of trafilatura's extraction.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus_scoring import scored_pages, trafilatura_document  # noqa: E402
from workers.extract import extract_record  # noqa: E402
from workers.stages.bylines import tag_bylines  # noqa: E402
from workers.stages.bylines.gazetteer import lookup_agency, name_key  # noqa: E402
from workers.stages.clean import clean_page  # noqa: E402


class Score:
    """Micro-averaged precision/recall/F1 over (page, key) pairs."""

    def __init__(self) -> None:
        self.true_positive = self.found = self.expected = 0

    def add(self, found: Iterable[str], expected: Iterable[str]) -> None:
        found_keys = {name_key(name) for name in found if name}
        expected_keys = {name_key(name) for name in expected if name}
        self.true_positive += len(found_keys & expected_keys)
        self.found += len(found_keys)
        self.expected += len(expected_keys)

    @property
    def precision(self) -> float:
        return self.true_positive / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def trafilatura_author_field(html: str | bytes, url: str) -> list[str]:
    """trafilatura's author field, split into its names (it joins them with "; ")."""
    author = trafilatura_document(html, url).get("author")
    if not author:
        return []
    return [part.strip() for part in re.split(r";|,|\s+and\s+|\s+et\s+", author) if part.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing repetitions (default 5)")
    parser.add_argument("--verbose", action="store_true", help="print every page's misses")
    options = parser.parse_args()

    pages = scored_pages()
    kibaru_authors, kibaru_agencies = Score(), Score()
    traf_authors, traf_agencies = Score(), Score()
    stage_inputs = []
    for fixture, golden in pages:
        record = extract_record(fixture.page(), fixture.source()).exported()
        truth_authors = [str(name) for name in golden.get("authors") or []]
        truth_agencies = [str(name) for name in golden.get("agencies") or []]
        kibaru_authors.add(record["authors"], truth_authors)
        kibaru_agencies.add(record["agencies"], truth_agencies)
        html = fixture.html_path.read_bytes()  # trafilatura picks the charset itself
        traf = trafilatura_author_field(html, fixture.meta["url"])
        traf_as_agencies = [agency.short for name in traf if (agency := lookup_agency(name))]
        traf_authors.add([name for name in traf if lookup_agency(name) is None], truth_authors)
        traf_agencies.add(traf_as_agencies, truth_agencies)
        if options.verbose and (
            {name_key(n) for n in record["authors"]} != {name_key(n) for n in truth_authors}
            or {name_key(n) for n in record["agencies"]} != {name_key(n) for n in truth_agencies}
        ):
            print(f"  {fixture.key}: kibaru {record['authors']} {record['agencies']} "
                  f"truth {truth_authors} {truth_agencies}")
        source = fixture.source()
        cleaned = clean_page(fixture.page(), source.selectors if source else None)
        stage_inputs.append((cleaned, html, fixture.meta["url"]))

    started = time.process_time()
    for _ in range(options.repeat):
        for cleaned, _html, _url in stage_inputs:
            tag_bylines(cleaned.html, cleaned.text, title=cleaned.title,
                        site_name=cleaned.site_name)
    stage_ms = (time.process_time() - started) / (options.repeat * len(stage_inputs)) * 1000
    started = time.process_time()
    for _ in range(options.repeat):
        for _cleaned, html, url in stage_inputs:
            trafilatura.bare_extraction(html, url=url, with_metadata=True)
    traf_ms = (time.process_time() - started) / (options.repeat * len(stage_inputs)) * 1000

    print(f"{len(pages)} pages, {kibaru_authors.expected} true authors, "
          f"{kibaru_agencies.expected} true agencies")
    print()
    print("| | authors P | authors R | authors F1 | agencies P | agencies R | agencies F1 |")
    print("|---|---|---|---|---|---|---|")
    for label, authors, agencies in (
        ("kibaru bylines", kibaru_authors, kibaru_agencies),
        ("trafilatura author field", traf_authors, traf_agencies),
    ):
        print(f"| {label} | {authors.precision:.3f} | {authors.recall:.3f} | {authors.f1:.3f} "
              f"| {agencies.precision:.3f} | {agencies.recall:.3f} | {agencies.f1:.3f} |")
    print()
    print(f"CPU per page: byline stage alone {stage_ms:.2f} ms; "
          f"trafilatura bare_extraction {traf_ms:.2f} ms")
    print(json.dumps({"kibaru_authors_f1": round(kibaru_authors.f1, 3),
                      "kibaru_agencies_f1": round(kibaru_agencies.f1, 3),
                      "trafilatura_authors_f1": round(traf_authors.f1, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
