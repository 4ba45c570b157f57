"""`commitcast export` (cli/export.py): scenarios to one workbook.

The workbook's contents are tested in tests/render/test_excel.py, where the command's errors
(a name not ending in .xlsx, a bad --set, every bad file reported together) and its Audit sheet
are too; interrupted writes in tests/test_nothing_lost.py. Here: what the command itself does.
"""

from __future__ import annotations

import openpyxl
import pytest

from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
DOWN = SCENARIOS / "colossus-downside.yaml"


def assumption(book, name: str):
    sheet, cell = next(iter(book.defined_names[name].destinations))
    return book[sheet][cell.replace("$", "")].value


def test_one_column_per_file_and_a_line_saying_where(cli, tmp_path):
    out = tmp_path / "board.xlsx"
    result = cli("export", BASE, DOWN, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote {out}\n"
    summary = openpyxl.load_workbook(out, data_only=True)["Summary"]
    assert [summary["B4"].value, summary["C4"].value] == [
        "Colossus reservation, base case",
        "Colossus reservation, downside",
    ]


def test_set_applies_to_every_scenario(cli, tmp_path):
    out = tmp_path / "board.xlsx"
    result = cli("export", BASE, DOWN, "--output", out, "-s", "discount_rate=0.07")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert assumption(book, "S1_DiscountRate") == pytest.approx(0.07, abs=1e-12)
    assert assumption(book, "S2_DiscountRate") == pytest.approx(0.07, abs=1e-12)


def test_an_upper_case_suffix_is_a_workbook_too(cli, tmp_path):
    result = cli("export", BASE, "-o", tmp_path / "BOARD.XLSX")
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["BOARD.XLSX"]


def test_the_output_and_a_file_are_needed(cli, tmp_path):
    no_output = cli("export", BASE)
    assert no_output.exit_code == 2 and "--output" in no_output.output
    no_file = cli("export", "-o", tmp_path / "board.xlsx")
    assert no_file.exit_code == 2 and "FILE..." in no_file.output
    assert list(tmp_path.iterdir()) == []


def test_a_scenario_is_never_written_over(cli, tmp_path):
    # a scenario file that happens to end in .xlsx, given as the output too
    odd = tmp_path / "deal.xlsx"
    odd.write_bytes(BASE.read_bytes())
    result = cli("export", odd, "-o", odd)
    assert result.exit_code == 2
    assert "is both a scenario to read and the output to write" in result.stderr
    assert odd.read_bytes() == BASE.read_bytes()


def test_a_schedule_begun_before_the_workbook_is_refused_before_anything_is_printed(
    cli, write_scenario, tmp_path
):
    # billed by quarter from October 2025, a horizon from January 2026: the workbook's
    # Contracts sheet begins in December 2025, after the quarter's first months
    path = write_scenario(
        "name: early\nhorizon: {start: 2026-01, months: 6}\ncontracts:\n"
        "  - {name: Rack, monthly_fee: 3100, start: 2025-10-01, end: 2026-12-31,\n"
        "     payment: {every_months: 3}}\n"
    )
    book = tmp_path / "early.xlsx"
    result = cli("project", path, "--xlsx", book)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "contracts[0].start" in result.stderr and "2025-10" in result.stderr
    assert not book.exists()
