"""kibaru against trafilatura on the shared external suites (AEB, fundus, trafilatura's evaldata).

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/extsuites_bench.py \
        [--suites-dir ../shared/extsuites] [--suite aeb --suite fundus ...] \
        [--part all|dev|check] [--misses /tmp/kibaru-extsuites-misses.jsonl] [--limit N]

Pages are read in place from the suites' folder (never copied here). For each page, in one
run, kibaru's record (``extract_record``: clean + bylines, what ``kibaru extract`` prints) and
``trafilatura.bare_extraction(html_bytes, url=url, with_metadata=True)`` are scored per field
as the suites' README says:

* body: AEB's 4-token shingle metric, precision and recall averaged over pages, F1 of the means;
* title: equal after NFKD folding, accents removed, lower-cased, letters and digits only;
* date: the day (YYYY-MM-DD) equals the truth's;
* authors: precision, recall and F1 over (page, folded name) pairs; predictions split on
  ``;``, ``,`` and the words and/et/und.

A field is scored only on pages whose truth has it. A page kibaru refuses (not an article)
scores as empty output. CPU is ``time.process_time`` around each extractor's call.

``--part dev`` / ``--part check`` split every suite in two by a stable hash of the case id
(two thirds / one third): rules are worked out on ``dev`` misses, ``check`` says whether they
generalise. Each field a system gets wrong goes to the misses file (JSON lines), with both
systems' values and the truth, for error analysis.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from htmldate.extractors import get_external_parser  # noqa: E402

from workers.extract import extract_record  # noqa: E402
from workers.stages.errors import StageError  # noqa: E402
from workers.stages.page import FetchedPage  # noqa: E402

SUITES = ("aeb", "fundus", "trafilatura")
SYSTEMS = ("kibaru", "trafilatura")
DEFAULT_DIR = ROOT.parent / "shared" / "extsuites"
DEFAULT_MISSES = Path("/tmp/kibaru-extsuites-misses.jsonl")
# A body scoring under this F1 is written to the misses file.
BODY_MISS_F1 = 0.9
_TOKEN = re.compile(r"\w+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NAME_SPLIT = re.compile(r"\s*[;,]\s*|\s+(?:and|et|und)\s+", re.IGNORECASE)


# --- the suites' metrics --------------------------------------------------------------------


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of ``n``-token shingles of ``text`` (tokens: the regex ``\\w+``)."""
    words = _TOKEN.findall(text or "")
    return Counter(tuple(words[i : i + n]) for i in range(max(0, len(words) - n + 1)))


def shingle_pr(predicted: str | None, truth: str | None) -> tuple[float, float]:
    """(precision, recall) of one page by AEB's shingle matching.

    tp/fp/fn are normalised by their sum (so long pages do not weigh more), which leaves the
    per-page ratios unchanged. No predicted shingles: precision 0 unless the truth has none
    either; no truth shingles: recall 1.
    """
    pred, true = shingles(predicted), shingles(truth)
    tp = fp = fn = 0
    for key in pred.keys() | true.keys():
        p, t = pred.get(key, 0), true.get(key, 0)
        tp += min(p, t)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if total == 0:
        return 1.0, 1.0
    tp_n, fp_n, fn_n = tp / total, fp / total, fn / total
    precision = tp_n / (tp_n + fp_n) if tp_n + fp_n else 0.0
    recall = tp_n / (tp_n + fn_n) if tp_n + fn_n else 1.0
    return precision, recall


def fold(text: str | None) -> str:
    """NFKD, accents removed, lower-cased, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub("", bare)


def split_names(names: list[str]) -> set[str]:
    """Folded names of a prediction, split on ``;``, ``,`` and/et/und."""
    out: set[str] = set()
    for name in names:
        for part in _NAME_SPLIT.split(name or ""):
            folded = fold(part)
            if folded:
                out.add(folded)
    return out


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# --- running the extractors -----------------------------------------------------------------


@dataclass
class Output:
    """What one system gave for one page, in the fields the suites score."""

    body: str = ""
    title: str | None = None
    date: str | None = None
    authors: list[str] = field(default_factory=list)
    cpu_s: float = 0.0
    note: str = ""  # kibaru's rejection reason, trafilatura's failure


def run_kibaru(html: bytes, url: str) -> Output:
    start = time.process_time()
    try:
        record = extract_record(FetchedPage(url=url, source="", body=html), None)
    except StageError as exc:
        return Output(cpu_s=time.process_time() - start, note=f"{exc.stage}: {exc.reason}")
    cpu = time.process_time() - start
    published = record.published_at
    return Output(
        body=record.text,
        title=record.title,
        # The day as the page gave it (its own offset), not the UTC day.
        date=published.isoformat()[:10] if published is not None else None,
        authors=list(record.authors),
        cpu_s=cpu,
    )


def run_trafilatura(html: bytes, url: str) -> Output:
    start = time.process_time()
    try:
        document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    except Exception as exc:  # report, do not stop the run
        return Output(cpu_s=time.process_time() - start, note=f"error: {exc!r}")
    cpu = time.process_time() - start
    if document is None:
        return Output(cpu_s=cpu, note="nothing extracted")
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    author = data.get("author") or ""
    return Output(
        body=data.get("text") or "",
        title=data.get("title"),
        date=(data.get("date") or "")[:10] or None,
        authors=[author] if author else [],
        cpu_s=cpu,
    )


RUNNERS = {"kibaru": run_kibaru, "trafilatura": run_trafilatura}


# --- the suites ------------------------------------------------------------------------------


def in_part(case_id: str, part: str) -> bool:
    """``dev``: two thirds of the cases by a stable hash of the id; ``check``: the rest."""
    if part == "all":
        return True
    bucket = int(hashlib.sha1(case_id.encode()).hexdigest()[:8], 16) % 3
    return (bucket != 0) == (part == "dev")


def cases(folder: Path, part: str, limit: int | None) -> Iterator[dict[str, Any]]:
    count = 0
    with (folder / "cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            case = json.loads(line)
            if not in_part(case["id"], part):
                continue
            yield case
            count += 1
            if limit is not None and count >= limit:
                return


@dataclass
class Tally:
    """Per-suite, per-system sums."""

    pages: int = 0
    cpu_s: float = 0.0
    body_p: float = 0.0
    body_r: float = 0.0
    body_n: int = 0
    title_ok: int = 0
    title_n: int = 0
    date_ok: int = 0
    date_n: int = 0
    authors_tp: int = 0
    authors_pred: int = 0
    authors_true: int = 0
    authors_n: int = 0
    rejected: int = 0

    def row(self) -> dict[str, float | None]:
        def ratio(a: float, b: float) -> float | None:
            return a / b if b else None

        body_p, body_r = ratio(self.body_p, self.body_n), ratio(self.body_r, self.body_n)
        auth_p = ratio(self.authors_tp, self.authors_pred) if self.authors_n else None
        auth_r = ratio(self.authors_tp, self.authors_true)
        return {
            "body_f1": f1(body_p, body_r) if body_p is not None and body_r is not None else None,
            "body_p": body_p,
            "body_r": body_r,
            "title": ratio(self.title_ok, self.title_n),
            "date": ratio(self.date_ok, self.date_n),
            "authors_p": auth_p if auth_p is not None else (0.0 if self.authors_n else None),
            "authors_r": auth_r,
            "authors_f1": (
                f1(auth_p or 0.0, auth_r or 0.0) if self.authors_n and auth_r is not None else None
            ),
            "cpu_ms": 1000 * self.cpu_s / self.pages if self.pages else None,
        }


def score(
    suite: str, case: dict[str, Any], outputs: dict[str, Output], tallies: dict[str, Tally]
) -> list[dict[str, Any]]:
    """Add one page's scores to the tallies; the misses of that page as JSON-able dicts."""
    misses: list[dict[str, Any]] = []
    base = {"suite": suite, "id": case["id"], "url": case["url"]}
    body_scores: dict[str, tuple[float, float]] = {}
    for system, out in outputs.items():
        tally = tallies[system]
        tally.pages += 1
        tally.cpu_s += out.cpu_s
        tally.rejected += bool(out.note)
        if "body" in case:
            p, r = shingle_pr(out.body, case["body"])
            body_scores[system] = (p, r)
            tally.body_p += p
            tally.body_r += r
            tally.body_n += 1
        if case.get("title"):
            tally.title_n += 1
            tally.title_ok += fold(out.title) == fold(case["title"])
        if case.get("date"):
            tally.date_n += 1
            tally.date_ok += (out.date or "") == case["date"][:10]
        if case.get("authors"):
            truth, pred = split_names(case["authors"]), split_names(out.authors)
            tally.authors_n += 1
            tally.authors_tp += len(truth & pred)
            tally.authors_pred += len(pred)
            tally.authors_true += len(truth)

    values = {
        system: {"title": out.title, "date": out.date, "authors": out.authors, "note": out.note}
        for system, out in outputs.items()
    }
    for system, out in outputs.items():
        other = "trafilatura" if system == "kibaru" else "kibaru"
        if system in body_scores:
            p, r = body_scores[system]
            if f1(p, r) < BODY_MISS_F1:
                op, orr = body_scores.get(other, (0.0, 0.0))
                misses.append({
                    **base, "system": system, "field": "body",
                    "f1": round(f1(p, r), 3), "precision": round(p, 3), "recall": round(r, 3),
                    "other_f1": round(f1(op, orr), 3), "note": out.note,
                    "predicted_head": out.body[:300], "predicted_tail": out.body[-300:],
                    "predicted_words": len(_TOKEN.findall(out.body)),
                    "truth_head": case["body"][:300], "truth_tail": case["body"][-300:],
                    "truth_words": len(_TOKEN.findall(case["body"])),
                })
        if case.get("title") and fold(out.title) != fold(case["title"]):
            misses.append({**base, "system": system, "field": "title",
                           "predicted": out.title, "truth": case["title"],
                           "other": values[other]["title"], "note": out.note})
        if case.get("date") and (out.date or "") != case["date"][:10]:
            misses.append({**base, "system": system, "field": "date",
                           "predicted": out.date, "truth": case["date"][:10],
                           "other": values[other]["date"], "note": out.note})
        if case.get("authors"):
            truth, pred = split_names(case["authors"]), split_names(out.authors)
            if truth != pred:
                misses.append({**base, "system": system, "field": "authors",
                               "predicted": out.authors, "truth": case["authors"],
                               "missing": sorted(truth - pred), "extra": sorted(pred - truth),
                               "other": values[other]["authors"], "note": out.note})
    return misses


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def print_table(results: dict[str, dict[str, Tally]]) -> None:
    print("| suite (pages) | system | body F1 (P/R) | title | date | authors F1 (P/R) "
          "| CPU ms/page |")
    print("|---|---|---|---|---|---|---|")
    for suite, tallies in results.items():
        for system in SYSTEMS:
            tally = tallies[system]
            row = tally.row()
            body = (
                f"{_fmt(row['body_f1'])} ({_fmt(row['body_p'])}/{_fmt(row['body_r'])})"
                if row["body_f1"] is not None
                else "–"
            )
            authors = (
                f"{_fmt(row['authors_f1'])} "
                f"({_fmt(row['authors_p'], 2)}/{_fmt(row['authors_r'], 2)})"
                if row["authors_f1"] is not None
                else "–"
            )
            print(
                f"| {suite} ({tally.pages}) | {system} | {body} | {_fmt(row['title'])} | "
                f"{_fmt(row['date'])} | {authors} | {_fmt(row['cpu_ms'], 1)} |"
            )
    total = {s: sum(t[s].cpu_s for t in results.values()) for s in SYSTEMS}
    if total["trafilatura"]:
        print(
            f"\nCPU kibaru / trafilatura, all pages: {total['kibaru'] / total['trafilatura']:.2f}×"
        )
    rejected = {suite: tallies["kibaru"].rejected for suite, tallies in results.items()}
    print("pages kibaru refused (scored as empty):", rejected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suites-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--suite", action="append", choices=SUITES, help="default: all three")
    parser.add_argument("--part", choices=("all", "dev", "check"), default="all")
    parser.add_argument("--misses", type=Path, default=DEFAULT_MISSES)
    parser.add_argument("--limit", type=int, default=None, help="pages per suite")
    args = parser.parse_args(argv)
    # Some suite pages are XHTML served as HTML; the parsers' warning says nothing about scores.
    warnings.filterwarnings("ignore", message=".*XML document.*")
    if not (args.suites_dir / "README.md").exists():
        print(f"{args.suites_dir}: no suites there; give --suites-dir PATH", file=sys.stderr)
        return 2

    # One page through each system first: imports, models and caches load outside the timing.
    warm = next(cases(args.suites_dir / "aeb", "all", 1))
    warm_html = gzip.decompress((args.suites_dir / "aeb" / warm["page"]).read_bytes())
    for runner in RUNNERS.values():
        runner(warm_html, warm["url"])
    # htmldate's fallback date parser (dateparser, which both systems reach through htmldate)
    # builds its tables for every language on first use: about 1.5 s of CPU, once per process,
    # that would land on whichever system first meets a date written in words.
    for phrase in ("Posted on 3 July 2020", "12. März 2019"):
        get_external_parser().get_date_data(phrase)

    results: dict[str, dict[str, Tally]] = {}
    args.misses.parent.mkdir(parents=True, exist_ok=True)
    with args.misses.open("w", encoding="utf-8") as misses_out:
        for index, suite in enumerate(args.suite or SUITES):
            folder = args.suites_dir / suite
            tallies = {system: Tally() for system in SYSTEMS}
            for number, case in enumerate(cases(folder, args.part, args.limit)):
                html = gzip.decompress((folder / case["page"]).read_bytes())
                # Alternate the order so neither system always runs on a warm cache.
                order = SYSTEMS if (number + index) % 2 == 0 else SYSTEMS[::-1]
                outputs = {system: RUNNERS[system](html, case["url"]) for system in order}
                for miss in score(suite, case, outputs, tallies):
                    misses_out.write(json.dumps(miss, ensure_ascii=False) + "\n")
            results[suite] = tallies
    print_table(results)
    print(f"misses: {args.misses}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
