"""The bridge: steps add up to the total, ends are the two scenarios, each group moves only its
own inputs (checked by projecting scenarios built with --set in the test)."""

from __future__ import annotations

import math

import pytest

from commitcast.analysis.bridge import GROUPS, bridge, group_of
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario, scenario_from_text
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def base():
    return load_scenario(FIXTURES / "colossus-base.yaml")


def changed(base, *sets):
    return apply_overrides(base, list(sets))


def test_steps_add_up_to_the_total_and_the_ends_are_the_scenarios(base):
    other = changed(
        base,
        "contracts[0].monthly_fee=1.4B",
        "revenue.API.growth=0.02",
        "revenue.API.price_per_million_tokens=5",
        "costs.training_share=0.4",
        "contracts[0].payment.timing=arrears",
        "discount_rate=0.12",
    )
    for figure in ("npv", "gross_margin", "ending_cash", "gross_margin_pct"):
        walk = bridge(base, other, figure)
        # without fx in either scenario there is no fx step
        assert [s.group for s in walk.steps] == [g for g in GROUPS if g != "fx"]
        assert walk.start == pytest.approx(projection(base).summary[figure], abs=1e-6)
        assert walk.end == pytest.approx(projection(other).summary[figure], abs=1e-6)
        total = math.fsum(s.contribution for s in walk.steps)
        assert total == pytest.approx(walk.total, abs=1e-6)
        # consecutive: each step starts where the previous one ended
        for before, after in zip(walk.steps, walk.steps[1:], strict=False):
            assert after.before == before.after


@pytest.mark.parametrize(
    ("assignment", "group"),
    [
        ("contracts[0].monthly_fee=1.4B", "contracts"),
        ("contracts[0].capacity.tokens_per_month=4e15", "contracts"),
        ("revenue.API.growth=0.02", "demand"),
        ("revenue.API.tokens_per_month=2e15", "demand"),
        ("revenue.API.price_change=-0.02", "prices"),
        ("revenue.Subscriptions.revenue_per_month=800M", "prices"),
        ("costs.serving_cost_per_million_tokens=0.3", "costs"),
        ("costs.overflow.cost_per_million_tokens=4", "costs"),
        ("contracts[0].termination.notice_given=2027-03-01", "timing"),
        ("costs.collection_lag_months=2", "timing"),
        ("discount_rate=0.2", "timing"),
    ],
)
def test_a_single_change_lands_in_its_group(base, assignment, group):
    other = changed(base, assignment)
    walk = bridge(base, other, "npv")
    expected = projection(other).summary["npv"] - projection(base).summary["npv"]
    for step in walk.steps:
        if step.group == group:
            assert step.contribution == pytest.approx(expected, abs=1e-3)
        else:
            assert step.contribution == 0.0


def test_an_intermediate_state_is_a_real_projection(base):
    # after the contracts and demand steps the state is the base with the other's fee and growth
    other = changed(
        base, "contracts[0].monthly_fee=1.4B", "revenue.API.growth=0.02", "discount_rate=0.2"
    )
    walk = bridge(base, other, "npv")
    partial = changed(base, "contracts[0].monthly_fee=1.4B", "revenue.API.growth=0.02")
    assert walk.steps[1].after == pytest.approx(projection(partial).summary["npv"], abs=1e-3)


def test_different_contract_lists_swap_whole_lists(base):
    second = {
        "name": "Second",
        "monthly_fee": 100_000_000,
        "start": "2026-06-01",
        "end": "2027-05-31",
        "capacity": {"tokens_per_month": 1e15},
    }
    data = base.model_dump()
    data["contracts"].append(second)
    data["revenue"] = data["revenue"][:1]
    from commitcast.model.scenario import Scenario

    other = Scenario.model_validate(data)
    walk = bridge(base, other, "npv")
    assert walk.end == pytest.approx(projection(other).summary["npv"], abs=1e-6)
    assert math.fsum(s.contribution for s in walk.steps) == pytest.approx(walk.total, abs=1e-6)
    assert any("contract lists differ" in note for note in walk.notes)
    assert any("revenue stream lists differ" in note for note in walk.notes)
    prices = next(s for s in walk.steps if s.group == "prices")
    assert prices.contribution == 0.0


def test_bridge_refuses_different_horizons_and_currencies(base):
    with pytest.raises(CommitcastError) as caught:
        bridge(base, changed(base, "horizon.months=36"), "npv")
    assert "horizons differ" in str(caught.value)
    with pytest.raises(CommitcastError):
        bridge(base, changed(base, "currency=EUR"), "npv")
    with pytest.raises(CommitcastError) as caught:
        bridge(base, base, "payback_month")
    assert "not a summary figure" in str(caught.value)
    assert caught.value.problems[0].field == "figure"


def test_bridge_problems_name_arguments_in_python_and_options_on_the_command_line(
    base, cli, write_scenario
):
    with pytest.raises(CommitcastError) as caught:
        bridge(base, changed(base, "horizon.months=36"), "npv")
    (problem,) = caught.value.problems
    assert problem.field == "other" and problem.file is None
    assert "--" not in str(problem)
    path = FIXTURES / "colossus-base.yaml"
    shorter = write_scenario(path.read_text(encoding="utf-8").replace("months: 48", "months: 36"))
    result = cli("compare", path, shorter, "--bridge", "npv")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "command line: --bridge: the horizons differ (2026-06 + 48 months vs 2026-06 + 36 "
        "months); a bridge needs the same months (--set horizon.start=... and horizon.months=... "
        "on the command line to align them)"
    )


def test_group_of_every_key(base):
    from commitcast.model.inputs import base_params

    groups = {key: group_of(key) for key in base_params(base)}
    assert groups["discount_rate"] == "timing"
    assert groups["contracts[0].termination.notice_given"] == "timing"
    assert groups["contracts[0].termination.fee"] == "contracts"
    assert groups["revenue[1].revenue_per_month"] == "prices"
    assert groups["costs.collection_lag_months"] == "timing"
    assert set(groups.values()) <= set(GROUPS)


EURO = """name: euro
horizon: {start: 2026-01, months: 2}
fx: {EUR: {rate: %s}}
contracts:
  - {name: E, currency: EUR, monthly_fee: 1000, start: 2026-01-01, end: 2026-02-28}
"""


def test_a_change_of_exchange_rate_is_the_fx_step():
    base = scenario_from_text(EURO % "1.10")
    other = scenario_from_text(EURO % "1.20")
    walk = bridge(base, other, "total_committed_fees")
    # EUR 1,000 a month for two months at 1.10, then 1.20: $2,200, then $2,400
    assert walk.start == pytest.approx(2_200, abs=0.005)
    assert walk.end == pytest.approx(2_400, abs=0.005)
    steps = {step.group: step.contribution for step in walk.steps}
    assert steps["fx"] == pytest.approx(200, abs=0.005)
    assert sum(abs(v) for k, v in steps.items() if k != "fx") == pytest.approx(0, abs=0.005)


def test_a_contract_in_another_currency_swaps_the_contract_list():
    base = scenario_from_text(
        "name: usd\nhorizon: {start: 2026-01, months: 2}\ncontracts:\n"
        "  - {name: E, monthly_fee: 1000, start: 2026-01-01, end: 2026-02-28}\n"
    )
    other = scenario_from_text(EURO % "1.10")
    walk = bridge(base, other, "total_committed_fees")
    # $2,000 to EUR 2,000 at 1.10 = $2,200, all in the contracts step (the rate comes with it)
    assert [s.group for s in walk.steps] == list(GROUPS)
    assert walk.steps[0].contribution == pytest.approx(200, abs=0.005)
    assert any("differ in structure" in note for note in walk.notes)
