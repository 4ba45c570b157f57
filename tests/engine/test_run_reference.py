"""The engine's contract arithmetic against an independent day-by-day reference.

The reference below walks the calendar one day at a time in plain Python, applying the README's
conventions literally (a day's fee is the month's fee / days in that month; contract months
from the start month; escalator; ramp steps; notice D + N; termination fee in the last month
of service; advance/arrears; remaining obligation with notice on the first of the next month or
on earliest_notice). It shares no code with the engine, which works on month grids and
cumulative curves. Hypothesis draws the contracts.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitcast.engine.projection import projection
from commitcast.model.scenario import Scenario

DAY = dt.timedelta(days=1)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def days_in_month(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def reference(c: dict, horizon_start: dt.date, months: int) -> dict[str, list[float] | float]:
    start, end = c["start"], c["end"]
    term = c.get("termination")
    notice = term.get("notice_given") if term else None
    stop = end + DAY  # first day without service
    terminated = False
    if term and notice is not None and notice + dt.timedelta(days=term["notice_days"]) <= end:
        stop = notice + dt.timedelta(days=term["notice_days"])
        terminated = True

    def full_fee(day: dt.date) -> float:
        k = month_index(day) - month_index(start)
        fee = c["monthly_fee"]
        if c.get("escalator"):
            fee *= (1 + c["escalator"]["rate"]) ** (k // c["escalator"]["every_months"])
        return fee * ramp(k)

    def ramp(k: int) -> float:
        first = 0
        for step in c.get("ramp", []):
            if first <= k < first + step["months"]:
                return step["fraction"]
            first += step["months"]
        return 1.0

    def daily(day: dt.date, until: dt.date) -> float:
        if not (start <= day < until):
            return 0.0
        return full_fee(day) / days_in_month(day)

    first = month_index(horizon_start)
    committed = [0.0] * (months + 1)  # index 0: the month before the horizon
    capacity = [0.0] * months
    day = month_start(first - 1)
    last_day = month_start(first + months) - DAY
    while day <= last_day:
        m = month_index(day) - first + 1
        committed[m] += daily(day, stop)
        if m >= 1 and start <= day < stop:
            k = month_index(day) - month_index(start)
            capacity[m - 1] += c["capacity"] * ramp(k) / days_in_month(day)
        day += DAY
    if terminated:
        m = month_index(stop - DAY) - first + 1
        if 0 <= m <= months:
            committed[m] += term["fee"]
    arrears = c.get("payment") == "arrears"
    paid = committed[0:months] if arrears else committed[1:]

    def fees_from(a: dt.date, until: dt.date, planned: bool = True) -> float:
        """Service fees from day a to before `until`, of the schedule with its notice
        (`planned`) or as if no notice were planned."""
        total, day = 0.0, a
        while day < until:
            total += daily(day, stop if planned else end + DAY)
            day += DAY
        return total

    def obligation(a: dt.date) -> float:
        left = fees_from(a, end + DAY)
        if term is None:
            return left
        # at the end of the month before a: the notice counts from the month it is given in
        if notice is not None and month_index(a) > month_index(notice):
            return left + (term["fee"] if terminated and stop - DAY >= a else 0.0)
        left = fees_from(a, end + DAY, planned=False)
        earliest = term.get("earliest_notice") or start
        d = max(a, earliest)
        window_end = d + dt.timedelta(days=term["notice_days"])
        owed = fees_from(a, min(window_end, end + DAY), planned=False)
        if window_end <= end:
            owed += term["fee"]
        return min(owed, left)

    return {
        "committed_fees": committed[1:],
        "capacity_tokens": capacity,
        "cash_out": list(paid),
        "remaining_obligation": [obligation(month_start(first + m + 1)) for m in range(months)],
        "exit_cost_now": obligation(month_start(first)),
    }


@st.composite
def contracts(draw):
    start = dt.date(2025, 1, 1) + draw(st.integers(0, 3 * 365)) * DAY
    end = start + draw(st.integers(0, 2 * 365)) * DAY
    c: dict = {
        "name": "C",
        "monthly_fee": draw(st.sampled_from([3100.0, 1_250_000_000.0, 977.77])),
        "start": start,
        "end": end,
        "capacity": draw(st.sampled_from([0.0, 1e6, 5e15])),
        "payment": draw(st.sampled_from(["advance", "arrears"])),
    }
    if draw(st.booleans()):
        c["escalator"] = {
            "rate": draw(st.sampled_from([0.03, 0.5, -0.2])),
            "every_months": draw(st.integers(1, 13)),
        }
    c["ramp"] = [
        {"months": draw(st.integers(1, 4)), "fraction": draw(st.sampled_from([0.25, 0.5, 0.9]))}
        for _ in range(draw(st.integers(0, 2)))
    ]
    if draw(st.booleans()):
        span = (end - start).days
        earliest = start + draw(st.integers(0, span)) * DAY if draw(st.booleans()) else None
        term: dict = {
            "notice_days": draw(st.integers(0, 120)),
            "fee": draw(st.sampled_from([0.0, 500.0, 2e9])),
            "earliest_notice": earliest,
            "notice_given": None,
        }
        if draw(st.booleans()):
            low = earliest or start
            term["notice_given"] = low + draw(st.integers(0, (end - low).days)) * DAY
        c["termination"] = term
    return c


def as_scenario(c: dict, horizon_start: dt.date, months: int) -> Scenario:
    data = {k: v for k, v in c.items() if k not in ("capacity", "payment")}
    data["capacity"] = {"tokens_per_month": c["capacity"]}
    data["payment"] = {"timing": c["payment"]}
    return Scenario.model_validate(
        {
            "name": "reference",
            "horizon": {"start": f"{horizon_start:%Y-%m}", "months": months},
            "contracts": [data],
        }
    )


@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    c=contracts(),
    horizon=st.integers(0, 36).map(lambda i: month_start(month_index(dt.date(2025, 1, 1)) + i)),
    months=st.integers(1, 30),
)
def test_engine_matches_the_day_by_day_reference(c, horizon, months):
    p = projection(as_scenario(c, horizon, months))
    expected = reference(c, horizon, months)
    for name in ("committed_fees", "capacity_tokens", "cash_out", "remaining_obligation"):
        assert list(p.columns[name]) == pytest.approx(expected[name], rel=1e-9, abs=1e-6), name
    assert p.summary["exit_cost_now"] == pytest.approx(
        expected["exit_cost_now"], rel=1e-9, abs=1e-6
    )


def test_reference_reproduces_the_issue_example():
    # the reference itself is checked against the issue's hand figure: $12.5B
    c = {
        "name": "C",
        "monthly_fee": 1.25e9,
        "start": dt.date(2026, 6, 1),
        "end": dt.date(2029, 5, 31),
        "capacity": 0.0,
        "payment": "advance",
        "termination": {"notice_days": 90, "fee": 0.0, "notice_given": dt.date(2027, 1, 1)},
    }
    assert sum(reference(c, dt.date(2026, 6, 1), 48)["committed_fees"]) == pytest.approx(12.5e9)


def revenue_side(p, s: Scenario) -> dict[str, list[float] | float | str | None]:
    """Everything after the contracts, month by month in plain Python, from the (separately
    checked) committed fees, capacity and fee payments."""
    costs = s.costs
    share = costs.training_share
    on_demand = costs.overflow.policy == "on_demand"
    od_price = costs.overflow.cost_per_million_tokens or 0.0
    out: dict[str, list] = {k: [] for k in ("served", "overflow", "unserved", "revenue")}
    out |= {"inference_cost": [], "idle": [], "net": [], "cash_in": []}
    for t in range(s.months):
        demand = usage = flat = 0.0
        for r in s.revenue:
            tokens = r.tokens_per_month * (1 + r.growth) ** t
            demand += tokens
            usage += tokens * (r.price_per_million_tokens or 0.0) * (1 + r.price_change) ** t / 1e6
            flat += (r.revenue_per_month or 0.0) * (1 + r.growth) ** t
        fees = p.columns["committed_fees"][t]
        inference_capacity = p.columns["capacity_tokens"][t] * (1 - share)
        served = min(demand, inference_capacity)
        rest = demand - served
        overflow, unserved = (rest, 0.0) if on_demand else (0.0, rest)
        revenue = usage * (served + overflow) / demand + flat if demand > 0 else usage + flat
        serving = (served + overflow) * costs.serving_cost_per_million_tokens / 1e6
        inference = fees * (1 - share) + overflow * od_price / 1e6 + serving
        utilization = served / inference_capacity if inference_capacity > 0 else 0.0
        out["served"].append(served)
        out["overflow"].append(overflow)
        out["unserved"].append(unserved)
        out["revenue"].append(revenue)
        out["inference_cost"].append(inference)
        out["idle"].append(fees * (1 - share) * (1 - utilization))
        fees_paid = p.result.columns["fees_paid"][0][t]
        lag = costs.collection_lag_months
        cash_in = out["revenue"][t - lag] if t >= lag else 0.0
        out["cash_in"].append(cash_in)
        out["net"].append(cash_in - fees_paid - overflow * od_price / 1e6 - serving)
    cumulative, total = [], 0.0
    for value in out["net"]:
        total += value
        cumulative.append(total)
    r = (1 + s.discount_rate) ** (1 / 12) - 1
    npv = sum(v / (1 + r) ** (t + 1) for t, v in enumerate(out["net"]))
    low = min(cumulative)
    peak_month = p.labels[cumulative.index(low)] if low < 0 else None
    payback = None
    if low < 0:
        first_dip = next(t for t, v in enumerate(cumulative) if v < 0)
        payback = next(
            (p.labels[t] for t in range(first_dip + 1, s.months) if cumulative[t] >= 0), None
        )
    return out | {
        "cumulative": cumulative,
        "npv": npv,
        "peak": -low if low < 0 else 0.0,
        "peak_month": peak_month,
        "payback": payback,
    }


@st.composite
def scenarios(draw):
    start = dt.date(2026, 1, 1) + draw(st.integers(0, 200)) * DAY
    contracts = [
        {
            "name": f"C{i}",
            "monthly_fee": draw(st.sampled_from([1e6, 1.25e9, 3.3e8])),
            "start": f"{start + draw(st.integers(0, 90)) * DAY}",
            "end": f"{start + draw(st.integers(100, 900)) * DAY}",
            "capacity": {"tokens_per_month": draw(st.sampled_from([0.0, 1e12, 5e15]))},
            "payment": {"timing": draw(st.sampled_from(["advance", "arrears"]))},
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    streams = [
        {
            "name": f"S{i}",
            "tokens_per_month": draw(st.sampled_from([0.0, 1e12, 3e15])),
            "growth": draw(st.sampled_from([0.0, 0.04, -0.02])),
            "price_per_million_tokens": draw(st.sampled_from([None, 6.0, 0.5])),
            "price_change": draw(st.sampled_from([0.0, -0.01, 0.02])),
            "revenue_per_month": draw(st.sampled_from([None, 9e8, 1e5])),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    policy = draw(st.sampled_from(["on_demand", "unserved"]))
    return Scenario.model_validate(
        {
            "name": "reference",
            "horizon": {"start": "2026-03", "months": draw(st.integers(1, 40))},
            "discount_rate": draw(st.sampled_from([0.0, 0.1, 0.25])),
            "contracts": contracts,
            "revenue": streams,
            "costs": {
                "training_share": draw(st.sampled_from([0.0, 0.3, 1.0])),
                "serving_cost_per_million_tokens": draw(st.sampled_from([0.0, 0.15])),
                "overflow": {"policy": policy, "cost_per_million_tokens": 3.0},
                "collection_lag_months": draw(st.integers(0, 3)),
            },
        }
    )


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(s=scenarios())
def test_revenue_costs_cash_and_summary_match_a_month_by_month_reference(s):
    p = projection(s)
    ref = revenue_side(p, s)
    pairs = {
        "served_tokens": "served",
        "overflow_tokens": "overflow",
        "unserved_tokens": "unserved",
        "revenue": "revenue",
        "inference_cost": "inference_cost",
        "idle_capacity_cost": "idle",
        "cash_in": "cash_in",
        "net_cash_flow": "net",
        "cumulative_cash": "cumulative",
    }
    for column, key in pairs.items():
        assert list(p.columns[column]) == pytest.approx(ref[key], rel=1e-9, abs=1e-3), column
    assert p.summary["npv"] == pytest.approx(ref["npv"], rel=1e-9, abs=1e-3)
    assert p.summary["peak_funding_need"] == pytest.approx(ref["peak"], rel=1e-9, abs=1e-3)
    if abs(min(ref["cumulative"])) > 1e-3:  # a dip of a fraction of a cent is float noise
        assert p.summary["peak_funding_month"] == ref["peak_month"]
        assert p.summary["payback_month"] == ref["payback"]
