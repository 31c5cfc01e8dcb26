"""docker-compose.yml read the way Compose reads it, without a Docker engine.

Compose substitutes ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``,
``${VAR?error}`` and ``$$`` from the project's ``.env`` before anything else; the tests do
the same with ``.env.example`` (what an operator copies to ``.env``), then map the service
hosts ``postgres`` and ``redis`` to the servers of this machine so that each service's
command can run here with exactly the environment variable names it gets in a container.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
README = ROOT / "README.md"

# The image's ENTRYPOINT; here, the console script installed in the project's virtualenv.
KIBARU_EXECUTABLE = ROOT / ".venv" / "bin" / "kibaru"

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class InterpolationError(ValueError):
    """A required variable (``${VAR:?message}``) is unset or empty."""


def interpolate(text: str, env: dict[str, str]) -> str:
    """``text`` with Compose's variable syntax substituted from ``env``."""

    def substitute(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        # ":-" and ":?" treat an empty value as unset; "-" and "?" only an unset one.
        missing = not value if op in (":-", ":?") else value is None
        if not missing:
            return value or ""
        if op in (":?", "?"):
            raise InterpolationError(f"{name}: {arg}")
        if op in (":-", "-"):
            return arg
        return ""

    return _VARIABLE.sub(substitute, text)


def _interpolate_tree(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_interpolate_tree(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _interpolate_tree(value, env) for key, value in node.items()}
    return node


def raw_compose() -> dict[str, Any]:
    """The compose file as YAML (anchors and ``<<`` merges resolved), before substitution."""
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "docker-compose.yml must be a mapping"
    return loaded


def example_env() -> dict[str, str]:
    """The variables of ``.env.example``, as Compose would read them from ``.env``."""
    return {key: value or "" for key, value in dotenv_values(ENV_EXAMPLE).items()}


def compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The compose file with its variables substituted (from ``.env.example`` by default)."""
    return _interpolate_tree(raw_compose(), example_env() if env is None else env)


def env_files(service: dict[str, Any]) -> list[str]:
    """The ``env_file`` entries of a service, whichever of Compose's syntaxes it uses."""
    declared = service.get("env_file", [])
    entries = [declared] if isinstance(declared, str | dict) else list(declared)
    return [entry["path"] if isinstance(entry, dict) else entry for entry in entries]


def declared_environment(service: dict[str, Any]) -> dict[str, str]:
    """The ``environment:`` of a service (mapping or ``KEY=value`` list) as a dict."""
    declared = service.get("environment") or {}
    if isinstance(declared, list):
        pairs = (item.split("=", 1) for item in declared)
        return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}
    return {key: "" if value is None else str(value) for key, value in declared.items()}


def container_environment(
    service_name: str, dotenv: dict[str, str] | None = None
) -> dict[str, str]:
    """What a container of ``service_name`` gets: its env_file ``.env`` (``dotenv``, by
    default ``.env.example`` as copied), then its ``environment:``, which wins, as in
    Compose. ``.env`` also feeds the ``${…}`` of the file."""
    dotenv = example_env() if dotenv is None else dotenv
    service = compose(dotenv)["services"][service_name]
    merged: dict[str, str] = {}
    for name in env_files(service):
        assert name == ".env", f"{service_name}: unexpected env_file {name!r}"
        merged.update(dotenv)
    merged.update(declared_environment(service))
    return merged


def map_hosts_to_this_machine(
    env: dict[str, str], *, database_url: str, redis_url: str
) -> dict[str, str]:
    """The container environment with the compose hosts replaced by this machine's servers.

    ``redis://redis:6379/0`` becomes ``redis_url`` (a database of the test suite's own
    redis-server); a URL on host
    ``postgres`` becomes ``database_url`` (a fresh test database: the user and password of
    ``.env.example`` do not exist on this machine's server), keeping the same driver.
    """
    mapped = dict(env)
    for key, value in env.items():
        if "://" not in value:
            continue
        parts = urlsplit(value)
        if parts.hostname == "redis":
            mapped[key] = redis_url
        elif parts.hostname == "postgres":
            scheme = urlsplit(database_url).scheme
            assert scheme == parts.scheme, (
                f"{key} uses driver {parts.scheme!r}; the test database uses {scheme!r}"
            )
            mapped[key] = database_url
    return mapped


def kibaru_argv(service_name: str) -> list[str]:
    """The process a container of ``service_name`` runs: entrypoint + command, with the
    image's ``kibaru`` entrypoint replaced by the virtualenv's console script."""
    service = compose()["services"][service_name]
    entrypoint = service.get("entrypoint")
    command = list(service.get("command") or [])
    assert entrypoint is None, f"{service_name} overrides the kibaru entrypoint"
    return [str(KIBARU_EXECUTABLE), *command]


def container_mounts(service_name: str, local_root: Path) -> dict[str, Path]:
    """Where each mount of ``service_name`` lives on this machine: a bind mount ``./x`` in
    ``local_root/x``, a named volume ``v`` in ``local_root/volumes/v``."""
    service = compose()["services"][service_name]
    mounts: dict[str, Path] = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            mounts[target] = local_root / source.removeprefix("./")
        else:
            mounts[target] = local_root / "volumes" / source
    return mounts


def to_local_path(value: str, mounts: dict[str, Path]) -> str:
    """A container path under one of ``mounts`` rewritten to its place on this machine."""
    for target, local in sorted(mounts.items(), key=lambda item: -len(item[0])):
        if value == target or value.startswith(target.rstrip("/") + "/"):
            return str(local) + value[len(target.rstrip("/")) :]
    return value
