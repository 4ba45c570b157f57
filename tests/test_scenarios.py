"""Every scenario shipped in scenarios/ (and the starter template) validates and projects."""

from __future__ import annotations

import json

import pytest

from commitcast.engine.projection import projection
from commitcast.load.validation import load_scenario
from tests.conftest import ROOT, SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + [ROOT / "templates" / "starter.yaml"]


def test_the_issue_scenarios_are_shipped():
    names = {p.name for p in SCENARIOS.glob("*.yaml")}
    assert {"colossus-base.yaml", "colossus-downside.yaml", "colossus-early-exit.yaml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_validates_and_projects(cli, path):
    result = cli("validate", path)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    projected = cli("project", path, "--format", "json")
    assert projected.exit_code == 0, projected.output
    assert len(json.loads(projected.stdout)["monthly"]) == load_scenario(path).months


def test_downside_is_worse_than_base_and_keeps_the_commitment():
    base = projection(load_scenario(SCENARIOS / "colossus-base.yaml"))
    down = projection(load_scenario(SCENARIOS / "colossus-downside.yaml"))
    # slower demand, faster price decline; same contract
    assert down.summary["total_committed_fees"] == base.summary["total_committed_fees"]
    assert down.summary["total_revenue"] < base.summary["total_revenue"]
    assert down.summary["npv"] < base.summary["npv"]
    scenario = load_scenario(SCENARIOS / "colossus-downside.yaml")
    api = scenario.revenue[0]
    assert api.growth < 0.04 and api.price_change < -0.01


def test_early_exit_stops_fees_after_march_2027():
    exit_case = load_scenario(SCENARIOS / "colossus-early-exit.yaml")
    term = exit_case.contracts[0].termination
    assert str(term.notice_given) == "2027-01-01" and term.notice_days == 90
    fees = list(projection(exit_case).columns["committed_fees"])
    # 2 ramp months at 1.25B * 0.5 + Aug 2026 .. Mar 2027 (8 months) at 1.25B, before the
    # 12-month escalator step: 1.25B + 10B = 11.25B
    assert sum(fees) == 11_250_000_000
    assert fees[9] == 1_250_000_000  # March 2027
    assert fees[10:] == [0.0] * 38  # April 2027 onwards


def test_early_exit_file_equals_the_base_case_with_notice_set(cli):
    # two routes to the same scenario: the shipped file, and the base case with --set
    by_file = json.loads(
        cli("project", SCENARIOS / "colossus-early-exit.yaml", "-f", "json").stdout
    )
    by_set = json.loads(
        cli(
            "project",
            SCENARIOS / "colossus-base.yaml",
            "-f",
            "json",
            "--set",
            "contracts[0].termination.notice_given=2027-01-01",
        ).stdout
    )
    assert by_file["monthly"] == by_set["monthly"]
    assert by_file["summary"] == by_set["summary"]
