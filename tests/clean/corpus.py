"""The fixture corpus: pages under tests/fixtures/pages/<source_id>/<name>.html.

Each page has ``<name>.meta.json`` (``url``; ``source``: either a registry id, or
{id, name, country, language, optional selectors} for a self-contained fixture; optional
``fetched_at``, ``headers``, ``encoding``) and a hand-checked
``<name>.golden.json``: the ``extract_record`` output without ``fetched_at``, or
``{"error": "<stage>: <reason>"}`` for pages the stages refuse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.registry import load_registry
from workers.extract import SourceInfo, extract_record, source_info
from workers.stages.errors import StageError
from workers.stages.page import FetchedPage

PAGES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


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
        declared = self.meta["source"]
        return str(declared["id"] if isinstance(declared, dict) else declared)

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

    def source(self, selectors: Any = None) -> SourceInfo | None:
        """The declared source; a bare id is looked up in the registry (None when absent)."""
        declared = self.meta["source"]
        if not isinstance(declared, dict):
            entry = load_registry().get(str(declared))
            if entry is None:
                return None
            return source_info(
                id=entry.id,
                name=entry.name,
                country=entry.country,
                language=entry.language,
                selectors=selectors if selectors is not None else entry.selectors,
            )
        return source_info(
            id=declared["id"],
            name=declared["name"],
            country=declared["country"],
            language=declared["language"],
            selectors=selectors if selectors is not None else declared.get("selectors"),
        )

    def golden(self) -> dict[str, Any]:
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


def run(fixture: Fixture, selectors: Any = None) -> dict[str, Any]:
    """The record the golden file holds: extract_record minus fetched_at, or the error."""
    try:
        record = extract_record(fixture.page(), fixture.source(selectors))
    except StageError as exc:
        return {"error": f"{exc.stage}: {exc.reason}"}
    record.pop("fetched_at", None)
    return record
