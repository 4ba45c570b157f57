"""`commitcast variance`: the formats, options and refusals (figures: tests/analysis)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
ACTUALS = SCENARIOS / "colossus-base-actuals.csv"


def test_the_table_is_the_default(cli):
    result = cli("variance", BASE, ACTUALS, "--by", "quarter")
    assert result.exit_code == 0, result.output
    assert "plan against 6 closed months (Jun 2026 to Nov 2026)" in result.stdout
    assert "2026-Q4 (2 of 3 months closed)" in result.stdout
    assert "F favourable, U unfavourable" in result.stdout


def test_json_csv_and_markdown(cli, tmp_path):
    result = cli("variance", BASE, ACTUALS, "-f", "json", "--by", "year")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-11" and [p["period"] for p in data["periods"]] == ["2026"]
    assert data["actuals"]["file"].endswith("colossus-base-actuals.csv")
    # fees as scheduled: 2 x 625M + 4 x 1.25B = 6.25B in plan and actual
    fees = next(f for f in data["figures"] if f["figure"] == 'contracts."Colossus 1".fees')
    assert fees["ytd"]["plan"] == pytest.approx(6.25e9, abs=0.005)
    assert fees["ytd"]["assessment"] == "on plan"
    for split in data["revenue_split"]:
        ytd = split["ytd"]
        assert ytd["volume"] + ytd["price_effect"] + ytd["flat"] == pytest.approx(
            ytd["variance"], abs=0.005
        )
    out = tmp_path / "variance.csv"
    result = cli("variance", BASE, ACTUALS, "-f", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("period,figure,kind,months,plan,actual,variance,")
    result = cli("variance", BASE, ACTUALS, "-f", "md", "--set", "revenue.API.growth=0.03")
    assert result.exit_code == 0, result.output
    assert "| period | figure |" in result.stdout
    assert "overrides: revenue.API.growth=0.03" in result.stderr


def test_output_needs_a_machine_format(cli, tmp_path):
    result = cli("variance", BASE, ACTUALS, "-o", tmp_path / "x.txt")
    assert result.exit_code == 2
    assert "--output needs a machine format" in result.output


def test_actuals_against_another_plan_are_checked(cli, tmp_path):
    # the early-exit plan has the same contract and streams; a --set renaming a stream does not
    # exist, so use a plan whose horizon starts later
    text = BASE.read_text().replace("start: 2026-06, months: 36", "start: 2026-07, months: 35")
    plan = tmp_path / "later.yaml"
    plan.write_text(text)
    result = cli("variance", plan, ACTUALS)
    assert result.exit_code == 2
    assert f"{ACTUALS}:2:1: month: 2026-06 is outside the plan's horizon" in result.output


def test_by_fiscal_quarter(cli):
    # a February fiscal year: June and July 2026 are FY2027-Q2 (May is before the horizon),
    # November 2026 the first month of FY2027-Q4 (November to January)
    result = cli(
        "variance", BASE, ACTUALS, "--by", "fiscal-quarter", "--set", "fiscal_year_start_month=2"
    )
    assert result.exit_code == 0, result.output
    assert "by fiscal quarter" in result.stdout
    assert "FY2027-Q2 (2 months)" in result.stdout
    assert "FY2027-Q4 (1 of 3 months closed)" in result.stdout
