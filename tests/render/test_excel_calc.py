"""One calculation sheet per scenario (render/excel_calc.py): line items down, months across,
and the year totals at the right.

That every row is one formula repeated across and that the stored figures are the engine's is
in tests/render/test_excel.py; that LibreOffice recalculates them to the cent in
tests/render/test_excel_libreoffice.py. Here the year totals, worked out by hand over a horizon
that spans a year end: November 2026 to February 2027, fees of 3,000 a month, flat revenue of
4,000 growing 50% a month: 4,000, 6,000, 9,000, 13,500.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
import xlsxwriter

from commitcast.load.validation import scenario_from_text
from commitcast.render.excel import write_workbook
from commitcast.render.excel_calc import FIRST_COL, CalcSheet, calc_formats
from commitcast.render.excel_style import Formats, SeriesSheet

YEARS = """\
name: Years
horizon: {start: 2026-11, months: 4}
contracts:
  - {name: Rack, monthly_fee: 3000, start: 2026-11-01, end: 2027-12-31,
     capacity: {tokens_per_month: 1.0e12}}
revenue:
  - {name: Flat, revenue_per_month: 4000, growth: 0.5}
"""


@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    scenario = scenario_from_text(YEARS, "years.yaml")
    path = write_workbook(tmp_path_factory.mktemp("calc") / "years.xlsx", [scenario])
    stored = openpyxl.load_workbook(path, data_only=True).worksheets[3]
    formulas = openpyxl.load_workbook(path).worksheets[3]
    return stored, formulas


def row_of(ws, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


def year_totals(ws, label: str) -> list:
    # months in C..F, a spacer in G, then one column per year: H for 2026, I for 2027
    first = FIRST_COL + 4 + 2
    return [ws.cell(row_of(ws, label), first + i).value for i in range(2)]


def test_the_years_head_their_columns(calc):
    stored, _ = calc
    assert stored.cell(row_of(stored, "Month"), 8).value == 2026
    assert stored.cell(row_of(stored, "Month"), 9).value == 2027
    assert stored.cell(row_of(stored, "Month") - 1, 8).value == "Year totals (balances at year end)"


def test_flows_add_up_within_each_year(calc):
    stored, formulas = calc
    # revenue: 4,000 + 6,000 in 2026, 9,000 + 13,500 in 2027
    assert year_totals(stored, "Revenue") == pytest.approx([10_000, 22_500], abs=0.005)
    assert year_totals(stored, "Committed fees") == pytest.approx([6_000, 6_000], abs=0.005)
    # gross margin: revenue less the fees, all for inference
    assert year_totals(stored, "Gross margin") == pytest.approx([4_000, 16_500], abs=0.005)
    assert all(f.startswith("=SUMPRODUCT((YEAR(") for f in year_totals(formulas, "Revenue"))


def test_balances_are_taken_at_the_years_last_month(calc):
    stored, formulas = calc
    # cumulative cash: 1,000, 4,000, 10,000, 20,500 (net 1,000, 3,000, 6,000, 10,500)
    assert year_totals(stored, "Cumulative cash") == pytest.approx([4_000, 20_500], abs=0.005)
    assert year_totals(formulas, "Cumulative cash")[0].startswith("=INDEX(")


def test_ratios_are_recomputed_from_the_years_totals(calc):
    stored, formulas = calc
    # 4,000 / 10,000 = 40% (the average of November's 25% and December's 50% would be 37.5%);
    # 16,500 / 22,500 = 73.33...%
    assert year_totals(stored, "Gross margin %") == pytest.approx([0.4, 16_500 / 22_500], abs=1e-9)
    assert year_totals(formulas, "Gross margin %")[0].startswith("=IF(SUMPRODUCT(")


def test_calc_formats():
    formats = calc_formats('"$"#,##0')
    assert formats["money"] == '"$"#,##0'
    assert formats["ratio"] == "0.0%"
    assert formats["tokens"] == '#,##0.0,,,,"T"'


def test_calc_sheet_refers_to_its_rows_with_the_sheet_name():
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    ws = book.add_worksheet("Calc base case")
    sheet = SeriesSheet(ws, Formats(book), FIRST_COL, 3, {"money": "0"})
    sheet.row = 9
    sheet.series("revenue", "Revenue", "", "money", "=1", [1.0, 2.0, 3.0])
    calc = CalcSheet("Calc base case", sheet, 3)
    assert calc.ref("revenue") == "'Calc base case'!$C$10:$E$10"
    assert calc.ref("revenue", absolute=False) == "'Calc base case'!$C10:$E10"
    assert calc.last("revenue") == "'Calc base case'!$E10"
    book.close()
