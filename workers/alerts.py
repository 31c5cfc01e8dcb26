"""Coverage alerts: each new flag POSTed once to ``KIBARU_ALERT_WEBHOOK``, retried with backoff.

The body is JSON with a Slack-compatible ``text`` and the flag's fields. A flag is marked
alerted only when the webhook answered 2xx; one whose attempts all failed stays unalerted
and is sent again by the next ``kibaru coverage``.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime

from storage.coverage import VOLUME
from storage.models import CoverageFlag

log = logging.getLogger(__name__)
ATTEMPTS = 5
FIRST_DELAY = 1.0
TIMEOUT = 10.0


def alert_text(flag: CoverageFlag) -> str:
    """One line for a person: which source, what dropped, from what to what."""
    if flag.metric == VOLUME:
        change = (
            f"{flag.recent:.0f} articles in the last 24 h against a median of "
            f"{flag.baseline:g} a day"
        )
    else:
        change = (
            f"{flag.recent * 100:.0f}% of its latest articles have {flag.metric}, against a "
            f"median of {flag.baseline * 100:.0f}%"
        )
    run = f" (run {flag.run_id})" if flag.run_id is not None else ""
    return f"kibaru coverage: {flag.source} {flag.metric} dropped{run}: {change}"


def alert_payload(flag: CoverageFlag) -> dict[str, object]:
    return {
        "text": alert_text(flag),
        "source": flag.source,
        "metric": flag.metric,
        "recent": flag.recent,
        "baseline": flag.baseline,
        "run_id": flag.run_id,
        "opened_at": flag.opened_at.isoformat(),
    }


def post_json(url: str, payload: dict[str, object]) -> None:
    """POST ``payload``; raise OSError (urllib's errors included) unless the answer is 2xx."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered HTTP {response.status}")


def send_alert(
    url: str,
    flag: CoverageFlag,
    *,
    attempts: int = ATTEMPTS,
    first_delay: float = FIRST_DELAY,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POST the flag's alert, retrying with exponential backoff; True once it was accepted.

    Updates ``flag.alert_attempts`` and, on success, ``flag.alerted_at``.
    """
    payload = alert_payload(flag)
    for attempt in range(attempts):
        flag.alert_attempts = (flag.alert_attempts or 0) + 1
        try:
            post_json(url, payload)
        except (OSError, ValueError) as exc:
            log.warning("coverage alert for %s %s: attempt %d failed: %s",
                        flag.source, flag.metric, attempt + 1, exc)
            if attempt + 1 < attempts:
                sleep(first_delay * 2**attempt)
            continue
        flag.alerted_at = datetime.now(UTC)
        return True
    return False
