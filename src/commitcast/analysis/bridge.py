"""The bridge ("walk"): explain the difference in a figure between two scenarios by driver.

Starting from the base, the inputs of the other scenario are moved in one group at a time, in
this order, and the figure is recomputed after each group:

1. contracts: every contract field except its payment timing and notice date (fee, dates,
   escalator, ramp, capacity, termination notice days, fee and earliest notice).
2. demand: each revenue stream's `tokens_per_month` and `growth`.
3. prices: each stream's `price_per_million_tokens`, `price_change` and `revenue_per_month`.
4. costs: `costs.training_share`, `costs.serving_cost_per_million_tokens`, `costs.overflow`.
5. operations: `training_runs`, `serving` (queue latency and its cap) and `benchmarks`.
6. fx (only when a scenario gives `fx`): the rate and monthly change of each other currency.
7. timing: each contract's `payment.timing`, billing period, prepayment and
   `termination.notice_given`, `costs.collection_lag_months` and the `discount_rate`.

Step i's contribution is figure(after i groups) - figure(after i - 1 groups), so the steps add up
to the total difference by construction, and the last state is the other scenario itself.

Structure: when the contract lists differ in length, ramp steps, kind (reserved or commit) or
currency, field-by-field moves are impossible, so the contracts step swaps the whole list (its
timing fields go with it); when the revenue stream lists differ in length or currency, the
demand step swaps the whole list (prices with it, so the prices step is 0). Both are reported
as notes. Intermediate states are mixtures of inputs evaluated by the engine, not scenario
files, so they are not validated as one (a base notice date may lie after the other contract's
end until the timing step moves it).

Both scenarios must share currency and horizon: a walk across different months is not a bridge.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from commitcast.analysis.compare import same_currency
from commitcast.engine.run import run
from commitcast.model.inputs import base_params
from commitcast.model.scenario import Contract, Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import argument_error, check_figure

GROUPS = ("contracts", "demand", "prices", "costs", "operations", "fx", "timing")
_TIMING = re.compile(
    r"^(discount_rate|costs\.collection_lag_months|contracts\[\d+\]\.payment\.(timing|every_months)"
    r"|contracts\[\d+\]\.prepayment\..+|contracts\[\d+\]\.termination\.notice_given)$"
)


def group_of(key: str) -> str:
    """The bridge group that holds a params key."""
    if _TIMING.match(key):
        return "timing"
    if key.startswith("contracts["):
        return "contracts"
    if key.startswith("revenue["):
        field_name = key.rsplit(".", 1)[1]
        return "demand" if field_name in ("tokens_per_month", "growth") else "prices"
    if key.startswith("costs."):
        return "costs"
    if key.startswith(("training_runs[", "serving.", "benchmarks.")):
        return "operations"
    if key.startswith("fx."):
        return "fx"
    raise KeyError(key)


@dataclass
class Step:
    group: str
    before: float
    after: float

    @property
    def contribution(self) -> float:
        return self.after - self.before


@dataclass
class Bridge:
    figure: str
    base: Scenario
    other: Scenario
    start: float  # the figure for the base
    end: float  # the figure for the other scenario
    steps: list[Step]
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.end - self.start


def _same_contract_structure(a: Scenario, b: Scenario) -> bool:
    def tiers(c: Contract) -> int:
        return len(c.sla.credits) if c.sla else 0

    return len(a.contracts) == len(b.contracts) and all(
        len(x.ramp) == len(y.ramp)
        and tiers(x) == tiers(y)
        and x.kind == y.kind
        and a.currency_of(x) == b.currency_of(y)
        for x, y in zip(a.contracts, b.contracts, strict=True)
    )


def _same_revenue_structure(a: Scenario, b: Scenario) -> bool:
    return len(a.revenue) == len(b.revenue) and all(
        a.currency_of(x) == b.currency_of(y) for x, y in zip(a.revenue, b.revenue, strict=True)
    )


def _same_operations_structure(a: Scenario, b: Scenario) -> bool:
    return len(a.training_runs) == len(b.training_runs) and (a.serving is None) == (
        b.serving is None
    )


def _with(base: Scenario, **lists: object) -> Scenario:
    """The base with whole lists or sections replaced. Lists validate alone, except that queue
    latency needs GPUs on every contract: contracts without them drop the serving section
    until the operations step brings the other scenario's."""
    data = base.model_dump()
    for name, value in lists.items():
        data[name] = value
    if data["serving"] is not None and any(
        c["capacity"]["gpus"] is None for c in data["contracts"]
    ):
        data["serving"] = None
    return Scenario.model_validate(data)


def bridge(base: Scenario, other: Scenario, figure: str = "npv") -> Bridge:
    """Walk summary `figure` from `base` to `other` by groups of inputs (see the module).

    walk = bridge(base, other, "npv")
    [(step.group, step.contribution) for step in walk.steps]  # adds up to walk.total
    """
    check_figure(figure, "figure")
    same_currency([base, other])
    if base.horizon != other.horizon:
        raise argument_error(
            f"the horizons differ ({base.horizon.start:%Y-%m} + {base.months} months vs "
            f"{other.horizon.start:%Y-%m} + {other.months} months); a bridge needs the same months",
            "other",
            kind="horizons",
            hint="align horizon.start and horizon.months first (apply_overrides)",
        )
    notes: list[str] = []
    groups = GROUPS if base.fx or other.fx else tuple(g for g in GROUPS if g != "fx")
    other_dump = other.model_dump()
    current = base
    if set(other.fx) - set(base.fx):
        # the other scenario's currencies, at its rates until the fx step (the base uses
        # none of them, so its figures are the same)
        fx = {code: rate.model_dump() for code, rate in (other.fx | base.fx).items()}
        current = _with(base, fx=fx)
    # The structure (list lengths) each state is evaluated with, after each group.
    templates = [current]
    for group in groups:
        if group == "contracts" and not _same_contract_structure(base, other):
            current = _with(current, contracts=other_dump["contracts"])
            notes.append(
                "the contract lists differ in structure: the contracts step swaps the whole list "
                "(payment timing and notice dates included)"
            )
        if group == "demand" and not _same_revenue_structure(base, other):
            current = _with(current, revenue=other_dump["revenue"])
            notes.append(
                "the revenue stream lists differ in length or currency: the demand step swaps "
                "the whole list (prices included, so the prices step is 0)"
            )
        if group == "operations" and not _same_operations_structure(current, other):
            current = _with(
                current,
                training_runs=other_dump["training_runs"],
                serving=other_dump["serving"],
                benchmarks=other_dump["benchmarks"],
            )
            notes.append(
                "the training runs or serving sections differ in structure: the operations "
                "step swaps them whole"
            )
        templates.append(current)

    target = base_params(other)
    batches: dict[int, tuple[Scenario, list[int]]] = {}  # one batch per structure
    for state, template in enumerate(templates):
        batches.setdefault(id(template), (template, []))[1].append(state)
    figures = np.full(len(templates), math.nan)
    for template, states in batches.values():
        start = base_params(template)
        variants: dict[str, np.ndarray] = {}
        for key, value in start.items():
            column = np.full(len(states), value)
            for row, state in enumerate(states):
                moved = set(groups[:state])
                if group_of(key) in moved and key in target:
                    column[row] = target[key]
            if np.any(column != value):
                variants[key] = column
        result = run(Batch(template, len(states), variants))
        figures[states] = result.summary[figure]
    steps = [
        Step(group, float(figures[i]), float(figures[i + 1])) for i, group in enumerate(groups)
    ]
    return Bridge(figure, base, other, float(figures[0]), float(figures[-1]), steps, notes)
