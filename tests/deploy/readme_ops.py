"""The README's "Operations" section, read as data: its commands are what the tests run.

* ``compose_lines()``: every ``docker compose …`` line of its shell blocks;
* ``operator_commands()``: the kibaru arguments of each ``docker compose run --rm kibaru …``;
* ``service_table()``: the service → command table, compared with docker-compose.yml;
* ``container_shell(service, verb)``: the ``sh -c '…'`` script run in a container by
  ``docker compose exec -T <service> sh -c`` (backup and restore), to run here;
* ``yaml_blocks()``: the example sources entries.
"""

from __future__ import annotations

import re
import shlex

from tests.deploy.compose_model import README

OPERATOR_PREFIX = ["docker", "compose", "run", "--rm", "kibaru"]


def operations_section() -> str:
    """The text between ``## Operations`` and the next second-level heading."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Operations\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match, "README.md has no '## Operations' section followed by another section"
    return match.group(1)


def _blocks(language: str) -> list[str]:
    pattern = rf"^```{language}\n(.*?)^```"
    return re.findall(pattern, operations_section(), flags=re.S | re.M)


def shell_lines() -> list[str]:
    """Every command line of the section's ``sh`` blocks (comments kept)."""
    return [line.strip() for block in _blocks("sh") for line in block.splitlines() if line]


def compose_lines() -> list[str]:
    """The ``docker compose …`` commands, each up to a pipe, redirection or comment."""
    found = []
    for line in shell_lines():
        for part in re.split(r"\s[|&;]+\s", line):
            part = part.strip()
            if part.startswith("docker compose"):
                found.append(part)
    return found


def _argv(line: str) -> list[str]:
    words = shlex.split(line, comments=True)
    # A redirection (`> file`, `< file`) ends the command.
    for index, word in enumerate(words):
        if word in (">", "<", ">>"):
            return words[:index]
    return words


def operator_commands() -> list[list[str]]:
    """The arguments given to the ``kibaru`` service, in the README's order."""
    commands = []
    for line in compose_lines():
        words = _argv(line)
        if words[: len(OPERATOR_PREFIX)] == OPERATOR_PREFIX:
            commands.append(words[len(OPERATOR_PREFIX) :])
    return commands


def operator_command(verb: str, *, containing: str | None = None) -> list[str]:
    """The one README operator command starting with ``verb`` (and containing a word)."""
    matching = [
        cmd
        for cmd in operator_commands()
        if cmd and cmd[0] == verb and (containing is None or containing in cmd)
    ]
    assert len(matching) == 1, f"README: expected one `kibaru {verb}` command, got {matching}"
    return matching[0]


def service_table() -> dict[str, str]:
    """``service`` → ``command`` from the section's table (backquotes removed)."""
    table = {}
    for row in re.findall(r"^\| `([a-z]+)` \| (.+?) \|", operations_section(), flags=re.M):
        name, command = row
        table[name] = command.strip().strip("`")
    return table


def compose_services_named() -> list[tuple[str, list[str]]]:
    """(subcommand, service names) of each ``docker compose`` line that names services."""
    named = []
    for line in compose_lines():
        words = _argv(line)[2:]
        subcommand, rest = words[0], words[1:]
        if subcommand in ("run", "exec"):
            positional = [w for w in rest if not w.startswith("-")]
            named.append((subcommand, positional[:1]))
        elif subcommand in ("up", "restart", "stop", "start", "logs", "build", "ps"):
            services, scaled = [], []
            after_scale = False
            for word in rest:
                if after_scale:  # `--scale worker=4` names a service too
                    scaled.append(word.split("=")[0])
                    after_scale = False
                elif word == "--scale":
                    after_scale = True
                elif not word.startswith("-"):
                    services.append(word)
            named.append((subcommand, services))
            if scaled:
                named.append(("scale", scaled))
    return named


def container_shell(service: str, program: str) -> str:
    """The script of the one ``docker compose exec -T <service> sh -c '…'`` running
    ``program`` (``pg_dump``, ``psql``)."""
    scripts = []
    for line in compose_lines():
        words = _argv(line)
        in_container = words[2:7] == ["exec", "-T", service, "sh", "-c"]
        if in_container and words[7].split()[0] == program:
            scripts.append(words[7])
    assert len(scripts) == 1, f"README: expected one `{program}` in {service}, got {scripts}"
    return scripts[0]


def yaml_blocks() -> list[str]:
    return _blocks("yaml")
