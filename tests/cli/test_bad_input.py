"""Bad input to the CLI gives one clear line, never a traceback, and loses nothing.

Every case runs the real ``kibaru`` command in a subprocess.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

KIBARU = [sys.executable, "-m", "kibaru"]
# Root writes to read-only files anyway; without these capabilities it obeys the mode bits
# as any operator account would.
AS_PLAIN_USER = (
    ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
)

SOURCE = """\
  - id: {id}
    name: "{name}"
    country: SN
    language: fr
    homepage: https://{id}.example.org/
"""


def run(
    args: list[str], cwd: Path, *, prefix: list[str] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")}
    return subprocess.run(
        [*(prefix or []), *KIBARU, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "KIBARU_BUILTIN_SOURCES": "false", **env},
    )


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def sources_file(path: Path, *entries: tuple[str, str], extra: str = "") -> Path:
    path.write_text(
        "sources:\n" + "".join(SOURCE.format(id=i, name=n) for i, n in entries) + extra,
        encoding="utf-8",
    )
    return path


def stored_db(tmp_path: Path) -> str:
    from storage.db import open_store
    from storage.repository import upsert_article

    url = f"sqlite:///{tmp_path}/k.db"
    store = open_store(url)
    with store.session() as session:
        upsert_article(session, {"url": "https://a.ml/1", "source": "amap", "text": "x"})
    store.dispose()
    return url


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "warc"])
def test_export_into_a_missing_directory_or_onto_a_directory(fmt: str, tmp_path: Path) -> None:
    url = stored_db(tmp_path)
    missing = run(
        ["export", "-f", fmt, "-o", str(tmp_path / "no" / f"out.{fmt}")],
        tmp_path,
        KIBARU_DATABASE_URL=url,
    )
    assert "does not exist" in one_clear_line(missing)
    assert not (tmp_path / "no").exists()
    onto = run(["export", "-f", fmt, "-o", str(tmp_path)], tmp_path, KIBARU_DATABASE_URL=url)
    assert "is a directory" in one_clear_line(onto)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_an_export_that_cannot_be_written_leaves_the_old_file(tmp_path: Path) -> None:
    url = stored_db(tmp_path)
    target = tmp_path / "out.jsonl"
    target.write_text("previous export\n", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "out.jsonl").write_text("kept\n", encoding="utf-8")
    locked.chmod(0o555)
    try:
        refused = run(
            ["export", "-o", str(locked / "out.jsonl")],
            tmp_path,
            prefix=AS_PLAIN_USER,
            KIBARU_DATABASE_URL=url,
        )
        assert "cannot write" in one_clear_line(refused)
        assert (locked / "out.jsonl").read_text(encoding="utf-8") == "kept\n"
    finally:
        locked.chmod(0o755)
    written = run(["export", "-o", str(target)], tmp_path, KIBARU_DATABASE_URL=url)
    assert written.returncode == 0, written.stderr
    assert '"https://a.ml/1"' in target.read_text(encoding="utf-8")
    assert oct(target.stat().st_mode & 0o777) == "0o644"


@pytest.mark.parametrize(
    "command", [["sources"], ["sources", "check"], ["crawl", "--all"], ["extract", "x.html"]]
)
def test_sources_naming_a_directory(command: list[str], tmp_path: Path) -> None:
    result = run([*command, "--sources", str(tmp_path)], tmp_path)
    assert "is a directory" in one_clear_line(result)


def test_crawl_on_a_read_only_sqlite_file(tmp_path: Path) -> None:
    url = stored_db(tmp_path)
    sources = sources_file(tmp_path / "s.yaml", ("one", "One"))
    (tmp_path / "k.db").chmod(0o444)
    before = (tmp_path / "k.db").read_bytes()
    result = run(
        ["crawl", "one", "--sources", str(sources)],
        tmp_path,
        prefix=AS_PLAIN_USER,
        KIBARU_DATABASE_URL=url,
    )
    line = one_clear_line(result)
    assert "read-only" in line and "KIBARU_DATABASE_URL" in line
    assert "server" not in line
    assert (tmp_path / "k.db").read_bytes() == before
    # Reading a read-only store still works.
    exported = run(["export"], tmp_path, prefix=AS_PLAIN_USER, KIBARU_DATABASE_URL=url)
    assert exported.returncode == 0 and "https://a.ml/1" in exported.stdout


def test_a_sqlite_error_does_not_speak_of_a_server(tmp_path: Path) -> None:
    for url in (f"sqlite:///{tmp_path}/missing/k.db", f"sqlite:///{tmp_path}"):
        line = one_clear_line(run(["export"], tmp_path, KIBARU_DATABASE_URL=url))
        assert "server" not in line and "KIBARU_DATABASE_URL" in line, line


def test_two_entries_with_one_id_are_refused_naming_both(tmp_path: Path) -> None:
    path = sources_file(
        tmp_path / "s.yaml", ("same", "Le Soleil"), ("other", "Other"), ("same", "Mali Web")
    )
    for command in (["sources"], ["crawl", "same"]):
        line = one_clear_line(run([*command, "--sources", str(path)], tmp_path))
        assert "#1" in line and "#3" in line and "'same'" in line
        assert "Le Soleil" in line and "Mali Web" in line


def test_square_brackets_in_an_error_are_printed(tmp_path: Path) -> None:
    path = sources_file(tmp_path / "s.yaml", ("Bad Id", "x"))
    line = one_clear_line(run(["sources", "--sources", str(path)], tmp_path))
    assert "'^[a-z0-9][a-z0-9_-]*$'" in line


def test_a_schedule_that_is_not_cron_is_refused_with_its_source(tmp_path: Path) -> None:
    path = sources_file(
        tmp_path / "s.yaml",
        ("good", "Good"),
        ("bad", "Bad"),
        extra='    schedule: "every two hours"\n',
    )
    line = one_clear_line(run(["sources", "--sources", str(path)], tmp_path))
    assert "source bad" in line and "schedule" in line and "every two hours" in line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_beat_schedules_the_good_sources_and_reports_the_bad_one(tmp_path: Path) -> None:
    path = sources_file(
        tmp_path / "s.yaml", ("good", "Good"), ("bad", "Bad"), extra='    schedule: "61 * * * *"\n'
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIBARU_")}
    # Nothing listens on the broker port: beat never sends anything anywhere.
    env = {
        **clean,
        "KIBARU_BUILTIN_SOURCES": "false",
        "KIBARU_BROKER_URL": f"redis://127.0.0.1:{_free_port()}/0",
    }
    beat = subprocess.Popen(
        [*KIBARU, "beat", "--sources", str(path), "--schedule-file", str(tmp_path / "sched")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = ""
    try:
        assert beat.stdout is not None
        deadline = time.monotonic() + 60
        while "scheduled crawls" not in output and time.monotonic() < deadline:
            line = beat.stdout.readline()
            if not line and beat.poll() is not None:
                break
            output += line
    finally:
        beat.send_signal(signal.SIGTERM)
        try:
            beat.wait(timeout=20)
        except subprocess.TimeoutExpired:
            beat.kill()
            beat.wait()
    assert "not scheduled:" in output and "source bad" in output and "61 * * * *" in output
    assert "beat: 1 scheduled crawls" in output
    assert "Traceback" not in output


def test_a_selector_that_is_not_css_is_refused_with_its_source(tmp_path: Path) -> None:
    path = sources_file(
        tmp_path / "s.yaml", ("sel", "Sel"), extra='    selectors:\n      body: "div[[["\n'
    )
    for command in (["sources"], ["extract", "x.html", "--url", "https://sel.example.org/a"]):
        line = one_clear_line(run([*command, "--sources", str(path)], tmp_path))
        assert "source sel" in line and "selectors.body" in line and "div[[[" in line


@pytest.mark.parametrize("where", ["missing", "directory"])
def test_beat_schedule_file_in_a_missing_directory_or_onto_one(where: str, tmp_path: Path) -> None:
    target = tmp_path / "no" / "schedule" if where == "missing" else tmp_path
    result = run(
        ["beat", "--schedule-file", str(target)],
        tmp_path,
        KIBARU_BROKER_URL=f"redis://127.0.0.1:{_free_port()}/0",
    )
    line = one_clear_line(result)
    assert "--schedule-file" in line
    assert ("does not exist" if where == "missing" else "is a directory") in line


def test_a_path_with_square_brackets_is_printed_as_it_is(tmp_path: Path) -> None:
    url = stored_db(tmp_path)
    target = tmp_path / "[daily]" / "out.jsonl"
    target.parent.mkdir()
    result = run(["export", "-o", str(target)], tmp_path, KIBARU_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert f"to {target}" in result.stderr


def test_export_to_dev_stdout_and_through_a_symlink(tmp_path: Path) -> None:
    url = stored_db(tmp_path)
    piped = run(["export", "-o", "/dev/stdout"], tmp_path, KIBARU_DATABASE_URL=url)
    assert piped.returncode == 0, piped.stderr
    assert '"https://a.ml/1"' in piped.stdout
    assert Path("/dev/stdout").is_symlink() or Path("/dev/stdout").exists()
    link = tmp_path / "latest.jsonl"
    link.symlink_to(tmp_path / "real.jsonl")
    linked = run(["export", "-o", str(link)], tmp_path, KIBARU_DATABASE_URL=url)
    assert linked.returncode == 0, linked.stderr
    assert link.is_symlink() and '"https://a.ml/1"' in (tmp_path / "real.jsonl").read_text()


@pytest.mark.parametrize(
    "command",
    [
        ["extract", "/dev/zero", "--url", "https://x.example.org/a"],
        ["extract", "--manifest", "/dev/zero"],
        ["sources", "--sources", "/dev/zero"],
        ["crawl", "--all", "--sources", "/dev/zero"],
    ],
)
def test_an_endless_input_is_refused_at_a_cap(command: list[str], tmp_path: Path) -> None:
    # Before, each of these read /dev/zero until memory ran out (run() times out at 120 s).
    result = run(command, tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "/dev/zero" in result.stdout + result.stderr
    assert "over" in result.stdout + result.stderr or "line end" in result.stderr
