"""sensitivity: every endpoint checked by projecting the scenario with that value set."""

from __future__ import annotations

import pytest
from conftest import SCENARIOS

from commitcast.analysis.sensitivity import default_paths, grid, sensitivity
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIOS / "colossus-base.yaml")


def projected(scenario, path, value, metric="npv"):
    return projection(apply_overrides(scenario, [f"{path}={value!r}"])).summary[metric]


@pytest.mark.parametrize("metric", ["npv", "gross_margin", "peak_funding_need"])
def test_endpoints_match_projections_with_set(base, metric):
    tornado = sensitivity(base, metric=metric)
    assert tornado.base == pytest.approx(projection(base).summary[metric], abs=1e-6)
    assert len(tornado.drivers) == 9
    for driver in tornado.drivers:
        path = driver.input.key
        assert driver.at_low == pytest.approx(projected(base, path, driver.low, metric), abs=1e-3)
        assert driver.at_high == pytest.approx(projected(base, path, driver.high, metric), abs=1e-3)
    swings = [d.swing for d in tornado.drivers]
    assert swings == sorted(swings, reverse=True)


def test_default_flex_by_hand(base):
    tornado = sensitivity(base)
    by_key = {d.input.key: d for d in tornado.drivers}
    growth = by_key["revenue[0].growth"]  # 0.04 -> 0.04 x 0.8 = 0.032, 0.04 x 1.2 = 0.048
    assert (growth.low, growth.high) == pytest.approx((0.032, 0.048))
    fee = by_key["contracts[0].monthly_fee"]  # 1.25B -> 1.0B and 1.5B
    assert (fee.low, fee.high) == pytest.approx((1.0e9, 1.5e9))
    share = by_key["costs.training_share"]  # 0.30 -> 0.24 and 0.36
    assert (share.low, share.high) == pytest.approx((0.24, 0.36))
    # Subscriptions has no usage price: its price and price change are not drivers
    assert "revenue[1].price_per_million_tokens" not in by_key
    assert "revenue[1].price_change" not in by_key
    assert any("Subscriptions.price_per_million_tokens" in note for note in tornado.notes)


def test_zero_rates_and_shares_are_flexed_by_steps(base):
    flat = apply_overrides(base, ["revenue.API.growth=0", "costs.training_share=0"])
    by_key = {d.input.key: d for d in sensitivity(flat).drivers}
    assert (by_key["revenue[0].growth"].low, by_key["revenue[0].growth"].high) == (-0.01, 0.01)
    assert (by_key["costs.training_share"].low, by_key["costs.training_share"].high) == (0.0, 0.1)
    paths, _ = default_paths(apply_overrides(base, ["costs.serving_cost_per_million_tokens=0"]))
    assert "costs.serving_cost_per_million_tokens" not in paths


def test_vary_values_and_relative_percentages(base):
    tornado = sensitivity(
        base,
        ["revenue.API.growth=0.02:0.06", 'contracts."Colossus reservation".monthly_fee=-10%:+10%'],
    )
    by_key = {d.input.key: d for d in tornado.drivers}
    assert (by_key["revenue[0].growth"].low, by_key["revenue[0].growth"].high) == (0.02, 0.06)
    fee = by_key["contracts[0].monthly_fee"]  # 1.25B x 0.9 = 1.125B, x 1.1 = 1.375B
    assert (fee.low, fee.high) == pytest.approx((1.125e9, 1.375e9))
    assert fee.at_high == pytest.approx(projected(base, "contracts[0].monthly_fee", fee.high))


def test_a_date_range_is_varied_too(base):
    tornado = sensitivity(base, ["contracts[0].termination.notice_given=2026-09-01:2028-09-01"])
    driver = tornado.drivers[0]
    low = projection(
        apply_overrides(base, ["contracts[0].termination.notice_given=2026-09-01"])
    ).summary["npv"]
    assert driver.at_low == pytest.approx(low, abs=1e-3)


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("revenue.API.price_per_million_tokens=-1:5", "negative"),
        ("revenue.API.price_per_million_tokens=-200%:+20%", "negative"),
        ("costs.training_share=0.5:1.5", "at most 1"),
        ("revenue.API.name=a:b", "not a numeric input"),
        ("revenue.APX.growth=0:1", "no item named 'APX'"),
        ("revenue.API.growth=0.02", "cannot read --vary"),
        ("contracts[0].termination.notice_days=-20%:+20%", "whole number"),
        ("contracts[0].end=-20%:+20%", "relative change"),
        # a rule across fields of the contract: notice before the earliest notice day
        ("contracts[0].termination.notice_given=2026-01-01:2027-01-01", "before earliest_notice"),
    ],
)
def test_invalid_values_are_refused_clearly(base, vary, message):
    with pytest.raises(CommitcastError) as caught:
        sensitivity(base, [vary])
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_two_way_grid_matches_projections(base):
    table = grid(base, ["revenue.API.growth=0.02,0.04,0.06", "costs.training_share=0.2,0.3"])
    assert table.table.shape == (3, 2)
    for i, growth in enumerate((0.02, 0.04, 0.06)):
        for j, share in enumerate((0.2, 0.3)):
            sets = [f"revenue.API.growth={growth}", f"costs.training_share={share}"]
            expected = projection(apply_overrides(base, sets)).summary["npv"]
            assert table.table[i, j] == pytest.approx(expected, abs=1e-3)


def test_one_way_grid_and_bad_grids(base):
    table = grid(base, ["costs.overflow.policy=unserved,on_demand"], metric="total_revenue")
    unserved = projection(apply_overrides(base, ["costs.overflow.policy=unserved"]))
    assert table.table[0, 0] == pytest.approx(unserved.summary["total_revenue"], abs=1e-3)
    with pytest.raises(CommitcastError):
        grid(base, ["revenue.API.growth=0.1,abc"])
    with pytest.raises(CommitcastError):
        grid(base, ["revenue.API.growth="])
    with pytest.raises(CommitcastError):
        grid(base, ["revenue.API.growth=0.1", "revenue[0].growth=0.2"])


@pytest.mark.parametrize(
    ("override", "key", "path"),
    [
        # 1e18 is the largest amount a file may hold: +20% would be 1.2e18
        (
            "contracts[0].monthly_fee=1e18",
            "contracts[0].monthly_fee",
            'contracts."Colossus reservation".monthly_fee',
        ),
        # a growth of 10 (1,000% a month) is the largest rate: +20% would be 12
        ("revenue.API.growth=10", "revenue[0].growth", "revenue.API.growth"),
    ],
)
def test_default_flex_outside_the_allowed_range_is_left_out_and_named(base, override, key, path):
    at_bound = apply_overrides(base, [override])
    tornado = sensitivity(at_bound)
    assert key not in {d.input.key for d in tornado.drivers}
    assert len(tornado.drivers) == 8  # the other eight default drivers are still flexed
    note = next(n for n in tornado.notes if "allowed range" in n)
    assert note.endswith(f": {path}")
    # asked for explicitly, the same flex is still refused, naming --vary
    with pytest.raises(CommitcastError) as caught:
        sensitivity(at_bound, [path])
    assert f"--vary {path}=" in str(caught.value) and "at most" in str(caught.value)


def test_a_bad_vary_or_grid_path_names_that_option(base):
    with pytest.raises(CommitcastError) as caught:
        sensitivity(base, ["revenue.APX.growth=0:1"])
    assert str(caught.value).startswith("command line: --vary revenue.APX.growth:")
    assert "--set" not in str(caught.value)
    with pytest.raises(CommitcastError) as caught:
        grid(base, ["revenue[7].growth=0.1,0.2"])
    assert str(caught.value).startswith("command line: --grid revenue[7].growth:")
