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

from commitcast.model import Scenario
from commitcast.projection import projection

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

    def fees_from(a: dt.date, until: dt.date) -> float:
        total, day = 0.0, a
        while day < until:
            total += daily(day, stop if notice is not None else end + DAY)
            day += DAY
        return total

    def obligation(a: dt.date) -> float:
        left = fees_from(a, end + DAY)
        if term is None:
            return left
        if notice is not None:
            return left + (term["fee"] if terminated and stop - DAY >= a else 0.0)
        earliest = term.get("earliest_notice") or start
        d = max(a, earliest)
        window_end = d + dt.timedelta(days=term["notice_days"])
        owed = fees_from(a, min(window_end, end + DAY))
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


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
