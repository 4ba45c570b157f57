"""The operating metrics in the workbook (issue 11): GPU capacity, uptime and SLA credits,
training runs, queue latency and its cap, unit costs, read back with openpyxl.

Figures are worked out by hand in the comments. That LibreOffice recalculates every one of
these formulas to the stored figures, and that editing an uptime or a GPU count recalculates
like `--set`, is in tests/render/test_excel_libreoffice.py (OPS, OPS_NO_TARGET, MIXED).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from commitcast.engine.projection import projection
from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.render.excel import write_workbook
from tests.conftest import SCENARIOS
from tests.render.test_excel_libreoffice import MIXED, OPS, OPS_NO_TARGET

CENT = 0.005

# 2,800 a month (100 a day in February, ~90.32 in March), 10 GPUs at 100 tokens a second,
# uptime 99%, a steady training share of 20% and a one-month run of 50% in March.
BY_HAND = """
name: By hand
horizon: {start: 2026-02, months: 2}
contracts:
  - name: GPUs
    monthly_fee: 2_800
    start: 2026-02-01
    end: 2026-12-31
    capacity: {gpus: 10, tokens_per_gpu_second: 100}
    uptime: 0.99
    sla: {credits: [{below: 0.999, credit: 0.10}, {below: 0.99, credit: 0.25}], cap: 0.2}
revenue:
  - {name: API, tokens_per_month: 1.0e9, price_per_million_tokens: 2}
costs: {training_share: 0.2}
training_runs:
  - {name: run, start: 2026-03, months: 1, share: 0.5}
serving: {request_seconds: 1, slots_per_gpu: 1, pools: 1}
benchmarks: {market_price_per_gpu_hour: 0.5}
"""

# Functions a formula may use (docs/workbook.md, "Only common functions")
FUNCTIONS = {
    "SUM",
    "SUMPRODUCT",
    "INDEX",
    "MATCH",
    "MIN",
    "MAX",
    "IF",
    "COUNT",
    "COUNTIF",
    "EOMONTH",
    "DATE",
    "YEAR",
    "MONTH",
    "INT",
    "MOD",
    "POWER",
    "SQRT",
    "NPV",
}


def export(tmp_path: Path, *texts: str) -> Path:
    path = tmp_path / "book.xlsx"
    write_workbook(path, [scenario_from_text(t) for t in texts], command_line="test")
    return path


def labels(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}


def row(ws, label: str, months: int) -> list:
    r = labels(ws)[label]
    return [ws.cell(r, 3 + m).value for m in range(months)]


@pytest.fixture(scope="module")
def by_hand(tmp_path_factory):
    path = export(tmp_path_factory.mktemp("hand"), BY_HAND)
    return openpyxl.load_workbook(path, data_only=True), openpyxl.load_workbook(path)


def test_gpu_capacity_uptime_and_credits_by_hand(by_hand):
    stored, _ = by_hand
    ws = stored.worksheets[3]
    # February: 10 GPUs x 100 tokens/s x 86,400 s x 28 days = 2,419,200,000 tokens;
    # March: x 31 days = 2,678,400,000
    assert row(ws, "Capacity", 2) == pytest.approx([2_419_200_000, 2_678_400_000])
    # x 99% uptime: 2,395,008,000 and 2,651,616,000
    assert row(ws, "Available capacity (after uptime)", 2) == pytest.approx(
        [2_395_008_000, 2_651_616_000]
    )
    # 10 GPUs x 24 h x 28 days = 6,720; x 31 days = 7,440
    assert row(ws, "GPU-hours", 2) == pytest.approx([6_720, 7_440])
    # 99% is below 99.9% (10%) but not strictly below 99% (25%): 10% of 2,800 = 280 a month
    assert row(ws, "SLA credits earned", 2) == pytest.approx([280, 280], abs=CENT)
    # paid in advance: February 2,800 (no credit earned before); March 2,800 - 280 = 2,520
    paid = row(ws, "Fees paid (less the month before's SLA credits)", 2)
    assert paid == pytest.approx([2_800, 2_520], abs=CENT)
    contracts = stored["Contracts"]
    rate = contracts.cell(labels(contracts)["SLA credit rate (share of the service fees)"], 2)
    assert rate.value == pytest.approx(0.10)


def test_training_runs_and_the_split_by_hand(by_hand):
    stored, formulas = by_hand
    ws = stored.worksheets[3]
    # the run starts in March: 20% steady in February, 20% + 50% = 70% in March
    assert row(ws, "run: running (1 = yes)", 2) == [0, 1]
    assert row(ws, "Training share", 2) == pytest.approx([0.2, 0.7])
    # inference: February 2,395,008,000 x 80% = 1,916,006,400; March 2,651,616,000 x 30%
    # = 795,484,800
    assert row(ws, "Inference capacity", 2) == pytest.approx([1_916_006_400, 795_484_800])
    # fees net of credits, 2,520: February 80% = 2,016 for inference and 20% = 504 training
    assert row(ws, "Inference fees (net of SLA credits)", 2)[0] == pytest.approx(2_016, abs=CENT)
    assert row(ws, "Training cost", 2)[0] == pytest.approx(504, abs=CENT)
    # February serves all 1e9 tokens demanded: 2,016 / 1e9 x 1e6 = 2.016 per million
    assert row(ws, "Fees per million tokens served", 2)[0] == pytest.approx(2.016, abs=CENT)
    share = formulas.worksheets[3].cell(labels(ws)["Training share"], 3).value
    assert share.startswith("=MIN(1,Assumptions!") and "*Assumptions!" in share


def test_queue_wait_by_hand(by_hand):
    stored, formulas = by_hand
    ws = stored.worksheets[3]
    # February: 10 GPUs x 28/28 days x 99% = 9.9 available; slots = 9.9 x 80% x 1 / 1 = 7.92
    assert row(ws, "Serving slots per pool at inference", 1) == pytest.approx([7.92])
    # utilization 1e9 / 1,916,006,400; peak x 1; wait = (1 + 1) / 2 x rho^(sqrt(2 x 8.92) - 1)
    # / (7.92 x (1 - rho)) x 1 s
    rho = 1e9 / 1_916_006_400
    wait = rho ** (np.sqrt(2 * 8.92) - 1) / (7.92 * (1 - rho))
    assert row(ws, "Peak-hour utilization", 1) == pytest.approx([rho], rel=1e-12)
    label = "Peak-hour queue wait (empty: saturated)"
    assert row(ws, label, 1) == pytest.approx([wait], rel=1e-12)
    formula = formulas.worksheets[3].cell(labels(ws)[label], 3).value
    assert "POWER(" in formula and "SQRT(2*(" in formula


def test_unit_costs_on_the_summary_by_hand(by_hand):
    stored, _ = by_hand
    ws = stored["Summary"]
    rows = labels(ws)
    # GPU fees less credits: 2 x (2,800 - 280) = 5,040 over 6,720 + 7,440 = 14,160 GPU-hours
    per_hour = 5_040 / 14_160
    assert ws.cell(rows["Cost per GPU-hour"], 2).value == pytest.approx(per_hour, rel=1e-12)
    # against 0.50 on the market: 0.3559 / 0.5 - 1 = -28.8%
    assert ws.cell(rows["Premium over the market GPU-hour"], 2).value == pytest.approx(
        per_hour / 0.5 - 1, rel=1e-12
    )
    assert ws.cell(rows["SLA credits earned"], 2).value == pytest.approx(560, abs=CENT)
    assert ws.cell(rows["Peak training share"], 2).value == pytest.approx(0.7)


def test_the_latency_cap_is_the_engines_values_and_says_so(tmp_path):
    path = export(tmp_path, OPS, OPS_NO_TARGET)
    formulas = openpyxl.load_workbook(path)
    stored = openpyxl.load_workbook(path, data_only=True)
    label = "Highest peak utilization within the wait target"
    with_target, without = formulas.worksheets[3], formulas.worksheets[4]
    rows = labels(with_target)
    loads = [with_target.cell(rows[label], 3 + m) for m in range(18)]
    # values, not formulas, in the grey of inputs that need a new export, with a note below
    assert all(c.data_type == "n" and isinstance(c.value, int | float) for c in loads)
    assert loads[0].fill.fgColor.rgb.endswith("EDEDED")
    note = with_target.cell(rows[label] + 1, 1).value
    assert "engine's values, not formulas" in note and "bisection" in note
    usable = rows["Usable inference capacity"]
    assert with_target.cell(usable, 3).value == (
        f"=C{rows['Inference capacity']}*MIN(C{rows[label]}/Assumptions!"
        + with_target.cell(usable, 3).value.split("/Assumptions!")[1]
    )
    # the stored usable capacity is the engine's (the cap binds: below the inference capacity)
    engine = projection(scenario_from_text(OPS)).columns
    shown = [stored.worksheets[3].cell(usable, 3 + m).value for m in range(18)]
    np.testing.assert_allclose(shown, engine["usable_capacity_tokens"], rtol=1e-15)
    assert (engine["usable_capacity_tokens"] < engine["inference_capacity_tokens"]).any()
    # without a target: no such row, and the usable capacity is the inference capacity
    rows = labels(without)
    assert label not in rows
    assert without.cell(rows["Usable inference capacity"], 3).value == (
        f"=C{rows['Inference capacity']}"
    )


def test_queue_rows_only_with_serving_inputs(tmp_path):
    book = openpyxl.load_workbook(export(tmp_path, MIXED, OPS))
    mixed, ops = labels(book.worksheets[3]), labels(book.worksheets[4])
    for label in ("Peak-hour utilization", "Serving slots per pool at inference"):
        assert label not in mixed and label in ops
    # every monthly row of the engine's unit costs and capacity is there in both
    for label in ("GPU-hours", "Training share", "Usable inference capacity"):
        assert label in mixed and label in ops
    summary = book["Summary"]
    saturated = labels(summary)["Months saturated at peak"]
    assert summary.cell(saturated, 2).value == '=""'  # not modelled without serving
    assert summary.cell(saturated, 3).value.startswith("=COUNTIF(")


def test_only_the_documented_functions(tmp_path):
    scenarios = [load_scenario(SCENARIOS / "colossus-base.yaml")]
    scenarios += [scenario_from_text(t) for t in (OPS, MIXED)]
    path = tmp_path / "book.xlsx"
    write_workbook(path, scenarios)
    used: set[str] = set()
    for ws in openpyxl.load_workbook(path).worksheets:
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    text = re.sub(r"'[^']*'!|\"[^\"]*\"", "", cell.value)
                    used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", text))
    assert used <= FUNCTIONS, used - FUNCTIONS
    assert {"POWER", "SQRT", "MOD", "COUNTIF"} <= used


def test_new_inputs_are_named_input_cells(tmp_path):
    book = openpyxl.load_workbook(export(tmp_path, OPS, MIXED))
    ws = book["Assumptions"]
    for name, value in [
        ("S1_C1_Gpus", 2000),
        ("S1_C1_TokensPerGpuSecond", 1500),
        ("S1_C1_Uptime", 0.985),
        ("S1_T1_Share", 0.8),
        ("S1_RequestSeconds", 20),
        ("S1_PeakToAverage", 1.5),
        ("S1_MarketGpuHour", 2.35),
        ("S2_C1_TokensPerMonth", 4.0e12),
        ("S2_C2_Gpus", 500),
    ]:
        sheet, cell = next(iter(book.defined_names[name].destinations))
        target = ws[cell.replace("$", "")]
        assert target.value == pytest.approx(value), name
        assert target.fill.fgColor.rgb.endswith("FFF2CC"), name  # an input
    rows = labels(ws)
    # the wait target needs a new export (the cap is the engine's): grey, not yellow
    target = ws.cell(rows["Wait target (seconds)"], 2)
    assert target.value == 2.0 and target.fill.fgColor.rgb.endswith("EDEDED")
