"""Operating metrics, rule by rule, against figures worked out by hand in the comments: GPU
capacity, uptime, SLA credits, training runs, queue latency and its cap, unit costs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from commitcast.engine.projection import projection
from commitcast.engine.run import highest_load, queue_wait
from commitcast.model.scenario import Scenario
from tests.engine.test_run import approx, contract, scenario

CENT = 0.005
RATIO = 1e-9


def gpu_contract(**fields: Any) -> dict[str, Any]:
    # 3,100 a month: 100 a day in a 31-day month
    return contract(capacity={"gpus": 10, "tokens_per_gpu_second": 100}) | fields


def figures(s: Scenario) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    p = projection(s)
    return p.columns, p.summary


# --- GPU capacity ----------------------------------------------------------------------------


def test_a_february_gpu_month_has_28_days_of_capacity_and_gpu_hours():
    s = scenario([gpu_contract(start="2026-02-01")], start="2026-02", months=1)
    columns, summary = figures(s)
    # 10 GPUs x 100 tokens/s x 86,400 s x 28 days = 2,419,200,000 tokens
    assert columns["capacity_tokens"][0] == approx(2_419_200_000)
    # 10 GPUs x 24 h x 28 days = 6,720 GPU-hours
    assert columns["gpu_hours"][0] == approx(6_720)
    # February's fee is a whole month: 3,100 over 6,720 GPU-hours = 0.46131 a GPU-hour
    assert summary["cost_per_gpu_hour"] == pytest.approx(3_100 / 6_720, rel=RATIO)


def test_a_ramp_and_a_partial_month_scale_gpu_capacity():
    s = scenario(
        [gpu_contract(start="2026-01-17", ramp=[{"months": 1, "fraction": 0.5}])], months=2
    )
    columns, _ = figures(s)
    # January: 15 days in service (17th-31st) at half the GPUs:
    # 10 x 100 x 86,400 x 15 x 0.5 = 648,000,000 tokens; 10 x 24 x 15 x 0.5 = 1,800 GPU-hours
    assert columns["capacity_tokens"][0] == approx(648_000_000)
    assert columns["gpu_hours"][0] == approx(1_800)
    # February: the ramp is over, 28 days: 10 x 100 x 86,400 x 28 = 2,419,200,000
    assert columns["capacity_tokens"][1] == approx(2_419_200_000)


def test_uptime_reduces_available_tokens_not_fees():
    s = scenario([gpu_contract(uptime=0.9)], costs={"training_share": 0.25}, months=1)
    columns, _ = figures(s)
    # capacity 10 x 100 x 86,400 x 31 = 2,678,400,000; available x 0.9 = 2,410,560,000
    assert columns["available_tokens"][0] == approx(2_410_560_000)
    # training takes 25% of what is available: 602,640,000; inference the rest
    assert columns["training_tokens"][0] == approx(602_640_000)
    assert columns["usable_capacity_tokens"][0] == approx(1_807_920_000)
    assert columns["committed_fees"][0] == pytest.approx(3_100, abs=CENT)


def test_both_capacity_forms_or_throughput_without_gpus_are_refused():
    with pytest.raises(ValueError, match="either tokens_per_month or gpus"):
        both = {"gpus": 1, "tokens_per_gpu_second": 1, "tokens_per_month": 5}
        scenario([contract(capacity=both)])
    with pytest.raises(ValueError, match="tokens_per_gpu_second needs gpus"):
        scenario([contract(capacity={"tokens_per_gpu_second": 100})])


# --- SLA credits -----------------------------------------------------------------------------

TIERS = [{"below": 0.999, "credit": 0.10}, {"below": 0.99, "credit": 0.25}]


def test_a_tier_applies_only_strictly_below_its_bound():
    # uptime 0.99 is below 0.999 (10%) but not below 0.99 (25% does not apply)
    s = scenario([gpu_contract(uptime=0.99, sla={"credits": TIERS})], months=1)
    columns, summary = figures(s)
    # 10% of January's fee of 3,100 = 310
    assert columns["sla_credits"][0] == pytest.approx(310, abs=CENT)
    assert summary["total_sla_credits"] == pytest.approx(310, abs=CENT)
    # committed fees stay gross; the fees booked as cost are net: 3,100 - 310 = 2,790
    assert columns["committed_fees"][0] == pytest.approx(3_100, abs=CENT)
    assert columns["inference_fees"][0] == pytest.approx(2_790, abs=CENT)


def test_the_largest_credit_applies_up_to_the_cap():
    sla = {"credits": [*TIERS, {"below": 0.95, "credit": 1.0}], "cap": 0.3}
    s = scenario([gpu_contract(uptime=0.9, sla=sla)], months=1)
    columns, _ = figures(s)
    # uptime 0.9 is below every bound: the largest credit is 100%, capped at 30% x 3,100 = 930
    assert columns["sla_credits"][0] == pytest.approx(930, abs=CENT)


def test_credits_split_by_training_share_and_come_off_next_months_payment():
    s = scenario(
        [gpu_contract(uptime=0.99, sla={"credits": TIERS})],
        costs={"training_share": 0.2},
        months=2,
    )
    columns, _ = figures(s)
    # each month 3,100 of fees (February is a whole month too), 310 of credit, net 2,790:
    # training 20% = 558, inference 80% = 2,232
    assert columns["training_cost"][0] == pytest.approx(558, abs=CENT)
    assert columns["inference_fees"][1] == pytest.approx(2_232, abs=CENT)
    # paid in advance: January 3,100 (no credit yet), February 3,100 - January's 310 = 2,790.
    # February's credit would come off March's payment: outside the horizon.
    assert columns["cash_out"][0] == pytest.approx(3_100, abs=CENT)
    assert columns["cash_out"][1] == pytest.approx(2_790, abs=CENT)


def test_a_credit_earned_in_the_last_month_is_paid_outside_the_horizon_in_arrears_too():
    s = scenario(
        [gpu_contract(uptime=0.99, sla={"credits": TIERS}, payment={"timing": "arrears"})],
        months=2,
    )
    columns, summary = figures(s)
    # arrears: January pays December's fees (none, the contract starts in January);
    # February pays January's 3,100 less January's credit of 310 = 2,790
    assert columns["cash_out"][0] == pytest.approx(0, abs=CENT)
    assert columns["cash_out"][1] == pytest.approx(2_790, abs=CENT)
    # both months' credits are earned in the horizon: 620
    assert summary["total_sla_credits"] == pytest.approx(620, abs=CENT)


def test_the_remaining_obligation_ignores_credits():
    with_credits = scenario([gpu_contract(uptime=0.9, sla={"credits": TIERS})], months=2)
    without = scenario([gpu_contract(uptime=0.9)], months=2)
    a, _ = figures(with_credits)
    b, _ = figures(without)
    np.testing.assert_allclose(a["remaining_obligation"], b["remaining_obligation"], atol=CENT)


# --- training runs ---------------------------------------------------------------------------


def test_a_repeating_run_adds_to_the_steady_share_up_to_one():
    runs = [
        {"name": "pre", "start": "2026-01", "months": 2, "share": 0.5, "repeat_every_months": 3}
    ]
    s = scenario(
        [gpu_contract()],
        costs={"training_share": 0.6},
        months=6,
        training_runs=runs,
    )
    columns, summary = figures(s)
    # active in months 0-1 and 3-4 (repeats every 3 months for 2): 0.6 + 0.5 = 1.1, held at 1
    assert columns["training_share"] == pytest.approx([1.0, 1.0, 0.6, 1.0, 1.0, 0.6], rel=RATIO)
    # March: 31 days x 10 x 100 x 86,400 = 2,678,400,000 available, 60% training
    # = 1,607,040,000
    assert columns["training_tokens"][2] == approx(1_607_040_000)
    # January: everything trains, no inference capacity: the fee is all training cost
    assert columns["training_cost"][0] == pytest.approx(3_100, abs=CENT)
    assert summary["peak_training_share"] == pytest.approx(1.0, rel=RATIO)


def test_a_run_started_before_the_horizon_counts_its_repeats():
    runs = [{"name": "r", "start": "2025-11", "months": 1, "share": 0.4, "repeat_every_months": 2}]
    s = scenario([gpu_contract()], months=3, training_runs=runs)
    columns, _ = figures(s)
    # active in 2025-11, 2026-01, 2026-03: January and March of the horizon
    assert columns["training_share"] == pytest.approx([0.4, 0.0, 0.4], rel=RATIO)


def test_a_repeat_shorter_than_the_run_is_refused():
    runs = [{"name": "r", "start": "2026-01", "months": 4, "share": 0.1, "repeat_every_months": 3}]
    with pytest.raises(ValueError, match="repeats after it ends"):
        scenario([gpu_contract()], training_runs=runs)


# --- queue latency ---------------------------------------------------------------------------

# One GPU of 1,000 tokens/s: January holds 1,000 x 86,400 x 31 = 2,678,400,000 tokens.
JANUARY = 2_678_400_000


def serving_case(demand: float, **serving: Any) -> Scenario:
    inputs = {"request_seconds": 10, "slots_per_gpu": 3, "peak_to_average": 1.2} | serving
    return scenario(
        [contract(capacity={"gpus": 1, "tokens_per_gpu_second": 1_000})],
        revenue=[{"name": "API", "tokens_per_month": demand, "price_per_million_tokens": 1}],
        costs={"overflow": {"policy": "on_demand", "cost_per_million_tokens": 2}},
        months=1,
        serving=inputs,
    )


def test_the_wait_formula_at_one_point():
    columns, summary = figures(serving_case(JANUARY / 2))
    # utilization 0.5, peak 0.5 x 1.2 = 0.6; slots c = 1 GPU x 3 / 1 pool = 3
    assert columns["peak_utilization"][0] == pytest.approx(0.6, rel=RATIO)
    # (1 + 1) / 2 x 0.6^(sqrt(8) - 1) / (3 x 0.4) x 10 s
    # = 0.6^1.8284271247 = 0.3929757293 -> 0.3929757293 / 1.2 x 10 = 3.2747977442 s
    expected = 0.6 ** (math.sqrt(8) - 1) / 1.2 * 10
    assert expected == pytest.approx(3.2747977442, rel=1e-9)
    assert columns["queue_wait_seconds"][0] == pytest.approx(expected, rel=RATIO)
    assert summary["max_queue_wait_seconds"] == pytest.approx(expected, rel=RATIO)
    assert summary["months_saturated_at_peak"] == 0


def test_a_saturated_peak_has_no_wait():
    columns, summary = figures(serving_case(JANUARY))
    # utilization 1, peak 1.2 >= 1: saturated, the wait is undefined
    assert columns["peak_utilization"][0] == pytest.approx(1.2, rel=RATIO)
    assert math.isnan(columns["queue_wait_seconds"][0])
    assert summary["months_saturated_at_peak"] == 1
    assert summary["max_queue_wait_seconds"] is None


def test_no_load_no_wait_and_serving_needs_gpus():
    columns, _ = figures(serving_case(0))
    assert columns["queue_wait_seconds"][0] == 0
    with pytest.raises(ValueError, match="serving .queue latency. needs every contract's gpus"):
        scenario([contract()], serving={"request_seconds": 1, "slots_per_gpu": 1})


def test_the_latency_cap_moves_demand_to_overflow():
    target = 2.0
    columns, _ = figures(serving_case(JANUARY * 0.9, wait_target_seconds=target))
    # rho*: the load whose wait is 2 s with c = 3, cv 1, 10 s requests, found here by an
    # independent bisection on the formula: 0.6^1.83 / (3 x 0.4) x 10 = 3.27 s > 2 s, so
    # rho* < 0.6 and the usable capacity is January x rho* / 1.2 < 0.5 x January
    exponent = math.sqrt(8) - 1
    low, high = 0.0, 1.0
    for _ in range(200):
        mid = (low + high) / 2
        if mid**exponent / (3 * (1 - mid)) * 10 <= target:
            low = mid
        else:
            high = mid
    usable = JANUARY * low / 1.2
    assert usable < JANUARY / 2
    assert columns["usable_capacity_tokens"][0] == pytest.approx(usable, rel=1e-9)
    assert columns["served_tokens"][0] == pytest.approx(usable, rel=1e-9)
    assert columns["overflow_tokens"][0] == pytest.approx(JANUARY * 0.9 - usable, rel=1e-9)
    # utilization is still served / inference capacity, and the peak wait meets the target
    assert columns["utilization"][0] == pytest.approx(low / 1.2, rel=1e-9)
    assert columns["queue_wait_seconds"][0] == pytest.approx(target, rel=1e-9)


def test_highest_load_finds_the_target_to_1e_9():
    slots = np.array([[1.0, 4.0, 50.0]])
    target = np.array([[0.1, 0.1, 0.1]])
    cv = np.ones((1, 1))
    load = highest_load(slots, target, cv, cv)
    np.testing.assert_allclose(queue_wait(load, slots, cv, cv), target, rtol=1e-9)
    # c = 1, cv 1: the M/M/1 wait in request times, rho / (1 - rho) = 0.1 -> rho = 1/11
    assert load[0, 0] == pytest.approx(1 / 11, rel=1e-9)


# --- unit costs ------------------------------------------------------------------------------


def test_fees_per_million_tokens_served_and_the_premium_over_market():
    s = scenario(
        [gpu_contract()],
        revenue=[{"name": "API", "tokens_per_month": 31_000_000, "price_per_million_tokens": 1}],
        months=1,
        benchmarks={"market_price_per_gpu_hour": 10},
    )
    columns, summary = figures(s)
    # 3,100 of inference fees over 31M tokens served = 100 per million
    assert columns["cost_per_million_tokens"][0] == pytest.approx(100, abs=CENT)
    assert summary["average_cost_per_million_tokens"] == pytest.approx(100, abs=CENT)
    # 10 GPUs x 24 x 31 = 7,440 GPU-hours: 3,100 / 7,440 = 0.41667 a GPU-hour,
    # 0.41667 / 10 - 1 = -95.83% against the market
    assert summary["cost_per_gpu_hour"] == pytest.approx(3_100 / 7_440, rel=RATIO)
    assert summary["premium_over_market"] == pytest.approx(3_100 / 7_440 / 10 - 1, rel=RATIO)


def test_unit_costs_are_undefined_without_service_or_gpus():
    s = scenario([contract()], months=1)
    columns, summary = figures(s)
    assert math.isnan(columns["cost_per_million_tokens"][0])
    assert summary["average_cost_per_million_tokens"] is None
    assert summary["cost_per_gpu_hour"] is None
    assert summary["premium_over_market"] is None
