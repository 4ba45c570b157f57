"""The rolling re-forecast (engine.actuals): closed months as the actuals give them, the
forecast re-based on the last closed month, cash running on from the actual cash. Every figure
worked out by hand in the comments, to the cent.

The plan (`plan()`): January to June 2026; one contract of $3,100 a month (paid in advance)
for 1,000,000 tokens a month; one stream, API, of 500,000 tokens in January growing 10% a
month at $4,000 per million tokens. Plan demand: 500,000, 550,000, 605,000, 665,500, 732,050,
805,255; all of it is served (below the capacity).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from commitcast.engine.actuals import (
    ACTUAL,
    FORECAST,
    MIXED,
    ReforecastProjection,
    closed_months,
    month_basis,
    overlay,
    prepare,
    reforecast,
)
from commitcast.engine.projection import projection
from commitcast.engine.run import run
from commitcast.model.actuals import Actuals
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch
from tests.engine.test_run import scenario

CENT = 0.005


def money(values: Any) -> Any:
    return pytest.approx(values, abs=CENT)


def plan(months: int = 6, **extra: Any) -> Scenario:
    contract = {
        "name": "C",
        "monthly_fee": 3100,
        "start": "2026-01-01",
        "end": "2026-12-31",
        "capacity": {"tokens_per_month": 1_000_000},
    } | extra.pop("contract", {})
    streams = extra.pop(
        "revenue",
        [
            {
                "name": "API",
                "tokens_per_month": 500_000,
                "growth": 0.1,
                "price_per_million_tokens": 4000,
            }
        ],
    )
    return scenario(contracts=[contract], revenue=streams, months=months, **extra)


def closed(count: int, **figures: Any) -> Actuals:
    months = tuple(dt.date(2026, m, 1) for m in range(1, count + 1))
    return Actuals(months, **figures)


# 20% under plan in January to March: 400,000, 440,000, 484,000 tokens, at the plan's price
# ($4,000 per million): $1,600, $1,760, $1,936. Cash: collected at once, as earned; in February
# $200 more paid out than the fee.
UNDER = closed(
    3,
    company={"cash_in": (1600, 1760, 1936), "cash_out": (3100, 3300, 3100)},
    streams={"API": {"tokens": (400_000, 440_000, 484_000), "revenue": (1600, 1760, 1936)}},
)


def test_demand_20_percent_under_plan_stays_20_percent_under_with_growth_from_the_last_month():
    result = reforecast(plan(), UNDER)
    demand = result.columns["demand_tokens"]
    # March (L) shows the actual 484,000; April = 484,000 x 1.1 = 532,400 (= 0.8 x 665,500),
    # May 585,640 (= 0.8 x 732,050), June 644,204 (= 0.8 x 805,255)
    assert list(demand) == pytest.approx([400_000, 440_000, 484_000, 532_400, 585_640, 644_204])
    planned = projection(plan()).columns["demand_tokens"]
    assert list(demand[3:] / planned[3:]) == pytest.approx([0.8, 0.8, 0.8])
    # revenue at the actual price $1,936 / 484,000 x 1e6 = $4,000: April 532,400 x 0.004 =
    # $2,129.60, May $2,342.56, June $2,576.816
    assert list(result.columns["revenue"]) == money([1600, 1760, 1936, 2129.60, 2342.56, 2576.82])
    # the summary covers the whole horizon: 1,600 + 1,760 + 1,936 + 2,129.60 + 2,342.56 +
    # 2,576.816 = 12,344.976
    assert result.summary["total_revenue"] == money(12_344.98)


def test_the_actual_price_of_the_last_month_carries_on():
    # March: 484,000 tokens for $2,420, an actual price of 2,420 / 484,000 x 1e6 = $5,000 per
    # million; April 532,400 x 0.005 = $2,662, May 585,640 x 0.005 = $2,928.20
    actuals = closed(
        3, streams={"API": {"tokens": (None, None, 484_000), "revenue": (None, None, 2420)}}
    )
    revenue = reforecast(plan(), actuals).columns["revenue"]
    # January and February not given: as planned (500,000 and 550,000 x 0.004)
    assert list(revenue) == money([2000, 2200, 2420, 2662, 2928.20, 3221.02])


def test_keep_plan_keeps_the_plans_path_after_the_closed_months():
    result = reforecast(plan(), UNDER, keep_plan=True)
    # closed months actual; April to June the plan's 665,500, 732,050, 805,255 tokens and
    # revenue 665,500 x 0.004 = $2,662, $2,928.20, $3,221.02
    assert list(result.columns["demand_tokens"]) == pytest.approx(
        [400_000, 440_000, 484_000, 665_500, 732_050, 805_255]
    )
    assert list(result.columns["revenue"][3:]) == money([2662, 2928.20, 3221.02])
    assert result.keep_plan and result.scenario is result.plan


def test_cumulative_cash_continues_from_the_actual_cash():
    cash = reforecast(plan(), UNDER).columns["cumulative_cash"]
    # closed: 1,600 - 3,100 = -1,500; 1,760 - 3,300 = -1,540 (-3,040); 1,936 - 3,100 = -1,164
    # (-4,204). Forecast: April 2,129.60 - 3,100 = -970.40 (-5,174.40), May 2,342.56 - 3,100 =
    # -757.44 (-5,931.84), June 2,576.816 - 3,100 = -523.184 (-6,455.024)
    assert list(cash) == money([-1500, -3040, -4204, -5174.40, -5931.84, -6455.02])
    summary = reforecast(plan(), UNDER).summary
    assert summary["ending_cash"] == money(-6455.02)
    assert summary["peak_funding_need"] == money(6455.02)
    assert summary["total_cash_out"] == money(3100 * 5 + 3300)


def test_derived_figures_are_recomputed_in_a_closed_month():
    result = reforecast(plan(), UNDER)
    feb = {name: values[1] for name, values in result.columns.items()}
    # February: revenue $1,760 actual, inference cost as planned ($3,100 of fees, no training)
    assert feb["gross_margin"] == money(1760 - 3100)  # -1,340
    assert feb["gross_margin_pct"] == pytest.approx(-1340 / 1760)  # -76.14%
    # utilization 440,000 served / 1,000,000 = 44%; idle 3,100 x (1 - 0.44) = 1,736
    assert feb["utilization"] == pytest.approx(0.44)
    assert feb["idle_capacity_cost"] == money(1736)
    assert feb["net_cash_flow"] == money(1760 - 3300)  # -1,540
    # not given and not derived: as planned; remaining obligation as scheduled
    assert feb["inference_cost"] == money(3100)
    assert feb["remaining_obligation"] == money(3100 * 10)  # March to December


def test_per_stream_actuals_sum_to_the_company_figure():
    streams = [
        {"name": "A", "tokens_per_month": 300_000, "price_per_million_tokens": 4000},
        {"name": "B", "tokens_per_month": 200_000, "price_per_million_tokens": 5000},
    ]
    actuals = closed(
        1,
        streams={"A": {"tokens": (250_000,), "revenue": (1000,)}, "B": {"tokens": (150_000,)}},
    )
    jan = {n: v[0] for n, v in reforecast(plan(2, revenue=streams), actuals).columns.items()}
    # demand = 250,000 + 150,000 = 400,000; revenue = A's $1,000 + B's as planned (200,000 x
    # 0.005 = $1,000: its tokens are given, its revenue is not) = $2,000
    assert jan["demand_tokens"] == pytest.approx(400_000)
    assert jan["served_tokens"] == pytest.approx(400_000)
    assert jan["revenue"] == money(2000)
    # a stream not given at all stays as planned in the sum: only A given, 250,000 + 200,000
    only_a = closed(1, streams={"A": {"tokens": (250_000,)}})
    demand = reforecast(plan(2, revenue=streams), only_a).columns["demand_tokens"][0]
    assert demand == pytest.approx(450_000)


def test_a_company_figure_given_wins_over_the_streams_sum():
    actuals = closed(1, company={"revenue": (1900,)}, streams={"API": {"revenue": (1800,)}})
    assert reforecast(plan(2), actuals).columns["revenue"][0] == money(1900)


def test_demand_above_capacity_follows_the_overflow_policy():
    # January demand 1,200,000 against 1,000,000 of capacity: 1,000,000 served, 200,000
    # unserved (the default policy); with on-demand overflow, 200,000 overflow
    actuals = closed(1, company={"demand_tokens": (1_200_000,)})
    jan = {n: v[0] for n, v in reforecast(plan(2), actuals).columns.items()}
    assert (jan["served_tokens"], jan["overflow_tokens"], jan["unserved_tokens"]) == (
        pytest.approx(1_000_000),
        0,
        pytest.approx(200_000),
    )
    on_demand = plan(2, costs={"overflow": {"policy": "on_demand", "cost_per_million_tokens": 1}})
    jan = {n: v[0] for n, v in reforecast(on_demand, actuals).columns.items()}
    assert jan["overflow_tokens"] == pytest.approx(200_000) and jan["unserved_tokens"] == 0


def test_demand_below_plan_buys_less_on_a_commit_and_the_tokens_still_add_up():
    # the plan: 1,500,000 tokens demanded in January against 1,000,000 of capacity, the
    # 500,000 above it bought on a commit. Actual demand 1,200,000: the commit buys 200,000,
    # nothing overflows, and demand = served + commit + overflow + unserved
    commit = {
        "name": "K",
        "kind": "commit",
        "price_per_million_tokens": 1,
        "start": "2026-01-01",
        "end": "2026-12-31",
    }
    reserved = {
        "name": "C",
        "monthly_fee": 3100,
        "start": "2026-01-01",
        "end": "2026-12-31",
        "capacity": {"tokens_per_month": 1_000_000},
    }
    stream = {"name": "API", "tokens_per_month": 1_500_000, "price_per_million_tokens": 4000}
    base = scenario(contracts=[reserved, commit], revenue=[stream], months=2)
    planned = projection(base).columns
    assert planned["commit_tokens"][0] == pytest.approx(500_000)
    actuals = closed(1, company={"demand_tokens": (1_200_000,)})
    # the closed months as variance reads them (a re-forecast refuses commits for now)
    jan = {n: v[0] for n, v in closed_months(run(Batch(base)), base, actuals).columns.items()}
    assert jan["served_tokens"] == pytest.approx(1_000_000)
    assert jan["commit_tokens"] == pytest.approx(200_000)
    assert jan["overflow_tokens"] == 0 and jan["unserved_tokens"] == 0


def test_company_demand_alone_re_bases_every_stream_by_its_ratio():
    # January: 400,000 against the planned 500,000 (80%): February 500,000 x 0.8 x 1.1 = 440,000
    actuals = closed(1, company={"demand_tokens": (400_000,)})
    assert reforecast(plan(2), actuals).columns["demand_tokens"][1] == pytest.approx(440_000)


def test_actual_contract_fees_replace_the_scheduled_ones_and_arrears_pay_them_later():
    # February's actual fee $3,400 (scheduled $3,100); paid in arrears, in March
    arrears = plan(4, contract={"payment": {"timing": "arrears"}})
    actuals = closed(2, contracts={"C": {"fees": (None, 3400)}})
    result = reforecast(arrears, actuals)
    assert list(result.columns["committed_fees"]) == money([3100, 3400, 3100, 3100])
    # March pays February's $3,400 (cash out as planned would be $3,100): +$300
    planned = projection(arrears).columns["cash_out"]
    assert result.columns["cash_out"][2] == money(planned[2] + 300)
    # inference fees follow the actual fee: (3,400 - 0 credits) x (1 - 0 training share)
    assert result.columns["inference_fees"][1] == money(3400)


def test_collection_lag_collects_closed_months_revenue_in_forecast_months():
    # a one-month lag: April collects March's actual $1,936 (the plan would collect $2,420)
    lagged = plan(costs={"collection_lag_months": 1})
    actuals = closed(
        3, streams={"API": {"tokens": (400_000, 440_000, 484_000), "revenue": (1600, 1760, 1936)}}
    )
    cash_in = reforecast(lagged, actuals).columns["cash_in"]
    # January 0 (nothing earned before the horizon), February the plan's collection of
    # January ($2,000: cash_in not given), March $2,200; April $1,936, May $2,129.60
    assert list(cash_in) == money([0, 2000, 2200, 1936, 2129.60, 2342.56])


def test_the_basis_column_by_month_and_by_quarter():
    result = reforecast(plan(), UNDER)
    assert isinstance(result, ReforecastProjection)
    assert result.basis == [ACTUAL] * 3 + [FORECAST] * 3
    header, rows = result.table()
    assert header[:3] == ["month", "basis", "committed_fees"]
    assert [row[1] for row in rows] == result.basis
    assert result.records()[3]["basis"] == FORECAST
    assert list(result.frame()["basis"]) == result.basis
    # by quarter: Q1 actual, Q2 forecast; revenue Q1 1,600 + 1,760 + 1,936 = 5,296, Q2
    # 2,129.60 + 2,342.56 + 2,576.816 = 7,048.976
    header, rows = result.table("quarter")
    assert [(row[0], row[1]) for row in rows] == [("2026-Q1", ACTUAL), ("2026-Q2", FORECAST)]
    revenue = header.index("revenue")
    assert [row[revenue] for row in rows] == money([5296, 7048.98])
    # four closed months: the second quarter is mixed
    four = closed(4, streams={"API": {"tokens": (400_000, 440_000, 484_000, 532_400)}})
    assert reforecast(plan(), four).basis_by("quarter") == [ACTUAL, MIXED]
    assert month_basis(3, 5) == [ACTUAL] * 3


def test_a_what_if_on_a_re_forecast_leaves_the_closed_months_alone():
    prepared = prepare(plan(), UNDER)
    # growth 0%, 10% and 20% from March: the closed months are the same in every run
    batch = Batch(prepared.scenario, 3, {"revenue[0].growth": [0.0, 0.1, 0.2]})
    result = prepared.run(batch)
    demand = result.columns["demand_tokens"]
    for row in demand:
        assert list(row[:3]) == pytest.approx([400_000, 440_000, 484_000])
    # April: 484,000 x 1.0, x 1.1, x 1.2
    assert list(demand[:, 3]) == pytest.approx([484_000, 532_400, 580_800])
    cash = result.columns["cumulative_cash"]
    assert list(cash[:, 2]) == money([-4204] * 3)
    # the summary of each run covers its whole horizon: run 1 is the re-forecast itself
    assert result.summary["ending_cash"][1] == money(-6455.02)


def test_closed_months_need_every_column():
    s = plan()
    closed_part = closed_months(run(Batch(s)), s, UNDER)
    with pytest.raises(ValueError, match="every monthly column"):
        overlay(run(Batch(s), columns=("revenue",)), Batch(s), closed_part)


def test_without_closed_months_the_projection_is_the_plans():
    empty = reforecast(plan(), Actuals(()))
    planned = projection(plan())
    for name, values in planned.columns.items():
        assert np.array_equal(empty.columns[name], values, equal_nan=True)
    assert empty.basis == [FORECAST] * 6


def test_a_re_forecast_refuses_a_commit_and_a_stream_in_another_currency_at_their_lines():
    from commitcast.core.errors import CommitcastError
    from commitcast.load.validation import scenario_from_text

    text = (
        "name: r\nhorizon: {start: 2026-01, months: 3}\nfx: {EUR: {rate: 1.1}}\ncontracts:\n"
        "  - {name: K, kind: commit, price_per_million_tokens: 1, start: 2026-01-01,"
        " end: 2026-12-31}\n"
        "revenue:\n  - {name: EU, currency: EUR, tokens_per_month: 1000,"
        " price_per_million_tokens: 2}\n"
    )
    plan_ = scenario_from_text(text, "r.yaml")
    with pytest.raises(CommitcastError) as caught:
        reforecast(plan_, closed(1, company={"demand_tokens": (900,)}))
    found = [(p.field, p.line) for p in caught.value.problems]
    assert found == [("contracts[0].kind", 5), ("revenue[0].currency", 7)]
    # nothing closed: the plan itself, no refusal
    assert reforecast(plan_, closed(0)).closed == 0


def test_actuals_not_read_against_the_plan_are_refused_not_partly_dropped():
    # actuals of a stream and a contract the plan does not have (read against another plan):
    # their figures were dropped without a word and the re-forecast came out as if half given
    from commitcast.analysis.sensitivity import sensitivity
    from commitcast.analysis.variance import variance
    from commitcast.core.errors import CommitcastError

    other = closed(
        2,
        streams={"Chat": {"revenue": (1000, 1000)}},
        contracts={"D": {"fees": (3100, 3100)}},
    )
    late = closed(2)
    late = Actuals(tuple(m.replace(month=m.month + 1) for m in late.months))  # from February
    for attempt in (
        lambda: reforecast(plan(), other),
        lambda: variance(plan(), other),
        lambda: sensitivity(plan(), actuals=other),
    ):
        with pytest.raises(CommitcastError) as caught:
            attempt()
        assert [p.message for p in caught.value.problems] == [
            "the actuals name a revenue stream 'Chat' the plan does not have",
            "the actuals name a contract 'D' the plan does not have",
        ]
        assert all(p.field == "actuals" for p in caught.value.problems)
    with pytest.raises(CommitcastError, match="must run from the horizon's first month"):
        reforecast(plan(), late)
