"""Every numeric input of a scenario by flat key, the form the batched engine works on.

Each numeric input has a key written as its path (`contracts[0].monthly_fee`, `revenue[1].growth`,
`costs.training_share`). Dates are day numbers (see `core.calendar`); choices are numbers too
(`payment.timing`: 0 advance, 1 arrears; `costs.overflow.policy`: 1 on_demand, 0 unserved;
`termination.notice_given`: NaN for none).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commitcast.core.calendar import date_from_day, day_number
from commitcast.model.scenario import Contract, Scenario

if TYPE_CHECKING:
    import numpy as np

NO_DATE = math.nan


# Keys whose values are day numbers, choices or whole numbers rather than amounts or rates.
DATE_FIELDS = ("start", "end", "termination.earliest_notice", "termination.notice_given")


CHOICES = {
    "payment.timing": {"advance": 0.0, "arrears": 1.0},
    "costs.overflow.policy": {"unserved": 0.0, "on_demand": 1.0},
}


# A contract's inputs, in key order (`contracts[i].<field>`), then its ramp steps'.
CONTRACT_FIELDS = (
    "monthly_fee",
    "start",
    "end",
    "escalator.rate",
    "escalator.every_months",
    "termination.allowed",
    "termination.notice_days",
    "termination.fee",
    "termination.earliest_notice",
    "termination.notice_given",
    "payment.timing",
    "capacity.tokens_per_month",
)
RAMP_FIELDS = ("months", "fraction")


def contract_values(c: Contract) -> tuple[float, ...]:
    """A contract's inputs in the order of CONTRACT_FIELDS (absent ones get their default)."""
    term = c.termination
    return (
        c.monthly_fee,
        day_number(c.start),
        day_number(c.end),
        c.escalator.rate if c.escalator else 0.0,
        c.escalator.every_months if c.escalator else 12,
        1.0 if term else 0.0,
        term.notice_days if term else 0.0,
        term.fee if term else 0.0,
        day_number(c.earliest_notice),
        day_number(term.notice_given) if term and term.notice_given else NO_DATE,
        CHOICES["payment.timing"][c.payment.timing],
        c.capacity.tokens_per_month,
    )


def base_params(scenario: Scenario) -> dict[str, float]:
    """Every numeric input of the scenario, by key. Absent optional inputs get their default."""
    values: dict[str, float] = {"discount_rate": scenario.discount_rate}
    for i, c in enumerate(scenario.contracts):
        p = f"contracts[{i}]"
        values |= {
            f"{p}.{name}": value
            for name, value in zip(CONTRACT_FIELDS, contract_values(c), strict=True)
        }
        for j, step in enumerate(c.ramp):
            values[f"{p}.ramp[{j}].months"] = step.months
            values[f"{p}.ramp[{j}].fraction"] = step.fraction
    values |= other_params(scenario)
    return {key: float(value) for key, value in values.items()}


def other_params(scenario: Scenario) -> dict[str, float]:
    """The inputs that are not a contract's: revenue streams, costs and the discount rate."""
    values: dict[str, float] = {"discount_rate": scenario.discount_rate}
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


_CONTRACT_KEY = re.compile(r"contracts\[(0|[1-9]\d*)\]\.(?:ramp\[(0|[1-9]\d*)\]\.)?(.+)")


@dataclass(frozen=True)
class ContractKey:
    """Where a `contracts[i]. ...` key points: contract i, and ramp step j or None."""

    contract: int
    field: str  # a CONTRACT_FIELDS name, or a RAMP_FIELDS name when `step` is set
    step: int | None = None


def contract_key(key: str) -> ContractKey | None:
    """The contract input a key names (without checking that the scenario has it), or None
    for a key that is not a contract's."""
    found = _CONTRACT_KEY.fullmatch(key)
    if found is None:
        return None
    index, step, name = found.groups()
    if (step is None and name not in CONTRACT_FIELDS) or (
        step is not None and name not in RAMP_FIELDS
    ):
        return None
    return ContractKey(int(index), name, None if step is None else int(step))


@dataclass
class ContractInputs:
    """Every contract's inputs as columns, the form the engine stacks them in.

    `fields[name]` is (contracts,) for each of CONTRACT_FIELDS; `ramp_months` and
    `ramp_fraction` are (contracts, steps) with `steps` the most any contract has: a contract
    with fewer is padded with steps of 0 months, which cover no contract month.
    """

    fields: dict[str, np.ndarray]
    ramp_months: np.ndarray
    ramp_fraction: np.ndarray
    ramp_steps: np.ndarray  # (contracts,) int: each contract's own number of steps

    @property
    def count(self) -> int:
        return len(self.ramp_steps)

    def value(self, key: ContractKey) -> float | None:
        """The base value of a contract key, or None if this scenario has no such input."""
        if not 0 <= key.contract < self.count:
            return None
        if key.step is None:
            return float(self.fields[key.field][key.contract])
        if not 0 <= key.step < self.ramp_steps[key.contract]:
            return None
        table = self.ramp_months if key.field == "months" else self.ramp_fraction
        return float(table[key.contract, key.step])


def contract_inputs(scenario: Scenario) -> ContractInputs:
    """The scenario's contracts as columns of inputs (the values of `base_params`)."""
    import numpy as np  # here, not with the module: validating a file does without numpy

    contracts = scenario.contracts
    table = np.array([contract_values(c) for c in contracts], dtype=np.float64)
    table = table.reshape(len(contracts), len(CONTRACT_FIELDS))
    steps = np.array([len(c.ramp) for c in contracts], dtype=np.int64)
    width = int(steps.max(initial=0))
    months = np.zeros((len(contracts), width))
    fraction = np.ones((len(contracts), width))
    for i, c in enumerate(contracts):
        for j, step in enumerate(c.ramp):
            months[i, j] = step.months
            fraction[i, j] = step.fraction
    return ContractInputs(
        fields={name: table[:, n] for n, name in enumerate(CONTRACT_FIELDS)},
        ramp_months=months,
        ramp_fraction=fraction,
        ramp_steps=steps,
    )


def decode(key: str, value: float) -> Any:
    """The engine's float for `key` back as a scenario value (for display)."""
    for suffix, choices in CHOICES.items():
        if key.endswith(suffix):
            return next(name for name, code in choices.items() if code == value)
    if any(key.endswith(field) for field in DATE_FIELDS):
        return None if math.isnan(value) else date_from_day(value)
    return value
