"""Plan against re-forecast (analysis.reforecast) and the what-if commands on a re-forecast,
on the plan of tests/engine/test_actuals.py: figures worked out by hand in the comments."""

from __future__ import annotations

import pytest

from commitcast.analysis.exit import exit_options
from commitcast.analysis.reforecast import (
    STEPS,
    compare_reforecast,
    reforecast_bridge,
    reforecast_metric,
)
from commitcast.analysis.sensitivity import Driver, grid, sensitivity
from commitcast.analysis.solve import solve
from commitcast.core.errors import CommitcastError
from commitcast.engine.actuals import reforecast
from commitcast.engine.projection import projection
from tests.engine.test_actuals import CENT, UNDER, money, plan


def test_the_plan_against_its_re_forecast():
    result = compare_reforecast(plan(), UNDER)
    assert result.names == ["test", "test, re-forecast"]
    # plan revenue: 500,000 x 1.1^t x 0.004 for t = 0..5 = 2,000 x (1.1^6 - 1) / 0.1 =
    # 15,431.22; re-forecast 12,344.98 (tests/engine/test_actuals.py): -3,086.24, -20%
    plan_revenue, forecast_revenue = result.values["total_revenue"]
    assert plan_revenue == money(15_431.22) and forecast_revenue == money(12_344.98)
    assert result.deltas["total_revenue"][0].amount == money(-3086.24)
    assert result.deltas["total_revenue"][0].percent == pytest.approx(-0.2)


def test_a_monthly_figure_of_the_plan_and_its_re_forecast_by_quarter():
    table = reforecast_metric(plan(), UNDER, "revenue", "quarter")
    assert table.periods == ["2026-Q1", "2026-Q2"]
    # Q1 plan 2,000 + 2,200 + 2,420 = 6,620, actual 5,296; Q2 plan 2,662 + 2,928.20 +
    # 3,221.02 = 8,811.22, re-forecast 7,048.98
    assert table.values == [money([6620, 5296]), money([8811.22, 7048.98])]


def test_the_bridge_from_plan_to_re_forecast_adds_up():
    walk = reforecast_bridge(plan(), UNDER, "total_revenue")
    assert [step.group for step in walk.steps] == list(STEPS)
    actuals, demand, prices = (step.contribution for step in walk.steps)
    # actuals: Q1 5,296 instead of 6,620 (-1,324), the plan's path after
    assert actuals == money(-1324)
    # demand: April to June 20% under at the plan's price: -0.2 x 8,811.22 = -1,762.24
    assert demand == money(-1762.24)
    # prices: the actual price in March is the plan's ($4,000): nothing
    assert prices == money(0)
    assert walk.total == money(-3086.24) and sum(s.contribution for s in walk.steps) == money(
        walk.total
    )


def test_sensitivity_on_a_re_forecast_moves_only_the_forecast_months():
    drivers = [Driver("revenue.API.growth", 0.0, 0.2)]
    tornado = sensitivity(plan(), drivers, "total_revenue", actuals=UNDER)
    # base: the re-forecast, 12,344.98. Growth 0 from March: April to June 484,000 x 0.004 =
    # 1,936 each: 5,296 + 3 x 1,936 = 11,104. Growth 20%: 1,936 x (1.2 + 1.44 + 1.728) =
    # 8,456.45; 5,296 + 8,456.45 = 13,752.45
    assert tornado.base == money(12_344.98)
    bar = tornado.drivers[0]
    assert (bar.at_low, bar.at_high) == (money(11_104), money(13_752.45))
    table = grid(plan(), [("revenue.API.growth", [0.0])], "total_revenue", actuals=UNDER)
    assert table.table[0][0] == money(11_104)


def test_solve_on_a_re_forecast():
    # the price that makes the re-forecast's total revenue 15,000: closed months 5,296; April
    # to June 1,762,244 tokens (532,400 + 585,640 + 644,204) x price / 1e6 = 9,704, so price
    # = 9,704 / 1.762244 = 5,506.62
    answer = solve(
        plan(), "revenue.API.price_per_million_tokens", "total_revenue", 15_000, actuals=UNDER
    )
    assert answer.value == pytest.approx(5506.62, abs=0.01)
    assert answer.achieved == money(15_000)


def test_exit_on_a_re_forecast_gives_notice_after_the_closed_months():
    terminable = plan(contract={"termination": {"notice_days": 30}})
    analysis = exit_options(terminable, actuals=UNDER)
    assert analysis.options[0].notice.isoformat() == "2026-04-01"
    # no notice: the re-forecast itself
    assert analysis.no_notice.npv == money(reforecast(terminable, UNDER).summary["npv"])
    assert projection(terminable).summary["npv"] != money(analysis.no_notice.npv)


def test_simulate_on_a_re_forecast_leaves_the_closed_months_alone():
    from commitcast.analysis.simulate import simulate
    from commitcast.load.validation import scenario_from_text

    uncertain = scenario_from_text(
        """\
name: test
horizon: {start: 2026-01, months: 6}
contracts:
  - {name: C, monthly_fee: 3100, start: 2026-01-01, end: 2026-12-31,
     capacity: {tokens_per_month: 1000000}}
revenue:
  - {name: API, tokens_per_month: 500000, price_per_million_tokens: 4000,
     growth: {dist: uniform, low: 0.0, high: 0.2}}
"""
    )
    result = simulate(uncertain, 200, 7, actuals=UNDER)
    fan = result.fan["cumulative_cash"]
    # every run has the actual cash at the close: -1,500, -3,040, -4,204 in every percentile
    for percentile in fan.values():
        assert percentile[:3] == money([-1500, -3040, -4204])
    # after it growth spreads the runs: June's cash differs between the 5th and 95th
    assert fan["p5"][5] < fan["p95"][5]
    # growth 0 .. 20% from March: total revenue 5,296 + 1,936 x (3 .. 4.368) = 11,104 ..
    # 13,752.45 (test_sensitivity_on_a_re_forecast_moves_only_the_forecast_months), less the
    # fees 6 x 3,100 = 18,600: gross margin -7,496 .. -4,847.55
    margin = result.runs_summary["gross_margin"]
    assert -7496 - CENT <= margin.min() <= margin.max() <= -4847.55 + CENT


def test_exit_with_every_notice_month_closed_says_so():
    # notice could be given on the first of January to June 2026 (the contract ends 30 June);
    # all six months are closed, so no notice is left to time. It blamed earliest_notice.
    from tests.engine.test_actuals import closed

    terminable = plan(contract={"end": "2026-06-30", "termination": {"notice_days": 30}})
    every = closed(6, company={"cash_in": (1600,) * 6})
    with pytest.raises(CommitcastError) as caught:
        exit_options(terminable, actuals=every)
    (problem,) = caught.value.problems
    assert problem.field == "contracts[0].termination"
    assert problem.message == (
        "every month in which notice could be given on 'C' (the last on 2026-06-01) is closed "
        "in the actuals (to 2026-06): no notice is left to time"
    )
