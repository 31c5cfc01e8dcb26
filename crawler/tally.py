"""The counts of a crawl run, per source and in total, as stored with the run.

Counters:

* ``requests`` — HTTP requests sent (every kind, retries included);
* ``discovered`` — distinct article URLs found by discovery;
* ``known`` — article URLs skipped because they are already stored;
* ``old`` — entries skipped by ``--since``; ``over_limit`` — skipped by ``--limit``;
* ``pages`` — article pages fetched and handed on to processing;
* ``redirects`` — redirect responses (3xx with a Location) to any request of the source;
* ``answered`` — responses below 400 (a run in which no request was answered has failed);
* ``errors_by_kind`` — e.g. ``http_404``, ``too_large``, ``robots``, ``offsite``,
  ``private_address``, ``link_local_address``, ``dns``, ``timeout``, ``redirect_loop``,
  ``too_many_redirects``, ``xml_entities``, ``sitemap_too_large``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

COUNTERS = (
    "requests", "answered", "discovered", "known", "old", "over_limit", "pages", "redirects"
)


@dataclass
class SourceTally:
    """The counts of one source."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] += amount

    def error(self, kind: str) -> None:
        self.errors[kind] += 1

    def as_dict(self) -> dict[str, Any]:
        summary: dict[str, Any] = {name: self.counts.get(name, 0) for name in COUNTERS}
        summary["errors_by_kind"] = dict(sorted(self.errors.items()))
        return summary


@dataclass
class RunTally:
    """The counts of every source of a run."""

    sources: dict[str, SourceTally] = field(default_factory=dict)

    def of(self, source_id: str) -> SourceTally:
        return self.sources.setdefault(source_id, SourceTally())

    def total(self, name: str) -> int:
        return sum(tally.counts.get(name, 0) for tally in self.sources.values())

    def errors(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for tally in self.sources.values():
            total.update(tally.errors)
        return total

    def as_dict(self) -> dict[str, Any]:
        """Totals, ``errors_by_kind``, and the same per source under ``by_source``."""
        summary: dict[str, Any] = {name: self.total(name) for name in COUNTERS}
        summary["errors"] = sum(self.errors().values())
        summary["errors_by_kind"] = dict(sorted(self.errors().items()))
        summary["by_source"] = {sid: t.as_dict() for sid, t in sorted(self.sources.items())}
        return summary
