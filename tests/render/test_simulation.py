"""`simulate` for people and as CSV (render/simulation.py).

The figures' statistics are checked in tests/analysis/test_simulate.py, that none is cut at any
terminal width in tests/render/test_terminal_width.py. Here the scenario has no distribution,
so every run is the same projection and each figure is worked out by hand:
a contract of 1,000 a month with 1e12 tokens of capacity; demand of 0.5e12 tokens at 0.004 per
million, i.e. 0.5e6 x 0.004 = 2,000 a month; three months, no discounting.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from commitcast.analysis.simulate import simulate
from commitcast.load.validation import scenario_from_text
from commitcast.render.simulation import compact, fan_table, print_simulation, simulation_csv

FIXED = """\
name: Fixed
horizon: {start: 2026-01, months: 3}
contracts:
  - {name: C, monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31,
     capacity: {tokens_per_month: 1.0e12}}
revenue:
  - {name: API, tokens_per_month: 0.5e12, price_per_million_tokens: 0.004}
"""


def console(width: int) -> Console:
    return Console(width=width, file=io.StringIO(), record=True, color_system=None)


@pytest.fixture(scope="module")
def fixed():
    return simulate(scenario_from_text(FIXED, "fixed.yaml"), 3, seed=0, funding_limit=2500)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5.06e11, "$506B"),
        (-1.88e11, "($188B)"),
        (1.12e12, "$1.12T"),
        (999.6e9, "$1.00T"),  # 999.6B has three significant digits only as 1.00T
        (1_234, "$1.23K"),
        (1.5e15, "$1,500T"),  # past the largest unit: whole, with separators
        (3_000, "$3.00K"),
        (0.001, "$0"),
        (-0.004, "$0"),  # rounds to nothing: no parentheses
        (None, ""),
    ],
)
def test_compact_money_to_three_significant_digits(value, text):
    assert compact("npv", value, "USD") == text


def test_compact_ratios_and_other_currencies():
    assert compact("gross_margin_pct", 0.3632, "USD") == "36.3%"
    assert compact("average_utilization", -0.05, "USD") == "(5.0%)"
    assert compact("npv", 2.5e6, "EUR") == "€2.50M"
    assert compact("npv", 2.5e6, "CHF") == "CHF 2.50M"


def test_compact_other_units_as_the_display_rules_show_them():
    # seconds and a count of months are not money: shown as project shows them
    assert compact("max_queue_wait_seconds", 1.234, "USD") == "1.23 s"
    assert compact("months_saturated_at_peak", 3.0, "USD") == "3"
    assert compact("cost_per_gpu_hour", 2.3456, "USD") == "$2.35"  # a unit cost is money
    assert compact("premium_over_market", 0.25, "USD") == "25.0%"


def row(text: str, label: str) -> list[str]:
    """The cells after `label` on its line (a label is followed by two spaces or more)."""
    (line,) = [line for line in text.splitlines() if line.strip().startswith(label + "  ")]
    return line.strip().removeprefix(label).split()


def test_the_report(fixed):
    out = console(120)
    print_simulation(out, fixed)
    text = out.export_text()
    assert text.startswith(
        "Fixed  (USD, 2026-01 to 2026-03)\n3 runs, seed 0, 0 uncertain input(s), 0 correlation(s)\n"
    )
    assert "Key figures over the runs" in text
    # every run is the same: mean and every percentile are the one figure
    assert row(text, "NPV") == ["$3.00K"] * 6  # 6,000 revenue - 3,000 fees
    assert row(text, "Gross margin") == ["$3.00K"] * 6
    assert row(text, "Gross margin %") == ["50.0%"] * 6  # 3,000 / 6,000
    assert row(text, "Avg utilization") == ["50.0%"] * 6  # 0.5e12 of 1e12
    assert row(text, "Idle capacity cost") == ["$1.50K"] * 6  # half of 3 x 1,000 idle
    assert row(text, "Peak funding need") == ["$0"] * 6  # 2,000 in, 1,000 out each month
    assert row(text, "P(gross margin < 0)") == ["0.0%"]
    assert row(text, "P(average utilization < 70%)") == ["100.0%"]
    assert row(text, "P(peak funding need > $2.5K)") == ["0.0%"]


def test_without_a_funding_limit_there_is_no_such_line():
    result = simulate(scenario_from_text(FIXED, "fixed.yaml"), 2, seed=0)
    out = console(120)
    print_simulation(out, result)
    assert "P(peak funding need" not in out.export_text()


def test_inputs_correlations_and_overrides_are_listed():
    text = FIXED.replace(
        "tokens_per_month: 0.5e12,", "tokens_per_month: {dist: uniform, low: 0.4e12, high: 0.6e12},"
    )
    from commitcast.load.overrides import apply_overrides

    scenario = apply_overrides(scenario_from_text(text, "u.yaml"), ["discount_rate=0.05"])
    out = console(120)
    print_simulation(out, simulate(scenario, 10, seed=1))
    lines = out.export_text().splitlines()
    assert lines[1] == "10 runs, seed 1, 1 uncertain input(s), 0 correlation(s)"
    assert lines[2] == "  revenue.API.tokens_per_month: uniform(low=4e+11, high=6e+11)"
    assert lines[3] == "  --set discount_rate=0.05"


def test_a_figure_undefined_in_some_runs_is_starred_and_explained():
    no_capacity = FIXED.replace(",\n     capacity: {tokens_per_month: 1.0e12}}", "}")
    assert "capacity" not in no_capacity
    result = simulate(scenario_from_text(no_capacity, "n.yaml"), 4, seed=0)
    out = console(160)
    print_simulation(out, result)
    text = out.export_text()
    assert "Avg utilization *" in text
    assert (
        "* Avg utilization: defined in 0 of 4 runs (no revenue or no capacity in the others); "
        "the figures are over those runs" in " ".join(text.split())
    )


def test_fan_rows_every_third_month_and_the_last(fixed):
    table = fan_table(fixed, "cumulative_cash", "Cumulative cash")
    out = console(120)
    out.print(table)
    text = out.export_text()
    assert "Cumulative cash by month: P5 / P50 / P95" in text
    months = [line.split()[0] for line in text.splitlines() if line.strip().startswith("2026-")]
    assert months == ["2026-01", "2026-03"]  # month 0, then the last (month 3 is past the end)
    # cumulative cash: 1,000 a month net, so $1.0K then $3.0K at every percentile
    assert row(text, "2026-03")[:3] == ["$3.0K"] * 3


def test_the_fan_bar_by_hand(fixed):
    # four months of made-up percentiles; every=3 shows months 0 and 3
    fan = {"p5": [-10.0, 0.0, 10.0, 20.0], "p50": [-5.0, 5.0, 15.0, 25.0], "p95": [0.0, 10, 20, 30]}
    made = dataclasses.replace(
        fixed,
        labels=["2026-01", "2026-02", "2026-03", "2026-04"],
        fan={"cumulative_cash": fan, "utilization": fan},
    )
    table = fan_table(made, "cumulative_cash", "Cash")
    bars = list(table.columns[-1].cells)
    # scale -10..30 over 30 cells: the cell of v is round((v + 10) / 40 * 29)
    # month 0: P5 -10 -> 0, P95 0 -> 7 (7.25), median -5 -> 4 (3.625); zero lies under the bar
    assert bars[0] == "====|===" + " " * 22
    # month 3: P5 20 -> 22 (21.75), P95 30 -> 29, median 25 -> 25 (25.375); zero at 7 is ':'
    assert bars[1] == " " * 7 + ":" + " " * 14 + "===|===="


def test_a_narrow_console_shortens_the_bar_or_leaves_it_out(fixed):
    wide = fan_table(fixed, "utilization", "Utilization", console=console(120))
    narrow = fan_table(fixed, "utilization", "Utilization", console=console(52))
    tiny = fan_table(fixed, "utilization", "Utilization", console=console(40))
    assert len(wide.columns) == 5  # month, P5, P50, P95 and the bar
    assert len(narrow.columns) == 5
    assert len(tiny.columns) == 4  # too narrow for a bar of 10: no bar at all
    out = console(52)
    out.print(narrow)
    assert max(len(line.rstrip()) for line in out.export_text().splitlines()) <= 52


def test_csv(fixed):
    text = simulation_csv(fixed)
    lines = text.splitlines()
    assert lines[0] == "section,name,month,statistic,value"
    assert lines[1] == "figure,npv,,defined_runs,3"
    # 7 figures x 7 statistics + 3 probabilities + 2 fans x 3 months x 3 levels, and a header
    assert len(lines) == 1 + 7 * 7 + 3 + 2 * 3 * 3
    (npv_mean,) = [line for line in lines if line.startswith("figure,npv,,mean,")]
    assert float(npv_mean.rsplit(",", 1)[1]) == pytest.approx(3000, abs=0.005)
