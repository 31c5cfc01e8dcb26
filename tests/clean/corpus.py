"""The fixture corpus: pages under tests/fixtures/pages/<source id>/<name>.html.

The folder is the outlet's registry id. Each page has ``<name>.meta.json`` (``url``;
``source``: the registry id, the folder's name; optional ``fetched_at``, ``headers``,
``encoding``) and a hand-checked ``<name>.golden.json``: the ``extract_record`` output without
``fetched_at``, or ``{"error": "<stage>: <reason>"}`` for pages the stages refuse, and under
``produced_by`` what produced it: the site family the page was recognised as (null when it
was refused before it was parsed) and the outlet's selectors from the registry (null: none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from crawler.registry import Source, load_registry
from workers.extract import SourceInfo, extract_record, source_info
from workers.stages.clean.document import parse_document
from workers.stages.errors import StageError
from workers.stages.page import FetchedPage

PAGES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


@cache
def registry() -> dict[str, Source]:
    """The built-in registry, read once."""
    return load_registry()


@dataclass(frozen=True)
class Fixture:
    """One fixture page and what the test needs to run it."""

    key: str
    html_path: Path
    meta: dict[str, Any]

    @property
    def golden_path(self) -> Path:
        return self.html_path.with_suffix(".golden.json")

    @property
    def source_id(self) -> str:
        return str(self.meta["source"])

    def page(self) -> FetchedPage:
        fetched = self.meta.get("fetched_at")
        extra: dict[str, Any] = {"fetched_at": datetime.fromisoformat(fetched)} if fetched else {}
        return FetchedPage(
            url=self.meta["url"],
            source=self.source_id,
            body=self.html_path.read_bytes(),
            headers=self.meta.get("headers", {"content-type": "text/html; charset=utf-8"}),
            encoding=self.meta.get("encoding"),
            **extra,
        )

    def registry_entry(self) -> Source:
        """The fixture's outlet in the registry (KeyError naming the fixture when absent)."""
        entry = registry().get(self.source_id)
        if entry is None:
            raise KeyError(f"{self.key}: source {self.source_id!r} is not in the registry")
        return entry

    def source(self) -> SourceInfo:
        """The outlet as the stages see it, from the registry (its selectors included)."""
        return source_info(self.registry_entry())

    def golden(self) -> dict[str, Any]:
        """The golden record (without ``produced_by``)."""
        loaded = self.golden_file()
        loaded.pop("produced_by", None)
        return loaded

    def golden_file(self) -> dict[str, Any]:
        """The golden file as it is: the record and its ``produced_by``."""
        loaded: dict[str, Any] = json.loads(self.golden_path.read_text(encoding="utf-8"))
        return loaded


def fixtures() -> list[Fixture]:
    """Every fixture page, sorted by key ("<source_id>/<name>")."""
    found = []
    for html_path in sorted(PAGES_DIR.glob("*/*.html")):
        meta_path = html_path.with_suffix(".meta.json")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        key = f"{html_path.parent.name}/{html_path.stem}"
        found.append(Fixture(key=key, html_path=html_path, meta=meta))
    return found


def run(fixture: Fixture) -> dict[str, Any]:
    """The record the golden file holds: what ``kibaru extract`` prints minus fetched_at and
    evidence (which names the evidence, not the article; tests/clean/test_evidence.py checks
    it), or the error."""
    try:
        record = extract_record(fixture.page(), fixture.source()).extracted()
    except StageError as exc:
        return {"error": f"{exc.stage}: {exc.reason}"}
    for name in ("fetched_at", "evidence"):
        del record[name]
    return record


def produced_by(fixture: Fixture) -> dict[str, Any]:
    """What produced the fixture's record: the site family the page was recognised as (None
    when the page is refused before it is parsed) and the registry's selectors of its outlet
    (None: none)."""
    try:
        family: str | None = parse_document(fixture.page()).family.name
    except StageError:
        family = None
    selectors = fixture.registry_entry().selectors
    declared = selectors.model_dump(exclude_defaults=True) if selectors is not None else None
    return {"family": family, "selectors": declared}


def golden_file(fixture: Fixture) -> dict[str, Any]:
    """What the fixture's golden file holds today: its record and ``produced_by``."""
    return {**run(fixture), "produced_by": produced_by(fixture)}
