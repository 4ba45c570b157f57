"""A real spreadsheet engine judges the workbook's formulas.

Every workbook is opened in LibreOffice Calc, headless, with recalculation forced on load (a
fresh profile whose registrymodifications.xcu sets OOXMLRecalcMode = 0, "always"), saved, and
read back with openpyxl:

1. every formula cell recalculated by LibreOffice equals the value the engine stored (to the
   cent for money, 1e-9 for ratios), for every scenario in scenarios/ and for edge cases;
2. changing input cells in a copy (a fee, a growth rate, the training share, a notice date)
   gives the figures `apply_overrides` + `projection` (what `commitcast project --set` runs)
   give for the same change;
3. no cell anywhere holds an error value.

All workbooks go through ONE soffice call. Without LibreOffice the tests are skipped with the
reason printed, except when COMMITCAST_REQUIRE_LIBREOFFICE=1 (CI), where they fail.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from commitcast.core.measures import MONTHLY_COLUMNS
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from commitcast.render.excel import write_workbook
from tests.conftest import SCENARIOS

SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))
BASE = SCENARIOS / "colossus-base.yaml"
CENT = 0.01  # LibreOffice saves 15 significant digits: totals near $1T are good to ~0.5 cent
RATIO = 1e-9
ERRORS = {"#NAME?", "#DIV/0!", "#REF!", "#VALUE!", "#N/A", "#NUM!", "#NULL!", "Err:502"}

EDGE = """
# arrears from before the horizon, a multi-step ramp, a 6-month escalator, notice given with a
# termination fee, a contract running past the horizon, one with an unused option, unserved
# overflow and a two-month collection lag
name: Edge cases
horizon: {start: 2026-03, months: 30}
discount_rate: 0.08
contracts:
  - name: Arrears with a fee
    counterparty: Neocloud
    monthly_fee: 31_000_000
    start: 2026-02-10
    end: 2029-02-14
    escalator: {rate: 0.05, every_months: 6}
    ramp: [{months: 1, fraction: 0.25}, {months: 3, fraction: 0.6}, {months: 2, fraction: 0.9}]
    termination: {notice_days: 45, fee: 20_000_000, earliest_notice: 2026-09-01,
                  notice_given: 2027-05-20}
    payment: {timing: arrears}
    capacity: {tokens_per_month: 2.0e14}
  - name: Locked in
    monthly_fee: 12_500_000
    start: 2026-07-16
    end: 2029-12-31
    capacity: {tokens_per_month: 1.0e14}
  - name: Option not used
    monthly_fee: 5_000_000
    start: 2026-03-01
    end: 2027-12-31
    termination: {notice_days: 120, fee: 3_000_000, earliest_notice: 2027-01-15}
    payment: {timing: arrears}
    capacity: {tokens_per_month: 5.0e13}
revenue:
  - {name: API, tokens_per_month: 1.5e14, growth: 0.06, price_per_million_tokens: 0.9,
     price_change: -0.02}
  - {name: Enterprise, revenue_per_month: 4_000_000, growth: 0.01}
costs:
  training_share: 0.2
  serving_cost_per_million_tokens: 0.05
  overflow: {policy: unserved}
  collection_lag_months: 2
"""

NO_REVENUE = """
# no revenue (margin % undefined), everything for training (utilization undefined), a
# termination fee larger than the fees left (the exit cost is capped)
name: No revenue yet
horizon: {start: 2026-11, months: 14}
contracts:
  - name: Pilot
    monthly_fee: 2_000_000
    start: 2026-11-20
    end: 2027-08-31
    termination: {notice_days: 200, fee: 50_000_000}
costs: {training_share: 1.0}
"""

NO_CONTRACTS = """
# nothing committed: every token bought on demand; a one-month horizon
name: On demand only
horizon: {start: 2027-02, months: 1}
revenue:
  - {name: API, tokens_per_month: 2.0e12, price_per_million_tokens: 4}
costs:
  overflow: {policy: on_demand, cost_per_million_tokens: 2.5}
"""

# Every operating metric (issue 11): GPU capacity from a partial first month, a ramp and a
# February; uptime below 1 with SLA tiers (Cluster A: 98.5% is below 99.9% and 99%, not 95%:
# 25%, capped at 20%; Cluster B: 99.9% is not strictly below 99.9%: no credit), paid in arrears
# and in advance; a repeating training run on top of the steady share (30% + 80% = 110%, held
# at 100%: no inference capacity in those months) and a run that does not repeat; serving with
# a wait target (the latency cap sends demand to on-demand overflow) and a market benchmark.
OPS = """
name: Operations
horizon: {start: 2026-01, months: 18}
contracts:
  - name: Cluster A
    monthly_fee: 31_000_000
    start: 2026-01-10
    end: 2027-09-30
    ramp: [{months: 2, fraction: 0.5}]
    payment: {timing: arrears}
    capacity: {gpus: 2000, tokens_per_gpu_second: 1500}
    uptime: 0.985
    sla:
      credits: [{below: 0.999, credit: 0.10}, {below: 0.99, credit: 0.25},
                {below: 0.95, credit: 1.0}]
      cap: 0.2
  - name: Cluster B
    monthly_fee: 10_000_000
    start: 2026-03-01
    end: 2027-12-31
    escalator: {rate: 0.04, every_months: 6}
    capacity: {gpus: 800, tokens_per_gpu_second: 1200}
    uptime: 0.999
    sla: {credits: [{below: 0.999, credit: 0.05}]}
revenue:
  - {name: API, tokens_per_month: 6.0e12, growth: 0.08, price_per_million_tokens: 6}
costs:
  training_share: 0.3
  serving_cost_per_million_tokens: 0.05
  overflow: {policy: on_demand, cost_per_million_tokens: 8}
training_runs:
  - {name: pretraining, start: 2026-04, months: 3, share: 0.8, repeat_every_months: 7}
  - {name: fine-tuning, start: 2026-02, months: 2, share: 0.1}
serving:
  request_seconds: 20
  slots_per_gpu: 4
  pools: 20
  peak_to_average: 1.5
  arrival_cv: 1.2
  service_cv: 0.8
  wait_target_seconds: 2.0
benchmarks: {market_price_per_gpu_hour: 2.35}
"""
# the same without a wait target: usable capacity is the inference capacity (a formula), and
# the peak saturates in the months demand fills it
OPS_NO_TARGET = OPS.replace("name: Operations", "name: Operations, no wait target").replace(
    "  wait_target_seconds: 2.0\n", ""
)
# tokens per month and GPUs side by side (only the GPU contract counts in the cost per
# GPU-hour), no serving inputs (no queue rows), notice given on the GPU contract
MIXED = """
name: Tokens and GPUs
horizon: {start: 2026-02, months: 14}
contracts:
  - name: Tokens
    monthly_fee: 5_000_000
    start: 2026-02-01
    end: 2027-06-30
    capacity: {tokens_per_month: 4.0e12}
    uptime: 0.992
    sla: {credits: [{below: 0.99, credit: 0.1}]}
    payment: {timing: arrears}
  - name: GPUs
    monthly_fee: 2_000_000
    start: 2026-02-15
    end: 2027-03-31
    capacity: {gpus: 500, tokens_per_gpu_second: 1000}
    uptime: 0.995
    termination: {notice_days: 30, fee: 1_000_000, notice_given: 2026-10-10}
revenue:
  - {name: API, tokens_per_month: 3.0e12, growth: 0.05, price_per_million_tokens: 3}
costs: {training_share: 0.25}
training_runs:
  - {name: run, start: 2026-03, months: 1, share: 0.9, repeat_every_months: 4}
benchmarks: {market_price_per_gpu_hour: 1.9}
"""

# A fiscal year from February (the yearly totals FY2027, FY2028) and streams with their own
# months: API launched mid-horizon (its growth and price change count from January 2027) and
# ended in March; Legacy started before the horizon (t = 4 in its first month) and ended; Flat
# throughout. The hand figures are in tests/render/test_excel_calc.py (LAUNCH there).
LAUNCH = """
name: Launch
horizon: {start: 2026-11, months: 6}
fiscal_year_start_month: 2
contracts:
  - {name: Rack, monthly_fee: 3000, start: 2026-11-01, end: 2027-12-31,
     capacity: {tokens_per_month: 1.0e12}}
revenue:
  - {name: API, tokens_per_month: 1.0e6, growth: 0.5, price_per_million_tokens: 1000,
     price_change: 0.1, start: 2027-01, end: 2027-03}
  - {name: Legacy, tokens_per_month: 2.0e6, growth: -0.1, price_per_million_tokens: 500,
     price_change: -0.02, start: 2026-07, end: 2027-02}
  - {name: Flat, revenue_per_month: 4000, growth: 0.5}
"""

# Issue 13 at the sheet's first column: quarterly billing in arrears from the month before the
# horizon (its first quarter, December to February, paid in March) with a prepayment paid in
# December and credited first; a contract started earlier is refused (test_excel_contracts.py)
SHEET_EDGE = """
name: Billed from the sheet's first month
horizon: {start: 2026-01, months: 12}
contracts:
  - name: Rack
    monthly_fee: 1_000_000
    start: 2025-12-01
    end: 2027-01-15
    payment: {timing: arrears, every_months: 3}
    prepayment: {amount: 2_500_000, paid: 2025-12-15, applied: first}
    capacity: {tokens_per_month: 1.0e12}
revenue:
  - {name: Flat, revenue_per_month: 2_000_000}
"""

# The Obligations sheet of issue 13: a euro contract (converted at the rate of the month before
# the as-of month), a take-or-pay commit begun before the horizon (a six-month minimum counted
# from January), and a euro commit with a notice planned; figures by hand in
# test_commit_obligations_recalculate_to_the_hand_figures
COMMIT_OBLIGATIONS = """
name: Commits and euros
horizon: {start: 2026-01, months: 24}
fx:
  EUR: {rate: 1.1, change: 0.002}
contracts:
  - name: EU rack
    currency: EUR
    monthly_fee: EUR 2M
    start: 2025-11-01
    end: 2028-06-30
    termination: {notice_days: 90, fee: EUR 3M, earliest_notice: 2026-06-01}
    payment: {timing: arrears}
    capacity: {tokens_per_month: 1.0e12}
  - name: Commit
    kind: commit
    price_per_million_tokens: 2
    minimum: {amount: 12M, every_months: 6}
    max_tokens_per_month: 1.0e12
    start: 2025-10-01
    end: 2027-09-30
    termination: {notice_days: 60, fee: 1M}
    payment: {timing: arrears}
  - name: Euro commit
    kind: commit
    currency: EUR
    price_per_million_tokens: EUR 1.5
    minimum: {amount: EUR 30M, every_months: 12}
    start: 2026-03-15
    end: 2028-03-14
    termination: {notice_days: 30, fee: EUR 5M, notice_given: 2027-05-01}
revenue:
  - {name: API, tokens_per_month: 2.0e12, growth: 0.02, price_per_million_tokens: 4}
costs:
  overflow: {policy: on_demand, cost_per_million_tokens: 3}
"""

# LibreOffice saves charts openpyxl cannot parse back; the charts are not what is read here.
pytestmark = pytest.mark.filterwarnings("ignore:Unable to read chart:UserWarning")

LABELS = {
    "committed_fees": "Committed fees",
    "sla_credits": "SLA credits earned",
    "capacity_tokens": "Capacity",
    "available_tokens": "Available capacity (after uptime)",
    "gpu_hours": "GPU-hours",
    "training_share": "Training share",
    "training_tokens": "Training capacity",
    "usable_capacity_tokens": "Usable inference capacity",
    "demand_tokens": "Demand",
    "served_tokens": "Served on committed capacity",
    "overflow_tokens": "Overflow bought on demand",
    "unserved_tokens": "Demand left unserved",
    "utilization": "Utilization of inference capacity",
    "peak_utilization": "Peak-hour utilization",
    "queue_wait_seconds": "Peak-hour queue wait (empty: saturated)",
    "revenue": "Revenue",
    "inference_fees": "Inference fees (net of SLA credits)",
    "cost_per_million_tokens": "Fees per million tokens served",
    "inference_cost": "Inference cost",
    "training_cost": "Training cost",
    "idle_capacity_cost": "Idle capacity cost",
    "gross_margin": "Gross margin",
    "gross_margin_pct": "Gross margin %",
    "cash_in": "Cash in (revenue collected)",
    "cash_out": "Cash out (fees paid, overflow, serving)",  # with commits: see below
    "net_cash_flow": "Net cash flow",
    "cumulative_cash": "Cumulative cash",
    "receivables": "Receivables: revenue earned, not yet collected",
    "fees_payable": "Fees payable: fees incurred, not yet paid",
    "sla_credits_receivable": "SLA credits earned, not yet deducted",
    "remaining_obligation": "Remaining obligation at month end",
    "commit_tokens": "Bought under commits",
    "commit_spend": "Commit usage spend",
    "commit_shortfall": "Commit shortfall (minimum not spent)",
    "prepaid_fees": "Prepaid fees: paid ahead, not yet credited",
    "fx_loss": "Loss from exchange rates on balances in other currencies",
}
# rows only a scenario with a take-or-pay commit has
COMMIT_ROWS = ("commit_tokens", "commit_spend", "commit_shortfall")
SUMMARY_LABELS = {
    "total_committed_fees": "Total committed fees",
    "total_revenue": "Total revenue",
    "gross_margin": "Gross margin",
    "gross_margin_pct": "Gross margin %",
    "npv": "NPV of net cash flow",
    "exit_cost_now": "Exit cost now",
    "peak_funding_need": "Peak funding need",
    "average_utilization": "Average utilization",
    "ending_cash": "Ending cumulative cash",
    "total_sla_credits": "SLA credits earned",
    "peak_training_share": "Peak training share",
    "cost_per_gpu_hour": "Cost per GPU-hour",
    "premium_over_market": "Premium over the market GPU-hour",
    "average_cost_per_million_tokens": "Fees per million tokens served",
    "months_saturated_at_peak": "Months saturated at peak",
    "max_queue_wait_seconds": "Longest peak-hour queue wait",
    "total_idle_capacity_cost": "Idle capacity cost",
    # a row only when the workbook has a take-or-pay commit
    "total_commit_shortfall": "Idle commitment cost (commit shortfall)",
}
# rows a calculation sheet has only with serving inputs (the queue is not modelled without)
SERVING_ROWS = ("peak_utilization", "queue_wait_seconds")


@dataclass(frozen=True)
class Edit:
    """Input cells changed in a copy of a workbook, and the same change as --set."""

    source: str  # "base" or the name of an edge-case text
    cells: dict[str, Any]  # defined name -> new value
    sets: tuple[str, ...]


EDITS = {
    # take-or-pay commit, billing period, prepayment and a currency (cover-demand.yaml)
    "cover-minimum-price": Edit(
        "cover",
        {"S1_C3_Minimum": 450e6, "S1_C3_Price": 1.6},
        ("contracts[2].minimum.amount=450M", "contracts[2].price_per_million_tokens=1.6"),
    ),
    # the euro's rate and drift edited in the workbook: the EU reservation's fees, the EU
    # stream's revenue and the fx loss on their balances, as --set fx.EUR.rate gives them
    "cover-fx": Edit(
        "cover",
        {"S1_FX_Eur_Rate": 1.05, "S1_FX_Eur_Change": 0.004},
        ("fx.EUR.rate=1.05", "fx.EUR.change=0.004"),
    ),
    "cover-billing-prepayment": Edit(
        "cover",
        {"S1_C1_BillingMonths": 6, "S1_C1_Prepayment": 150e6, "S1_C3_MaxTokens": 10e12},
        (
            "contracts[0].payment.every_months=6",
            "contracts[0].prepayment.amount=150M",
            "contracts[2].max_tokens_per_month=10e12",
        ),
    ),
    "fee": Edit("base", {"S1_C1_MonthlyFee": 1.1e9}, ("contracts[0].monthly_fee=1.1B",)),
    "growth": Edit("base", {"S1_R1_Growth": 0.02}, ("revenue.API.growth=0.02",)),
    "training": Edit("base", {"S1_TrainingShare": 0.45}, ("costs.training_share=0.45",)),
    "notice": Edit(
        "base",
        {"S1_C1_NoticeGiven": dt.datetime(2027, 3, 1)},
        ("contracts[0].termination.notice_given=2027-03-01",),
    ),
    "edge-notice-fee-lag": Edit(
        "edge",
        {
            "S1_C3_NoticeGiven": dt.datetime(2027, 3, 1),
            "S1_C3_TerminationFee": 9_000_000,
            "S1_CollectionLag": 1,
            "S1_C1_NoticeGiven": dt.datetime(2027, 9, 30),
        },
        (
            'contracts."Option not used".termination.notice_given=2027-03-01',
            'contracts."Option not used".termination.fee=9M',
            "costs.collection_lag_months=1",
            "contracts[0].termination.notice_given=2027-09-30",
        ),
    ),
    # uptime and GPUs (and a training run) edited without a wait target: all live
    "ops-uptime-gpus-run": Edit(
        "ops-no-target",
        {
            "S1_C1_Uptime": 0.93,
            "S1_C2_Gpus": 1200,
            "S1_T1_Share": 0.5,
            "S1_T1_Start": dt.datetime(2026, 5, 1),
        },
        (
            "contracts[0].uptime=0.93",
            'contracts."Cluster B".capacity.gpus=1200',
            "training_runs.pretraining.share=0.5",
            "training_runs.pretraining.start=2026-05",
        ),
    ),
    # with a wait target, inputs the latency cap does not depend on: the fee, the market price
    "ops-fee-market": Edit(
        "ops",
        {"S1_C1_MonthlyFee": 40_000_000, "S1_MarketGpuHour": 3.1},
        ("contracts[0].monthly_fee=40M", "benchmarks.market_price_per_gpu_hour=3.1"),
    ),
    # uptime across a tier's bound (99.2% -> 98.5%: below 99%, a 10% credit) and more GPUs
    # a stream's start and end edited in the workbook (a launch moved a month earlier and
    # run a month longer; a start given to a stream that had none)
    "launch-start-end": Edit(
        "launch",
        {"S1_R1_Start": dt.datetime(2026, 12, 1), "S1_R1_End": dt.datetime(2027, 4, 1)},
        ("revenue.API.start=2026-12", "revenue.API.end=2027-04"),
    ),
    "stream-start": Edit(
        "base", {"S1_R1_Start": dt.datetime(2026, 9, 1)}, ("revenue.API.start=2026-09",)
    ),
    "mixed-uptime-gpus": Edit(
        "mixed",
        {"S1_C1_Uptime": 0.985, "S1_C2_Gpus": 800},
        ("contracts[0].uptime=0.985", "contracts[1].capacity.gpus=800"),
    ),
}

RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    reason = (
        "LibreOffice (soffice) is not installed, so the workbook's formulas cannot be "
        "recalculated by a real spreadsheet here; .ci/run installs it and sets "
        "COMMITCAST_REQUIRE_LIBREOFFICE=1"
    )
    if os.environ.get("COMMITCAST_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(reason)
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


def recalculate(files: list[Path], outdir: Path) -> None:
    """Open, recalculate and save every file in one LibreOffice run with a fresh profile."""
    executable = soffice()
    with tempfile.TemporaryDirectory(prefix="commitcast-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
        command = [
            executable,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            *(str(f) for f in files),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    missing = [f.name for f in files if not (outdir / f.name).exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {done.stdout} {done.stderr}"


def set_inputs(source: Path, target: Path, cells: dict[str, Any]) -> None:
    """A copy with some input cells changed (openpyxl; only the Assumptions cells)."""
    book = openpyxl.load_workbook(source)
    for name, value in cells.items():
        sheet, cell = next(iter(book.defined_names[name].destinations))
        assert sheet == "Assumptions"
        book[sheet][cell.replace("$", "")].value = value
    book.save(target)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """id -> (exported workbook, LibreOffice's recalculated copy)."""
    soffice()
    folder = tmp_path_factory.mktemp("books")
    out = folder / "recalculated"
    out.mkdir()
    texts = {
        "edge": EDGE,
        "no-revenue": NO_REVENUE,
        "no-contracts": NO_CONTRACTS,
        "ops": OPS,
        "ops-no-target": OPS_NO_TARGET,
        "mixed": MIXED,
        "launch": LAUNCH,
        "sheet-edge": SHEET_EDGE,
        "commit-obligations": COMMIT_OBLIGATIONS,
    }
    paths = {"base": BASE, "cover": SCENARIOS / "cover-demand.yaml"}
    for key, text in texts.items():
        paths[key] = folder / f"{key}.yaml"
        paths[key].write_text(text, encoding="utf-8")
    exported: dict[str, Path] = {}

    def export(key: str, scenario_paths: list[Path]) -> Path:
        target = folder / f"{key}.xlsx"
        write_workbook(target, [load_scenario(p) for p in scenario_paths], command_line="test")
        exported[key] = target
        return target

    for path in SCENARIO_FILES:
        export(f"scenario-{path.stem}", [path])
    export("edge", [paths["edge"]])
    export("no-revenue", [paths["no-revenue"]])
    export("no-contracts", [paths["no-contracts"]])
    for key in ("ops", "ops-no-target", "mixed", "launch", "sheet-edge", "commit-obligations"):
        export(key, [paths[key]])
    export("all", [*SCENARIO_FILES, *(paths[key] for key in texts)])
    for key, edit in EDITS.items():
        named = {"base": "scenario-colossus-base", "cover": "scenario-cover-demand"}
        source = exported[named.get(edit.source, edit.source)]
        target = folder / f"edit-{key}.xlsx"
        set_inputs(source, target, edit.cells)
        exported[f"edit-{key}"] = target
    recalculate(list(exported.values()), out)
    books = {key: (path, out / path.name) for key, path in exported.items()}
    books["_paths"] = paths  # type: ignore[assignment]
    return books


def tolerance(number_format: str, stored: float) -> float:
    if "%" in number_format:
        return RATIO
    if number_format.startswith('"'):  # money formats start with the quoted currency symbol
        return CENT
    return max(1e-9, abs(stored) * 1e-12)  # tokens, factors, prices, day counts


def empty(value: Any) -> bool:
    return value is None or value == ""


WORKBOOKS = [f"scenario-{p.stem}" for p in SCENARIO_FILES] + [
    "edge",
    "no-revenue",
    "no-contracts",
    "ops",
    "ops-no-target",
    "mixed",
    "launch",
    "sheet-edge",
    "commit-obligations",
    "all",
]


@pytest.mark.parametrize("key", WORKBOOKS)
def test_libreoffice_recalculates_the_stored_values(books, key):
    exported, recalculated = books[key]
    formulas = openpyxl.load_workbook(exported)
    stored = openpyxl.load_workbook(exported, data_only=True)
    judged = openpyxl.load_workbook(recalculated, data_only=True)
    checked = 0
    problems = []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    continue
                checked += 1
                mine = stored[ws.title][cell.coordinate].value
                theirs = judged[ws.title][cell.coordinate].value
                if empty(mine) or empty(theirs):
                    ok = empty(mine) and empty(theirs)
                elif isinstance(mine, dt.datetime) or isinstance(theirs, dt.datetime):
                    ok = mine == theirs
                else:
                    ok = abs(mine - theirs) <= tolerance(cell.number_format, mine)
                if not ok:
                    where = f"{ws.title}!{cell.coordinate} {cell.value}"
                    problems.append(f"{where}: {mine!r} {theirs!r}")
    assert not problems, f"{len(problems)} of {checked} differ:\n" + "\n".join(problems[:20])
    assert checked > 30


@pytest.mark.parametrize("key", EDITS)
def test_changed_inputs_recalculate_like_set(books, key):
    edit = EDITS[key]
    source = books["_paths"][edit.source]
    expected = projection(apply_overrides(load_scenario(source), list(edit.sets)))
    original = projection(load_scenario(source))
    book = openpyxl.load_workbook(books[f"edit-{key}"][1], data_only=True)
    ws = book.worksheets[3]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    assert set(LABELS) == set(MONTHLY_COLUMNS)
    changed = False
    for column, label in LABELS.items():
        if label not in rows and column == "cash_out":
            label = "Cash out (fees paid, commits, overflow, serving)"
        if label not in rows:
            has_commits = any(c.kind == "commit" for c in expected.scenario.contracts)
            assert (column in SERVING_ROWS and expected.scenario.serving is None) or (
                column in COMMIT_ROWS and not has_commits
            ), label
            continue
        cells = [ws.cell(rows[label], 3 + m) for m in range(expected.scenario.months)]
        for month, (cell, want) in enumerate(zip(cells, expected.columns[column], strict=True)):
            got = cell.value
            where = f"{column} month {month}"
            if math.isnan(want):
                assert empty(got), where
                continue
            assert got == pytest.approx(want, abs=tolerance(cell.number_format, want)), where
        changed |= any(
            not math.isclose(a, b, abs_tol=0.01)
            for a, b in zip(expected.columns[column], original.columns[column], strict=True)
            if not (math.isnan(a) or math.isnan(b))
        )
    assert changed, "the edit must change the projection for the test to mean anything"
    summary = book["Summary"]
    srows = {summary.cell(r, 1).value: r for r in range(1, summary.max_row + 1)}
    has_commits = any(c.kind == "commit" for c in expected.scenario.contracts)
    assert ("Idle commitment cost (commit shortfall)" in srows) == has_commits
    for key_, label in SUMMARY_LABELS.items():
        if label not in srows:
            continue  # the commit shortfall of a workbook without commits (asserted above)
        cell = summary.cell(srows[label], 2)
        want = expected.summary[key_]
        if want is None:
            assert empty(cell.value), label
        else:
            assert cell.value == pytest.approx(want, abs=tolerance(cell.number_format, want)), label


def test_a_launch_and_fiscal_years_recalculate_to_the_hand_figures(books):
    """LibreOffice's figures for LAUNCH, worked out by hand (as in test_excel_calc.py):
    API 1M x 1.5^(t - 2) tokens from January to March 2027, 0 outside; the fiscal years'
    revenue FY2027 (Nov-Jan) and FY2028 (Feb-Apr) with Legacy's added."""
    ws = openpyxl.load_workbook(books["launch"][1], data_only=True).worksheets[3]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}

    def months(label: str) -> list:
        return [ws.cell(rows[label], 3 + m).value for m in range(6)]

    assert months("API: tokens demanded") == pytest.approx([0, 0, 1e6, 1.5e6, 2.25e6, 0])
    # Legacy from July 2026: t = 4 in November; 2M x 0.9^t to February (t = 7), then 0:
    # 1,312,200, 1,180,980, 1,062,882, 956,593.8
    legacy = [2e6 * 0.9**4, 2e6 * 0.9**5, 2e6 * 0.9**6, 2e6 * 0.9**7, 0, 0]
    assert months("Legacy: tokens demanded") == pytest.approx(legacy)
    # its price 500 x 0.98^t keeps falling after it ends (nothing is sold at it)
    assert months("Legacy: price per million tokens")[5] == pytest.approx(500 * 0.98**9)
    legacy_usage = [tokens * 500 * 0.98 ** (4 + m) / 1e6 for m, tokens in enumerate(legacy)]
    flat = [4000 * 1.5**m for m in range(6)]
    api = [0, 0, 1_000, 1_650, 2_722.5, 0]
    revenue = [a + b + c for a, b, c in zip(api, legacy_usage, flat, strict=True)]
    assert months("Revenue") == pytest.approx(revenue, abs=CENT)
    month = rows["Month"]
    assert [ws.cell(month, 10 + i).value for i in range(2)] == [2027, 2028]
    totals = [ws.cell(rows["Revenue"], 10 + i).value for i in range(2)]
    assert totals == pytest.approx([sum(revenue[:3]), sum(revenue[3:])], abs=CENT)


def test_billing_from_the_sheets_first_month_recalculates_to_the_hand_figures(books):
    """SHEET_EDGE by hand: 1,000,000.00 a month from December 2025, billed quarterly in
    arrears; December to February paid in March, 3,000,000.00 less the 2,500,000.00 prepaid
    in December (credited first) = 500,000.00; then 3,000,000.00 every third month. The
    prepayment is unused until March: 2,500,000.00 prepaid at the ends of January and
    February; fees payable 2,000,000.00, 3,000,000.00, then 1,000,000.00 after March's
    payment."""
    ws = openpyxl.load_workbook(books["sheet-edge"][1], data_only=True).worksheets[3]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}

    def months(label: str) -> list:
        return [ws.cell(rows[label], 3 + m).value for m in range(6)]

    cash_out = [0, 0, 500_000.00, 0, 0, 3_000_000.00]
    assert months("Cash out (fees paid, overflow, serving)") == pytest.approx(cash_out, abs=CENT)
    prepaid = [2_500_000.00, 2_500_000.00, 0, 0, 0, 0]
    assert months(LABELS["prepaid_fees"]) == pytest.approx(prepaid, abs=CENT)
    payable = [2e6, 3e6, 1e6, 2e6, 3e6, 1e6]
    assert months(LABELS["fees_payable"]) == pytest.approx(payable, abs=CENT)


def summary_lines(ws) -> dict[tuple[str, str], list]:
    """The Obligations sheet's summary: (contract, figure) -> the buckets and the total."""
    lines, name = {}, None
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == "Month by month (the columns of the Contracts sheet)":
            break
        if ws.cell(r, 2).value in ("scheduled", "noncancelable", "cancelable"):
            name = ws.cell(r, 1).value or name
            lines[name, ws.cell(r, 2).value] = [ws.cell(r, c).value for c in range(3, 8)]
    return lines


def test_billed_obligations_recalculate_to_the_hand_figures(books):
    """SHEET_EDGE's Obligations as of January 2026, by hand: quarters from December 2025 paid
    in arrears (March, June, September, December; the last, December and half of January 2027,
    1,000,000 + 15/31 x 1,000,000 = 1,483,870.97, in February 2027). March's 3M less the
    2.5M prepaid is 0.5M, which settles December 2025's fees (before the as-of day, 1M
    payable), as do the first 0.5M of June's: 0 + 2.5M + 3M + 3M = 8.5M within a year,
    9,983,870.97 in all, every payment noncancelable (no termination terms)."""
    ws = openpyxl.load_workbook(books["sheet-edge"][1], data_only=True)["Obligations"]
    lines = summary_lines(ws)
    want = [8_500_000.00, 1_483_870.97, 0, 0, 9_983_870.97]
    assert lines["Rack", "scheduled"] == pytest.approx(want, abs=CENT)
    assert lines["Rack", "noncancelable"] == pytest.approx(want, abs=CENT)
    assert lines["Rack", "cancelable"] == pytest.approx([0, 0, 0, 0, 0], abs=CENT)


def test_commit_obligations_recalculate_to_the_hand_figures(books):
    """COMMIT_OBLIGATIONS' Obligations sheet as LibreOffice recalculates it, by hand.

    Commit ($12M each six contract months from October 2025, arrears): the October period
    counts January to March, $6M paid in April; then $12M in October 2026, April and October
    2027: $18M within a year, $24M in 1-3 years. Notice on 1 January ends service before
    2 March (60 days): that period's $6M and the $1M fee, $7M noncancelable.
    EU rack (EUR 2M a month, arrears, converted at 1.1 / 1.002, the rate of December 2025):
    30 months from January 2026, EUR 60M; 11 paid within a year (February to December),
    EUR 22M; noncancelable: notice on the earliest day, 1 June, ends service before 30 August:
    7 months, 29/31 of August and the EUR 3M fee, EUR 18,870,967.74."""
    ws = openpyxl.load_workbook(books["commit-obligations"][1], data_only=True)["Obligations"]
    rate = 1.1 / 1.002
    lines = summary_lines(ws)
    assert lines["Commit", "scheduled"] == pytest.approx([18e6, 24e6, 0, 0, 42e6], abs=CENT)
    assert lines["Commit", "noncancelable"] == pytest.approx([7e6, 0, 0, 0, 7e6], abs=CENT)
    eu = [22e6 * rate, 38e6 * rate, 0, 0, 60e6 * rate]
    assert lines["EU rack", "scheduled"] == pytest.approx(eu, abs=CENT)
    noncancelable = (7 * 2e6 + 2e6 * 29 / 31 + 3e6) * rate
    assert lines["EU rack", "noncancelable"][4] == pytest.approx(noncancelable, abs=CENT)
    assert noncancelable == pytest.approx(20_716_631.25, abs=CENT)


def test_a_commit_shortfall_on_the_summary(books):
    """The commit's minimum raised to $450M a year at $1.60 per million tokens: the commit is
    not spent in full and the Summary's idle commitment cost, recalculated, is the engine's
    $124,365,649.45 (0 in the scenario as written)."""
    for key, want in (("scenario-cover-demand", 0.0), ("edit-cover-minimum-price", 124_365_649.45)):
        summary = openpyxl.load_workbook(books[key][1], data_only=True)["Summary"]
        rows = {summary.cell(r, 1).value: r for r in range(1, summary.max_row + 1)}
        label = SUMMARY_LABELS["total_commit_shortfall"]
        assert rows[label] == rows["Idle capacity cost"] + 1  # beside the idle capacity cost
        assert summary.cell(rows[label], 2).value == pytest.approx(want, abs=CENT)


def test_changed_notice_date_agrees_with_the_cli(books, cli):
    """The same check through `commitcast project --set ... --format json`."""
    import json

    edit = EDITS["notice"]
    result = cli("project", BASE, "--format", "json", *(f"--set={s}" for s in edit.sets))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    book = openpyxl.load_workbook(books["edit-notice"][1], data_only=True)
    summary = book["Summary"]
    rows = {summary.cell(r, 1).value: r for r in range(1, summary.max_row + 1)}
    for key, label in (("npv", "NPV of net cash flow"), ("exit_cost_now", "Exit cost now")):
        assert summary.cell(rows[label], 2).value == pytest.approx(data["summary"][key], abs=CENT)


@pytest.mark.parametrize("key", [*WORKBOOKS, *(f"edit-{k}" for k in EDITS)])
def test_no_error_values_anywhere(books, key):
    book = openpyxl.load_workbook(books[key][1], data_only=True)
    errors = [
        f"{ws.title}!{cell.coordinate}={cell.value}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "e" or (isinstance(cell.value, str) and cell.value in ERRORS)
    ]
    assert not errors, errors[:20]


def test_missing_libreoffice_fails_when_required(monkeypatch):
    """CI sets COMMITCAST_REQUIRE_LIBREOFFICE=1: no soffice is then a failure, not a skip."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("COMMITCAST_REQUIRE_LIBREOFFICE", "1")
    with pytest.raises(pytest.fail.Exception, match="not installed"):
        soffice()
    monkeypatch.delenv("COMMITCAST_REQUIRE_LIBREOFFICE")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        soffice()
