"""sensitivity and grid from Python, with typed drivers and axes: every endpoint checked by
projecting the scenario with that value set. (The option syntax is tests/cli/test_parsing.py's.)"""

from __future__ import annotations

import datetime as dt

import pytest

from commitcast.analysis.sensitivity import Driver, Flex, default_paths, grid, sensitivity
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from tests.conftest import FIXTURES, SCENARIOS


@pytest.fixture(scope="module")
def base():
    return load_scenario(FIXTURES / "colossus-base.yaml")


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
        [
            Driver("revenue.API.growth", 0.02, 0.06),
            Driver('contracts."Colossus reservation".monthly_fee', Flex(-0.10), Flex(0.10)),
        ],
    )
    by_key = {d.input.key: d for d in tornado.drivers}
    assert (by_key["revenue[0].growth"].low, by_key["revenue[0].growth"].high) == (0.02, 0.06)
    fee = by_key["contracts[0].monthly_fee"]  # 1.25B x 0.9 = 1.125B, x 1.1 = 1.375B
    assert (fee.low, fee.high) == pytest.approx((1.125e9, 1.375e9))
    assert fee.at_high == pytest.approx(projected(base, "contracts[0].monthly_fee", fee.high))


def test_a_date_range_is_varied_too(base):
    tornado = sensitivity(
        base,
        [Driver("contracts[0].termination.notice_given", dt.date(2026, 9, 1), "2028-09-01")],
    )
    driver = tornado.drivers[0]
    low = projection(
        apply_overrides(base, ["contracts[0].termination.notice_given=2026-09-01"])
    ).summary["npv"]
    assert driver.at_low == pytest.approx(low, abs=1e-3)


@pytest.mark.parametrize(
    ("driver", "message"),
    [
        (Driver("revenue.API.price_per_million_tokens", -1, 5), "negative"),
        (Driver("revenue.API.price_per_million_tokens", Flex(-2), Flex(0.2)), "negative"),
        (Driver("costs.training_share", 0.5, 1.5), "at most 1"),
        (Driver("revenue.API.name", "a", "b"), "not a numeric input"),
        (Driver("revenue.APX.growth", 0, 1), "no item named 'APX'"),
        (Driver("revenue.API.growth", "abc", 0.1), "cannot read 'abc' as a number"),
        (Driver("revenue.API.growth", "", 0.1), "a value is missing"),
        (Driver("contracts[0].termination.notice_days", Flex(-0.2), Flex(0.2)), "whole number"),
        (Driver("contracts[0].end", Flex(-0.2), Flex(0.2)), "relative change (-20%)"),
        (Driver("contracts[0].end"), "is a date: give its range"),
        # a rule across fields of the contract: notice before the earliest notice day
        (
            Driver("contracts[0].termination.notice_given", "2026-01-01", "2027-01-01"),
            "before earliest_notice",
        ),
    ],
)
def test_invalid_values_are_refused_clearly(base, driver, message):
    with pytest.raises(CommitcastError) as caught:
        sensitivity(base, [driver])
    assert message in str(caught.value)
    assert caught.value.exit_code == 2
    # a Python caller is told about its arguments, never about command-line options
    assert "--" not in str(caught.value) and "command line" not in str(caught.value)


def test_two_way_grid_matches_projections(base):
    table = grid(
        base, [("revenue.API.growth", [0.02, 0.04, 0.06]), ("costs.training_share", [0.2, 0.3])]
    )
    assert table.table.shape == (3, 2)
    for i, growth in enumerate((0.02, 0.04, 0.06)):
        for j, share in enumerate((0.2, 0.3)):
            sets = [f"revenue.API.growth={growth}", f"costs.training_share={share}"]
            expected = projection(apply_overrides(base, sets)).summary["npv"]
            assert table.table[i, j] == pytest.approx(expected, abs=1e-3)


def test_one_way_grid_and_bad_grids(base):
    table = grid(
        base, [("costs.overflow.policy", ["unserved", "on_demand"])], metric="total_revenue"
    )
    unserved = projection(apply_overrides(base, ["costs.overflow.policy=unserved"]))
    assert table.table[0, 0] == pytest.approx(unserved.summary["total_revenue"], abs=1e-3)
    with pytest.raises(CommitcastError, match="cannot read 'abc' as a number"):
        grid(base, [("revenue.API.growth", [0.1, "abc"])])
    with pytest.raises(CommitcastError, match="give a sequence of one or more values"):
        grid(base, [("revenue.API.growth", [])])
    with pytest.raises(CommitcastError, match="both axes vary revenue.API.growth"):
        grid(base, [("revenue.API.growth", [0.1]), ("revenue[0].growth", [0.2])])
    with pytest.raises(CommitcastError, match="give one or two axes"):
        grid(base, [])


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
    # asked for explicitly, the same flex is still refused, naming the driver's path
    with pytest.raises(CommitcastError) as caught:
        sensitivity(at_bound, [Driver(path)])
    problem = caught.value.problems[0]
    assert problem.field == path and "at most" in problem.message


def test_a_bad_path_names_the_path_and_not_an_option(base):
    with pytest.raises(CommitcastError) as caught:
        sensitivity(base, [Driver("revenue.APX.growth", 0, 1)])
    (problem,) = caught.value.problems
    assert problem.field == "revenue.APX.growth"
    assert problem.message.startswith("no item named 'APX' in revenue")
    assert problem.hint == "did you mean 'API'?"
    assert "--" not in str(caught.value) and "command line" not in str(caught.value)
    with pytest.raises(CommitcastError) as caught:
        grid(base, [("revenue[7].growth", [0.1, 0.2])])
    assert caught.value.problems[0].field == "revenue[7].growth"
    assert "index 7 is out of range" in caught.value.problems[0].message


def test_every_bad_driver_is_reported_at_once(base):
    with pytest.raises(CommitcastError) as caught:
        sensitivity(
            base,
            [
                Driver("revenue.APX.growth", 0, 1),
                Driver("revenue.API.growth", 0.02, 0.06),
                Driver("costs.training_share", -1, 2),
            ],
        )
    fields = [p.field for p in caught.value.problems]
    assert fields == ["revenue.APX.growth", "costs.training_share", "costs.training_share"]


def test_a_bad_metric_names_the_argument(base):
    with pytest.raises(CommitcastError) as caught:
        sensitivity(base, metric="payback_month")
    (problem,) = caught.value.problems
    assert problem.field == "metric" and "not a summary figure" in problem.message
    with pytest.raises(CommitcastError, match="not a summary figure"):
        grid(base, [("revenue.API.growth", [0.1])], metric="nope")


def test_drivers_are_typed():
    with pytest.raises(ValueError, match="both a low and a high value, or neither"):
        Driver("revenue.API.growth", 0.02)
    with pytest.raises(TypeError, match="Driver"):
        sensitivity(load_scenario(FIXTURES / "colossus-base.yaml"), ["revenue.API.growth"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("path", "low", "high", "low_value", "high_value"),
    [
        # by hand: 1.25B x 0.9 and x 1.1; text as in a file; a date; a choice by name
        ("contracts[0].monthly_fee", Flex(-0.1), Flex(0.1), 1.125e9, 1.375e9),
        ("revenue.API.price_per_million_tokens", "$1.50", "2.5", 1.50, 2.50),
        ("revenue.API.growth", "2%", 0.05, 0.02, 0.05),
        ("costs.training_share", 0, 0.5, 0.0, 0.5),
    ],
)
def test_typed_values_match_projections_to_the_cent(base, path, low, high, low_value, high_value):
    tornado = sensitivity(base, [Driver(path, low, high)], "gross_margin")
    (bar,) = tornado.drivers
    assert (bar.low, bar.high) == pytest.approx((low_value, high_value), rel=1e-12)
    # the independent route: the scenario projected on its own with the value set
    for value, figure in ((low_value, bar.at_low), (high_value, bar.at_high)):
        expected = projection(apply_overrides(base, [f"{path}={value!r}"])).summary
        assert figure == pytest.approx(expected["gross_margin"], abs=0.005)


def test_grid_of_dates_and_choices_matches_projections(base):
    notice = "contracts[0].termination.notice_given"
    dates = [dt.date(2027, 1, 1), "2028-01-01"]
    table = grid(base, [(notice, dates), ("costs.overflow.policy", ["unserved", "on_demand"])])
    assert table.table.shape == (2, 2)
    for i, day in enumerate(("2027-01-01", "2028-01-01")):
        for j, policy in enumerate(("unserved", "on_demand")):
            sets = [f"{notice}={day}", f"costs.overflow.policy={policy}"]
            expected = projection(apply_overrides(base, sets)).summary["npv"]
            assert table.table[i, j] == pytest.approx(expected, abs=0.005)


def test_gpu_throughput_uptime_and_peak_are_default_drivers():
    # the bundled base case reserves GPUs at 1,400 tokens/s and 99.5% uptime, no wait target
    gpu = load_scenario(SCENARIOS / "colossus-base.yaml")
    by_key = {d.input.key: d for d in sensitivity(gpu).drivers}
    throughput = by_key["contracts[0].capacity.tokens_per_gpu_second"]
    assert (throughput.low, throughput.high) == pytest.approx((1_120, 1_680))  # 1,400 -/+ 20%
    uptime = by_key["contracts[0].uptime"]
    assert (uptime.low, uptime.high) == pytest.approx((0.985, 1.0))  # one point, held at 1
    assert "contracts[0].capacity.tokens_per_month" not in by_key
    assert "serving.peak_to_average" not in by_key  # no wait target: it moves no money
    capped = apply_overrides(gpu, ["serving.wait_target_seconds=2"])
    peak = {d.input.key: d for d in sensitivity(capped).drivers}["serving.peak_to_average"]
    assert (peak.low, peak.high) == pytest.approx((1.0, 1.44))  # 1.2 -20% held at 1, +20%


# Issue 13: a commit's price and minimum and the rate of each other currency used are default
# drivers. scenarios/cover-demand.yaml: a commit at $1.80 per million tokens with a minimum of
# $200M a year, a euro reservation and a euro revenue stream at EUR 1.16 (USD per EUR).
@pytest.fixture(scope="module")
def cover():
    return load_scenario(SCENARIOS / "cover-demand.yaml")


@pytest.fixture(scope="module")
def cover_tornado(cover):
    return {d.input.key: d for d in sensitivity(cover).drivers}


def test_a_commits_price_and_minimum_are_default_drivers_not_its_fee_or_capacity(
    cover, cover_tornado
):
    commit = 2  # "Inference commit"
    price = cover_tornado[f"contracts[{commit}].price_per_million_tokens"]
    assert (price.low, price.high) == pytest.approx((1.44, 2.16))  # $1.80 -/+ 20%
    minimum = cover_tornado[f"contracts[{commit}].minimum.amount"]
    assert (minimum.low, minimum.high) == pytest.approx((160e6, 240e6), abs=0.005)  # $200M
    # a commit has neither a fee nor a capacity: neither is flexed, nor noted as 0 or absent
    assert f"contracts[{commit}].monthly_fee" not in cover_tornado
    assert f"contracts[{commit}].capacity.tokens_per_month" not in cover_tornado
    paths, notes = default_paths(cover)
    assert notes == []
    assert 'contracts."Inference commit".minimum.amount' in paths
    # each end is the scenario projected with that value set
    path = 'contracts."Inference commit".price_per_million_tokens'
    assert price.at_low == pytest.approx(projected(cover, path, 1.44), abs=0.005)
    assert price.at_high == pytest.approx(projected(cover, path, 2.16), abs=0.005)
    # a dearer commit costs more: the NPV falls as its price rises
    assert price.at_high < price.at_low


def test_the_commit_minimum_moves_nothing_while_usage_covers_it(cover, cover_tornado):
    # demand above the reservations buys 12.1T to 25T tokens a month on the commit ($366M,
    # $534M and $540M a contract year at $1.80), over $240M a year even at the high end: no
    # shortfall at either end, the NPV stays at base
    minimum = cover_tornado["contracts[2].minimum.amount"]
    shortfall = projection(cover).summary["total_commit_shortfall"]
    assert shortfall == pytest.approx(0, abs=0.005)
    path = 'contracts."Inference commit".minimum.amount'
    assert projection(apply_overrides(cover, [f"{path}=240M"])).summary[
        "total_commit_shortfall"
    ] == pytest.approx(0, abs=0.005)
    base = sensitivity(cover).base
    assert minimum.at_low == pytest.approx(base, abs=0.005)
    assert minimum.at_high == pytest.approx(base, abs=0.005)


def test_the_rate_of_each_currency_used_is_a_default_driver_flexed_by_ten_percent(
    cover, cover_tornado
):
    fx = cover_tornado["fx.EUR.rate"]
    assert (fx.low, fx.high) == pytest.approx((1.044, 1.276))  # 1.16 -/+ 10%
    # the NPVs are the projections with --set at those rates
    assert fx.at_low == pytest.approx(projected(cover, "fx.EUR.rate", 1.044), abs=0.005)
    assert fx.at_high == pytest.approx(projected(cover, "fx.EUR.rate", 1.276), abs=0.005)
    # the euro stream earns more than the euro reservation costs: a dearer euro is a gain
    assert fx.at_high > fx.at_low


def test_a_rate_no_contract_or_stream_uses_is_not_a_driver(cover):
    # the euro items moved to dollars: the EUR rate then converts nothing
    sets = ["contracts[1].currency=USD", "contracts[1].monthly_fee=4M", "revenue[1].currency=USD"]
    sets.append("revenue[1].price_per_million_tokens=2.60")
    dollars = apply_overrides(cover, sets)
    paths, _ = default_paths(dollars)
    assert not any(path.startswith("fx.") for path in paths)
