"""The depth of the broker's queues (Redis lists), for `kibaru status` and `/metrics`."""

from __future__ import annotations

from kibaru.settings import Settings

QUEUE_NAMES = ("process", "crawl")


def queue_depths(settings: Settings) -> dict[str, int]:
    """Tasks waiting in each queue, and ``unacked`` (delivered, not yet acknowledged).

    Raises redis' errors when the broker does not answer.
    """
    import redis

    client = redis.Redis.from_url(str(settings.broker_url), socket_connect_timeout=3)
    try:
        depths = {}
        for name in QUEUE_NAMES:
            # kombu keeps priority levels in sibling lists named <queue>\x06\x16<n>.
            keys = [name] + [f"{name}\x06\x16{level}" for level in range(1, 10)]
            depths[name] = sum(int(client.llen(key)) for key in keys)
        depths["unacked"] = int(client.hlen("unacked"))
        return depths
    finally:
        client.close()
