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
DATE_FIELDS = (
    "start",
    "end",
    "termination.earliest_notice",
    "termination.notice_given",
    "prepayment.paid",
)
# Optional inputs held as NaN when absent (shown as null); dates among them are DATE_FIELDS.
NULLABLE_FIELDS = ("serving.wait_target_seconds", "benchmarks.market_price_per_gpu_hour")
# A contract's optional inputs held as NaN when absent: a commit without a monthly limit.
NULLABLE_CONTRACT_FIELDS = ("max_tokens_per_month",)


CHOICES = {
    "payment.timing": {"advance": 0.0, "arrears": 1.0},
    "costs.overflow.policy": {"unserved": 0.0, "on_demand": 1.0},
    "prepayment.applied": {"first": 0.0, "pro_rata": 1.0},
    "prepayment.refundable": {False: 0.0, True: 1.0},
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
    "capacity.gpus",
    "capacity.tokens_per_gpu_second",
    "uptime",
    "sla.cap",
    # billing periods and prepayments (reserved contracts)
    "payment.every_months",
    "prepayment.amount",
    "prepayment.paid",
    "prepayment.applied",
    "prepayment.refundable",
    # take-or-pay commits (kind: commit)
    "price_per_million_tokens",
    "minimum.amount",
    "minimum.every_months",
    "max_tokens_per_month",
)
# Lists of steps a contract may have, each step's inputs, and the value that pads a contract
# with fewer steps than another (a ramp step of 0 months covers no month; a credit tier
# below 0 never applies, uptime being at least 0).
STEP_TABLES: dict[str, dict[str, float]] = {
    "ramp": {"months": 0.0, "fraction": 1.0},
    "sla.credits": {"below": 0.0, "credit": 0.0},
}
STEP_FIELDS = {field: table for table, inputs in STEP_TABLES.items() for field in inputs}


def contract_values(c: Contract) -> tuple[float, ...]:
    """A contract's inputs in the order of CONTRACT_FIELDS (absent ones get their default)."""
    term = c.termination
    pre = c.prepayment
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
        c.capacity.tokens_per_month or 0.0,
        c.capacity.gpus or 0.0,
        c.capacity.tokens_per_gpu_second or 0.0,
        c.uptime,
        c.sla.cap if c.sla else 1.0,
        c.payment.every_months,
        pre.amount if pre else 0.0,
        day_number(pre.paid) if pre else NO_DATE,
        CHOICES["prepayment.applied"][pre.applied] if pre else 0.0,
        1.0 if pre and pre.refundable else 0.0,
        c.price_per_million_tokens or 0.0,
        c.minimum.amount if c.minimum else 0.0,
        c.minimum.every_months if c.minimum else 12,
        math.nan if c.max_tokens_per_month is None else c.max_tokens_per_month,
    )


def contract_steps(c: Contract) -> dict[str, list[tuple[float, ...]]]:
    """A contract's steps of each of STEP_TABLES, each step's inputs in the table's order."""
    return {
        "ramp": [(step.months, step.fraction) for step in c.ramp],
        "sla.credits": [(tier.below, tier.credit) for tier in c.sla.credits] if c.sla else [],
    }


def base_params(scenario: Scenario) -> dict[str, float]:
    """Every numeric input of the scenario, by key. Absent optional inputs get their default."""
    values: dict[str, float] = {"discount_rate": scenario.discount_rate}
    for i, c in enumerate(scenario.contracts):
        p = f"contracts[{i}]"
        values |= {
            f"{p}.{name}": value
            for name, value in zip(CONTRACT_FIELDS, contract_values(c), strict=True)
        }
        for table, steps in contract_steps(c).items():
            for j, step in enumerate(steps):
                for name, value in zip(STEP_TABLES[table], step, strict=True):
                    values[f"{p}.{table}[{j}].{name}"] = value
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
            # the first day of the first and last months; NaN: the horizon's bounds
            f"{p}.start": NO_DATE if s.start is None else day_number(s.start),
            f"{p}.end": NO_DATE if s.end is None else day_number(s.end),
        }
    costs = scenario.costs
    values |= {
        "costs.training_share": costs.training_share,
        "costs.serving_cost_per_million_tokens": costs.serving_cost_per_million_tokens,
        "costs.overflow.policy": CHOICES["costs.overflow.policy"][costs.overflow.policy],
        "costs.overflow.cost_per_million_tokens": costs.overflow.cost_per_million_tokens or 0.0,
        "costs.collection_lag_months": costs.collection_lag_months,
    }
    for j, run in enumerate(scenario.training_runs):
        p = f"training_runs[{j}]"
        values |= {
            f"{p}.start": day_number(run.start),
            f"{p}.months": run.months,
            f"{p}.share": run.share,
            # 0: the run does not repeat
            f"{p}.repeat_every_months": run.repeat_every_months or 0,
        }
    serving = scenario.serving
    if serving is not None:
        target = serving.wait_target_seconds
        values |= {
            "serving.request_seconds": serving.request_seconds,
            "serving.slots_per_gpu": serving.slots_per_gpu,
            "serving.pools": serving.pools,
            "serving.peak_to_average": serving.peak_to_average,
            "serving.arrival_cv": serving.arrival_cv,
            "serving.service_cv": serving.service_cv,
            "serving.wait_target_seconds": math.nan if target is None else target,
        }
    market = scenario.benchmarks.market_price_per_gpu_hour
    values["benchmarks.market_price_per_gpu_hour"] = math.nan if market is None else market
    for code, fx in scenario.fx.items():
        values |= {f"fx.{code}.rate": fx.rate, f"fx.{code}.change": fx.change}
    return {key: float(value) for key, value in values.items()}


_CONTRACT_KEY = re.compile(
    r"contracts\[(0|[1-9]\d*)\]\.(?:(ramp|sla\.credits)\[(0|[1-9]\d*)\]\.)?(.+)"
)


@dataclass(frozen=True)
class ContractKey:
    """Where a `contracts[i]. ...` key points: contract i, and step j of a step table or None."""

    contract: int
    field: str  # a CONTRACT_FIELDS name, or a step's input (STEP_TABLES) when `step` is set
    step: int | None = None
    table: str | None = None  # "ramp" or "sla.credits" when `step` is set

    @property
    def stacked(self) -> str:
        """The name of the input among a block's stacked inputs: `ramp.months`, `uptime`."""
        return self.field if self.table is None else f"{self.table}.{self.field}"


def contract_key(key: str) -> ContractKey | None:
    """The contract input a key names (without checking that the scenario has it), or None
    for a key that is not a contract's."""
    found = _CONTRACT_KEY.fullmatch(key)
    if found is None:
        return None
    index, table, step, name = found.groups()
    if (step is None and name not in CONTRACT_FIELDS) or (
        step is not None and STEP_FIELDS.get(name) != table
    ):
        return None
    return ContractKey(int(index), name, None if step is None else int(step), table)


@dataclass
class ContractInputs:
    """Every contract's inputs as columns, the form the engine stacks them in.

    `fields[name]` is (contracts,) for each of CONTRACT_FIELDS; `steps[f"{table}.{input}"]`
    is (contracts, width) for each input of each of STEP_TABLES, `width` the most steps any
    contract has there: a contract with fewer is padded with steps that change nothing.
    """

    fields: dict[str, np.ndarray]
    steps: dict[str, np.ndarray]
    step_counts: dict[str, np.ndarray]  # (contracts,) int per table: each contract's own steps

    @property
    def count(self) -> int:
        return len(self.fields["monthly_fee"])

    def value(self, key: ContractKey) -> float | None:
        """The base value of a contract key, or None if this scenario has no such input."""
        if not 0 <= key.contract < self.count:
            return None
        if key.step is None or key.table is None:
            return float(self.fields[key.field][key.contract])
        if not 0 <= key.step < self.step_counts[key.table][key.contract]:
            return None
        return float(self.steps[key.stacked][key.contract, key.step])


def contract_inputs(scenario: Scenario) -> ContractInputs:
    """The scenario's contracts as columns of inputs (the values of `base_params`)."""
    import numpy as np  # here, not with the module: validating a file does without numpy

    contracts = scenario.contracts
    table = np.array([contract_values(c) for c in contracts], dtype=np.float64)
    table = table.reshape(len(contracts), len(CONTRACT_FIELDS))
    listed = [contract_steps(c) for c in contracts]
    steps: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    for name, inputs in STEP_TABLES.items():
        count = np.array([len(c[name]) for c in listed], dtype=np.int64)
        width = int(count.max(initial=0))
        padded = {field: np.full((len(contracts), width), pad) for field, pad in inputs.items()}
        for i, c in enumerate(listed):
            for j, step in enumerate(c[name]):
                for field, value in zip(inputs, step, strict=True):
                    padded[field][i, j] = value
        counts[name] = count
        steps |= {f"{name}.{field}": values for field, values in padded.items()}
    return ContractInputs(
        fields={name: table[:, n] for n, name in enumerate(CONTRACT_FIELDS)},
        steps=steps,
        step_counts=counts,
    )


def decode(key: str, value: float) -> Any:
    """The engine's float for `key` back as a scenario value (for display)."""
    for suffix, choices in CHOICES.items():
        if key.endswith(suffix):
            return next(name for name, code in choices.items() if code == value)
    if any(key.endswith(field) for field in DATE_FIELDS):
        return None if math.isnan(value) else date_from_day(value)
    nullable = key in NULLABLE_FIELDS or any(
        key.endswith(f".{field}") for field in NULLABLE_CONTRACT_FIELDS
    )
    if nullable and math.isnan(value):
        return None
    return value
