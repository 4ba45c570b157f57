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
from tests.readback import assert_readable_workbook
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
        if previous.suffix == ".xlsx":
            assert_readable_workbook(previous)
    else:
        assert previous.read_bytes() == PREVIOUS
        assert text.strip()


EXPORTS = [c for c in CASES if read_expect(c.with_suffix(".expect")).export_exit is not None]


@pytest.mark.parametrize("command", ["export", "project-xlsx"])
@pytest.mark.parametrize("case", EXPORTS, ids=[c.stem for c in EXPORTS])
def test_workbook_outcome(cli, tmp_path: Path, command: str, case: Path):
    """The corpus's export_* keys: what the workbook commands must do with a file that the
    other commands may take (a name Excel counts differently, a date no spreadsheet reads as
    commitcast does, a contract overflowing past the horizon); a workbook written reads back
    in openpyxl and pandas with no non-finite number."""
    expect = read_expect(case.with_suffix(".expect"))
    result, text, path, previous = _run(cli, tmp_path, command, case)
    assert result.exit_code == expect.export_exit, text
    for fragment in expect.export_fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    for location in expect.export_at:
        assert f"{path}:{location}:" in text, text
    if expect.export_exit == 0:
        assert previous.read_bytes() != PREVIOUS
        assert_readable_workbook(previous)
    else:
        assert previous.read_bytes() == PREVIOUS


def test_overflow_is_refused_by_every_command_that_projects_it(cli, tmp_path: Path):
    case = next(c for c in CASES if c.name.startswith("66-"))
    for command in ("export", "project-xlsx", "simulate", "compare"):
        sub = tmp_path / command
        sub.mkdir()
        result, text, _, previous = _run(cli, sub, command, case)
        assert result.exit_code == 2
        assert "the projection is too large to compute" in text
        assert previous.read_bytes() == PREVIOUS


# ---- command-line cases (issue 16) -----------------------------------------------------------
# Paths, sizes and outputs that no scenario file can show: each through every command that reads
# a scenario, the outcome a clear message and exit 2 (or a result), nothing left behind.

SMALL = """\
name: Small
horizon: {start: 2026-06, months: 12}
contracts:
  - {name: Reservation, monthly_fee: 1000, start: 2026-06-01, end: 2027-05-31}
revenue:
  - {name: API, tokens_per_month: 1e12, price_per_million_tokens: 2, growth: 1%}
"""
READERS = {"validate": (["validate", "FILE"], None), "project": (["project", "FILE"], None)}
READERS |= COMMANDS


def _argv(args: list[str], scenario: Path | str, out: Path | str) -> list[str]:
    return [str(scenario) if a == "FILE" else str(out) if a == "OUT" else a for a in args]


def _clean(result, *fragments: str, code: int = 2) -> str:
    text = result.stdout + result.stderr
    assert result.exit_code == code, text
    assert "Traceback" not in text and "internal error" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    return text


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_symlink_loop_as_the_scenario(cli, tmp_path: Path, command: str):
    # was: internal error: RuntimeError: Symlink loop from '...'
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    args, name = READERS[command]
    result = cli(*_argv(args, tmp_path / "a.yaml", tmp_path / (name or "x")))
    _clean(result, "a.yaml: the path is a loop of symbolic links")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_scenario_name_over_255_bytes(cli, tmp_path: Path, command: str):
    # was: internal error: OSError: [Errno 36] File name too long
    args, name = READERS[command]
    long = tmp_path / ("é" * 130 + ".yaml")  # 265 bytes
    result = cli(*_argv(args, long, tmp_path / (name or "x")))
    _clean(result, "the name is too long for this system")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_symlink_loop_as_the_output(cli, tmp_path: Path, command: str):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    args, name = COMMANDS[command]
    loop = tmp_path / f"loop{Path(name).suffix}"
    other = tmp_path / f"other{Path(name).suffix}"
    loop.symlink_to(other)
    other.symlink_to(loop)
    result = cli(*_argv(args, scenario, loop))
    _clean(result, "the path is a loop of symbolic links")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([loop.name, other.name, "s.yaml"])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_output_name_over_255_bytes(cli, tmp_path: Path, command: str):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    args, name = COMMANDS[command]
    out = tmp_path / ("o" * 300 + Path(name).suffix)
    result = cli(*_argv(args, scenario, out))
    _clean(result, "bytes long; a file or folder name can have at most 255")
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]


@pytest.mark.parametrize("command", ["project-csv", "export"])
@pytest.mark.parametrize("size", [241, 250, 255])
def test_an_output_name_of_241_to_255_bytes_is_written(cli, tmp_path: Path, command, size):
    # was refused: the temporary name added 15 characters past the file system's 255
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    suffix = ".csv" if command == "project-csv" else ".xlsx"
    out = tmp_path / ("n" * (size - len(suffix)) + suffix)
    if command == "project-csv":
        result = cli("project", scenario, "-f", "csv", "-o", out)
    else:
        result = cli("export", scenario, "-o", out)
    _clean(result, code=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["s.yaml", out.name])
    assert out.stat().st_size > 0


def test_simulate_that_cannot_fit_the_memory_free_is_refused_before_it_starts(
    cli, tmp_path: Path, monkeypatch
):
    # was: accepted, then MemoryError partway through (a budget larger than the machine)
    import commitcast.analysis.simulate as simulate

    monkeypatch.setattr(simulate, "memory_free", lambda: 2 << 30)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        SMALL.replace("months: 12", "months: 1200").replace(
            "growth: 1%", "growth: {dist: normal, mean: 0.001, sd: 0.001}"
        ),
        encoding="utf-8",
    )
    out = tmp_path / "sim.csv"
    result = cli(
        "simulate", scenario, "--runs", "1000000", "--memory", "64G", "-o", out, "-f", "csv"
    )
    _clean(
        result, "1,000,000 runs x 1,200 months need about", "but this machine has about 2 GiB free"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]


def _portfolio(contracts: int, months: int, steps: int = 0) -> str:
    ramp = ", ".join("{months: 1, fraction: 0.5}" for _ in range(steps))
    lines = ["name: Large", f"horizon: {{start: 2026-06, months: {months}}}", "contracts:"]
    for i in range(contracts):
        lines.append(
            f"  - {{name: C{i}, monthly_fee: 1000, start: 2026-06-01, end: 2126-05-31"
            + (f", ramp: [{ramp}]" if steps else "")
            + "}"
        )
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("shape", "fragment"),
    [
        ((1000, 1200, 0), "1,000 contract(s), horizons up to 1,200 months make about"),
        ((1000, 1200, 30), "ramps up to 30 steps make about"),
    ],
    ids=["1000-contracts-x-1200-months", "with-ramps"],
)
@pytest.mark.parametrize("command", ["export", "project-xlsx"])
def test_a_workbook_too_large_to_write_is_refused_with_the_estimate(
    cli, tmp_path: Path, shape, fragment, command
):
    # was: 209 s and 7 GiB before a ZIP64 error; 11 GiB for the ramp
    scenario = tmp_path / "large.yaml"
    scenario.write_text(_portfolio(*shape), encoding="utf-8")
    out = tmp_path / "book.xlsx"
    table = tmp_path / "table.csv"
    if command == "export":
        result = cli("export", scenario, "-o", out)
    else:
        result = cli("project", scenario, "-f", "csv", "-o", table, "--xlsx", out)
    _clean(result, f"{scenario}: the workbook would be too large to write", fragment, "MiB")
    assert [p.name for p in tmp_path.iterdir()] == ["large.yaml"]  # not even the table


@pytest.mark.parametrize("command", ["export", "project-xlsx"])
def test_a_ramp_of_1000_steps_is_written(cli, tmp_path: Path, command):
    # was 11 GiB (each month's formula held every step, nested), then refused with the
    # estimate; the ramp is now a table and one lookup: 9 MB of sheet data
    scenario = tmp_path / "ramp.yaml"
    scenario.write_text(_portfolio(1, 1200, 1000), encoding="utf-8")
    out = tmp_path / "book.xlsx"
    if command == "export":
        result = cli("export", scenario, "-o", out)
    else:
        result = cli("project", scenario, "-f", "csv", "-o", tmp_path / "t.csv", "--xlsx", out)
    _clean(result, code=0)
    assert_readable_workbook(out)


HOSTILE = """\
name: "[x](javascript:alert(1)) <img src=x onerror=alert(1)>"
horizon: {start: 2026-06, months: 36}
contracts:
  - {name: "*C* | `c` &amp;", monthly_fee: 1000, start: 2026-06-01, end: 2027-05-31}
"""


@pytest.mark.parametrize("command", ["compare", "metric", "bridge"])
def test_markdown_outputs_escape_names(cli, tmp_path: Path, command: str):
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(HOSTILE, encoding="utf-8")
    args = {
        "compare": ["compare", BASE, scenario],
        "metric": ["compare", BASE, scenario, "--metric", "revenue"],
        "bridge": ["compare", BASE, scenario, "--bridge", "npv"],
    }[command]
    text = _clean(cli(*args, "-f", "md"), code=0)
    assert r"\[x\](javascript:alert(1)) \<img src=x onerror=alert(1)\>" in text
    assert "](javascript" not in text.replace(r"\](javascript", "")
    assert "<img" not in text.replace(r"\<img", "")


UNDEFINED_MARGIN = """\
name: A margin % past the range of numbers
horizon: {start: 2026-06, months: 12}
contracts:
  - {name: Reservation, monthly_fee: 1B, start: 2026-06-01, end: 2027-05-31}
revenue:
  - {name: API, revenue_per_month: 1e-300}
"""


def test_an_overflowing_figure_is_undefined_in_every_output(cli, tmp_path: Path):
    # margin % = -1.2e10 / 1.2e-299 = -inf: the terminal said 0.0%, JSON null, CSV -inf
    import csv
    import io
    import json

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(UNDEFINED_MARGIN, encoding="utf-8")
    document = json.loads(_clean(cli("project", scenario, "-f", "json"), code=0))
    assert document["summary"]["gross_margin_pct"] is None
    rows = list(csv.DictReader(io.StringIO(_clean(cli("project", scenario, "-f", "csv"), code=0))))
    assert {row["gross_margin_pct"] for row in rows} == {""}
    table = _clean(cli("project", scenario), code=0)
    for text in (table, _clean(cli("compare", BASE, scenario, "-f", "md"), code=0)):
        assert "inf" not in text.lower().replace("inference", "")
        assert "0.0%" not in "".join(line for line in text.splitlines() if "margin %" in line)
    compare = _clean(cli("compare", BASE, scenario, "-f", "csv"), code=0)
    assert "inf" not in compare.lower().replace("inference", "")
