"""--actuals and --keep-plan through the command line (cli/reforecast.py): the re-forecast of
tests/engine/test_actuals.py (January to March 20% under plan) from files, in project,
compare and the what-if commands; figures by hand in that module."""

from __future__ import annotations

import csv
import io
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
    for command in (["project"], ["simulate"], ["sensitivity"], ["solve"], ["exit"]):
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


def test_project_csv_has_the_basis_and_the_actual_months(cli, files):
    plan, actuals = files()
    result = cli("project", plan, "--actuals", actuals, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:2] == ["month", "basis"]
    assert [row["basis"] for row in rows] == ["actual"] * 3 + ["forecast"] * 3
    # March actual 484,000 tokens; April re-based: 484,000 x 1.1 = 532,400
    assert [float(row["demand_tokens"]) for row in rows[2:4]] == pytest.approx([484_000, 532_400])
    # cumulative cash from the actual cash: -4,204 at the close, -6,455.02 in June
    cash = [float(row["cumulative_cash"]) for row in rows]
    assert (cash[2], cash[5]) == (pytest.approx(-4204, abs=CENT), pytest.approx(-6455.02, abs=CENT))


def test_project_keep_plan_by_quarter_in_json(cli, files):
    plan, actuals = files()
    result = cli(
        "project", plan, "--actuals", actuals, "--keep-plan", "--by", "quarter", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["actuals"]["keep_plan"] is True
    assert document["actuals"]["closed_months"] == 3
    # Q2 on the plan's path: 665,500 + 732,050 + 805,255 = 2,202,805 tokens
    q1, q2 = document["monthly"]
    assert (q1["basis"], q2["basis"]) == ("actual", "forecast")
    assert q2["demand_tokens"] == pytest.approx(2_202_805)


def test_project_terminal_shows_the_basis_and_the_actuals(cli, files, tmp_path):
    plan, actuals = files()
    result = cli("project", plan, "--actuals", actuals)
    assert result.exit_code == 0, result.output
    assert "actuals: " in result.stdout and "3 closed month(s), 2026-01 to 2026-03" in result.stdout
    assert "forecast: re-based on 2026-03" in result.stdout
    lines = [line for line in result.stdout.splitlines() if "2026-03" in line and "│" in line]
    assert lines and all("actual" in line for line in lines)
    # the workbook: the plan and its re-forecast, the actuals as input cells
    book = tmp_path / "close.xlsx"
    result = cli("project", plan, "--actuals", actuals, "--xlsx", book)
    assert result.exit_code == 0, result.output
    import openpyxl

    sheets = openpyxl.load_workbook(book).sheetnames
    assert "Actuals" in sheets and "Variance" not in sheets
    assert any(name.startswith("Re-forecast") for name in sheets)


def test_compare_a_plan_with_its_re_forecast(cli, files):
    plan, actuals = files()
    result = cli("compare", plan, "--actuals", actuals, "--format", "json")
    assert result.exit_code == 0, result.output
    # total revenue: plan 15,431.22, re-forecast 12,344.98
    text = result.stdout
    assert "test, re-forecast" in text
    bridge = cli("compare", plan, "--actuals", actuals, "--bridge", "total_revenue", "-f", "csv")
    assert bridge.exit_code == 0, bridge.output
    steps = list(csv.DictReader(io.StringIO(bridge.stdout)))
    assert [step["group"] for step in steps] == ["actuals", "demand", "prices"]
    # -1,324 (Q1 actual), -1,762.24 (20% under after), 0 (same price)
    assert [float(step["contribution"]) for step in steps] == pytest.approx(
        [-1324, -1762.24, 0], abs=CENT
    )
    assert cli("compare", plan, plan, "--actuals", actuals).exit_code == 2


def test_sensitivity_on_the_re_forecast(cli, files):
    plan, actuals = files()
    result = cli(
        "sensitivity",
        plan,
        "--actuals",
        actuals,
        "--vary",
        "revenue.API.growth=0:0.2",
        "--metric",
        "total_revenue",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    bar = document["drivers"][0]
    # 11,104 and 13,752.45 (tests/analysis/test_reforecast.py)
    assert (bar["at_low"], bar["at_high"]) == (
        pytest.approx(11_104, abs=CENT),
        pytest.approx(13_752.45, abs=CENT),
    )
