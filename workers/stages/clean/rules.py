"""Per-source extraction rules (CSS selectors) as the cleaning stage reads them.

The registry (``crawler.registry.Selectors``) declares them; the crawler/CLI layer turns a
registry entry into :class:`SiteRules` with :meth:`SiteRules.from_selectors`, so that this
package never imports the crawler (imports run down the data path only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class SelectorsLike(Protocol):
    """What :meth:`SiteRules.from_selectors` reads: the registry's ``Selectors`` shape."""

    body: str | None
    title: str | None
    date: str | None
    byline: str | None
    drop: list[str]


@dataclass(frozen=True)
class SiteRules:
    """CSS selectors that override the generic and per-family rules for one outlet.

    ``body`` selects the element holding the article paragraphs, ``title`` the headline,
    ``date`` the element whose ``datetime``/``content`` attribute or text gives the
    publication date, ``byline`` the byline element (used by the byline stage), and
    ``drop`` lists elements removed before anything is extracted (ads, related lists…).
    ``utc_offset_hours`` is the outlet's local offset, used for dates printed without one.
    """

    body: str | None = None
    title: str | None = None
    date: str | None = None
    byline: str | None = None
    drop: tuple[str, ...] = ()
    utc_offset_hours: float = 0.0

    @classmethod
    def from_selectors(
        cls,
        selectors: SelectorsLike | Mapping[str, Any] | None,
        *,
        utc_offset_hours: float = 0.0,
    ) -> SiteRules:
        """The one way to build an outlet's rules: from its registry ``Selectors`` entry, or
        their dict form as the ``sources`` table holds them (or none: only the time offset)."""
        if selectors is None:
            return cls(utc_offset_hours=utc_offset_hours)
        if isinstance(selectors, Mapping):
            return cls(
                body=selectors.get("body"),
                title=selectors.get("title"),
                date=selectors.get("date"),
                byline=selectors.get("byline"),
                drop=tuple(str(item) for item in selectors.get("drop") or ()),
                utc_offset_hours=utc_offset_hours,
            )
        return cls(
            body=selectors.body,
            title=selectors.title,
            date=selectors.date,
            byline=selectors.byline,
            drop=tuple(selectors.drop),
            utc_offset_hours=utc_offset_hours,
        )


# Local time of the region's countries (none of them observes daylight saving time), so a
# page that prints "19h45" without an offset is read in the outlet's own time.
COUNTRY_UTC_OFFSETS: dict[str, float] = {
    "BJ": 1,
    "BF": 0,
    "CV": -1,
    "CI": 0,
    "GM": 0,
    "GH": 0,
    "GN": 0,
    "GW": 0,
    "LR": 0,
    "ML": 0,
    "MR": 0,
    "NE": 1,
    "NG": 1,
    "SN": 0,
    "SL": 0,
    "TG": 0,
    "CM": 1,
    "TD": 1,
}


def utc_offset_for_country(country: str | None) -> float:
    """The standard UTC offset of an ISO 3166-1 country of the region (0 when unknown)."""
    return COUNTRY_UTC_OFFSETS.get((country or "").upper(), 0.0)
