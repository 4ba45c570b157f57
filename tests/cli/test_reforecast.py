"""--actuals and --keep-plan through the command line (cli/reforecast.py): the re-forecast of
tests/engine/test_actuals.py (January to March 20% under plan) from files, in project,
compare and the what-if commands; figures by hand in that module."""

from __future__ import annotations

import json

import pytest

from tests.engine.test_actuals import CENT

PLAN = """\
name: test
horizon: {start: 2026-01, months: 6}
contracts:
  - {name: C, monthly_fee: 3100, start: 2026-01-01, end: 2026-12-31,
     capacity: {tokens_per_month: 1000000}}
revenue:
  - {name: API, tokens_per_month: 500000, growth: GROWTH, price_per_million_tokens: 4000}
"""
ACTUALS = """\
month,revenue.API.tokens,revenue.API.revenue,cash_in,cash_out
2026-01,400000,1600,1600,3100
2026-02,440000,1760,1760,3300
2026-03,484000,1936,1936,3100
"""


@pytest.fixture
def files(write_scenario, tmp_path):
    def write(growth: str = "0.1") -> tuple[str, str]:
        plan = write_scenario(PLAN.replace("GROWTH", growth))
        actuals = tmp_path / "actuals.csv"
        actuals.write_text(ACTUALS, encoding="utf-8")
        return str(plan), str(actuals)

    return write


def test_keep_plan_needs_actuals(cli, files):
    plan, _ = files()
    for command in (["simulate"],):
        result = cli(*command, plan, "--keep-plan")
        assert result.exit_code == 2
        assert "--keep-plan needs --actuals" in result.output


def test_bad_actuals_are_reported_at_their_line(cli, files, tmp_path):
    plan, _ = files()
    bad = tmp_path / "bad.csv"
    bad.write_text("month,revenue.APX.tokens\n2026-01,1\n", encoding="utf-8")
    result = cli("simulate", plan, "--actuals", bad)
    assert result.exit_code == 2
    assert "bad.csv:1:" in result.output and "APX" in result.output


def test_simulate_keeps_the_closed_months_actual_in_every_run(cli, files):
    plan, actuals = files("{dist: uniform, low: 0.0, high: 0.2}")
    result = cli("simulate", plan, "--actuals", actuals, "-n", "100", "--format", "json")
    assert result.exit_code == 0, result.output
    fan = json.loads(result.stdout)["fan"]["cumulative_cash"]
    # -1,500, -3,040, -4,204 at the close in every percentile
    for values in fan.values():
        assert values[:3] == pytest.approx([-1500, -3040, -4204], abs=CENT)
    assert cli("simulate", plan, "--actuals", actuals, "--scheduler", "local").exit_code == 2
