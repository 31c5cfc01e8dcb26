"""The README's Operations section tells operators exactly what the stack runs.

Its service table must match docker-compose.yml; every service it names must exist; every
operator command must be a real ``kibaru`` command (the stack tests then run each of them);
its example sources entry must load.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from crawler.registry import load_registry
from tests.deploy.compose_model import KIBARU_EXECUTABLE, compose
from tests.deploy.readme_ops import (
    compose_services_named,
    container_shell,
    operator_commands,
    service_table,
    yaml_blocks,
)
from workers.queue.schedule import parse_cron


def _compose_command(service: dict[str, object]) -> str:
    entrypoint = service.get("entrypoint") or ["kibaru"]
    command = service.get("command") or []
    assert isinstance(entrypoint, list) and isinstance(command, list)
    return " ".join([*entrypoint, *command])


def test_the_service_table_is_the_compose_file() -> None:
    services = compose()["services"]
    table = service_table()
    assert set(table) == set(services)
    for name in ("migrate", "worker", "crawler", "beat", "web", "flower"):
        assert table[name] == _compose_command(services[name]), name
    assert table["redis"] == " ".join(services["redis"]["command"])
    major = services["postgres"]["image"].split(":")[1].split("-")[0]
    assert table["postgres"] == f"PostgreSQL {major}"


def test_every_service_the_section_names_exists() -> None:
    services = set(compose()["services"])
    named = compose_services_named()
    assert named, "the section gives no docker compose command"
    for subcommand, names in named:
        assert set(names) <= services, f"docker compose {subcommand}: unknown {names}"
        if subcommand == "run":
            assert names == ["kibaru"], "operator commands run in the `kibaru` service"


def test_the_section_covers_the_whole_operator_journey() -> None:
    verbs = {command[0] for command in operator_commands()}
    assert {"crawl", "runs", "export", "sources", "status"} <= verbs
    assert any(
        "--scale" in " ".join(names) or sub == "scale" for sub, names in compose_services_named()
    )
    assert container_shell("postgres", "pg_dump")
    assert container_shell("postgres", "psql")


@pytest.mark.parametrize("command", operator_commands(), ids=" ".join)
def test_every_operator_command_is_a_kibaru_command(command: list[str]) -> None:
    """Each verb exists with the options the README gives (``--help`` parses the rest)."""
    options = [word for word in command if word.startswith("-")]
    result = subprocess.run(
        [str(KIBARU_EXECUTABLE), command[0], "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for option in options:
        assert option in result.stdout, f"`kibaru {command[0]}` has no option {option}"


def test_the_example_source_loads_and_its_schedule_parses(tmp_path: Path) -> None:
    (block,) = yaml_blocks()
    path = tmp_path / "sources.yaml"
    path.write_text(block, encoding="utf-8")
    registry = load_registry([path])
    example = next(source for source in registry.values() if source.id == "exemple")
    assert example.schedule
    parse_cron(example.schedule)
