"""Output of the what-if commands (render/whatif.py), from results built by hand.

The results here are made up (a comparison, a bridge, a tornado, a grid, a solution, an exit
analysis) so that every cell can be worked out on paper; the analysis that produces real ones
is tested in tests/analysis/, the commands end to end in tests/cli/test_whatif.py, and that no
figure is cut at any width in tests/render/test_terminal_width.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console

from commitcast.analysis.bridge import Bridge, Step
from commitcast.analysis.compare import Comparison, Delta, MetricTable
from commitcast.analysis.exit import ExitAnalysis, NoticeOption
from commitcast.analysis.sensitivity import Bar, Grid, Tornado
from commitcast.analysis.solve import Solution
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.render import whatif
from commitcast.render.tables import markdown_text
from commitcast.variants.inputs import input_of
from tests.conftest import FIXTURES

SET = "costs.training_share=0.25"


def console(width: int = 160) -> Console:
    return Console(width=width, file=io.StringIO(), record=True, color_system=None)


def printed(show, result, width: int = 160) -> str:
    out = console(width)
    show(out, result)
    return out.export_text()


@pytest.fixture(scope="module")
def base():
    return apply_overrides(load_scenario(FIXTURES / "colossus-base.yaml"), [SET])


@pytest.fixture(scope="module")
def down():
    return apply_overrides(load_scenario(FIXTURES / "colossus-downside.yaml"), [SET])


def held(*scenarios):
    """Stand-ins for projections: the renderers read only their scenario."""
    return [SimpleNamespace(scenario=s) for s in scenarios]


# ---- shared --------------------------------------------------------------------------------


def test_letters_name_columns_after_z_by_number():
    assert whatif.letters(3) == ["A", "B", "C"]
    assert whatif.letters(28)[24:] == ["Y", "Z", "S27", "S28"]


def test_legend_and_overrides(base, down):
    assert whatif.legend([base, down]) == [
        f"A = Colossus reservation, base case ({base.provenance.file})  [base]",
        f"B = Colossus reservation, downside ({down.provenance.file})",
    ]
    # the same --set on both scenarios is stated once
    assert whatif.overrides_line([base, down]) == f"overrides: {SET}"
    assert whatif.overrides_line([load_scenario(FIXTURES / "colossus-base.yaml")]) is None
    assert whatif.scenario_info(base) == {
        "name": "Colossus reservation, base case",
        "currency": "USD",
        "file": base.provenance.file,
        "overrides": [SET],
    }


# ---- compare -------------------------------------------------------------------------------


@pytest.fixture
def comparison(base, down):
    return Comparison(
        held(base, down),
        ("npv", "gross_margin_pct", "payback_month"),
        {
            "npv": [1.0e9, 9.5e8],
            "gross_margin_pct": [0.30, 0.312],
            "payback_month": ["2027-01", "2027-03"],
        },
        {
            "npv": [Delta(-5.0e7, -0.05)],  # 950M - 1,000M, of 1,000M
            "gross_margin_pct": [Delta(0.012, 0.04)],  # 1.2 points, 4% of 30%
            "payback_month": [Delta(None, None)],  # months are shown, not subtracted
        },
    )


def test_compare_cells(comparison):
    header, rows = whatif.compare_cells(comparison)
    assert header == ["figure", "A", "B", "Δ B", "Δ% B"]
    assert rows == [
        ["npv", "$1.00B", "$950.0M", "($50.0M)", "(5.0%)"],
        ["gross_margin_pct", "30.0%", "31.2%", "+1.2pt", "4.0%"],  # a ratio moves in points
        ["payback_month", "2027-01", "2027-03", "", ""],
    ]


def test_compare_table(comparison):
    text = printed(whatif.print_compare, comparison)
    lines = text.splitlines()
    assert lines[0] == "compare (USD)"
    assert lines[1].startswith("A = Colossus reservation, base case (")
    assert lines[3] == f"overrides: {SET}"
    assert "│ npv              │  $1.00B │ $950.0M │ ($50.0M) │ (5.0%) │" in text


@pytest.fixture
def operating(base, down):
    # the base has no `serving` section and earns no SLA credit; the other has a queue wait
    return Comparison(
        held(base, down),
        (
            "total_sla_credits",
            "months_saturated_at_peak",
            "max_queue_wait_seconds",
            "cost_per_gpu_hour",
            "premium_over_market",
        ),
        {
            "total_sla_credits": [0.0, 0.0],
            "months_saturated_at_peak": [None, 3],
            "max_queue_wait_seconds": [None, 1.25],
            "cost_per_gpu_hour": [None, None],
            "premium_over_market": [0.10, 0.25],
        },
        {
            "total_sla_credits": [Delta(0.0, None)],
            "months_saturated_at_peak": [Delta(None, None)],
            "max_queue_wait_seconds": [Delta(None, None)],
            "cost_per_gpu_hour": [Delta(None, None)],
            "premium_over_market": [Delta(0.15, 1.5)],  # 15 points, 150% of 10%
        },
    )


def test_compare_leaves_out_a_figure_no_scenario_has(operating):
    text = printed(whatif.print_compare, operating)
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in text.splitlines()
        if line.startswith("│")
    ]
    # shown where one scenario has it; left out where every one is empty, or 0 for SLA credits
    assert rows == [
        ["months_saturated_at_peak", "", "3", "", ""],  # a count, not money
        ["max_queue_wait_seconds", "", "1.25 s", "", ""],
        ["premium_over_market", "10.0%", "25.0%", "+15.0pt", "150.0%"],
    ]
    # the machine formats keep every figure
    header, rows = whatif.compare_cells(operating)
    assert [row[0] for row in rows] == list(operating.figures)
    assert {r["figure"] for r in whatif.compare_records(operating)} == set(operating.figures)


@pytest.mark.parametrize(
    ("figure", "amount", "text"),
    [
        ("npv", -5.0e7, "($50.0M)"),
        ("gross_margin_pct", 0.012, "+1.2pt"),  # a ratio moves in points
        ("premium_over_market", -0.05, "-5.0pt"),
        ("max_queue_wait_seconds", 0.5, "0.50 s"),  # in the figure's own unit, not money
        ("months_saturated_at_peak", -2, "-2"),
        ("cost_per_gpu_hour", 0.25, "$0.25"),
        (None, None, ""),
    ],
)
def test_format_change(figure, amount, text):
    assert whatif.format_change(figure or "npv", amount, "USD") == text


def test_a_bridge_of_seconds_moves_in_seconds(walk):
    wait = Bridge("max_queue_wait_seconds", walk.base, walk.other, 1.0, 1.5, [], [])
    _, rows = whatif.bridge_cells(wait)
    assert rows == [["A (base)", "1.00 s", ""], ["B (total)", "1.50 s", "0.50 s"]]


def test_compare_machine_formats_carry_unrounded_figures(comparison):
    rows = list(csv.DictReader(io.StringIO(whatif.compare_csv(comparison))))
    assert [(r["figure"], r["scenario"]) for r in rows[:2]] == [
        ("npv", "Colossus reservation, base case"),
        ("npv", "Colossus reservation, downside"),
    ]
    assert (rows[0]["delta"], rows[0]["delta_pct"]) == ("", "")  # the base has no delta
    assert float(rows[1]["value"]) == pytest.approx(9.5e8, abs=0.005)
    assert float(rows[1]["delta"]) == pytest.approx(-5.0e7, abs=0.005)
    assert rows[5]["value"] == "2027-03" and rows[5]["delta"] == ""
    document = json.loads(whatif.compare_json(comparison))
    assert document["base"] == "Colossus reservation, base case"
    assert document["overrides"] == [SET]
    assert [s["name"] for s in document["scenarios"]] == comparison.names
    assert document["figures"][3]["delta_pct"] == pytest.approx(0.04, abs=1e-9)


def test_compare_markdown_with_its_legend(comparison):
    text = whatif.compare_markdown(comparison)
    assert text.startswith("- A = Colossus reservation, base case (")
    assert "\n\n| figure | A | B | Δ B | Δ% B |" in text
    assert "| npv | $1.00B | $950.0M | ($50.0M) | (5.0%) |" in text


# ---- one metric over time ------------------------------------------------------------------


@pytest.fixture
def metric(base, down):
    return MetricTable(
        held(base, down),
        "revenue",
        "year",
        ["2026", "2027"],
        [[100.0, 110.0], [200.0, None]],  # the second scenario does not reach 2027
        [[Delta(10.0, 0.1)], [Delta(None, None)]],
    )


def test_metric_cells_and_records(metric):
    header, rows = whatif.metric_cells(metric)
    assert header == ["year", "A", "B", "Δ B", "Δ% B"]
    assert rows == [
        ["2026", "$100.00", "$110.00", "$10.00", "10.0%"],
        ["2027", "$200.00", "", "", ""],
    ]
    records = whatif.metric_records(metric)
    assert records[1] == {
        "period": "2026",
        "scenario": "Colossus reservation, downside",
        "revenue": 110.0,
        "delta": 10.0,
        "delta_pct": 0.1,
    }
    assert records[3]["revenue"] is None
    document = json.loads(whatif.metric_json(metric))
    assert (document["metric"], document["by"]) == ("revenue", "year")
    assert len(document["rows"]) == 4
    assert whatif.metric_csv(metric).splitlines()[0] == "period,scenario,revenue,delta,delta_pct"
    assert "| 2027 | $200.00 |  |  |  |" in whatif.metric_markdown(metric)


def test_print_metric(metric):
    text = printed(whatif.print_metric, metric)
    assert text.splitlines()[0] == "revenue by year"
    assert "│ 2026 │ $100.00 │ $110.00 │ $10.00 │ 10.0% │" in text


# ---- bridge --------------------------------------------------------------------------------


@pytest.fixture
def walk(base, down):
    # 1,000 -> 900 -> 850 -> 800 -> 750 -> 700: each group takes off its share
    afters = [900.0, 850.0, 800.0, 750.0, 700.0]
    befores = [1000.0, *afters[:-1]]
    groups = ["contracts", "demand", "prices", "costs", "timing"]
    steps = [Step(g, b, a) for g, b, a in zip(groups, befores, afters, strict=True)]
    return Bridge("npv", base, down, 1000.0, 700.0, steps, ["a note"])


def test_bridge_cells(walk):
    header, rows = whatif.bridge_cells(walk)
    assert header == ["step", "npv", "contribution"]
    assert rows[0] == ["A (base)", "$1.0K", ""]
    assert rows[1] == ["+ contracts", "$900.00", "($100.00)"]
    assert rows[5] == ["+ timing", "$700.00", "($50.00)"]
    assert rows[6] == ["B (total)", "$700.00", "($300.00)"]  # 700 - 1,000


def test_a_ratio_bridge_moves_in_points(walk):
    ratio = Bridge("gross_margin_pct", walk.base, walk.other, 0.30, 0.312, [], [])
    _, rows = whatif.bridge_cells(ratio)
    assert rows == [["A (base)", "30.0%", ""], ["B (total)", "31.2%", "+1.20pt"]]


def test_bridge_records_json_and_markdown(walk):
    records = whatif.bridge_records(walk)
    assert [r["step"] for r in records] == [1, 2, 3, 4, 5]
    assert records[0]["inputs"] == whatif.GROUP_FIELDS["contracts"]
    assert records[1]["contribution"] == pytest.approx(-50.0, abs=0.005)  # 850 - 900
    document = json.loads(whatif.bridge_json(walk))
    assert document["total"] == pytest.approx(-300.0, abs=0.005)
    assert sum(step["contribution"] for step in document["steps"]) == pytest.approx(
        document["total"], abs=0.005
    )
    assert document["notes"] == ["a note"]
    assert whatif.bridge_csv(walk).splitlines()[0] == "step,group,inputs,before,after,contribution"
    markdown = whatif.bridge_markdown(walk)
    # the list is escaped as every Markdown output is (render.tables.markdown_text)
    assert "- " + markdown_text("timing: " + whatif.GROUP_FIELDS["timing"]) in markdown
    assert "| B (total) | $700.00 | ($300.00) |" in markdown


def test_print_bridge(walk):
    text = printed(whatif.print_bridge, walk)
    assert text.splitlines()[0] == "bridge of npv from A to B"
    assert "│ + prices    │ $800.00 │     ($50.00) │" in text
    assert "note: a note" in text


# ---- sensitivity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("contracts[0].monthly_fee", "Colossus reservation fee"),
        ("contracts[0].capacity.tokens_per_month", "Colossus reservation capacity"),
        ("revenue.API.price_per_million_tokens", "API price"),
        ("revenue.Subscriptions.revenue_per_month", "Subscriptions flat revenue"),
        ("contracts[0].ramp[0].fraction", "Colossus reservation ramp[0].fraction"),
        ("costs.training_share", "training share"),
        ("costs.overflow.cost_per_million_tokens", "on-demand cost"),
        ("discount_rate", "discount_rate"),
    ],
)
def test_driver_label(base, path, label):
    assert whatif.driver_label(base, input_of(base, path, "drivers")) == label


@pytest.mark.parametrize(
    ("path", "value", "text"),
    [
        ("contracts[0].monthly_fee", 1.0e9, "$1.00B"),
        ("contracts[0].capacity.tokens_per_month", 5e15, "5.00P"),
        ("revenue.API.price_per_million_tokens", 4.8, "$4.8"),
        ("revenue.API.price_per_million_tokens", -1.5, "-$1.5"),
        ("revenue.API.growth", 0.02, "2%"),
        ("costs.training_share", 0.24, "24%"),
        ("discount_rate", 0.1, "10%"),
        (
            "contracts[0].end",
            float((dt.date(2029, 5, 31) - dt.date(1970, 1, 1)).days),
            "2029-05-31",
        ),
        ("contracts[0].termination.notice_days", 90.0, "90"),
        ("costs.overflow.policy", 0.0, "unserved"),
    ],
)
def test_input_value(base, path, value, text):
    assert whatif.input_value(input_of(base, path, "drivers"), value, "USD") == text


# The operating inputs: GPUs, uptime, a training run, serving and a market benchmark.
GPUS = """\
name: GPUs
horizon: {start: 2026-06, months: 12}
contracts:
  - {name: Colossus 1, monthly_fee: 1.25B, start: 2026-06-01, end: 2027-05-31,
     capacity: {gpus: 220000, tokens_per_gpu_second: 1400}, uptime: 0.995}
revenue:
  - {name: API, tokens_per_month: 0.4e15, price_per_million_tokens: 3.40}
training_runs:
  - {name: post-training, start: 2026-09, months: 2, share: 0.15}
serving: {request_seconds: 20, slots_per_gpu: 4}
benchmarks: {market_price_per_gpu_hour: 2.35}
"""


@pytest.mark.parametrize(
    ("path", "label", "value", "text"),
    [
        ("contracts[0].capacity.gpus", "Colossus 1 GPUs", 176_000.0, "176,000"),
        (
            "contracts[0].capacity.tokens_per_gpu_second",
            "Colossus 1 tokens per GPU-second",
            1120.0,
            "1120",
        ),
        ("contracts[0].uptime", "Colossus 1 uptime", 0.985, "98.5%"),
        ("training_runs[0].share", "post-training share", 0.12, "12%"),
        ("serving.request_seconds", "request time", 16.0, "16 s"),
        ("serving.peak_to_average", "peak to average", 1.2, "1.2"),
        ("benchmarks.market_price_per_gpu_hour", "market GPU-hour price", 2.35, "$2.35"),
    ],
)
def test_the_operating_inputs_as_drivers(path, label, value, text):
    scenario = scenario_from_text(GPUS, "gpus.yaml")
    item = input_of(scenario, path, "drivers")
    assert whatif.driver_label(scenario, item) == label
    assert whatif.input_value(item, value, "USD") == text


@pytest.fixture
def tornado(base):
    fee = input_of(base, "contracts[0].monthly_fee", "drivers")
    end = input_of(base, "contracts[0].end", "drivers")
    growth = input_of(base, "revenue.API.growth", "drivers")
    day = float((dt.date(2029, 12, 31) - dt.date(1970, 1, 1)).days)
    return Tornado(
        base,
        "npv",
        100.0,
        [
            Bar(fee, 1.0e9, 1.5e9, 80.0, 120.0),  # swing 40
            Bar(end, end.base, day, 95.0, 110.0),  # swing 15
            Bar(growth, 0.0, 0.08, math.nan, math.nan),  # undefined: no swing
        ],
        ["left out: x"],
    )


def test_tornado_records(tornado):
    fee, end, growth = whatif.tornado_records(tornado)
    assert fee["driver"] == "contracts[0].monthly_fee"
    assert (fee["low"], fee["high"], fee["swing"]) == (1.0e9, 1.5e9, 40.0)
    assert end["high"] == "2029-12-31"  # a date as written in a file
    assert end["swing"] == 15.0
    assert (growth["at_low"], growth["swing"]) == (None, None)
    document = json.loads(whatif.tornado_json(tornado))
    assert document["base"] == 100.0 and document["notes"] == ["left out: x"]
    assert document["overrides"] == [SET]
    header = whatif.tornado_csv(tornado).splitlines()[0]
    assert header == "driver,key,base,low,high,at_low,at_high,swing"


def test_tornado_bars_by_hand(tornado):
    text = printed(whatif.print_tornado, tornado)
    assert text.splitlines()[0] == (
        "sensitivity of npv (Colossus reservation, base case): base $100.00"
    )
    # the scale is the largest move from the base, 20: each side of the axis holds 8 cells
    # fee: 20 below and 20 above -> 8 and 8; end: 5 below -> round(5/20*8) = 2, 10 above -> 4
    (fee,) = [line for line in text.splitlines() if "Colossus reservation fee" in line]
    (end,) = [line for line in text.splitlines() if "Colossus reservation end" in line]
    assert fee.rstrip().endswith("████████│████████")
    assert end.rstrip().endswith("      ██│████")
    assert "$1.00B" in fee and "$1.50B" in fee and "$40.00" in fee
    assert "2029-12-31" in end
    assert "note: left out: x" in text


# ---- grid ----------------------------------------------------------------------------------


def test_two_way_grid(base):
    rows = input_of(base, "revenue.API.growth", "axes")
    columns = input_of(base, "costs.overflow.policy", "axes")
    table = np.array([[1.0e9, 2.0e9], [3.0e9, math.nan]])
    grid = Grid(base, "npv", 5.0e9, rows, [0.02, 0.04], columns, [0.0, 1.0], table)
    records = whatif.grid_records(grid)
    assert records[1] == {
        "revenue.API.growth": 0.02,
        "costs.overflow.policy": "on_demand",
        "npv": 2.0e9,
    }
    assert records[3]["npv"] is None
    text = printed(whatif.print_grid, grid)
    assert "revenue.API.growth \\ costs.overflow.policy" in text
    assert "│ 4%" in text and "$3.00B" in text
    assert json.loads(whatif.grid_json(grid))["columns"] == "costs.overflow.policy"
    assert whatif.grid_csv(grid).splitlines()[0] == "revenue.API.growth,costs.overflow.policy,npv"


def test_one_way_grid(base):
    rows = input_of(base, "revenue.API.growth", "axes")
    table = np.array([[1.5e9], [2.5e9]])
    grid = Grid(base, "npv", 2.0e9, rows, [0.02, 0.04], None, [], table)
    assert whatif.grid_records(grid) == [
        {"revenue.API.growth": 0.02, "npv": 1.5e9},
        {"revenue.API.growth": 0.04, "npv": 2.5e9},
    ]
    assert json.loads(whatif.grid_json(grid))["columns"] is None
    text = printed(whatif.print_grid, grid)
    assert "base $2.00B" in text.splitlines()[0]
    assert "┃ revenue.API.growth ┃" in text and "│ 2%                 │ $1.50B │" in text


def test_a_grid_of_a_ratio_figure_prints():
    base = load_scenario(FIXTURES / "colossus-base.yaml")
    rows = input_of(base, "revenue.API.growth", "axes")
    table = np.array([[0.25], [0.35]])  # what grid() holds: numpy values
    grid = Grid(base, "gross_margin_pct", 0.3, rows, [0.02, 0.04], None, [], table)
    text = printed(whatif.print_grid, grid)
    assert "25.0%" in text and "35.0%" in text


# ---- solve ---------------------------------------------------------------------------------


@pytest.fixture
def solution(base):
    path = "revenue.API.price_per_million_tokens"
    return Solution(
        base,
        path,
        "gross_margin_pct",
        0.4,
        4.5,
        "4.5",
        0.4 + 2e-10,
        (0.0, 60.0),
        (-0.5, 0.6),
        2,
        [f"{path}=4.5"],
    )


def test_solution_record(solution):
    record = whatif.solution_record(solution)
    assert record["vary"] == "revenue.API.price_per_million_tokens"
    assert record["value"] == 4.5 and record["target"] == 0.4
    assert record["residual"] == pytest.approx(2e-10, abs=1e-15)
    assert (record["search_low"], record["search_high"]) == (0.0, 60.0)
    assert (record["figure_low"], record["figure_high"]) == (-0.5, 0.6)
    document = json.loads(whatif.solution_json(solution))
    assert document["check"] == {"set": ["revenue.API.price_per_million_tokens=4.5"]}
    assert whatif.solution_csv(solution).splitlines()[0].startswith("vary,value,figure,target,")


def test_print_solution(solution):
    lines = printed(whatif.print_solution, solution).splitlines()
    assert lines[0] == "solve (Colossus reservation, base case)"
    assert lines[2] == (
        "revenue.API.price_per_million_tokens = 4.5  makes gross_margin_pct = 40.0000%"
    )
    assert lines[3] == "checked by projecting with --set revenue.API.price_per_million_tokens=4.5:"
    assert lines[4] == "  gross_margin_pct = 40.0000% (off by 2e-10)"
    assert lines[5] == (
        "searched revenue.API.price_per_million_tokens over [0, 60]; gross_margin_pct ranged "
        "-50.0000% to 60.0000%"
    )
    assert lines[6].startswith("note: the figure crosses the target 2 times in that range")


def test_break_even_utilization_comes_first(solution):
    import dataclasses

    breakeven = dataclasses.replace(
        solution, extra={"average_utilization": 0.5555, "scale": 0.8}, path="demand (x scale)"
    )
    lines = printed(whatif.print_solution, breakeven).splitlines()
    assert lines[2] == "break-even average utilization: 55.55%"
    assert whatif.solution_record(breakeven)["scale"] == 0.8


# ---- exit ----------------------------------------------------------------------------------


def option(notice, last, npv, ends_early=True):
    return NoticeOption(
        notice=notice,
        last_service_day=last,
        fees_avoided=300.0,
        exit_cost=100.0,
        revenue_lost=50.0,
        npv=npv,
        gross_margin=npv / 2,
        peak_funding_need=10.0,
        ends_early=ends_early,
    )


@pytest.fixture
def exit_analysis(base):
    contract = base.contracts[0]
    d = dt.date
    options = [
        option(d(2029, 1, 1), d(2029, 3, 31), 1100.0),
        option(d(2029, 2, 1), d(2029, 5, 1), 1200.0),  # the best
        option(d(2029, 3, 1), d(2029, 5, 29), 1150.0),  # the last before 2029-03-02
        option(d(2029, 4, 1), contract.end, 1000.0, ends_early=False),
    ]
    return ExitAnalysis(
        base,
        contract,
        0,
        option(None, contract.end, 1000.0, ends_early=False),
        options,
        1,
        d(2029, 3, 2),
        ["a note"],
    )


def test_exit_records_mark_best_last_and_too_late(exit_analysis):
    records = whatif.exit_records(exit_analysis)
    assert [r["notice"] for r in records] == [
        None,
        "2029-01-01",
        "2029-02-01",
        "2029-03-01",
        "2029-04-01",
    ]
    assert [r["mark"] for r in records] == ["", "", "best", "last", "too late"]
    # the change in NPV against running the term: 1,200 - 1,000
    assert records[2]["npv_change"] == pytest.approx(200.0, abs=0.005)
    assert records[0]["npv_change"] == 0.0


def test_exit_json(exit_analysis):
    document = json.loads(whatif.exit_json(exit_analysis))
    assert document["contract"] == "Colossus reservation"
    assert document["best_notice"] == "2029-02-01"
    assert document["best_beats_no_notice"] is True  # 1,200 > 1,000
    assert document["last_notice_date"] == "2029-03-02"
    assert len(document["options"]) == 5
    assert whatif.exit_csv(exit_analysis).splitlines()[0].startswith("notice,last_service_day,")


def test_print_exit(exit_analysis):
    text = printed(whatif.print_exit, exit_analysis, 200)
    assert text.splitlines()[0] == (
        "exit timing for 'Colossus reservation' (Colossus reservation, base case): 90 days' "
        "notice, fee $0.00, term ends 2029-05-31"
    )
    assert (
        "best: notice on 2029-02-01 (service ends 2029-05-01): NPV $1.2K, $200.00 above running "
        "the full term" in text
    )
    assert (
        "last date to give notice that ends service early: 2029-03-02 (90 days before the "
        "term's end, 2029-05-31)" in text
    )
    assert "note: a note" in text
    assert "no notice" in text


# Issue 13: a commit's minimum is money, a euro contract's amounts are in euros, an fx rate says
# its unit in its label (scenarios/cover-demand.yaml).
@pytest.fixture(scope="module")
def cover():
    from tests.conftest import SCENARIOS

    return load_scenario(SCENARIOS / "cover-demand.yaml")


@pytest.mark.parametrize(
    ("path", "label", "value", "text"),
    [
        (
            'contracts."Inference commit".minimum.amount',
            "Inference commit minimum",
            1.6e8,
            "$160.0M",
        ),
        (
            'contracts."Inference commit".price_per_million_tokens',
            "Inference commit price",
            1.44,
            "$1.44",
        ),
        (
            'contracts."Inference commit".minimum.every_months',
            "Inference commit minimum period",
            12,
            "12 months",
        ),
        (
            'contracts."Inference commit".max_tokens_per_month',
            "Inference commit monthly limit",
            25e12,
            "25.00T",
        ),
        (
            'contracts."US reservation".prepayment.amount',
            "US reservation prepayment",
            57.6e6,
            "$57.6M",
        ),
        (
            'contracts."US reservation".payment.every_months',
            "US reservation billing period",
            3,
            "3 months",
        ),
        (
            'contracts."EU sovereign reservation".monthly_fee',
            "EU sovereign reservation fee",
            3.2e6,
            "€3.2M",
        ),
        ("revenue.EU.price_per_million_tokens", "EU price", 2.08, "€2.08"),
        ("fx.EUR.rate", "EUR rate ($ per €)", 1.044, "1.044"),
        ("fx.EUR.change", "EUR rate change", 0.0015, "0.15%"),
    ],
)
def test_issue_13_inputs_as_drivers_in_their_own_currency(cover, path, label, value, text):
    item = input_of(cover, path, "drivers")
    assert whatif.driver_label(cover, item) == label
    assert whatif.input_value(item, value, whatif.input_currency(cover, item)) == text


def test_the_tornado_of_cover_demand_shows_money_as_money(cover):
    from commitcast.analysis.sensitivity import sensitivity

    console = Console(record=True, width=160)
    whatif.print_tornado(console, sensitivity(cover))
    text = console.export_text()
    minimum = next(line for line in text.splitlines() if "Inference commit minimum" in line)
    assert "$160.0M" in minimum and "$240.0M" in minimum
    assert "e+08" not in text and "minimum.amount" not in text
    fee = next(line for line in text.splitlines() if "EU sovereign reservation fee" in line)
    assert "€3.2M" in fee and "€4.8M" in fee  # EUR 4M -/+ 20%, in euros
    rate = next(line for line in text.splitlines() if "EUR rate ($ per €)" in line)
    assert "1.044" in rate and "1.276" in rate
