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
    # the year's months bounded by dates (YEAR() of a range is read element-wise by Excel and
    # LibreOffice only; Gnumeric gives #VALUE!)
    for f in year_totals(formulas, "Revenue"):
        assert f.startswith("=SUMPRODUCT((") and ">=DATE(" in f and "YEAR(" not in f


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


# A fiscal year from February and a stream launched mid-horizon: November 2026 to April 2027
# (t = 0..5); fees 3,000 a month; Flat 4,000 x 1.5^t = 4,000, 6,000, 9,000, 13,500, 20,250,
# 30,375; API from January (t = 2) to March 2027 (t = 4), its t counted from January:
# tokens 1M x 1.5^(t - 2) = 1M, 1.5M, 2.25M and 0 outside; price 1,000 x 1.1^(t - 2) per
# million tokens = 826.45 (Nov), 909.09, 1,000, 1,100, 1,210, 1,331 (Apr); usage revenue
# tokens x price / 1M = 1,000, 1,650, 2,722.50 from January to March.
LAUNCH = """\
name: Launch
horizon: {start: 2026-11, months: 6}
fiscal_year_start_month: 2
contracts:
  - {name: Rack, monthly_fee: 3000, start: 2026-11-01, end: 2027-12-31,
     capacity: {tokens_per_month: 1.0e12}}
revenue:
  - {name: API, tokens_per_month: 1.0e6, growth: 0.5, price_per_million_tokens: 1000,
     price_change: 0.1, start: 2027-01, end: 2027-03}
  - {name: Flat, revenue_per_month: 4000, growth: 0.5}
"""


@pytest.fixture(scope="module")
def launch(tmp_path_factory):
    scenario = scenario_from_text(LAUNCH, "launch.yaml")
    path = write_workbook(tmp_path_factory.mktemp("calc") / "launch.xlsx", [scenario])
    stored = openpyxl.load_workbook(path, data_only=True).worksheets[3]
    formulas = openpyxl.load_workbook(path).worksheets[3]
    return stored, formulas


def months_of(ws, label: str) -> list:
    return [ws.cell(row_of(ws, label), FIRST_COL + 1 + m).value for m in range(6)]


def fiscal_totals(ws, label: str) -> list:
    # months in C..H, a spacer in I, then FY2027 in J and FY2028 in K
    first = FIRST_COL + 6 + 2
    return [ws.cell(row_of(ws, label), first + i).value for i in range(2)]


def test_a_stream_launched_mid_horizon_counts_from_its_start(launch):
    stored, formulas = launch
    assert months_of(stored, "API: months since the stream's start") == [-2, -1, 0, 1, 2, 3]
    assert months_of(stored, "API: running (1 = yes)") == [0, 0, 1, 1, 1, 0]
    tokens = months_of(stored, "API: tokens demanded")
    assert tokens == pytest.approx([0, 0, 1e6, 1.5e6, 2.25e6, 0])
    prices = months_of(stored, "API: price per million tokens")
    assert prices == pytest.approx([1000 / 1.21, 1000 / 1.1, 1000, 1100, 1210, 1331])
    usage = months_of(stored, "API: usage revenue if fully served")
    assert usage == pytest.approx([0, 0, 1_000, 1_650, 2_722.5, 0], abs=0.005)
    # Flat has no start or end: its t is the month number, running throughout
    assert months_of(stored, "Flat: months since the stream's start") == [0, 1, 2, 3, 4, 5]
    assert months_of(stored, "Flat: running (1 = yes)") == [1] * 6
    # the formulas read the stream's start and end cells (empty: the horizon's bounds)
    tokens_formula = months_of(formulas, "API: tokens demanded")[2]
    assert tokens_formula.startswith("=IF(E") and "^E" in tokens_formula
    assert '="",' in months_of(formulas, "API: months since the stream's start")[0]


def test_the_yearly_totals_follow_the_fiscal_year(launch):
    stored, formulas = launch
    month = row_of(stored, "Month")
    # FY2027 = Feb 2026 .. Jan 2027 (here Nov, Dec, Jan), FY2028 = Feb .. Apr 2027
    assert [stored.cell(month, 10 + i).value for i in range(2)] == [2027, 2028]
    assert formulas.cell(month, 10).number_format == '"FY"0'
    assert stored.cell(month - 1, 10).value == "Fiscal years from February (balances at year end)"
    # revenue: Nov 4,000 + Dec 6,000 + Jan (9,000 + 1,000) = 20,000; Feb (13,500 + 1,650)
    # + Mar (20,250 + 2,722.50) + Apr 30,375 = 68,497.50
    assert fiscal_totals(stored, "Revenue") == pytest.approx([20_000, 68_497.5], abs=0.005)
    assert fiscal_totals(stored, "Committed fees") == pytest.approx([9_000, 9_000], abs=0.005)
    # margin 20,000 - 9,000 = 11,000 (55%), 68,497.50 - 9,000 = 59,497.50
    assert fiscal_totals(stored, "Gross margin") == pytest.approx([11_000, 59_497.5], abs=0.005)
    margin_pct = fiscal_totals(stored, "Gross margin %")
    assert margin_pct == pytest.approx([0.55, 59_497.5 / 68_497.5], abs=1e-9)
    # cumulative cash at each fiscal year's last month: January 11,000, April (the horizon's
    # last) 11,000 + 59,497.50 = 70,497.50
    assert fiscal_totals(stored, "Cumulative cash") == pytest.approx([11_000, 70_497.5], abs=0.005)
    flow = fiscal_totals(formulas, "Revenue")[0]
    # from the first of the start month of the year before to the first of the start month
    assert flow.startswith("=SUMPRODUCT((") and "YEAR(" not in flow
    assert ">=DATE(J$4-1,Assumptions!" in flow and "<DATE(J$4,Assumptions!" in flow
    assert "DATE(J$" in fiscal_totals(formulas, "Cumulative cash")[0]


def test_a_calendar_fiscal_year_keeps_the_calendar_formulas(calc):
    _, formulas = calc
    # fiscal_year_start_month 1 (the default): the workbook of before, years headed 2026
    assert formulas.cell(row_of(formulas, "Month"), 8).number_format == "0"
    for f in year_totals(formulas, "Revenue"):
        assert f.startswith("=SUMPRODUCT((") and ",1,1))*" in f and "YEAR(" not in f


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
