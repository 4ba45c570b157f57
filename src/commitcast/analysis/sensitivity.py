"""Sensitivity: flex each driver to a low and a high value and rank by the swing of a figure;
or a one- or two-way grid of a figure (a spreadsheet's data table). One engine pass each.

Default drivers: every revenue stream's growth, price per million tokens, price change; every
reserved contract's monthly fee and capacity (tokens per month, or the throughput of one GPU) and
its uptime when below 1; every commit's price per million tokens and minimum; the rate of each
other currency a contract or stream is in (fx.EUR.rate); the serving and on-demand cost rates;
the training share; the serving peak-to-average ratio under a wait target (which it moves). Each
is flexed by DEFAULT_FLEX (20%) of its value, down and up. Where that means nothing:
- an exchange rate is flexed by FX_FLEX (10%) down and up;
- an uptime is flexed by UPTIME_STEP (one point) down and up, held at 1 (20% of 99.5% would
  leave the range, and one point crosses the usual SLA tiers);
- a peak-to-average ratio is held at 1 or more;
- a rate of change (growth, price change) of 0 is flexed by RATE_STEP (one point a month) down
  and up: a 20% change of nothing would hide the driver;
- a training share of 0 is flexed from 0 up to SHARE_STEP, and a high value is capped at 1;
- an amount, price or capacity of 0 (or absent) is left out and listed in the notes, and so is
  the price change of a stream without a usage price;
- a driver whose default flex the model refuses (a value at its bound) is left out and listed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from commitcast.core.errors import CommitcastError
from commitcast.engine.actuals import runner
from commitcast.model.actuals import Actuals
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import (
    Flex,
    Input,
    Value,
    argument_error,
    attempt,
    check_figure,
    checked_value,
    collecting,
    input_of,
    value_of,
)

__all__ = ["Bar", "Driver", "Flex", "Grid", "Tornado", "grid", "sensitivity"]

DEFAULT_FLEX = 0.20
UPTIME_STEP = 0.01
RATE_STEP = 0.01
SHARE_STEP = 0.10
# an exchange rate moves less than a business input: the euro has moved within about 10% of its
# level in most three-year spans since 2015, so 10% down and up is a wide but plausible band
FX_FLEX = 0.10
MAX_GRID = 10_000


@dataclass(frozen=True)
class Driver:
    """An input to flex: its path and a low and a high value, or neither for the default flex.

    Values are the scenario's (`0.02` for 2%, `1.0e9`, a date), text as in a file (`"1.1B"`),
    or a `Flex` relative to the base value:

        Driver("revenue.API.growth", 0.02, 0.06)
        Driver('contracts."Colossus reservation".monthly_fee', Flex(-0.1), Flex(0.1))
        Driver("contracts[0].termination.notice_given", date(2026, 9, 1), "2028-09-01")
        Driver("costs.training_share")  # the default flex: 20% down and up
    """

    path: str
    low: Value | None = None
    high: Value | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, str):
            raise TypeError(f"a driver's path is text; got {type(self.path).__name__}")
        if (self.low is None) != (self.high is None):
            raise ValueError(f"{self.path}: give both a low and a high value, or neither")


@dataclass
class Bar:
    """One driver of the tornado: the input, its low and high engine values and the figure at
    each."""

    input: Input
    low: float  # engine values
    high: float
    at_low: float = math.nan  # the figure
    at_high: float = math.nan

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)


@dataclass
class Tornado:
    scenario: Scenario
    metric: str
    base: float
    drivers: list[Bar]  # largest swing first
    notes: list[str] = field(default_factory=list)


@dataclass
class Grid:
    scenario: Scenario
    metric: str
    base: float
    rows: Input
    row_values: list[float]
    columns: Input | None
    column_values: list[float]
    table: np.ndarray  # (rows, columns); one column for a one-way grid


def default_paths(scenario: Scenario) -> tuple[list[str], list[str]]:
    """The default drivers as paths, and the ones left out (value 0 or absent) as notes."""
    candidates: list[tuple[str, float | None]] = []
    for i, c in enumerate(scenario.contracts):
        if c.kind == "commit":
            # a take-or-pay commit: its usage price and its minimum (fee and capacity it has not)
            candidates.append(
                (f"contracts[{i}].price_per_million_tokens", c.price_per_million_tokens)
            )
            candidates.append(
                (f"contracts[{i}].minimum.amount", c.minimum.amount if c.minimum else None)
            )
            continue
        candidates += [
            (f"contracts[{i}].monthly_fee", c.monthly_fee),
            (f"contracts[{i}].capacity.tokens_per_gpu_second", c.capacity.tokens_per_gpu_second)
            if c.capacity.gpus is not None
            else (f"contracts[{i}].capacity.tokens_per_month", c.capacity.tokens_per_month),
        ]
        if c.uptime < 1:
            candidates.append((f"contracts[{i}].uptime", c.uptime))
    for j, s in enumerate(scenario.revenue):
        candidates += [
            (f"revenue[{j}].growth", s.growth),
            (f"revenue[{j}].price_per_million_tokens", s.price_per_million_tokens),
        ]
        if s.price_per_million_tokens:  # a price change of no price changes nothing
            candidates.append((f"revenue[{j}].price_change", s.price_change))
    costs = scenario.costs
    candidates += [
        ("costs.serving_cost_per_million_tokens", costs.serving_cost_per_million_tokens),
        ("costs.training_share", costs.training_share),
    ]
    if costs.overflow.policy == "on_demand":
        candidates.append(
            ("costs.overflow.cost_per_million_tokens", costs.overflow.cost_per_million_tokens)
        )
    used = {scenario.currency_of(item) for item in (*scenario.contracts, *scenario.revenue)}
    # the rate of each other currency a contract or stream is in: the FX risk of the scenario
    candidates += [(f"fx.{code}.rate", fx.rate) for code, fx in scenario.fx.items() if code in used]
    if scenario.serving is not None and scenario.serving.wait_target_seconds is not None:
        # without a wait target the peak changes the wait, not a summary figure of money
        candidates.append(("serving.peak_to_average", scenario.serving.peak_to_average))
    paths, left_out = [], []
    for path, value in candidates:
        if _is_rate(path) or path == "costs.training_share" or value:
            paths.append(_readable(scenario, path))
        else:
            left_out.append(_readable(scenario, path))
    notes = [f"not flexed (0 or absent): {', '.join(left_out)}"] if left_out else []
    return paths, notes


def _is_rate(path: str) -> bool:
    return path.endswith((".growth", ".price_change"))


def _is_fx_rate(key: str) -> bool:
    return key.startswith("fx.") and key.endswith(".rate")


def _readable(scenario: Scenario, path: str) -> str:
    """contracts[0].monthly_fee -> contracts."Colossus reservation".monthly_fee"""
    for group in ("contracts", "revenue"):
        for index, item in enumerate(getattr(scenario, group)):
            prefix = f"{group}[{index}]"
            if path.startswith(prefix + "."):
                name = item.name.replace('"', "")
                if name == item.name and all(ch not in name for ch in ".[]'="):
                    plain = name if name.isidentifier() else f'"{name}"'
                    return f"{group}.{plain}{path[len(prefix) :]}"
    return path


def default_range(
    scenario: Scenario, item: Input, argument: str = "drivers"
) -> tuple[float, float]:
    value = item.base
    if item.key.endswith("training_share"):
        if value == 0:
            return 0.0, checked_value(scenario, item, SHARE_STEP, argument)
        high = min(value * (1 + DEFAULT_FLEX), 1.0)
        return (
            checked_value(scenario, item, value * (1 - DEFAULT_FLEX), argument),
            checked_value(scenario, item, high, argument),
        )
    if item.key.endswith(".uptime"):
        return (
            checked_value(scenario, item, max(value - UPTIME_STEP, 0.0), argument),
            checked_value(scenario, item, min(value + UPTIME_STEP, 1.0), argument),
        )
    if item.key == "serving.peak_to_average":
        low = max(value * (1 - DEFAULT_FLEX), 1.0)
        return (
            checked_value(scenario, item, low, argument),
            checked_value(scenario, item, value * (1 + DEFAULT_FLEX), argument),
        )
    if _is_fx_rate(item.key):
        return (
            checked_value(scenario, item, value * (1 - FX_FLEX), argument),
            checked_value(scenario, item, value * (1 + FX_FLEX), argument),
        )
    if _is_rate(item.key) and value == 0:
        return (
            checked_value(scenario, item, -RATE_STEP, argument),
            checked_value(scenario, item, RATE_STEP, argument),
        )
    low, high = value * (1 - DEFAULT_FLEX), value * (1 + DEFAULT_FLEX)
    return (
        checked_value(scenario, item, min(low, high), argument),
        checked_value(scenario, item, max(low, high), argument),
    )


def bar_of(scenario: Scenario, driver: Driver) -> Bar:
    """A driver resolved and checked: its input and its low and high engine values."""
    if not isinstance(driver, Driver):
        raise TypeError(
            "drivers are Driver(path, low, high) items, e.g. "
            f"Driver('revenue.API.growth', 0.02, 0.06); got {driver!r}"
        )
    item = input_of(scenario, driver.path, "drivers")
    if item.is_discrete:
        raise argument_error(
            f"{item.path} is a whole number or a choice; flex it over a grid instead",
            "drivers",
            kind="discrete",
            path=item.path,
        )
    if driver.low is not None and driver.high is not None:
        with collecting() as problems:
            low = attempt(problems, value_of, scenario, item, driver.low, "drivers")
            high = attempt(problems, value_of, scenario, item, driver.high, "drivers")
        assert low is not None and high is not None
    elif item.is_date:
        raise argument_error(
            f"{item.path} is a date: give its range",
            "drivers",
            kind="date_range",
            hint="Driver(path, low, high)",
        )
    else:
        low, high = default_range(scenario, item)
    return Bar(item, low, high)


def sensitivity(
    scenario: Scenario,
    drivers: Sequence[Driver] | None = None,
    metric: str = "npv",
    actuals: Actuals | None = None,
    keep_plan: bool = False,
) -> Tornado:
    """Tornado of `metric`: the base run and two runs per driver, in one batched pass.

    Without drivers (None or empty), the default drivers flexed by 20% (see the module).
    `tornado.drivers` holds a `Bar` per driver, the largest swing first. The problems of every
    driver are raised together (a CommitcastError naming each path).

        tornado = sensitivity(scenario, [Driver("revenue.API.growth", 0.02, 0.06)], "npv")
        [(bar.input.path, bar.at_low, bar.at_high) for bar in tornado.drivers]

    With `actuals` the tornado is of the re-forecast (`engine.actuals`): the drivers move the
    forecast months only, the closed months stay actual in every run.
    """
    check_figure(metric)
    scenario, run = runner(scenario, actuals, keep_plan)
    notes: list[str] = []
    if drivers:
        if isinstance(drivers, str | Driver):
            raise TypeError("drivers is a sequence of Driver items")
        with collecting() as problems:
            found = [attempt(problems, bar_of, scenario, driver) for driver in drivers]
        bars = [bar for bar in found if bar is not None]
    else:
        paths, notes = default_paths(scenario)
        bars, refused = [], []
        for path in paths:
            try:
                bars.append(bar_of(scenario, Driver(path)))
            except CommitcastError:
                # no driver was asked for: one whose default flex the model refuses (a fee at
                # its upper bound, a growth of 10) is left out and named, not an error
                refused.append(path)
        if refused:
            notes.append(
                "not flexed (the default flex leaves the allowed range; use --vary PATH=LOW:HIGH): "
                + ", ".join(refused)
            )
    if not bars:
        raise argument_error(
            "nothing to flex: " + ("; ".join(notes) or "the scenario has no driver with a value"),
            "drivers",
            kind="nothing",
            hint="give drivers with their low and high values",
        )
    runs = 1 + 2 * len(bars)
    variants: dict[str, np.ndarray] = {}
    for index, bar in enumerate(bars):
        key = bar.input.key
        column = variants.setdefault(key, np.full(runs, bar.input.base))
        column[1 + 2 * index] = bar.low
        column[2 + 2 * index] = bar.high
    figures = run(Batch(scenario, runs, variants)).summary[metric]
    for index, bar in enumerate(bars):
        bar.at_low = float(figures[1 + 2 * index])
        bar.at_high = float(figures[2 + 2 * index])
    # NaN swings (an undefined figure) sort last
    bars.sort(key=lambda d: -d.swing if not math.isnan(d.swing) else math.inf)
    return Tornado(scenario, metric, float(figures[0]), bars, notes)


def axis_of(scenario: Scenario, path: str, values: Sequence[Value]) -> tuple[Input, list[float]]:
    """One axis of a grid: the input and each value checked, as engine values."""
    if isinstance(values, str) or len(values) == 0:
        raise argument_error(f"{path}: give a sequence of one or more values", "axes", kind="field")
    item = input_of(scenario, path, "axes")
    with collecting() as problems:
        checked = [attempt(problems, value_of, scenario, item, v, "axes") for v in values]
    return item, [v for v in checked if v is not None]


def grid(
    scenario: Scenario,
    axes: Sequence[tuple[str, Sequence[Value]]],
    metric: str = "npv",
    actuals: Actuals | None = None,
    keep_plan: bool = False,
) -> Grid:
    """One- or two-way table of `metric`: every combination in one batched pass.

    Each axis is (path, values); values as for a Driver (numbers, dates, text as in a file,
    Flex). The first axis is the rows, the second (if any) the columns.

        axes = [("revenue.API.growth", [0.02, 0.04]), ("costs.overflow.policy", ["unserved"])]
        table = grid(scenario, axes, "npv")
        table.table  # npv: a row per growth, a column per policy (one here)

    With `actuals`, of the re-forecast: closed months stay actual in every cell.
    """
    check_figure(metric)
    scenario, run = runner(scenario, actuals, keep_plan)
    if isinstance(axes, str) or not 1 <= len(axes) <= 2:
        raise argument_error("give one or two axes", "axes", kind="axes_count")
    cells = math.prod(len(values) for _, values in axes)
    if cells > MAX_GRID:
        raise argument_error(
            f"the grid has {cells} cells; at most {MAX_GRID}", "axes", kind="cells"
        )
    with collecting() as problems:
        found = [attempt(problems, axis_of, scenario, path, values) for path, values in axes]
    resolved = [axis for axis in found if axis is not None]
    if len(resolved) == 2 and resolved[0][0].key == resolved[1][0].key:
        raise argument_error(
            f"both axes vary {resolved[0][0].path}",
            "axes",
            kind="same_axis",
            path=resolved[0][0].path,
        )
    row_item, row_values = resolved[0]
    column_item, column_values = resolved[1] if len(resolved) == 2 else (None, [math.nan])
    combos = list(itertools.product(row_values, column_values))
    runs = len(combos)
    variants = {row_item.key: np.array([r for r, _ in combos])}
    if column_item is not None:
        variants[column_item.key] = np.array([c for _, c in combos])
    figures = run(Batch(scenario, runs + 1, _with_base(scenario, variants, runs))).summary[metric]
    table = figures[1:].reshape(len(row_values), len(column_values))
    return Grid(
        scenario,
        metric,
        float(figures[0]),
        row_item,
        row_values,
        column_item,
        column_values if column_item else [],
        table,
    )


def _with_base(
    scenario: Scenario, variants: dict[str, np.ndarray], runs: int
) -> dict[str, np.ndarray]:
    """Prepend the base run (run 0) to each varied column."""
    from commitcast.model.inputs import base_params

    base = base_params(scenario)
    return {key: np.concatenate([[base[key]], column]) for key, column in variants.items()}
