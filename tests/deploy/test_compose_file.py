"""docker-compose.yml and .env.example, checked without a Docker engine.

The file is read as Compose reads it (YAML anchors, ``<<`` merges, ``${…}`` from ``.env``);
each test names the production property it protects.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest

from kibaru.settings import Settings
from tests.deploy.compose_model import (
    ENV_EXAMPLE,
    ROOT,
    InterpolationError,
    compose,
    container_environment,
    declared_environment,
    env_files,
    example_env,
    interpolate,
    raw_compose,
)

KIBARU_SERVICES = ("migrate", "worker", "crawler", "beat", "web", "flower", "kibaru")
LONG_RUNNING = ("redis", "postgres", "worker", "crawler", "beat", "web", "flower")
AFTER_MIGRATE = ("worker", "crawler", "beat", "web", "kibaru")


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def _named_volume_at(spec: dict[str, Any], service: dict[str, Any], target: str) -> str:
    """The named volume mounted at ``target`` (declared at the top level), or fail."""
    for mount in service.get("volumes", []):
        source, _, rest = mount.partition(":")
        if rest.split(":")[0] == target:
            assert not source.startswith((".", "/")), f"{target} is a bind mount, not a volume"
            assert source in (spec.get("volumes") or {}), f"volume {source} is not declared"
            return source
    raise AssertionError(f"nothing is mounted at {target}")


def _healthcheck_test(service: dict[str, Any]) -> str:
    check = service.get("healthcheck")
    assert check, "no healthcheck"
    assert check.get("interval") and check.get("retries"), "healthcheck needs interval/retries"
    test = check["test"]
    return " ".join(test[1:]) if isinstance(test, list) else test


def test_every_service_of_the_stack_is_there(services: dict[str, Any]) -> None:
    assert set(services) == {"redis", "postgres", *KIBARU_SERVICES}


def test_redis_persists_append_only_on_a_volume_and_is_health_checked() -> None:
    spec = compose()
    redis = spec["services"]["redis"]
    assert re.fullmatch(r"redis:\d+(\.\d+)*(-\w+)?", redis["image"]), "pin Redis's version"
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    # An evicted task message would be a lost page.
    assert "--maxmemory-policy noeviction" in command
    _named_volume_at(spec, redis, "/data")
    assert _healthcheck_test(redis) == "redis-cli ping"


def test_postgres_is_pinned_on_a_volume_and_health_checked() -> None:
    spec = compose()
    postgres = spec["services"]["postgres"]
    assert re.fullmatch(r"postgres:\d+(\.\d+)?(-\w+)?", postgres["image"]), "pin a major version"
    _named_volume_at(spec, postgres, "/var/lib/postgresql/data")
    assert _healthcheck_test(postgres).startswith("pg_isready")
    assert set(declared_environment(postgres)) == {
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
    }


def test_migrate_is_one_shot_and_waits_for_a_healthy_postgres(
    services: dict[str, Any],
) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", AFTER_MIGRATE)
def test_kibaru_services_start_after_the_migration_and_healthy_servers(
    services: dict[str, Any], name: str
) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_workers_serve_their_own_queue_and_the_process_worker_scales(
    services: dict[str, Any],
) -> None:
    worker, crawler = services["worker"], services["crawler"]
    assert worker["command"][:3] == ["worker", "--queues", "process"]
    assert crawler["command"][:3] == ["worker", "--queues", "crawl"]
    # `docker compose up --scale worker=4` fails on a fixed name or host port.
    for name in ("worker", "crawler"):
        assert "container_name" not in services[name]
        assert "ports" not in services[name]
    assert services["beat"]["command"][0] == "beat"


def test_flower_and_the_operator_service_do_not_start_with_up(
    services: dict[str, Any],
) -> None:
    assert services["flower"]["profiles"] == ["monitoring"]
    assert services["kibaru"]["profiles"] == ["tools"]
    started_by_up = [name for name, svc in services.items() if not svc.get("profiles")]
    assert sorted(started_by_up) == [
        "beat", "crawler", "migrate", "postgres", "redis", "web", "worker"
    ]
    # Flower's port is published on loopback only.
    assert all(port.startswith("127.0.0.1:") for port in services["flower"]["ports"])


def test_the_operator_service_writes_exports_to_the_host(services: dict[str, Any]) -> None:
    mounts = services["kibaru"]["volumes"]
    assert "./data:/data" in mounts
    assert services["kibaru"]["restart"] == "no"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart_and_are_health_checked(
    services: dict[str, Any], name: str
) -> None:
    service = services[name]
    assert service["restart"] in ("unless-stopped", "always", "on-failure")
    if name != "beat":  # beat has no query interface; its restart policy covers a crash
        _healthcheck_test(service)


@pytest.mark.parametrize("name", ["redis", "postgres", *KIBARU_SERVICES])
def test_every_service_has_a_memory_limit(services: dict[str, Any], name: str) -> None:
    service = services[name]
    limit = service.get("mem_limit") or (
        service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")
    )
    assert limit and re.fullmatch(r"\d+[kmg]", str(limit)), f"{name}: memory limit {limit!r}"


@pytest.mark.parametrize("name", KIBARU_SERVICES)
def test_kibaru_services_are_configured_through_the_env_file(name: str) -> None:
    service = raw_compose()["services"][name]
    assert env_files(service) == [".env"]
    env = container_environment(name)
    assert env["KIBARU_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["KIBARU_DATABASE_URL"]
    assert env["KIBARU_BROKER_URL"].startswith("redis://redis:6379/")
    # The database credentials in the URL are the ones postgres is started with.
    postgres = declared_environment(compose()["services"]["postgres"])
    user, password = postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"]
    assert (
        f"//{user}:{password}@postgres:5432/{postgres['POSTGRES_DB']}"
        in (env["KIBARU_DATABASE_URL"])
    )


def test_a_missing_password_stops_compose_instead_of_using_an_empty_one() -> None:
    env = example_env()
    del env["POSTGRES_PASSWORD"]
    with pytest.raises(InterpolationError, match="POSTGRES_PASSWORD"):
        compose(env)


def test_interpolation_follows_compose_rules() -> None:
    env = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$SET $SET", env) == (
        "x d  d $SET x"
    )
    with pytest.raises(InterpolationError):
        interpolate("${EMPTY:?needed}", env)


def test_env_example_names_only_real_settings_and_holds_no_secret() -> None:
    env = example_env()
    known = {f"KIBARU_{name.upper()}" for name in Settings.model_fields}
    unknown = [k for k in env if k.startswith("KIBARU_") and k not in known | {"KIBARU_IMAGE"}]
    assert not unknown, f".env.example sets variables kibaru does not read: {unknown}"
    # Secrets are placeholders an operator must replace.
    assert "change-me" in env["POSTGRES_PASSWORD"]
    assert "change-me" in env["FLOWER_BASIC_AUTH"]
    assert "change-me" in env["KIBARU_WEB_TOKEN"]
    # Every value parses as the settings object would read it.
    Settings(**{k.removeprefix("KIBARU_").lower(): v for k, v in env.items() if k in known})
    # The commented sources line names the mount of ./config.
    assert "KIBARU_SOURCES=/etc/kibaru/sources.yaml" in ENV_EXAMPLE.read_text(encoding="utf-8")


def test_the_real_env_file_is_never_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", ".env"], cwd=ROOT, check=False
    ).returncode
    assert ignored == 0, "add .env to .gitignore"
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", ".env"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    ).returncode
    assert tracked != 0, ".env is tracked by git: remove it from the index"


def test_the_console_is_published_on_loopback_and_needs_its_token(
    services: dict[str, Any],
) -> None:
    web = services["web"]
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert "/healthz" in _healthcheck_test(web)
    env = example_env()
    del env["KIBARU_WEB_TOKEN"]
    with pytest.raises(InterpolationError, match="KIBARU_WEB_TOKEN"):
        compose(env)
