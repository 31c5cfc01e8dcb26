"""docs/design.md names files and functions that exist: the map stays true to the code.

Every path in backquotes (``crawler/run.py``, ``crawler/sources/*.yaml``) must match a file or
folder of the repository, every bare file name (``decide.py``) a file of the project, and in
"``path.py`` — ``name``" the name must be defined in that file (``Class.method``: both).
A file moved or renamed fails here until the map says where it went.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "design.md"
PACKAGES = ("kibaru", "crawler", "workers", "storage")
QUOTED = re.compile(r"`([^`\s]+)`")
PATHLIKE = re.compile(r"^[\w./*-]+(\.py|\.yaml|\.md|/)$")
DEFINED_IN = re.compile(r"`([\w/]+\.py)`\s+—\s+`(\w+(?:\.\w+)?)`")


def missing_paths(text: str, root: Path) -> list[str]:
    """The quoted paths and file names of ``text`` that match nothing under ``root``."""
    project_files = {path.name for package in PACKAGES for path in (root / package).rglob("*")}
    missing = []
    for quoted in dict.fromkeys(QUOTED.findall(text)):
        if not PATHLIKE.match(quoted) or "<" in quoted:
            continue
        if "/" not in quoted.rstrip("/"):
            found = quoted in project_files or (root / quoted).exists()
        else:
            found = any(root.glob(quoted.rstrip("/")))
        if not found:
            missing.append(quoted)
    return missing


def undefined_names(text: str, root: Path) -> list[str]:
    """``path — name`` pairs of ``text`` whose name the file does not define."""
    problems = []
    for path, name in dict.fromkeys(DEFINED_IN.findall(" ".join(text.split()))):
        source = root / path
        if not source.exists():
            continue  # reported by missing_paths
        code = source.read_text(encoding="utf-8")
        for part in name.split("."):
            if not re.search(rf"^\s*(async\s+def|def|class)\s+{part}\b|^{part}\s*[:=]", code, re.M):
                problems.append(f"{path} — {name}")
                break
    return problems


def test_every_file_the_design_names_exists() -> None:
    missing = missing_paths(DOC.read_text(encoding="utf-8"), ROOT)
    assert not missing, f"docs/design.md names files that are not there: {missing}"


def test_every_function_the_design_names_is_in_its_file() -> None:
    problems = undefined_names(DOC.read_text(encoding="utf-8"), ROOT)
    assert not problems, f"docs/design.md names what its file does not define: {problems}"


def test_the_checks_see_a_moved_file_and_a_renamed_function(tmp_path: Path) -> None:
    (tmp_path / "workers").mkdir()
    (tmp_path / "workers" / "pipeline.py").write_text("class Runner:\n    def go(self): ...\n")
    text = (
        "1. `workers/pipeline.py` — `Runner.go` then\n`workers/pipeline.py` — `Runner.stop`;"
        " `workers/gone.py`, `pipeline.py`, `decide.py`, `workers/`, `crawler/sources/*.yaml`,"
        " `tests/fixtures/pages/<source id>/`, `redis://…`"
    )
    assert missing_paths(text, tmp_path) == [
        "workers/gone.py",
        "decide.py",
        "crawler/sources/*.yaml",
    ]
    assert undefined_names(text, tmp_path) == ["workers/pipeline.py — Runner.stop"]
