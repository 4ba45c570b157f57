"""The Accounting sheet (render/excel_accounting.py): stored figures are `lease_accounting`'s;
LibreOffice recalculates every formula to them; editing the fee or the borrowing rate cell on
the Assumptions sheet gives what the same change as --set gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from commitcast.analysis.accounting import lease_accounting
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.render.excel import write_workbook
from tests.conftest import SCENARIOS
from tests.render.test_excel_libreoffice import (
    empty,
    recalculate,
    set_inputs,
    soffice,
    tolerance,
)

CENT = 0.01

# commenced before the horizon, an escalator and a ramp, paid in arrears, a training share
LEASE = """
name: Lease book
horizon: {start: 2026-03, months: 18}
contracts:
  - name: Cluster
    monthly_fee: 31_000_000
    start: 2025-11-10
    end: 2027-12-20
    escalator: {rate: 0.05, every_months: 6}
    ramp: [{months: 2, fraction: 0.5}]
    payment: {timing: arrears}
    accounting: {treatment: lease, standard: STANDARD, borrowing_rate: 0.07, term: full}
revenue:
  - {name: Flat, revenue_per_month: 60_000_000, growth: 0.01}
costs: {training_share: 0.2}
"""

# a non-cancelable term of 400 days with a termination fee (on the balance sheet), beside a
# 90-day one (short-term: off it)
TERMS = """
name: Terms
horizon: {start: 2026-01, months: 24}
contracts:
  - name: Long notice
    monthly_fee: 1_000_000
    start: 2026-01-01
    end: 2028-12-31
    termination: {notice_days: 400, fee: 5_000_000}
    accounting: {treatment: lease, standard: ifrs16, borrowing_rate: 0.06}
  - name: Short notice
    monthly_fee: 2_000_000
    start: 2026-01-01
    end: 2028-12-31
    termination: {notice_days: 90}
    accounting: {treatment: lease}
revenue:
  - {name: Flat, revenue_per_month: 5_000_000}
"""


# the short-term exemption's 12 months, from the first and the last day of a month: a term of
# exactly 12 months is exempt, a day more is not (31 Jan + 12 months = 31 Jan; 31 Mar 2027 +
# 11 months is 29 Feb 2028, held to the month's end)
BOUNDARY = """
name: Twelve months
horizon: {start: 2026-01, months: 12}
contracts:
  - {name: Exactly, monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31,
     accounting: {treatment: lease}}
  - {name: A day more, monthly_fee: 1000, start: 2026-01-01, end: 2027-01-01,
     accounting: {treatment: lease}}
  - {name: From the 31st, monthly_fee: 1000, start: 2026-01-31, end: 2027-01-30,
     accounting: {treatment: lease}}
  - {name: From the 31st and a day, monthly_fee: 1000, start: 2026-01-31, end: 2027-01-31,
     accounting: {treatment: lease}}
"""


def test_the_exemption_boundary_is_the_analysis():
    report = lease_accounting(scenario_from_text(BOUNDARY, "b.yaml"))
    assert [lease.short_term for lease in report.leases] == [True, False, True, False]


def test_only_the_common_functions(tmp_path):
    import re

    from tests.render.test_excel_operations import FUNCTIONS

    scenarios = [scenario_from_text(t, "x.yaml") for t in (text("asc842"), text("ifrs16"), TERMS)]
    ws = openpyxl.load_workbook(write_workbook(tmp_path / "f.xlsx", scenarios))["Accounting"]
    used: set[str] = set()
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                plain = re.sub(r"'[^']*'!|\"[^\"]*\"", "", cell.value)
                used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", plain))
    assert used <= FUNCTIONS, used - FUNCTIONS


def text(standard: str) -> str:
    return LEASE.replace("STANDARD", standard)


def rows_by_label(ws) -> dict[str, int]:
    found: dict[str, int] = {}
    for r in range(1, ws.max_row + 1):
        label = ws.cell(r, 1).value
        if isinstance(label, str):
            found.setdefault(label, r)
    return found


def test_no_lease_no_sheet(tmp_path):
    book = write_workbook(tmp_path / "b.xlsx", [load_scenario(SCENARIOS / "colossus-base.yaml")])
    assert "Accounting" not in openpyxl.load_workbook(book).sheetnames


def test_the_stored_figures_are_the_analysis(tmp_path):
    scenario = scenario_from_text(text("asc842"), "lease.yaml")
    book = openpyxl.load_workbook(write_workbook(tmp_path / "b.xlsx", [scenario]), data_only=True)
    ws = book["Accounting"]
    rows = rows_by_label(ws)
    lease = lease_accounting(scenario).leases[0]
    label = "Liability at commencement L0 (payments discounted)"
    assert ws.cell(rows[label], 2).value == pytest.approx(lease.initial_liability, abs=CENT)
    # the columns run from the commencement month, November 2025, before the horizon
    assert ws.cell(rows["Month"], 3).value == dt.datetime(2025, 11, 1)
    closing = rows["Closing liability: (opening - payment) x (1 + r)"]
    for j, value in enumerate(lease.closing):
        assert ws.cell(closing, 3 + j).value == pytest.approx(value, abs=CENT)
    assert "S1_C1_BorrowingRate" in openpyxl.load_workbook(tmp_path / "b.xlsx").defined_names


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    soffice()
    folder = tmp_path_factory.mktemp("accounting")
    out = folder / "recalculated"
    out.mkdir()
    sources = {
        "asc842": text("asc842"),
        "ifrs16": text("ifrs16"),
        "terms": TERMS,
        "boundary": BOUNDARY,
    }
    exported = {}
    for key, source in sources.items():
        path = folder / f"{key}.yaml"
        path.write_text(source, encoding="utf-8")
        exported[key] = write_workbook(folder / f"{key}.xlsx", [load_scenario(path)])
    exported["portfolio"] = write_workbook(
        folder / "portfolio.xlsx", [load_scenario(SCENARIOS / "portfolio.yaml")]
    )
    for key, cells in EDITS.items():
        standard = key.split("-")[0]
        target = folder / f"edit-{key}.xlsx"
        set_inputs(exported[standard], target, cells[0])
        exported[f"edit-{key}"] = target
    recalculate(list(exported.values()), out)
    return {key: (path, out / path.name) for key, path in exported.items()}


@pytest.mark.parametrize("key", ["asc842", "ifrs16", "terms", "boundary", "portfolio"])
def test_libreoffice_recalculates_the_accounting_sheet(books, key):
    exported, recalculated = books[key]
    formulas = openpyxl.load_workbook(exported)["Accounting"]
    stored = openpyxl.load_workbook(exported, data_only=True)["Accounting"]
    judged = openpyxl.load_workbook(recalculated, data_only=True)["Accounting"]
    checked, problems = 0, []
    for row in formulas.iter_rows():
        for cell in row:
            if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                continue
            checked += 1
            mine, theirs = stored[cell.coordinate].value, judged[cell.coordinate].value
            if empty(mine) or empty(theirs):
                ok = empty(mine) and empty(theirs)
            elif isinstance(mine, dt.datetime) or isinstance(theirs, dt.datetime):
                ok = mine == theirs
            else:
                ok = abs(mine - theirs) <= tolerance(cell.number_format, mine)
            if not ok:
                problems.append(f"{cell.coordinate} {cell.value}: {mine!r} {theirs!r}")
    assert not problems, f"{len(problems)} of {checked} differ:\n" + "\n".join(problems[:20])
    assert checked > 200


# defined name -> new value, and the same change as --set
EDITS = {
    "asc842-fee": ({"S1_C1_MonthlyFee": 40_000_000}, ["contracts[0].monthly_fee=40M"]),
    "asc842-rate": ({"S1_C1_BorrowingRate": 0.11}, ["contracts[0].accounting.borrowing_rate=11%"]),
    "ifrs16-rate": ({"S1_C1_BorrowingRate": 0.02}, ["contracts[0].accounting.borrowing_rate=2%"]),
}


@pytest.mark.parametrize("key", list(EDITS))
def test_an_edited_cell_recalculates_like_set(books, key):
    standard = key.split("-")[0]
    before = lease_accounting(scenario_from_text(text(standard), "lease.yaml"))
    changed = apply_overrides(scenario_from_text(text(standard), "lease.yaml"), EDITS[key][1])
    expected = lease_accounting(changed)
    lease = expected.leases[0]
    assert abs(lease.initial_liability - before.leases[0].initial_liability) > 1e5
    ws = openpyxl.load_workbook(books[f"edit-{key}"][1], data_only=True)["Accounting"]
    rows = rows_by_label(ws)
    label = "Liability at commencement L0 (payments discounted)"
    assert ws.cell(rows[label], 2).value == pytest.approx(lease.initial_liability, abs=CENT)
    by_row = {
        "Closing liability: (opening - payment) x (1 + r)": lease.closing,
        "Lease payment (first day of the payment month)": lease.payments,
        "Current: closing - the closing 12 months later": lease.current,
    }
    cost = "Lease cost: payments x term days / days in term"
    if standard == "ifrs16":
        cost = "Expense: depreciation + interest"
    by_row[cost] = lease.lease_cost
    for label, values in by_row.items():
        for j, value in enumerate(values):
            assert ws.cell(rows[label], 3 + j).value == pytest.approx(value, abs=CENT), label
    pnl = expected.pnl
    for label, values in (
        (
            "Cost of revenue, accounting: + change x (1 - share)",
            pnl.accounting_inference_cost,
        ),
        ("Difference: accounting - management", pnl.difference),
    ):
        for t, value in enumerate(values):
            assert ws.cell(rows[label], 3 + t).value == pytest.approx(value, abs=CENT), label
    liability = rows["Lease liability"]
    assert ws.cell(liability, 3).value == pytest.approx(expected.maturity_total.liability, abs=CENT)
