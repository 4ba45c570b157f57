"""Which input made a figure pass the range of numbers, and where it is written.

Validation bounds every input, but compounding over a long horizon can still pass 1e308:
1000% a month of growth for 100 years, an escalator stepping every month to 2200, a discount
rate near -100% a year over 1,200 months. `engine.run.check_finite` finds the figure; this
module names the input most likely to blame, in the run that overflowed, at its line in the
scenario file (the provenance keeps the file's marks): the discount rate when the discount
factors themselves overflow, otherwise the rate that compounds the most (the largest
base x (1 + rate) ** periods, in logarithms), and the horizon's length when no rate compounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from commitcast.core.calendar import month_number
from commitcast.core.errors import Problem
from commitcast.core.paths import Path_, format_path
from commitcast.model.provenance import field_problem

if TYPE_CHECKING:
    from commitcast.variants.batch import Batch

LOG10_LARGEST = math.log10(1.7976931348623157e308)


@dataclass(frozen=True)
class Compounding:
    """One rate that compounds: base x (1 + rate) ** periods, as log10 of its last value."""

    path: Path_
    rate: float
    periods: int
    per: str  # "month" or "step"
    log10: float


def _value(batch: Batch, key: str, run: int) -> float | None:
    try:
        return float(batch[key][run])
    except (KeyError, IndexError):
        return None


def compounding(batch: Batch, run: int) -> list[Compounding]:
    """Every rate of the run that compounds upward over the horizon (or a contract's term)."""
    scenario = batch.scenario
    months = scenario.months
    found: list[Compounding] = []

    def add(path: Path_, base: float | None, rate: float | None, periods: int, per: str) -> None:
        if rate is None or rate <= 0 or periods <= 0:
            return
        size = math.log10(base) if base and base > 0 else 0.0
        found.append(Compounding(path, rate, periods, per, size + periods * math.log10(1 + rate)))

    for j, _stream in enumerate(scenario.revenue):
        p = f"revenue[{j}]"
        tokens = _value(batch, f"{p}.tokens_per_month", run)
        add(("revenue", j, "growth"), tokens, _value(batch, f"{p}.growth", run), months, "month")
        price = _value(batch, f"{p}.price_per_million_tokens", run)
        change = _value(batch, f"{p}.price_change", run)
        add(("revenue", j, "price_change"), price, change, months, "month")
    first = month_number(scenario.horizon.start)
    for i, contract in enumerate(scenario.contracts):
        if contract.escalator is None:
            continue
        p = f"contracts[{i}]"
        every = _value(batch, f"{p}.escalator.every_months", run) or 12
        term = month_number(contract.end) - max(first, month_number(contract.start)) + 1
        fee = _value(batch, f"{p}.monthly_fee", run)
        rate = _value(batch, f"{p}.escalator.rate", run)
        add(("contracts", i, "escalator", "rate"), fee, rate, int(term // every), "step")
    return sorted(found, key=lambda c: c.log10, reverse=True)


def _discount_overflows(batch: Batch, run: int) -> bool:
    from commitcast.core.finance import discount_factors

    rate = _value(batch, "discount_rate", run)
    if rate is None:
        return False
    with np.errstate(over="ignore"):
        return not np.isfinite(discount_factors(rate, batch.scenario.months)).all()


def overflow_problem(batch: Batch, figure: str, run: int, runs: int) -> Problem:
    """The refusal for `figure` passing the range of numbers in `run` (0-based) of `runs`."""
    scenario = batch.scenario
    months = scenario.months
    which = f" in run {run + 1} of {runs}" if runs > 1 else ""
    head = f"the projection is too large to compute: {figure} passes the range of numbers "
    head += f"(about 1e308){which}"
    path: Path_
    if figure == "npv" and _discount_overflows(batch, run):
        rate = _value(batch, "discount_rate", run) or 0.0
        path = ("discount_rate",)
        message = (
            f"{head}: discounting at {rate:.4%} a year over {months:,} months divides by "
            "(1 + monthly rate) ** month, which passes it"
        )
        hint = "a discount rate this close to -100% a year: raise it or shorten the horizon"
    else:
        candidates = compounding(batch, run)
        top = candidates[0] if candidates else None
        if top is not None and top.log10 > LOG10_LARGEST / 2:
            path = top.path
            message = (
                f"{head}: {format_path(top.path)} ({top.rate * 100:,.4g}% a {top.per}) "
                f"compounds to about 1e{top.log10:.0f} over {top.periods:,} {top.per}s"
            )
            hint = (
                "a growth rate, price change or escalator compounds too fast over this "
                "horizon; lower it or shorten the horizon"
            )
        else:
            path = ("horizon", "months")
            message = f"{head} over {months:,} months"
            hint = (
                "a growth rate, price change or escalator compounds too fast over this "
                "horizon, or amounts are too large; lower them or shorten the horizon"
            )
    return field_problem(batch.scenario.provenance, path, message, hint)


def contracts_problem(batch: Batch, result: Any) -> Problem | None:
    """The refusal for a contract schedule that passes the range of numbers after the horizon,
    or None. The projection's own figures stop at the horizon (`engine.run.check_finite`), but
    the workbook's Contracts and Obligations sheets and `obligations` read each contract to
    its end: a 1000% monthly escalator to 2125 on a 12-month horizon overflows only there.
    Named like any overflow: the rate that compounds most, at its line. `result` is the
    batch's engine.run.BatchResult (not imported: engine.run imports this module)."""
    labels = None
    for index, schedule in enumerate(result.contracts):
        full = schedule.full
        for row in CONTRACT_ROWS:
            values = getattr(full, row)
            bad = np.isinf(values)
            if not bad.any():
                continue
            run, column = np.unravel_index(int(np.argmax(bad)), bad.shape)
            labels = labels or result.contract_grid.labels()
            figure = (
                f"contract {batch.scenario.contracts[index].name!r}: "
                f"{row.replace('_', ' ')} in {labels[int(column)]}"
            )
            return overflow_problem(batch, figure, int(run), batch.runs)
    return None


def check_contracts(batch: Batch, result: Any) -> None:
    """Raise the `contracts_problem`, if any (exit 2, at the input's line)."""
    problem = contracts_problem(batch, result)
    if problem is not None:
        from commitcast.core.errors import CommitcastError

        raise CommitcastError([problem])


# every money, token and factor row of a contract's full schedule (FullSchedule)
CONTRACT_ROWS = (
    "escalation",
    "full_month_fee",
    "daily_fee",
    "service_fees",
    "capacity_tokens",
    "available_tokens",
    "sla_credits",
    "termination_fee",
    "fees",
    "fees_paid",
    "service_fees_to_date",
    "fees_before_service_ends",
    "fees_left",
    "exit_cost",
    "termination_fee_to_come",
    "obligation",
)
