"""The exported workbook read back with openpyxl: sheets, formats, names, formulas, text cells,
stored values, audit, reproducibility. LibreOffice's recalculation is in test_excel_libreoffice.

Money figures are worked out by hand in the comments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.formula.translate import Translator

from commitcast.engine.contracts import FullSchedule
from commitcast.engine.projection import projection
from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.render.excel import calc_sheet_names, write_workbook
from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
DOWNSIDE = SCENARIOS / "colossus-downside.yaml"

# Hand-checkable: 3,100,000 a month from Jan 15 (17 of January's 31 days) in arrears, flat
# revenue 1,000,000 a month, 3 months.
SMALL = """
name: Small
horizon: {start: 2026-01, months: 3}
contracts:
  - name: Rack
    monthly_fee: 3_100_000
    start: 2026-01-15
    end: 2026-12-31
    payment: {timing: arrears}
revenue:
  - {name: Flat, revenue_per_month: 1_000_000}
"""

TRICKY = """
name: '=HYPERLINK("http://evil.example","click")'
horizon: {start: 2026-01, months: 2}
contracts:
  - name: "=1+1"
    counterparty: "@SUM(A1)"
    monthly_fee: 1000
    start: 2026-01-01
    end: 2026-02-28
revenue:
  - {name: "+cmd|' /C calc'!A0", revenue_per_month: 10}
"""


def export(tmp_path: Path, *scenarios, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    write_workbook(path, list(scenarios), command_line="commitcast export test")
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "board.xlsx"
    write_workbook(path, [load_scenario(BASE), load_scenario(DOWNSIDE)], command_line="x")
    return path


@pytest.fixture(scope="module")
def formulas(book):
    return openpyxl.load_workbook(book)


@pytest.fixture(scope="module")
def values(book):
    return openpyxl.load_workbook(book, data_only=True)


def labels(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}


def test_sheets_in_board_order(formulas):
    names = calc_sheet_names(["Colossus reservation, base case", "Colossus reservation, downside"])
    assert formulas.sheetnames == [
        "Summary",
        "Charts",
        "Assumptions",
        *names,
        "Contracts",
        "Obligations",
        "Audit",
    ]
    assert all(len(name) <= 31 for name in formulas.sheetnames)


def test_calc_sheet_names_are_legal_and_distinct():
    names = calc_sheet_names(["a/b:c", "a/b:c", "Summary", "x" * 40, "=[]"])
    assert names[0] == "a b c" and names[1] != names[0]
    assert "summary" not in {n.lower() for n in names}
    assert len(names[3]) <= 31 and names[4] == "Scenario 5"


def test_summary_one_column_per_scenario_and_differences(values, formulas):
    ws = values["Summary"]
    assert ws["B4"].value == "Colossus reservation, base case"
    assert ws["C4"].value == "Colossus reservation, downside"
    assert ws["D4"].value == "Δ Colossus reservation, downside"
    rows = labels(ws)
    r = rows["Total revenue"]
    # the difference column holds the difference of the two stored figures
    assert ws.cell(r, 4).value == pytest.approx(ws.cell(r, 3).value - ws.cell(r, 2).value)
    assert formulas["Summary"].cell(r, 4).value == f"=C{r}-B{r}"
    money = formulas["Summary"].cell(r, 2).number_format
    assert '"B"' in money and "(" in money and "#,##0" in money  # $ billions, negatives in ( )
    assert formulas["Summary"].cell(rows["Gross margin %"], 2).number_format.startswith("0.0%")
    # 36 months of fees (Jun 2026 - May 2029), no escalator: 1.25B x (0.5 x 2 months
    # + 34 months) = 1.25B x 35 = 43.75B
    fees = 1.25e9 * 35
    assert ws.cell(rows["Total committed fees"], 2).value == pytest.approx(fees, abs=0.01)


def test_assumptions_inputs_styled_and_named(formulas):
    ws = formulas["Assumptions"]
    names = formulas.defined_names
    for name, expected in [
        ("S1_DiscountRate", 0.10),
        ("S1_TrainingShare", 0.05),
        ("S1_C1_Uptime", 0.995),
        ("S1_C1_Gpus", 220_000),
        ("S1_C1_MonthlyFee", 1_250_000_000),
        ("S1_R1_Growth", 0.025),
        ("S2_C1_MonthlyFee", None),
    ]:
        assert name in names
        sheet, cell = next(iter(names[name].destinations))
        assert sheet == "Assumptions"
        if expected is not None:
            assert ws[cell.replace("$", "")].value == pytest.approx(expected)
        assert ws[cell.replace("$", "")].fill.fgColor.rgb.endswith("FFF2CC")  # input fill
    rows = labels(ws)
    assert ws.cell(rows["Notice given on"], 2).value is None  # null in the file: empty input
    assert ws.cell(rows["Payment timing"], 2).value == "advance"


def test_calc_sheet_same_formula_across_each_row_and_no_numbers(formulas):
    ws = formulas.worksheets[3]
    months = load_scenario(BASE).months
    checked = 0
    for row in ws.iter_rows(min_row=4, min_col=3, max_col=3 + months - 1):
        cells = [c for c in row if isinstance(c.value, str) and c.value.startswith("=")]
        if len(cells) < 2:
            continue
        first = cells[0]
        for cell in cells[1:]:
            moved = Translator(first.value, origin=first.coordinate).translate_formula(
                cell.coordinate
            )
            assert moved == cell.value, (first.coordinate, cell.coordinate)
        # no hard-coded figures: only 0, 1, 12 (months in a year) and the queue wait's 2s
        # ((ca^2 + cs^2) / 2 and sqrt(2(c + 1))) appear as numbers
        body = re.sub(r"'[^']*'!|\$?[A-Z]{1,3}\$?\d+", "", first.value)
        assert set(re.findall(r"\d+(?:\.\d+)?", body)) <= {"0", "1", "2", "12"}, first.value
        checked += 1
    assert checked >= 30


def test_contract_sheet_rows_same_formula_across(formulas):
    ws = formulas["Contracts"]
    checked = 0
    for row in ws.iter_rows(min_row=4, min_col=4):
        cells = [c for c in row if isinstance(c.value, str) and c.value.startswith("=")]
        for cell in cells[1:]:
            moved = Translator(cells[0].value, origin=cells[0].coordinate).translate_formula(
                cell.coordinate
            )
            assert moved == cell.value
        checked += bool(cells)
    assert checked >= 40


def test_frozen_panes_print_setup(formulas):
    # the month-by-month sheets print their months across pages (test_excel_pages.py looks at
    # the pages): Letter, a scale, a break before each year, the label columns repeated
    single = {"Summary", "Charts", "Assumptions", "Obligations", "Accounting", "Audit"}
    across = [ws for ws in formulas.worksheets if ws.title not in single]
    assert len(across) == 3  # two calculation sheets and Contracts
    for ws in formulas.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        if ws in across:
            assert not (
                ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage
            )
            assert ws.page_setup.paperSize == 1 and 50 <= int(ws.page_setup.scale) <= 100
            assert ws.print_title_cols == "$A:$B", ws.title
            assert len(ws.col_breaks.brk) >= 2, ws.title
            continue
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # one page wide; the Summary on one page
        tall = (1, None) if ws.title == "Summary" else (0,)
        assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight in tall
    assert formulas.worksheets[3].print_title_rows == "$4:$4"
    assert formulas.worksheets[3].freeze_panes == "C5"
    assert formulas["Summary"].freeze_panes == "B5"


def test_native_charts(book):
    with zipfile.ZipFile(book) as archive:
        charts = [n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        # three per scenario and one side by side
        assert len(charts) == 7
        text = "".join(archive.read(n).decode() for n in charts)
    assert "Cumulative cash" in text and "Utilization" in text and "Main figures" in text


def test_stored_values_by_hand(tmp_path):
    small = scenario_from_text(SMALL)
    ws = openpyxl.load_workbook(export(tmp_path, small), data_only=True)["Small"]
    rows = labels(ws)
    cols = [ws.cell(rows[name], 3).value for name in ("Committed fees",)]
    # January: 17 days of 31 at 3,100,000 a month = 100,000 x 17 = 1,700,000
    assert cols[0] == pytest.approx(1_700_000, abs=0.005)
    month = [ws.cell(rows[FEES_PAID], c).value for c in (3, 4, 5)]
    # arrears: nothing in January (no service in December), then January's and February's fees
    assert month == pytest.approx([0, 1_700_000, 3_100_000], abs=0.005)
    net = [ws.cell(rows["Net cash flow"], c).value for c in (3, 4, 5)]
    assert net == pytest.approx([1_000_000, -700_000, -2_100_000], abs=0.005)
    cumulative = [ws.cell(rows["Cumulative cash"], c).value for c in (3, 4, 5)]
    assert cumulative == pytest.approx([1_000_000, 300_000, -1_800_000], abs=0.005)
    # no termination: the obligation at the end of March is April..December, 9 x 3,100,000
    assert ws.cell(rows["Remaining obligation at month end"], 5).value == pytest.approx(
        27_900_000, abs=0.005
    )
    # year total (2026) of revenue: 3 x 1,000,000
    year_col = 3 + 3 + 1
    assert ws.cell(4, year_col).value == 2026
    assert ws.cell(rows["Revenue"], year_col).value == pytest.approx(3_000_000, abs=0.005)


def test_zero_revenue_margin_is_empty_not_an_error(tmp_path):
    text = SMALL.replace("revenue:\n  - {name: Flat, revenue_per_month: 1_000_000}\n", "")
    path = export(tmp_path, scenario_from_text(text))
    values = openpyxl.load_workbook(path, data_only=True)
    ws = values["Small"]
    row = labels(ws)["Gross margin %"]
    assert [ws.cell(row, c).value for c in (3, 4, 5)] in ([None] * 3, [""] * 3)
    formulas = openpyxl.load_workbook(path)
    assert formulas["Small"].cell(row, 3).value.startswith("=IF(")


def test_text_from_scenarios_stays_text(tmp_path):
    tricky = scenario_from_text(TRICKY)
    path = export(tmp_path, tricky)
    book = openpyxl.load_workbook(path)
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                # a sheet named after the scenario may appear, quoted, in references
                outside = re.sub(r"'[^']*'!", "", cell.value)
                if "HYPERLINK" in outside or "SUM(A1)" in outside or "calc" in outside:
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    assert '=HYPERLINK("http://evil.example","click")' in texts
    assert "@SUM(A1)" in texts
    with zipfile.ZipFile(path) as archive:
        sheets = "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )
    formulas = re.sub(r"&apos;[^&]*&apos;!|'[^']*'!", "", " ".join(re.findall(r"<f>[^<]*", sheets)))
    assert not re.search(r"HYPERLINK|SUM\(A1|cmd", formulas)  # in no formula


def test_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 00:00:00 UTC
    scenario = load_scenario(BASE)
    path = tmp_path / "a.xlsx"
    write_workbook(path, [scenario], command_line="commitcast export")
    first = path.read_bytes()
    write_workbook(path, [load_scenario(BASE)], command_line="commitcast export")
    assert path.read_bytes() == first
    book = openpyxl.load_workbook(path)
    assert book.properties.created == dt.datetime(2026, 1, 1)
    audit = [c.value for row in book["Audit"].iter_rows() for c in row if c.value]
    assert "2026-01-01 00:00:00 UTC" in audit


def test_audit_sheet(tmp_path, cli):
    out = tmp_path / "board.xlsx"
    result = cli("export", BASE, DOWNSIDE, "-o", out, "--set", "costs.training_share=0.25")
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["Audit"]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    for path in (BASE, DOWNSIDE):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in cells
    assert cells.count("costs.training_share=0.25") == 2
    assert any(isinstance(c, str) and c.startswith("commitcast 0.") for c in cells)
    command = next(c for c in cells if isinstance(c, str) and c.startswith("commitcast export"))
    assert "--set costs.training_share=0.25" in command and str(out) in command
    assert any(isinstance(c, str) and "NPV discounts" in c for c in cells)
    # the override reached the figures: training share on the Assumptions sheet
    book = openpyxl.load_workbook(out)
    sheet, cell = next(iter(book.defined_names["S1_TrainingShare"].destinations))
    assert book[sheet][cell.replace("$", "")].value == 0.25


def test_cli_export_errors_leave_no_file(tmp_path, cli, write_scenario):
    out = tmp_path / "board.xlsx"
    bad = cli("export", BASE, "-o", tmp_path / "board.csv")
    assert bad.exit_code == 2 and ".xlsx" in bad.output
    bad = cli("export", BASE, "-o", out, "--set", "costs.nope=1")
    assert bad.exit_code == 2 and "nope" in bad.output and "Traceback" not in bad.output
    assert not out.exists() and list(tmp_path.iterdir()) == []
    # a good file is not replaced by a failed export
    assert cli("export", BASE, "-o", out).exit_code == 0
    before = out.read_bytes()
    broken = write_scenario("name: x\nhorizon: {start: 2026-13, months: 2}\n", "broken.yaml")
    assert cli("export", broken, "-o", out).exit_code == 2
    assert out.read_bytes() == before


def test_cli_export_reports_every_bad_file_together(tmp_path, cli, write_scenario):
    out = tmp_path / "board.xlsx"
    months = write_scenario("name: a\nhorizon: {start: 2026-01, months: 0}\n", "a.yaml")
    start = write_scenario("name: b\nhorizon: {start: 2026-13, months: 2}\n", "b.yaml")
    result = cli("export", months, BASE, start, tmp_path / "missing.yaml", "-o", out)
    assert result.exit_code == 2 and "Traceback" not in result.output
    # one problem from each of the three bad files, each naming its file, not just the first
    for expected in (f"{months}:2:", "months: 0", f"{start}:2:", "no month 13", "missing.yaml"):
        assert expected in result.stderr
    assert not out.exists()


def test_project_xlsx(tmp_path, cli):
    out = tmp_path / "base.xlsx"
    result = cli("project", BASE, "--format", "json", "--xlsx", out)
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out, data_only=True)["Summary"]
    assert ws["B4"].value == "Colossus reservation, base case"
    bad = cli("project", BASE, "--xlsx", tmp_path / "base.xls")
    assert bad.exit_code == 2


# A ramp, a 6-month escalator, arrears from before the horizon, notice given with a fee, a
# contract running past the horizon, and an option not used.
TERMS = """
name: Terms
horizon: {start: 2026-03, months: 12}
contracts:
  - name: Ramped
    counterparty: Neocloud
    monthly_fee: 3_100_000
    start: 2026-02-10
    end: 2027-12-31
    escalator: {rate: 0.05, every_months: 6}
    ramp: [{months: 1, fraction: 0.25}, {months: 3, fraction: 0.6}]
    termination: {notice_days: 45, fee: 2_000_000, earliest_notice: 2026-09-01,
                  notice_given: 2027-01-20}
    payment: {timing: arrears}
    capacity: {tokens_per_month: 2.0e14}
  - name: Option not used
    monthly_fee: 500_000
    start: 2026-03-16
    end: 2027-06-30
    termination: {notice_days: 120, fee: 300_000, earliest_notice: 2026-10-15}
revenue:
  - {name: API, tokens_per_month: 1.5e14, growth: 0.06, price_per_million_tokens: 0.9,
     price_change: -0.02}
  - {name: Flat, revenue_per_month: 400_000, growth: 0.01}
"""

FEES_PAID = "Fees paid (less the month before's SLA credits)"  # the calculation sheet's label
# Contracts sheet label -> (the engine's FullSchedule row, kind); the sheet shows every row.
# "Ramp fraction" is shown only for a contract with a ramp, "SLA credits earned" only for one
# with credit tiers (its fees paid then say they are net of them).
CONTRACT_ROWS = {
    "Contract month": ("contract_month", "count"),
    "Escalation factor": ("escalation", "ratio"),
    "Ramp fraction": ("ramp", "ratio"),
    "Fee for a full month": ("full_month_fee", "money"),
    "Days of service": ("service_days", "count"),
    "Fee per day": ("daily_fee", "money"),
    "Service fees (prorated by days)": ("service_fees", "money"),
    "Capacity": ("capacity_tokens", "ratio"),
    "Available capacity (after uptime)": ("available_tokens", "ratio"),
    "SLA credits earned": ("sla_credits", "money"),
    "Termination fee": ("termination_fee", "money"),
    "Committed fees": ("fees", "money"),
    "Fees paid": ("fees_paid", "money"),
    "Service fees to this month's end": ("service_fees_to_date", "money"),
    "Notice at this month's end: given on": ("notice_day", "date"),
    "... or on the earliest notice day, if later": ("notice_from", "date"),
    "... service would end before": ("service_ends", "date"),
    "... which falls in column": ("service_end_month", "column"),
    "... fees for service before that day": ("fees_before_service_ends", "money"),
    "Fees for service after this month": ("fees_left", "money"),
    "Exit cost if notice is given at this month's end": ("exit_cost", "money"),
    "Termination fee still to come": ("termination_fee_to_come", "money"),
    "Remaining obligation at this month's end": ("obligation", "money"),
    "Latest notice for service to end with this month": ("notice_deadline", "date"),
    # a contract billed over several months or prepaid (issue 13)
    "Prepayment forfeited (a charge, settled from the prepayment)": (
        "prepayment_forfeited",
        "money",
    ),
    "Fees payable: incurred less paid (negative: paid ahead)": ("fees_payable", "money"),
    "Prepaid: paid ahead, not yet credited": ("prepaid_fees", "money"),
    # a contract in another currency (the label names the currencies)
    "Exchange rate": ("fx_rate", "ratio"),
}
# Rows a contract's block has only with its terms, and labels that say more about them
BILLED_ROWS = ("prepayment_forfeited", "fees_payable", "prepaid_fees")
OTHER_LABELS = {
    "Remaining obligation at this month's end": (
        "Remaining obligation at this month's end, less paid ahead"
    ),
    "Fees payable: incurred less paid (negative: paid ahead)": (
        "Fees payable: incurred, not yet paid"
    ),
}
# label of a figure at the head of a contract's block -> (ContractSchedule field, kind)
CONTRACT_SCALARS = {
    "Notice given (1 = yes)": ("notice_given", "count"),
    "Service ends early by that notice (1 = yes)": ("ends_early", "count"),
    "First day without service": ("first_day_without_service", "date"),
    "Last day of service": ("last_service_day", "date"),
    "Committed fees after the horizon": ("fees_after_horizon", "money"),
    "Exit cost at the start of the horizon": ("exit_cost_now", "money"),
}


def _number(value) -> float:
    """A stored cell value as the engine's number: dates as day numbers, empty as NaN."""
    if value is None or value == "":
        return float("nan")
    if isinstance(value, dt.datetime):
        return float((value - dt.datetime(1970, 1, 1)).days)
    return float(value)


def _same(stored: list[float], engine, kind: str, where: str) -> None:
    engine = np.asarray(engine, dtype=np.float64)
    if kind == "column":  # MATCH counts grid columns from 1, the engine from 0
        engine = engine + 1
    assert np.isnan(stored).tolist() == np.isnan(engine).tolist(), where
    money = kind == "money"
    np.testing.assert_allclose(
        np.asarray(stored),
        engine,
        rtol=0 if money else 1e-9,
        atol=0.005 if money else 0,
        err_msg=where,
    )


def _blocks(ws, titles: list[str]) -> list[dict[str, int]]:
    """Label -> row in each contract's block, in order (the titles start the blocks)."""
    blocks: list[dict[str, int]] = []
    for r in range(1, ws.max_row + 1):
        label = ws.cell(r, 1).value
        if blocks and label and len(blocks) <= len(titles) and label not in blocks[-1]:
            blocks[-1][label] = r
        if len(blocks) < len(titles) and label == titles[len(blocks)]:
            blocks.append({})
    return blocks


@pytest.mark.parametrize(
    "source",
    [*sorted(SCENARIOS.glob("*.yaml")), TERMS],
    ids=lambda p: p.stem if isinstance(p, Path) else "terms",
)
def test_contracts_sheet_stores_the_engines_schedule(tmp_path, source):
    """Every figure stored on the Contracts sheet is the engine's (`ContractSchedule.full`, the
    contract grid) and so are the calculation sheet's stream rows (`BatchResult.streams`): the
    workbook writes formulas and works out no figure of its own."""
    scenario = load_scenario(source) if isinstance(source, Path) else scenario_from_text(source)
    result = projection(scenario).result
    grid = result.contract_grid
    book = openpyxl.load_workbook(export(tmp_path, scenario), data_only=True)
    ws = book["Contracts"]
    columns = range(3, 3 + grid.count)
    rows = labels(ws)
    months = [_number(ws.cell(rows["Month"], c).value) for c in columns]
    _same(months, grid.starts[:-1], "date", "Month")
    _same(
        [_number(ws.cell(rows["Days in month"], c).value) for c in columns],
        grid.days,
        "count",
        "Days",
    )
    assert ws.cell(rows["Month"], 3 + grid.count).value is None  # the grid ends there
    titles = [
        c.name + (f" ({c.counterparty})" if c.counterparty else "") for c in scenario.contracts
    ]
    blocks = _blocks(ws, titles)
    assert len(blocks) == len(scenario.contracts) == len(result.contracts)
    for contract, block, schedule in zip(scenario.contracts, blocks, result.contracts, strict=True):
        foreign = scenario.currency_of(contract) != scenario.currency
        for label, (name, kind) in CONTRACT_ROWS.items():
            if name == "fx_rate":
                found = [key for key in block if str(key).startswith("Exchange rate (")]
                if not foreign:  # the reporting currency: no rate row, a rate of 1
                    assert not found and (schedule.full.fx_rate == 1.0).all()
                    continue
                label = found[0]
            if label not in block and OTHER_LABELS.get(label) in block:
                label = OTHER_LABELS[label]
            if name in BILLED_ROWS and label not in block:
                # billed monthly without a prepayment: nothing paid ahead or prepaid, and
                # what is payable is an arrears contract's fees of the month
                arrears = contract.payment.timing == "arrears"
                expected = schedule.full.fees[0] if name == "fees_payable" and arrears else 0.0
                np.testing.assert_allclose(getattr(schedule.full, name)[0], expected, atol=0.005)
                continue
            if label == "Ramp fraction" and not contract.ramp:
                assert label not in block
                continue
            tiers = bool(contract.sla and contract.sla.credits)
            if label == "SLA credits earned" and not tiers:
                assert label not in block
                assert not getattr(schedule.full, name)[0].any()  # no tiers: no credits
                continue
            if label == "Fees paid" and tiers:
                label = FEES_PAID
            first = 1 if name == "fees_paid" else 0  # no payment known for the month before
            stored = [_number(ws.cell(block[label], c).value) for c in columns][first:]
            engine = getattr(schedule.full, name)[0][first:]
            _same(stored, engine, kind, f"{contract.name}: {label}")
        for label, (name, kind) in CONTRACT_SCALARS.items():
            if contract.kind == "commit" and name in ("exit_cost_now", "fees_after_horizon"):
                continue  # a commit's exit cost is its unmet minimums (engine.commits), below
            # money of a contract in another currency: as stored, converted (and native above)
            shown = f"{label} ({scenario.currency})" if foreign and kind == "money" else label
            stored = [_number(ws.cell(block[shown], 2).value)]
            _same(stored, [getattr(schedule, name)[0]], kind, f"{contract.name}: {shown}")
        if contract.kind == "commit":
            # the commits' exit cost: the total's less the reserved contracts'
            reserved = sum(
                s.exit_cost_now[0]
                for c, s in zip(scenario.contracts, result.contracts, strict=True)
                if c.kind == "reserved"
            )
            label = next(k for k in block if str(k).startswith("Exit cost at the start"))
            if len([c for c in scenario.contracts if c.kind == "commit"]) == 1:
                stored = [_number(ws.cell(block[label], 2).value)]
                owed = result.summary["exit_cost_now"][0] - reserved
                _same(stored, [owed], "money", f"{contract.name}: {label}")

    sheet = book.worksheets[3]
    calc = labels(sheet)
    horizon = range(3, 3 + scenario.months)
    for stream, engine in zip(scenario.revenue, result.streams, strict=True):
        for suffix, array, kind in [
            ("tokens demanded", engine.tokens, "ratio"),
            ("price per million tokens", engine.price, "ratio"),
            ("usage revenue if fully served", engine.usage_revenue, "money"),
            ("flat revenue", engine.flat_revenue, "money"),
        ]:
            # a stream in another currency: its own rows say so (engine.run's stream rows are
            # in its currency too)
            code = scenario.currency_of(stream)
            in_money = kind == "money" or suffix.startswith("price")
            own = f" ({code})" if code != scenario.currency and in_money else ""
            row = calc[f"{stream.name}: {suffix}{own}"]
            stored = [_number(sheet.cell(row, c).value) for c in horizon]
            _same(stored, array[0], kind, f"{stream.name}: {suffix}")


def test_contracts_sheet_shows_every_row_of_the_engines_schedule():
    shown = {name for name, _ in CONTRACT_ROWS.values()}
    assert shown == {f.name for f in dataclasses.fields(FullSchedule)}


def test_fast_formula_path_writes_the_same_file(tmp_path, monkeypatch):
    """Rows are stored with a once-prepared formula; the public write_formula gives the same."""
    from commitcast.render import excel_style

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    scenarios = [load_scenario(BASE), scenario_from_text(SMALL)]
    fast = export(tmp_path, *scenarios, name="fast.xlsx")
    monkeypatch.setattr(excel_style, "FAST_FORMULAS", False)
    slow = export(tmp_path, *scenarios, name="slow.xlsx")
    assert fast.read_bytes() == slow.read_bytes()
