"""Every numeric input of a scenario by flat key, the form the batched engine works on.

Each numeric input has a key written as its path (`contracts[0].monthly_fee`, `revenue[1].growth`,
`costs.training_share`). Dates are day numbers (see `core.calendar`); choices are numbers too
(`payment.timing`: 0 advance, 1 arrears; `costs.overflow.policy`: 1 on_demand, 0 unserved;
`termination.notice_given`: NaN for none).
"""

from __future__ import annotations

import math
from typing import Any

from commitcast.core.calendar import date_from_day, day_number
from commitcast.model.scenario import Scenario

NO_DATE = math.nan


# Keys whose values are day numbers, choices or whole numbers rather than amounts or rates.
DATE_FIELDS = ("start", "end", "termination.earliest_notice", "termination.notice_given")


CHOICES = {
    "payment.timing": {"advance": 0.0, "arrears": 1.0},
    "costs.overflow.policy": {"unserved": 0.0, "on_demand": 1.0},
}


def base_params(scenario: Scenario) -> dict[str, float]:
    """Every numeric input of the scenario, by key. Absent optional inputs get their default."""
    values: dict[str, float] = {"discount_rate": scenario.discount_rate}
    for i, c in enumerate(scenario.contracts):
        p = f"contracts[{i}]"
        term = c.termination
        values |= {
            f"{p}.monthly_fee": c.monthly_fee,
            f"{p}.start": day_number(c.start),
            f"{p}.end": day_number(c.end),
            f"{p}.escalator.rate": c.escalator.rate if c.escalator else 0.0,
            f"{p}.escalator.every_months": c.escalator.every_months if c.escalator else 12,
            f"{p}.termination.allowed": 1.0 if term else 0.0,
            f"{p}.termination.notice_days": term.notice_days if term else 0.0,
            f"{p}.termination.fee": term.fee if term else 0.0,
            f"{p}.termination.earliest_notice": day_number(c.earliest_notice),
            f"{p}.termination.notice_given": (
                day_number(term.notice_given) if term and term.notice_given else NO_DATE
            ),
            f"{p}.payment.timing": CHOICES["payment.timing"][c.payment.timing],
            f"{p}.capacity.tokens_per_month": c.capacity.tokens_per_month,
        }
        for j, step in enumerate(c.ramp):
            values[f"{p}.ramp[{j}].months"] = step.months
            values[f"{p}.ramp[{j}].fraction"] = step.fraction
    for j, s in enumerate(scenario.revenue):
        p = f"revenue[{j}]"
        values |= {
            f"{p}.tokens_per_month": s.tokens_per_month,
            f"{p}.growth": s.growth,
            f"{p}.price_per_million_tokens": s.price_per_million_tokens or 0.0,
            f"{p}.price_change": s.price_change,
            f"{p}.revenue_per_month": s.revenue_per_month or 0.0,
        }
    costs = scenario.costs
    values |= {
        "costs.training_share": costs.training_share,
        "costs.serving_cost_per_million_tokens": costs.serving_cost_per_million_tokens,
        "costs.overflow.policy": CHOICES["costs.overflow.policy"][costs.overflow.policy],
        "costs.overflow.cost_per_million_tokens": costs.overflow.cost_per_million_tokens or 0.0,
        "costs.collection_lag_months": costs.collection_lag_months,
    }
    return {key: float(value) for key, value in values.items()}


def decode(key: str, value: float) -> Any:
    """The engine's float for `key` back as a scenario value (for display)."""
    for suffix, choices in CHOICES.items():
        if key.endswith(suffix):
            return next(name for name, code in choices.items() if code == value)
    if any(key.endswith(field) for field in DATE_FIELDS):
        return None if math.isnan(value) else date_from_day(value)
    return value
