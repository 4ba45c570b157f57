"""What every command shares (cli/io.py): reading scenarios with --set and warnings, refusing an
output that is also an input, writing output whole, and the command line for the Audit sheet.

Outputs through whole commands (files written whole, devices, pipes, symlinks) are in
tests/test_nothing_lost.py and tests/cli/test_core.py.
"""

from __future__ import annotations

import importlib
import sys

import openpyxl
import pytest

from commitcast.cli.io import (
    check_output,
    check_workbook_path,
    command_line,
    emit,
    load,
    load_all,
    write_project_workbook,
)
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from tests.conftest import SCENARIOS

cli_app = importlib.import_module("commitcast.cli.app")
BASE = SCENARIOS / "colossus-base.yaml"

OUTSIDE = """\
name: Outside
horizon: {start: 2026-01, months: 3}
contracts:
  - {name: Late, monthly_fee: 1, start: 2027-01-01, end: 2027-12-31}
"""


@pytest.fixture(autouse=True)
def no_destinations():
    cli_app.destinations.clear()
    yield
    cli_app.destinations.clear()


def test_load_applies_sets_and_prints_warnings_to_stderr(write_scenario, capsys):
    scenario = load(write_scenario(OUTSIDE), ["discount_rate=0.05"])
    assert scenario.discount_rate == 0.05
    assert scenario.provenance.overrides == ("discount_rate=0.05",)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "warning:" in captured.err and "Late" in captured.err


def test_load_all_reports_every_file_at_once(write_scenario):
    good = write_scenario(OUTSIDE, "good.yaml")
    bad = write_scenario("name: x\nhorizon: {start: 2026-13, months: 1}\n", "bad.yaml")
    worse = write_scenario("name: y\n", "worse.yaml")
    with pytest.raises(CommitcastError) as caught:
        load_all([bad, good, worse])
    files = {p.file for p in caught.value.problems}
    assert files == {str(bad), str(worse)}
    assert [s.name for s in load_all([good, good])] == ["Outside", "Outside"]


def test_a_scenario_that_is_also_the_output_is_refused(write_scenario, tmp_path, monkeypatch):
    path = write_scenario(OUTSIDE)
    check_output(path)
    with pytest.raises(CommitcastError) as caught:
        load(path)
    assert "is both a scenario to read and the output to write" in str(caught.value)
    # the same file under another name is the same file
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommitcastError):
        load(path.relative_to(tmp_path))


def test_check_output(tmp_path):
    check_output(None)  # nothing to check
    assert cli_app.destinations == set()
    check_output(tmp_path / "out.csv")
    assert cli_app.destinations == {str((tmp_path / "out.csv").resolve())}
    with pytest.raises(CommitcastError, match="does not exist"):
        check_output(tmp_path / "missing" / "out.csv")
    assert list(tmp_path.iterdir()) == []  # checking writes nothing


def test_emit_to_stdout_or_whole_to_a_file(tmp_path, capsys):
    emit("a,b\n1,2\n", None)
    assert capsys.readouterr().out == "a,b\n1,2\n"
    target = tmp_path / "out.csv"
    emit("a,b\n1,2\n", target)
    assert target.read_text(encoding="utf-8") == "a,b\n1,2\n"
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"wrote {target}\n"


def test_command_line_as_typed_or_rebuilt(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/commitcast", "export", "a b.yaml", "-o", "x"])
    assert command_line(["ignored"]) == "commitcast export 'a b.yaml' -o x"
    monkeypatch.setattr(sys, "argv", ["/x/commitcast/__main__.py", "project", "s.yaml"])
    assert command_line(["ignored"]) == "commitcast project s.yaml"
    # under a test runner the command is rebuilt from its parsed arguments
    monkeypatch.setattr(sys, "argv", ["pytest", "-q"])
    assert command_line(["project", "my deal.yaml", "--set", "x=1"]) == (
        "commitcast project 'my deal.yaml' --set x=1"
    )


@pytest.mark.parametrize("name", ["board.xlsx", "BOARD.XLSX"])
def test_a_workbook_name_ends_in_xlsx(tmp_path, name):
    check_workbook_path(tmp_path / name)
    assert str((tmp_path / name).resolve()) in cli_app.destinations


@pytest.mark.parametrize("name", ["board.xls", "board.csv", "board"])
def test_any_other_workbook_name_is_refused_with_one_that_works(tmp_path, name):
    with pytest.raises(CommitcastError) as caught:
        check_workbook_path(tmp_path / name)
    (problem,) = caught.value.problems
    assert problem.file == "command line"
    assert problem.message == f"{tmp_path / name}: a workbook file name must end in .xlsx"
    assert problem.hint == "e.g. -o board.xlsx"


def test_project_workbook_records_the_command(tmp_path, monkeypatch, capsys):
    from commitcast.load.overrides import apply_overrides
    from commitcast.load.validation import load_scenario

    monkeypatch.setattr(sys, "argv", ["pytest"])
    result = projection(apply_overrides(load_scenario(BASE), ["discount_rate=0.08"]))
    target = tmp_path / "base.xlsx"
    write_project_workbook(target, result, BASE, ["discount_rate=0.08"])
    assert capsys.readouterr().err == f"wrote {target}\n"
    cells = [c.value for row in openpyxl.load_workbook(target)["Audit"].iter_rows() for c in row]
    assert f"commitcast project {BASE} --set discount_rate=0.08 --xlsx {target}" in cells
    assert "discount_rate=0.08" in cells  # the override, on a line of its own
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.xlsx"]


def test_with_progress_gives_no_bar_off_a_terminal_or_below_its_threshold():
    from commitcast.cli.io import with_progress

    seen = []

    def work(progress):
        seen.append(progress)
        return "done"

    # the tests' stderr is not a terminal: no bar, whatever the runs
    assert with_progress(work, 100_000) == "done"
    assert with_progress(work, 0) == "done"
    assert seen == [None, None]
