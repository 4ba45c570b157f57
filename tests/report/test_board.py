"""The board report's results: headline figures from the engine and obligations, a comparison
to the first scenario, and sections only where their figures exist."""

from __future__ import annotations

import math

import pytest

from commitcast.core.errors import CommitcastError, Problem
from commitcast.engine.projection import projection
from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.report import board as board_module
from commitcast.report.board import HEADLINE, gather, has_distributions
from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"


def test_headline_figures():
    board = gather([load_scenario(BASE)], runs=10)
    report = board.scenarios[0]
    figures = {f.key: f.value for f in report.headline}
    assert [f.key for f in report.headline] == [key for key, _ in HEADLINE]
    # $1.25B a month June 2026 to May 2029, the first two months at half: 35 x $1.25B
    assert math.isclose(figures["total_commitment"], 35 * 1.25e9, abs_tol=0.005)
    # notice on 1 June with 90 days' notice: service to 29 August; June and July at half,
    # 29 of August's 31 days at the full fee
    assert math.isclose(figures["noncancelable"], 1.25e9 * (1 + 29 / 31), abs_tol=0.005)
    assert figures["peak_funding_month"] is None  # cash never goes negative
    assert figures["npv"] == report.projection.summary["npv"]
    assert board.comparison is None
    assert report.simulation is None and report.tornado is not None
    assert [e.contract.name for e in report.exits] == ["Colossus 1"]
    assert report.serving_modelled


def test_comparison_to_the_first():
    board = gather([load_scenario(BASE), load_scenario(SCENARIOS / "colossus-downside.yaml")])
    comparison = board.comparison
    assert comparison is not None
    npv = comparison.values["npv"]
    assert comparison.deltas["npv"][0].amount == npv[1] - npv[0]


def test_distributions_are_simulated_with_runs_and_seed():
    done: list[int] = []
    risk = load_scenario(SCENARIOS / "colossus-risk.yaml")
    assert has_distributions(risk)
    board = gather([risk], runs=300, seed=5, progress=done.append)
    simulation = board.scenarios[0].simulation
    assert simulation is not None and (simulation.runs, simulation.seed) == (300, 5)
    assert sum(done) == 300


def test_no_contract_or_termination_means_no_such_section():
    text = """
name: Revenue only
horizon: {start: 2026-01, months: 6}
revenue:
  - {name: S, revenue_per_month: 1M}
"""
    report = gather([scenario_from_text(text)], runs=10).scenarios[0]
    assert report.obligations is None and report.exits == []
    headline = {f.key: f.value for f in report.headline}
    assert headline["total_commitment"] == 0.0


def test_different_currencies_are_refused():
    text = BASE.read_text().replace("currency: USD", "currency: EUR")
    if "currency:" not in text:
        text = "currency: EUR\n" + BASE.read_text()
    with pytest.raises(CommitcastError, match="different currencies"):
        gather([load_scenario(BASE), scenario_from_text(text)])
    with pytest.raises(TypeError):
        gather(load_scenario(BASE))  # type: ignore[arg-type]


# A scenario whose obligations by maturity are refused (a contract term the view does not cover
# yet: until issue 13's obligations land, a billing period over a month, a prepayment or a
# commit): the report is made without them, the refusal kept to say why.
REFUSAL = Problem(
    "obligations by maturity does not cover a prepayment yet ('US reservation')",
    file="cover-demand.yaml",
    line=15,
    column=5,
    field="contracts[0].prepayment",
)


@pytest.fixture
def refusing(monkeypatch):
    """obligations() refusing every scenario with a prepayment, as the view does."""
    real = board_module.obligations

    def obligations(scenario, *args, **kwargs):
        if any(c.prepayment is not None for c in scenario.contracts):
            raise CommitcastError([REFUSAL, REFUSAL])  # the same term twice: said once
        return real(scenario, *args, **kwargs)

    monkeypatch.setattr(board_module, "obligations", obligations)


def test_refused_obligations_leave_the_report_with_the_reason(refusing):
    cover = load_scenario(SCENARIOS / "cover-demand.yaml")
    report = gather([cover], runs=10).scenarios[0]
    assert report.obligations is None
    assert report.obligations_refused == [REFUSAL, REFUSAL]
    assert report.obligations_note == REFUSAL.message
    figures = {f.key: f.value for f in report.headline}
    # not known, so not 0: a commitment of $0 would be a wrong figure, not a missing one
    assert figures["total_commitment"] is None and figures["noncancelable"] is None
    assert figures["npv"] == pytest.approx(projection(cover).summary["npv"], abs=0.005)
    assert report.tornado is not None  # the rest of the report is there


def test_a_scenario_whose_obligations_are_shown_has_no_note(refusing):
    report = gather([load_scenario(BASE)], runs=10).scenarios[0]
    assert report.obligations is not None and report.obligations_refused == []
    assert report.obligations_note is None
    figures = {f.key: f.value for f in report.headline}
    assert figures["total_commitment"] == pytest.approx(35 * 1.25e9, abs=0.005)
