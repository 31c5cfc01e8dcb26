"""AutoThrottle that keeps each source's ``crawl:`` override.

Scrapy's AutoThrottle is one policy for every download slot: it adjusts the delay of any slot
after any response, between the run's ``DOWNLOAD_DELAY`` and ``AUTOTHROTTLE_MAX_DELAY``, aiming
at the run's target concurrency. That undoes a source's override: a source asking for
``delay: 0, autothrottle: false`` had its slot raised to the run's delay by the first response
that carried no per-request flag (robots.txt, which Scrapy fetches itself), and a source asking
for a longer delay than the run's had it brought down again towards the site's latency.

Here the policy is per slot, read from the ``DOWNLOAD_SLOTS`` entries that
:func:`crawler.scrapy_settings.download_slots` writes: ``autothrottle`` (false: the slot keeps
its delay whatever the responses say), ``delay`` (the floor the delay never goes below) and
``concurrency`` (what AutoThrottle aims at). Slots without an entry follow the run's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

# Scrapy's own AutoThrottle is switched off in its place (see crawler.scrapy_settings).
SCRAPY_AUTOTHROTTLE = "scrapy.extensions.throttle.AutoThrottle"
# Whether slots without an override are throttled (the run's KIBARU_AUTOTHROTTLE).
DEFAULT_SETTING = "KIBARU_AUTOTHROTTLE_DEFAULT"


@dataclass(frozen=True)
class SlotThrottle:
    """How one download slot is throttled."""

    enabled: bool
    min_delay: float
    target_concurrency: float


class SourceAutoThrottle(AutoThrottle):
    """AutoThrottle with a policy per download slot (see the module docstring).

    Enabled when the run's AutoThrottle is on or any source turns it on for itself
    (``AUTOTHROTTLE_ENABLED`` is set to that by the settings builder).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.default = SlotThrottle(
            enabled=settings.getbool(DEFAULT_SETTING, True),
            min_delay=settings.getfloat("DOWNLOAD_DELAY"),
            target_concurrency=settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY"),
        )
        self.slots = {
            key: self._policy(entry) for key, entry in settings.getdict("DOWNLOAD_SLOTS").items()
        }

    def _policy(self, entry: dict[str, Any]) -> SlotThrottle:
        return SlotThrottle(
            enabled=bool(entry.get("autothrottle", self.default.enabled)),
            min_delay=float(entry.get("delay", self.default.min_delay)),
            target_concurrency=float(entry.get("concurrency", self.default.target_concurrency)),
        )

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        policy = self.slots.get(request.meta.get("download_slot") or "", self.default)
        if not policy.enabled:
            return
        # The parent's adjustment reads these two attributes; set them to this slot's.
        self.mindelay = policy.min_delay
        self.target_concurrency = policy.target_concurrency
        super()._response_downloaded(response, request, spider)
