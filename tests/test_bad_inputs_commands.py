"""The bad-input corpus through every other command that reads a scenario.

export, project --xlsx, simulate, compare, sensitivity, solve, exit and obligations must refuse
each bad file exactly as validate does (same messages at the same file:line:column, exit 2, no
traceback) and leave a previous output file untouched with no temporary file beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from tests.test_bad_inputs import CASES, read_expect

BASE = SCENARIOS / "colossus-base.yaml"
PREVIOUS = b"previous output, must survive\n"

# command -> (arguments with FILE and OUT placeholders, output file name)
COMMANDS: dict[str, tuple[list[str], str]] = {
    "export": (["export", "FILE", "-o", "OUT"], "book.xlsx"),
    "project-xlsx": (["project", "FILE", "--xlsx", "OUT"], "projection.xlsx"),
    "simulate": (["simulate", "FILE", "--runs", "20", "-f", "csv", "-o", "OUT"], "sim.csv"),
    "compare": (["compare", str(BASE), "FILE", "-f", "csv", "-o", "OUT"], "compare.csv"),
    "sensitivity": (["sensitivity", "FILE", "-f", "csv", "-o", "OUT"], "tornado.csv"),
    "solve": (["solve", "FILE", "--breakeven-utilization", "-f", "json", "-o", "OUT"], "s.json"),
    "exit": (["exit", "FILE", "-f", "csv", "-o", "OUT"], "exit.csv"),
    "obligations": (["obligations", "FILE", "-f", "csv", "-o", "OUT"], "obligations.csv"),
}

BAD = [c for c in CASES if (e := read_expect(c.with_suffix(".expect"))).exit == 2]
PURE = [c for c in BAD if read_expect(c.with_suffix(".expect")).validate_exit is None]
OTHER = [c for c in CASES if c not in PURE]


def _run(cli, tmp_path: Path, command: str, case: Path):
    args, name = COMMANDS[command]
    path = tmp_path / case.name
    shutil.copyfile(case, path)
    out = tmp_path / "out"
    out.mkdir()
    previous = out / name
    previous.write_bytes(PREVIOUS)
    argv = [str(path) if a == "FILE" else str(previous) if a == "OUT" else a for a in args]
    result = cli(*argv)
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert [p.name for p in out.iterdir()] == [name], "a temporary file was left behind"
    return result, text, path, previous


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", PURE, ids=[c.stem for c in PURE])
def test_bad_scenario_is_refused_like_validate(cli, tmp_path: Path, command: str, case: Path):
    expect = read_expect(case.with_suffix(".expect"))
    result, text, path, previous = _run(cli, tmp_path, command, case)
    assert result.exit_code == 2, text
    for fragment in expect.fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    for location in expect.at:
        assert f"{path}:{location}:" in text, text
    assert previous.read_bytes() == PREVIOUS


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", OTHER, ids=[c.stem for c in OTHER])
def test_other_inputs_end_cleanly(cli, tmp_path: Path, command: str, case: Path):
    """Accepted inputs may still not suit a command (exit has nothing to exit from): either
    way the outcome is a result or a clear refusal, and a refusal writes nothing."""
    result, text, _, previous = _run(cli, tmp_path, command, case)
    assert result.exit_code in (0, 2), text
    if result.exit_code == 0:
        assert previous.read_bytes() != PREVIOUS
        assert previous.stat().st_size > 0
    else:
        assert previous.read_bytes() == PREVIOUS
        assert text.strip()


def test_overflow_is_refused_by_every_command_that_projects_it(cli, tmp_path: Path):
    case = next(c for c in CASES if c.name.startswith("66-"))
    for command in ("export", "project-xlsx", "simulate", "compare"):
        sub = tmp_path / command
        sub.mkdir()
        result, text, _, previous = _run(cli, sub, command, case)
        assert result.exit_code == 2
        assert "the projection is too large to compute" in text
        assert previous.read_bytes() == PREVIOUS
