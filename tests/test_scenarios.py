"""Every scenario shipped in scenarios/ (and the starter template) validates and projects."""

from __future__ import annotations

import json

import numpy as np
import pytest

from commitcast.analysis.exit import exit_options
from commitcast.engine.projection import projection
from commitcast.load.validation import load_scenario
from tests.conftest import ROOT, SCENARIOS

CENT = 0.005
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


def test_early_exit_stops_fees_at_the_end_of_the_notice_window():
    exit_case = load_scenario(SCENARIOS / "colossus-early-exit.yaml")
    term = exit_case.contracts[0].termination
    assert str(term.notice_given) == "2027-03-01" and term.notice_days == 90
    fees = list(projection(exit_case).columns["committed_fees"])
    # notice on 2027-03-01 + 90 days = 2027-05-30, the first day without service:
    # June and July 2026 at 50% (2 x 625M) + August 2026 .. April 2027 (9 months) at 1.25B
    # + May 2027, 29 of 31 days: 1.25B x 29 / 31 = 1,169,354,838.71
    may = 1.25e9 * 29 / 31
    assert sum(fees) == pytest.approx(2 * 625e6 + 9 * 1.25e9 + may, abs=CENT)
    assert fees[11] == pytest.approx(may, abs=CENT)  # May 2027
    assert fees[12:] == [0.0] * 24  # June 2027 onwards


def test_early_exit_file_equals_the_downside_with_notice_set(cli):
    # two routes to the same scenario: the shipped file, and the downside with --set
    by_file = json.loads(
        cli("project", SCENARIOS / "colossus-early-exit.yaml", "-f", "json").stdout
    )
    by_set = json.loads(
        cli(
            "project",
            SCENARIOS / "colossus-downside.yaml",
            "-f",
            "json",
            "--set",
            "contracts[0].termination.notice_given=2027-03-01",
        ).stdout
    )
    assert by_file["monthly"] == by_set["monthly"]
    assert by_file["summary"] == by_set["summary"]


# --- a believable public case (issue 11): properties a later edit must not quietly break ---

PUBLIC_CASE = ["colossus-base", "colossus-downside", "colossus-upside", "colossus-early-exit"]


def yearly(name: str) -> dict[str, np.ndarray]:
    return projection(load_scenario(SCENARIOS / f"{name}.yaml")).columns_by("year")


@pytest.mark.parametrize("name", [*PUBLIC_CASE, "colossus-risk", "portfolio"])
def test_the_horizon_is_the_contract_term(name):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    # the reported term: service from June 2026 through May 2029, projected month by month
    # (the portfolio's other contracts may run on: their obligations show past the horizon)
    deal = next(c for c in scenario.contracts if c.name == "Colossus 1")
    assert scenario.horizon_end() == deal.end
    assert str(scenario.horizon.start) == "2026-06-01"


def test_the_deal_is_the_reported_one():
    (deal,) = load_scenario(SCENARIOS / "colossus-base.yaml").contracts
    assert deal.monthly_fee == 1.25e9
    assert (str(deal.start), str(deal.end)) == ("2026-06-01", "2029-05-31")
    assert deal.termination is not None and deal.termination.notice_days == 90
    assert deal.capacity.gpus is not None and deal.capacity.gpus >= 220_000
    # "about $45B in total", reduced in the first months: 2 x 625M + 34 x 1.25B = 43.75B
    total = projection(load_scenario(SCENARIOS / "colossus-base.yaml")).summary
    assert 40e9 <= total["total_committed_fees"] <= 46e9


def test_the_base_case_reads_as_plausible():
    years = yearly("colossus-base")
    summary = projection(load_scenario(SCENARIOS / "colossus-base.yaml")).summary
    revenue = years["revenue"]
    # of the order of public run-rates: tens of billions a year in full years, not trillions
    assert all(5e9 <= r <= 100e9 for r in revenue)
    assert all(r >= 10e9 for r in revenue[1:-1])  # 2027, 2028: full years
    # capacity is not always full, and a margin a lab could report
    assert min(years["utilization"]) < 0.95
    assert 0.15 <= summary["gross_margin_pct"] <= 0.6


def test_the_downside_shows_idle_capacity_and_a_thin_or_negative_year():
    years = yearly("colossus-downside")
    summary = projection(load_scenario(SCENARIOS / "colossus-downside.yaml")).summary
    assert summary["total_idle_capacity_cost"] > 1e9
    assert min(years["gross_margin_pct"]) < 0.05


def test_exit_on_the_downside_has_a_notice_month_that_pays():
    analysis = exit_options(load_scenario(SCENARIOS / "colossus-downside.yaml"))
    assert analysis.exit_pays
    # and on the base case running the term is better
    assert not exit_options(load_scenario(SCENARIOS / "colossus-base.yaml")).exit_pays


def test_the_upside_beats_the_base_and_the_risk_case_centres_on_it():
    base = projection(load_scenario(SCENARIOS / "colossus-base.yaml")).summary
    up = projection(load_scenario(SCENARIOS / "colossus-upside.yaml")).summary
    assert up["npv"] > base["npv"]
    risk = load_scenario(SCENARIOS / "colossus-risk.yaml")
    assert risk.uncertainty.inputs  # it has distributions
    central = projection(risk).summary
    assert central["npv"] == pytest.approx(base["npv"], abs=CENT)


def test_the_portfolio_has_several_providers():
    portfolio = load_scenario(SCENARIOS / "portfolio.yaml")
    providers = {c.counterparty for c in portfolio.contracts}
    assert len(portfolio.contracts) >= 3 and len(providers) >= 3
