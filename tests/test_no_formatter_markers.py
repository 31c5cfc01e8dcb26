"""No formatter markers in the project's code.

No formatter runs on this code base (``ruff check`` does, ``ruff format`` does not), so a
"fmt: skip" or "fmt: off" comment guards nothing and only says something untrue about
the line it stands on. Lay a statement out by hand instead.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("kibaru", "crawler", "workers", "storage", "tests", "benchmarks")
MARKER = re.compile(r"#\s*fmt:\s*(skip|off|on)\b")


def markers(root: Path) -> list[str]:
    """``path:line`` of every formatter marker in the Python files under ``FOLDERS``."""
    found = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if MARKER.search(line):
                    found.append(f"{path.relative_to(root)}:{number}")
    return found


def test_no_formatter_markers() -> None:
    found = markers(ROOT)
    assert not found, "formatter markers (no formatter runs; remove them): " + ", ".join(found)


def test_the_check_finds_a_marker(tmp_path: Path) -> None:
    comment = "# " + "fmt: "  # written in two pieces, so that this file holds no marker
    (tmp_path / "workers").mkdir()
    (tmp_path / "workers" / "a.py").write_text(f"x = 1\ny = (1,\n  2)  {comment}skip\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "b.py").write_text(f"def f(fmt: str) -> None: ...\n{comment}off\n")
    assert markers(tmp_path) == ["workers/a.py:3", "tests/b.py:2"]
