"""Rewrite the golden files of the fixture corpus from the current code.

    python -m tests.clean.regenerate [KEY_SUBSTRING ...]

Read every changed golden (``git diff tests/fixtures/pages``) against the page before
committing it: a golden is the truth only once a person has checked it.
"""

from __future__ import annotations

import json
import sys

from tests.clean.corpus import fixtures, golden_file


def main(selected: list[str]) -> int:
    changed = 0
    for fixture in fixtures():
        if selected and not any(part in fixture.key for part in selected):
            continue
        text = json.dumps(golden_file(fixture), ensure_ascii=False, indent=2) + "\n"
        path = fixture.golden_path
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
            print(f"updated {fixture.key}")
    print(f"{changed} golden file(s) changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
