"""The Dockerfile, checked without building it: pinned base, wheels from a builder stage, no
build tools in the final image, a non-root user, ``kibaru`` as the entry point, and every
file it copies present in the build context (and not excluded by .dockerignore)."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy.compose_model import DOCKERFILE, DOCKERIGNORE, ROOT

PINNED_BASE = re.compile(r"python:3\.11\.\d+-slim-bookworm")
BUILD_TOOLS = ("build-essential", "gcc", "g++", "make", "libc6-dev", "python3-dev", "cargo")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """The stages of a Dockerfile: (instruction, arguments) with continuations joined."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif stages:
            stages[-1].instructions.append((keyword, arguments.strip()))
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def _dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _excluded(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; ``!`` re-includes."""
    excluded = False
    parts = Path(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.removeprefix("!").removeprefix("/")
        globs = [glob, glob.removeprefix("**/")] if glob.startswith("**/") else [glob]
        if any(fnmatch.fnmatch(c, g) for c in candidates for g in globs):
            excluded = not negated
    return excluded


def test_every_stage_uses_the_pinned_slim_python_base(stages: list[Stage]) -> None:
    assert len(stages) >= 2, "a builder stage and a final stage"
    for stage in stages:
        assert PINNED_BASE.fullmatch(stage.base), f"unpinned base image {stage.base}"


def test_wheels_are_built_in_the_builder_and_only_installed_in_the_final_image(
    stages: list[Stage],
) -> None:
    builder, final = stages[0], stages[-1]
    assert builder.name, "name the builder stage (FROM … AS builder)"
    assert any("pip wheel" in run for run in builder.arguments("RUN"))
    installs = [run for run in final.arguments("RUN") if "pip install" in run]
    assert installs, "the final stage installs the wheels"
    assert all("--no-index" in run for run in installs), "install only the built wheels"
    assert any(f"from={builder.name}" in run for run in installs)


def test_no_build_tools_in_the_final_image(stages: list[Stage]) -> None:
    final = stages[-1]
    for run in final.arguments("RUN"):
        words = set(shlex.split(run.replace("&&", " ")))
        assert not words & set(BUILD_TOOLS), f"build tools installed in the final image: {run}"
    # Nothing but wheels comes over from the builder.
    for copy in final.arguments("COPY"):
        assert "--from" not in copy or "/wheels" in copy


def test_the_app_runs_as_a_non_root_user_with_kibaru_as_entry_point(
    stages: list[Stage],
) -> None:
    final = stages[-1]
    users = final.arguments("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0"), "run as a non-root user"
    keywords = [kw for kw, _ in final.instructions]
    last_run = max(i for i, kw in enumerate(keywords) if kw == "RUN")
    assert keywords.index("USER") > last_run, "switch user after the last RUN"
    assert json.loads(final.arguments("ENTRYPOINT")[-1]) == ["kibaru"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "kibaru" in pyproject["project"]["scripts"], "the entry point is the console script"


def test_every_copied_file_exists_and_reaches_the_build_context(stages: list[Stage]) -> None:
    patterns = _dockerignore_patterns()
    copied: list[str] = []
    for stage in stages:
        for copy in stage.arguments("COPY") + stage.arguments("ADD"):
            words = [w for w in shlex.split(copy) if not w.startswith("--")]
            if any(w.startswith("--from") for w in shlex.split(copy)):
                continue
            copied.extend(words[:-1])
    assert copied, "the Dockerfile copies the project"
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        assert not _excluded(source, patterns), f"COPY {source}: excluded by .dockerignore"


def test_the_build_context_has_everything_pip_needs(stages: list[Stage]) -> None:
    """The wheel of kibaru is built from what was copied: its packages and its readme."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied = {
        word.rstrip("/")
        for stage in stages
        for copy in stage.arguments("COPY")
        for word in shlex.split(copy)[:-1]
    }
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in packages:
        assert package.rstrip("*") in copied, f"package {package} is not copied"
    assert pyproject["project"]["readme"] in copied
    assert "pyproject.toml" in copied
    # The flower service runs from this image: the extra that brings it must exist.
    monitoring = pyproject["project"]["optional-dependencies"]["monitoring"]
    assert any(req.startswith("flower") for req in monitoring)
    assert "kibaru[monitoring]" in DOCKERFILE.read_text(encoding="utf-8")


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    patterns = _dockerignore_patterns()
    for path in (".env", ".git", ".venv", "kibaru.db", "data/articles.jsonl", "tests/x.py"):
        assert _excluded(path, patterns), f"{path} would be sent to the build context"
    assert not _excluded("README.md", patterns)
    assert not _excluded("storage/migrations/script.py.mako", patterns)
