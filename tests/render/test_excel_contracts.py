"""The Contracts sheet (render/excel_contracts.py): each contract month by month, from the month
before the horizon to the contract's end, as formulas over the Assumptions cells.

That every stored figure is the engine's schedule, row by row, for several contracts is in
tests/render/test_excel.py (test_contracts_sheet_stores_the_engines_schedule); that the
formulas recalculate to those figures in tests/render/test_excel_libreoffice.py. Here one
contract worked out by hand: 3,100 a month from 2026-01-15 to 2026-06-30, paid in arrears, a
horizon of January to March 2026.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import xlsxwriter

from commitcast.engine.projection import projection
from commitcast.load.validation import scenario_from_text
from commitcast.render.excel_contracts import SHEET, ContractCells, num_formats, write_contracts
from commitcast.render.excel_inputs import write_assumptions
from commitcast.render.excel_style import Formats, money_format

SMALL = """\
name: Small
horizon: {start: 2026-01, months: 3}
contracts:
  - name: Rack
    monthly_fee: 3100
    start: 2026-01-15
    end: 2026-06-30
    payment: {timing: arrears}
  - {name: Spare, monthly_fee: 10, start: 2026-01-01, end: 2026-01-31,
     termination: {notice_days: 0}}
"""


@pytest.fixture(scope="module")
def sheet():
    scenario = scenario_from_text(SMALL, "small.yaml")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = Formats(book)
    inputs = write_assumptions(book.add_worksheet("Assumptions"), book, formats, [scenario])
    (cells,) = write_contracts(
        book.add_worksheet(SHEET),
        formats,
        [projection(scenario)],
        inputs,
        [money_format("USD", 1, "K", 1)],
    )
    book.close()
    data = buffer.getvalue()
    stored = openpyxl.load_workbook(io.BytesIO(data), data_only=True)[SHEET]
    formulas = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    return cells, stored, formulas


def row_of(ws, label: str, after: int = 0) -> int:
    return next(r for r in range(after + 1, ws.max_row + 1) if ws.cell(r, 1).value == label)


def months(ws, row: int) -> list:
    return [ws.cell(row, c).value for c in range(3, 3 + 7)]  # Dec 2025 .. Jun 2026


def test_columns_run_from_the_month_before_the_horizon_to_the_last_end(sheet):
    _, stored, _ = sheet
    row = row_of(stored, "Month")
    assert months(stored, row) == [dt.datetime(2025, 12, 1)] + [
        dt.datetime(2026, m, 1) for m in range(1, 7)
    ]
    assert stored.cell(row, 3 + 7).value is None  # nothing after June 2026
    assert months(stored, row_of(stored, "Days in month")) == [31, 31, 28, 31, 30, 31, 30]


def test_fees_by_hand(sheet):
    _, stored, _ = sheet
    block = row_of(stored, "Rack")
    # January: 17 days of 31 (the 15th to the 31st) x 3,100 / 31 = 1,700; then 3,100 a month
    fees = months(stored, row_of(stored, "Committed fees", block))
    assert fees == pytest.approx([0, 1700, 3100, 3100, 3100, 3100, 3100], abs=0.005)
    # in arrears each month pays the one before: February pays January's 1,700
    paid = months(stored, row_of(stored, "Fees paid", block))[1:]
    assert paid == pytest.approx([0, 1700, 3100, 3100, 3100, 3100], abs=0.005)
    # April to June lie after the horizon: 3 x 3,100
    after = stored.cell(row_of(stored, "Committed fees after the horizon", block), 2).value
    assert after == pytest.approx(9300, abs=0.005)
    # no termination terms: every fee of the term is owed, 1,700 + 5 x 3,100
    exit_now = stored.cell(row_of(stored, "Exit cost at the start of the horizon", block), 2)
    assert exit_now.value == pytest.approx(17_200, abs=0.005)
    last = stored.cell(row_of(stored, "Last day of service", block), 2).value
    assert last == dt.datetime(2026, 6, 30)


def test_the_cells_the_calculation_sheets_refer_to(sheet):
    cells, stored, _ = sheet
    assert len(cells) == 2 and all(isinstance(c, ContractCells) for c in cells)
    rack, spare = cells
    block = row_of(stored, "Rack")
    assert rack.committed == row_of(stored, "Committed fees", block)
    assert rack.paid == row_of(stored, "Fees paid", block)
    assert rack.capacity == row_of(stored, "Capacity", block)
    assert rack.obligation == row_of(stored, "Remaining obligation at this month's end", block)
    assert (
        rack.exit_now
        == f"{SHEET}!$B${row_of(stored, 'Exit cost at the start of the horizon', block)}"
    )
    assert rack.after == f"{SHEET}!$B${row_of(stored, 'Committed fees after the horizon', block)}"
    assert spare.committed > int(rack.exit_now.rsplit("$", 1)[1])  # the next block is below


def test_formulas_read_the_assumptions(sheet):
    _, _, formulas = sheet
    block = row_of(formulas, "Rack")
    given = formulas.cell(row_of(formulas, "Notice given (1 = yes)", block), 2).value
    assert given.startswith("=IF(Assumptions!$B$")
    fee = formulas.cell(row_of(formulas, "Fee for a full month", block), 4).value
    assert "Assumptions!$B$" in fee


def test_num_formats():
    formats = num_formats('"$"#,##0')
    assert formats["money"] == '"$"#,##0'
    assert formats["tokens"] == '#,##0.0,,,,"T"'  # four commas: trillions
    assert formats["date"] == "d mmm yyyy"


# Issue 13: quarterly billing of a contract started before the month before the horizon. The
# engine works its schedule out from the start (engine.contracts._lead: the October quarter,
# billed in advance in October); the sheet's columns begin in December 2025, so the export is
# refused at the contract's start rather than written with formulas that disagree.
EARLY = """\
name: Early quarterly
horizon: {start: 2026-01, months: 12}
contracts:
  - name: Rack
    monthly_fee: 1M
    start: 2025-10-01
    end: 2027-09-30
    payment: {timing: advance, every_months: 3}
    capacity: {tokens_per_month: 1.0e12}
revenue:
  - {name: Flat, revenue_per_month: 2M}
"""


def test_a_billing_period_begun_before_the_sheet_is_refused_at_its_line(cli, tmp_path):
    scenario = tmp_path / "early.yaml"
    scenario.write_text(EARLY, encoding="utf-8")
    book = tmp_path / "early.xlsx"
    result = cli("export", scenario, "-o", book)
    assert result.exit_code == 2, result.output
    text = " ".join((result.stdout + result.stderr).split())  # unwrapped
    assert f"{scenario}:6:5: contracts[0].start: 'Rack' is billed every 3 months from 2025-10" in (
        text
    )
    assert "(2025-12, the month before the horizon)" in text
    assert "start the horizon in 2025-11 or earlier" in text
    assert not book.exists()
    # the projection itself is not refused: the engine has the October quarter
    assert cli("project", scenario, "--format", "json").exit_code == 0


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        # the month before the horizon is the sheet's first column: exported
        (("start: 2025-10-01", "start: 2025-12-01"), None),
        # billed monthly: nothing before the sheet is needed
        (("every_months: 3", "every_months: 1"), None),
        # a prepayment paid before the sheet, the contract starting inside it
        (
            (
                "start: 2025-10-01",
                "start: 2026-01-01\n    prepayment: {amount: 2M, paid: 2025-11-20}",
            ),
            "contracts[0].prepayment.paid: 'Rack' is billed every 3 months from 2025-11",
        ),
        # prepaid and billed monthly, from October
        (
            ("every_months: 3", "every_months: 1}\n    prepayment: {amount: 2M, paid: 2025-10-01"),
            "contracts[0].start: 'Rack' is prepaid from 2025-10",
        ),
    ],
)
def test_where_the_sheet_begins(change, refused, cli, tmp_path):
    scenario = tmp_path / "early.yaml"
    scenario.write_text(EARLY.replace(*change), encoding="utf-8")
    book = tmp_path / "early.xlsx"
    result = cli("export", scenario, "-o", book)
    text = " ".join((result.stdout + result.stderr).split())
    if refused is None:
        assert result.exit_code == 0, text
        assert book.exists()
    else:
        assert result.exit_code == 2, text
        assert refused in text


def test_a_euro_contracts_own_amounts_show_the_euro(tmp_path):
    """cover-demand.yaml's EU reservation: its own rows (EUR 4M a month) in €, its converted
    rows in $; the calculation sheet's EU stream likewise."""
    from commitcast.load.validation import load_scenario
    from commitcast.render.excel import write_workbook
    from tests.conftest import SCENARIOS

    book = write_workbook(tmp_path / "cover.xlsx", [load_scenario(SCENARIOS / "cover-demand.yaml")])
    wb = openpyxl.load_workbook(book, data_only=True)
    ws = wb[SHEET]
    block = next(
        r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("EU sov")
    )

    def first_row(label: str) -> int:
        return next(r for r in range(block, ws.max_row + 1) if ws.cell(r, 1).value == label)

    fee = ws.cell(first_row("Fee for a full month"), 4)  # January 2027
    assert fee.value == pytest.approx(4_000_000.00, abs=0.01)
    assert fee.number_format.startswith('"€"')
    converted = ws.cell(first_row("Committed fees (USD)"), 4)
    assert converted.value == pytest.approx(4_000_000 * 1.16, abs=0.01)
    assert converted.number_format.startswith('"$"')
    calc = wb.worksheets[3]
    rows = {calc.cell(r, 1).value: r for r in range(1, calc.max_row + 1)}
    assert calc.cell(rows["EU: revenue (EUR)"], 3).number_format.startswith('"€"')
    assert calc.cell(rows["Revenue"], 3).number_format.startswith('"$"')
