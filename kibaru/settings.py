"""The one typed settings object, read from the environment (prefix ``KIBARU_``).

Build it once at the edge (the CLI, the Celery app) with :func:`load_settings` and pass it
to what needs it; nothing below the CLI reads the environment itself.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """``KIBARU_ALLOWED_NETWORKS``: comma-separated networks or addresses (ValueError naming
    the one that is neither)."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"{item!r} is not a network or an address (write e.g. 169.254.169.254/32 "
                "or 10.0.0.0/8, comma-separated)"
            ) from exc
    return tuple(networks)


class Settings(BaseSettings):
    """Every knob an operator can turn, with the environment variable that sets it."""

    model_config = SettingsConfigDict(env_prefix="KIBARU_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///kibaru.db",
        description="SQLAlchemy URL of the store; a SQLite file in the working directory "
        "by default, postgresql+psycopg://user@host/db in production.",
    )
    broker_url: str | None = Field(
        default=None,
        description="Celery broker (redis://host:6379/0). Unset: every stage runs in-process.",
    )
    result_backend: str | None = Field(
        default=None, description="Celery result backend; defaults to the broker URL."
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for the dedup index; defaults to the broker.",
    )
    sources: Path | None = Field(
        default=None, description="An extra sources file merged over the built-in registry."
    )
    user_agent: str = Field(
        default="kibaru/0.1 (+https://github.com/kibaru/kibaru; news archive crawler)",
        description="User-Agent sent with every request.",
    )
    concurrency_per_domain: int = Field(default=2, ge=1)
    download_delay: float = Field(default=0.25, ge=0)
    autothrottle: bool = True
    obey_robots: bool = True
    max_page_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_sitemap_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_pagination_depth: int = Field(default=5, ge=0)
    backfill_concurrency: int = Field(
        default=1,
        ge=1,
        description="concurrent requests per site of `kibaru backfill` (a source's `crawl:` "
        "override still applies)",
    )
    backfill_delay: float = Field(
        default=2.0,
        ge=0,
        description="seconds between two requests to one site during `kibaru backfill` (a "
        "source's `crawl:` override still applies)",
    )
    backfill_api_page_size: int = Field(
        default=100,
        ge=1,
        le=100,
        description="posts asked for per WordPress REST API page by `kibaru backfill` "
        "(WordPress answers at most 100)",
    )
    backfill_max_listing_pages: int = Field(
        default=1000,
        ge=1,
        description="listing pages `kibaru backfill` follows per listing at most, when their "
        "dates do not stop it before",
    )
    fetch_timeout: float = Field(
        default=30.0,
        gt=0,
        description="seconds one fetch may take in all (connect, headers, body, each "
        "redirect): every crawl request, kibaru extract URL, kibaru sources check",
    )
    allowed_networks: str = Field(
        default="",
        description="comma-separated networks that may be fetched although not public, e.g. "
        "169.254.169.254/32 or 10.0.0.0/8 (loopback and private addresses are allowed without "
        "it for a source that lives on one; link-local and reserved ones only with it)",
    )
    builtin_sources: bool = Field(
        default=True,
        description="Load the built-in registry; false to use only the sources files given.",
    )
    default_schedule: str = Field(default="0 */3 * * *", description="cron for `kibaru beat`")
    dedup_window_days: int = Field(default=30, ge=1)
    # Workers (Celery): a task unacknowledged by a lost worker is delivered again after
    # ``visibility_timeout`` seconds, so it must exceed the longest a process task may run.
    visibility_timeout: int = Field(
        default=3600, ge=2, description="seconds before a lost worker's task is redelivered"
    )
    task_time_limit: int = Field(
        default=600, ge=1, description="hard limit (seconds) of one processing task"
    )
    process_batch: int = Field(
        default=10,
        ge=1,
        le=100,
        description="pages per processing task a crawl sends (1: one task per page)",
    )
    task_max_retries: int = Field(
        default=30, ge=0, description="retries of a task hit by a transient error (DB, Redis)"
    )
    retry_backoff_max: int = Field(
        default=300, ge=1, description="cap (seconds) of the exponential retry backoff"
    )
    crawl_time_limit: int = Field(
        default=6 * 3600, ge=10, description="seconds after which a crawl task is stopped"
    )
    run_heartbeat: int = Field(
        default=30,
        ge=1,
        description="seconds between a running crawl's heartbeats; a run silent for 4 "
        "heartbeats is shown abandoned and its sources are free to crawl again",
    )
    worker_wait: int = Field(
        default=300,
        ge=1,
        description="seconds a crawl waits while no worker consumes the process queue, "
        "then fails (its queued pages stay queued for the workers)",
    )
    web_host: str = Field(
        default="127.0.0.1",
        description="address `kibaru web` listens on; anything but loopback needs web_token",
    )
    web_port: int = Field(default=8000, ge=1, le=65535, description="port of `kibaru web`")
    web_token: str | None = Field(
        default=None,
        description="secret of the web console: a bearer token, or typed once in its login "
        "form; required when it listens on anything but loopback",
    )
    alert_webhook: str | None = Field(
        default=None,
        description="URL that each new coverage flag is POSTed to as JSON (Slack-compatible "
        "`text`), retried with backoff",
    )
    coverage_tolerance: float = Field(
        default=30.0,
        gt=0,
        le=100,
        description="percentage points under a source's trailing 14-day median at which a "
        "field's coverage is flagged (volume: under half of its median)",
    )
    log_level: str = "INFO"

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def allowed_network_list(self) -> tuple[IPNetwork, ...]:
        """``allowed_networks`` parsed."""
        return parse_networks(self.allowed_networks)

    @property
    def effective_redis_url(self) -> str | None:
        """Redis used for shared state: the explicit setting, else a redis:// broker."""
        if self.redis_url:
            return self.redis_url
        if self.broker_url and self.broker_url.startswith(("redis://", "rediss://")):
            return self.broker_url
        return None


def load_settings(**overrides: object) -> Settings:
    """Read the environment; keyword overrides (from CLI options) win over it."""
    return Settings(**overrides)  # type: ignore[arg-type]
