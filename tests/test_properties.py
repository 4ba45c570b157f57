"""Invariants of the engine over generated valid scenarios (hypothesis).

Fees are checked against a brute-force day-by-day loop written here, independent of the
engine's array proration: for each service day, the month's full fee (monthly_fee x escalation
x ramp fraction) divided by the days in that calendar month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import os
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitcast.core.measures import BALANCE_COLUMNS, RATIO_COLUMNS, measure
from commitcast.engine.projection import period_label, projection
from commitcast.model.scenario import Contract, Scenario

# CI runs the same 75 examples every time (failures reproduce); COMMITCAST_PROPERTY_EXAMPLES=2000
# runs that many random ones on a developer's machine.
_LONG = os.environ.get("COMMITCAST_PROPERTY_EXAMPLES")
SETTINGS = settings(
    max_examples=int(_LONG) if _LONG else 75,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not _LONG,
)
REL = 1e-9

money = st.floats(0, 1e10, allow_nan=False, allow_infinity=False)
rates = st.floats(-0.5, 0.5, allow_nan=False, allow_infinity=False)
shares = st.floats(0, 1, allow_nan=False, allow_infinity=False)
tokens = st.floats(0, 1e16, allow_nan=False, allow_infinity=False)


@st.composite
def contracts(
    draw: st.DrawFn, index: int, horizon: dt.date, notice: bool | None = None
) -> dict[str, Any]:
    # mostly overlapping the horizon, sometimes before, after or across its edges
    offset = draw(st.one_of(st.integers(-400, 400), st.integers(-900, 2200)))
    start = horizon + dt.timedelta(days=offset)
    end = start + dt.timedelta(days=draw(st.one_of(st.integers(0, 40), st.integers(41, 2000))))
    contract: dict[str, Any] = {
        "name": f"Contract {index}",
        "monthly_fee": draw(st.floats(1e3, 1e10)),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "payment": {"timing": draw(st.sampled_from(["advance", "arrears"]))},
        "capacity": {"tokens_per_month": draw(tokens)},
    }
    if draw(st.booleans()):
        contract["escalator"] = {
            "rate": draw(st.floats(-0.5, 1.0)),
            "every_months": draw(st.integers(1, 24)),
        }
    steps = draw(st.integers(0, 3))
    if steps:
        contract["ramp"] = [
            {"months": draw(st.integers(1, 12)), "fraction": draw(shares)} for _ in range(steps)
        ]
    wants_term = draw(st.booleans()) if notice is None else True
    if wants_term:
        days = draw(st.one_of(st.integers(0, 120), st.integers(121, 400)))
        term: dict[str, Any] = {"notice_days": days, "fee": draw(money)}
        length = (end - start).days
        earliest = start + dt.timedelta(days=draw(st.integers(0, length)))
        if draw(st.booleans()):
            term["earliest_notice"] = earliest.isoformat()
        give = draw(st.booleans()) if notice is None else notice
        if give:
            day = earliest + dt.timedelta(days=draw(st.integers(0, (end - earliest).days)))
            term["notice_given"] = day.isoformat()
        contract["termination"] = term
    return contract


@st.composite
def streams(draw: st.DrawFn, index: int) -> dict[str, Any]:
    stream: dict[str, Any] = {
        "name": f"Stream {index}",
        "tokens_per_month": draw(tokens),
        "growth": draw(rates),
        "price_change": draw(rates),
    }
    if draw(st.booleans()):
        stream["price_per_million_tokens"] = draw(st.floats(0, 100))
    if draw(st.booleans()):
        stream["revenue_per_month"] = draw(money)
    return stream


@st.composite
def scenario_dicts(draw: st.DrawFn, notice: bool | None = None) -> dict[str, Any]:
    start = draw(st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 1)))
    policy = draw(st.sampled_from(["on_demand", "unserved"]))
    overflow: dict[str, Any] = {"policy": policy}
    if policy == "on_demand" or draw(st.booleans()):
        overflow["cost_per_million_tokens"] = draw(st.floats(0, 50))
    return {
        "name": "Generated",
        "horizon": {"start": f"{start:%Y-%m}", "months": draw(st.integers(1, 72))},
        "discount_rate": draw(st.floats(-0.5, 1.0)),
        "contracts": [
            draw(contracts(i, start, notice))
            for i in range(draw(st.integers(1 if notice else 0, 3)))
        ],
        "revenue": [draw(streams(i)) for i in range(draw(st.integers(0, 3)))],
        "costs": {
            "training_share": draw(shares),
            "serving_cost_per_million_tokens": draw(st.floats(0, 10)),
            "overflow": overflow,
            "collection_lag_months": draw(st.integers(0, 6)),
        },
    }


scenarios = scenario_dicts().map(Scenario.model_validate)


# --- the brute-force route to fees --------------------------------------------------------


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def daily_fee(contract: Contract, day: dt.date) -> float:
    k = _months_between(contract.start, day)  # contract month, 0 in the start month
    fee = contract.monthly_fee
    if contract.escalator is not None:
        fee *= (1 + contract.escalator.rate) ** (k // contract.escalator.every_months)
    first = 0
    for step in contract.ramp:
        if first <= k < first + step.months:
            fee *= step.fraction
            break
        first += step.months
    return fee / calendar.monthrange(day.year, day.month)[1]


def service_stop(contract: Contract) -> tuple[dt.date, bool]:
    """First day without service, and whether the contract ended early (fee charged)."""
    term = contract.termination
    natural = contract.end + dt.timedelta(days=1)
    if term is None or term.notice_given is None:
        return natural, False
    window_end = term.notice_given + dt.timedelta(days=term.notice_days)
    if window_end <= contract.end:
        return window_end, True
    return natural, False


def fees_between(contract: Contract, first: dt.date, last: dt.date, stop: dt.date) -> float:
    """Service fees for days first..last (inclusive) that are before `stop`."""
    total = 0.0
    day = max(first, contract.start)
    last = min(last, stop - dt.timedelta(days=1))
    while day <= last:
        total += daily_fee(contract, day)
        day += dt.timedelta(days=1)
    return total


def horizon_bounds(scenario: Scenario) -> tuple[dt.date, dt.date]:
    return scenario.horizon.start, scenario.horizon_end()


def committed_in_horizon(scenario: Scenario) -> float:
    first, last = horizon_bounds(scenario)
    total = 0.0
    for contract in scenario.contracts:
        stop, early = service_stop(contract)
        total += fees_between(contract, first, last, stop)
        last_service = stop - dt.timedelta(days=1)
        if early and first <= last_service <= last:
            assert contract.termination is not None
            total += contract.termination.fee
    return total


def full_term_fees(contract: Contract) -> float:
    """Every fee of the whole term run out, as if no notice were ever given."""
    return fees_between(contract, contract.start, contract.end, contract.end + dt.timedelta(1))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-3)


# --- properties ---------------------------------------------------------------------------


@SETTINGS
@given(scenarios)
def test_demand_is_served_plus_overflow_plus_unserved(scenario: Scenario):
    c = projection(scenario).columns
    total = c["served_tokens"] + c["overflow_tokens"] + c["unserved_tokens"]
    np.testing.assert_allclose(total, c["demand_tokens"], rtol=1e-12, atol=1e-3)
    for name in ("served_tokens", "overflow_tokens", "unserved_tokens"):
        assert (c[name] >= 0).all(), name


@SETTINGS
@given(scenarios)
def test_utilization_is_between_0_and_1(scenario: Scenario):
    result = projection(scenario)
    utilization = result.columns["utilization"]
    defined = utilization[~np.isnan(utilization)]
    assert (defined >= 0).all() and (defined <= 1 + 1e-12).all()
    average = result.summary["average_utilization"]
    assert average is None or 0 <= average <= 1 + 1e-12


@SETTINGS
@given(st.one_of(scenarios, scenario_dicts(notice=True).map(Scenario.model_validate)))
def test_committed_fees_match_a_day_by_day_loop_and_the_full_term(scenario: Scenario):
    result = projection(scenario)
    total = result.summary["total_committed_fees"]
    assert _close(total, float(result.columns["committed_fees"].sum()))
    assert _close(total, committed_in_horizon(scenario))
    ceiling = 0.0
    for contract in scenario.contracts:
        ceiling += full_term_fees(contract)
        if service_stop(contract)[1]:
            assert contract.termination is not None
            ceiling += contract.termination.fee  # an early exit adds its fee, never more
    assert total <= ceiling * (1 + REL) + 1e-3


@SETTINGS
@given(scenario_dicts(notice=True))
def test_giving_notice_never_adds_more_than_the_termination_fee(data: dict[str, Any]):
    with_notice = Scenario.model_validate(data)
    for contract in data["contracts"]:
        contract["termination"].pop("notice_given", None)
    without = Scenario.model_validate(data)
    fees = sum(c.termination.fee for c in with_notice.contracts if c.termination)
    given_total = projection(with_notice).summary["total_committed_fees"]
    run_out_total = projection(without).summary["total_committed_fees"]
    assert given_total <= run_out_total + fees + REL * max(run_out_total, 1.0)


@SETTINGS
@given(scenario_dicts(notice=False))
def test_exit_never_costs_more_than_running_the_contract_out(data: dict[str, Any]):
    scenario = Scenario.model_validate(data)
    result = projection(scenario)
    first = scenario.horizon.start
    fees_left = sum(
        fees_between(c, first, c.end, c.end + dt.timedelta(days=1)) for c in scenario.contracts
    )
    exit_cost = result.summary["exit_cost_now"]
    assert 0 <= exit_cost <= fees_left * (1 + REL) + 1e-3
    # and at every month end: what is owed never exceeds the fees left in the terms
    labels = result.labels
    for index in range(0, len(labels), max(1, len(labels) // 6)):
        year, month = (int(x) for x in labels[index].split("-"))
        after = dt.date(year, month, calendar.monthrange(year, month)[1]) + dt.timedelta(1)
        left = sum(
            fees_between(c, after, c.end, c.end + dt.timedelta(days=1)) for c in scenario.contracts
        )
        owed = float(result.columns["remaining_obligation"][index])
        assert 0 <= owed <= left * (1 + REL) + 1e-3


@SETTINGS
@given(scenarios, st.sampled_from(["quarter", "year"]))
def test_monthly_figures_add_up_to_quarterly_and_yearly_views(scenario: Scenario, by: str):
    result = projection(scenario)
    monthly = result.frame("month")
    view = result.frame(by)  # type: ignore[arg-type]
    periods = [period_label(label, by) for label in result.labels]  # type: ignore[arg-type]
    assert list(view["period"]) == list(dict.fromkeys(periods))
    for name in monthly.columns[1:]:
        if name in RATIO_COLUMNS:
            continue
        peak = measure(name).aggregation == "peak"
        for row, period in enumerate(view["period"]):
            values = [v for v, p in zip(monthly[name], periods, strict=True) if p == period]
            if peak:
                # the highest month; undefined if any month is
                highest = view[name][row]
                assert (math.isnan(highest) and any(map(math.isnan, values))) or (
                    highest == max(values)
                ), (name, period)
                continue
            expected = values[-1] if name in BALANCE_COLUMNS else math.fsum(values)
            assert math.isclose(view[name][row], expected, rel_tol=1e-9, abs_tol=1e-3), (
                name,
                period,
            )
    # the period's utilization is recomputed from its totals, not averaged
    for row in range(len(view)):
        capacity = view["available_tokens"][row] - view["training_tokens"][row]
        if capacity > 0:
            assert math.isclose(
                view["utilization"][row], view["served_tokens"][row] / capacity, rel_tol=1e-9
            )
            assert 0 <= view["utilization"][row] <= 1 + 1e-12
