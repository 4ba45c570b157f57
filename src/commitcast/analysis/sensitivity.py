"""Sensitivity: flex each driver to a low and a high value and rank by the swing of a figure;
or a one- or two-way grid of a figure (a spreadsheet's data table). One engine pass each.

Default drivers: every revenue stream's growth, price per million tokens, price change; every
contract's monthly fee and capacity; the serving and on-demand cost rates; the training share.
Each is flexed by DEFAULT_FLEX (20%) of its value, down and up. Where that means nothing:
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
from commitcast.engine.run import run
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import (
    Input,
    check_figure,
    checked_value,
    input_of,
    read_range,
    read_value,
)

DEFAULT_FLEX = 0.20
RATE_STEP = 0.01
SHARE_STEP = 0.10
MAX_GRID = 10_000


@dataclass
class Driver:
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
    drivers: list[Driver]  # largest swing first
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
        candidates += [
            (f"contracts[{i}].monthly_fee", c.monthly_fee),
            (f"contracts[{i}].capacity.tokens_per_month", c.capacity.tokens_per_month),
        ]
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


def default_range(scenario: Scenario, item: Input) -> tuple[float, float]:
    value = item.base
    if item.key.endswith("training_share"):
        if value == 0:
            return 0.0, checked_value(scenario, item, SHARE_STEP, "--vary")
        high = min(value * (1 + DEFAULT_FLEX), 1.0)
        return (
            checked_value(scenario, item, value * (1 - DEFAULT_FLEX), "--vary"),
            checked_value(scenario, item, high, "--vary"),
        )
    if _is_rate(item.key) and value == 0:
        return (
            checked_value(scenario, item, -RATE_STEP, "--vary"),
            checked_value(scenario, item, RATE_STEP, "--vary"),
        )
    low, high = value * (1 - DEFAULT_FLEX), value * (1 + DEFAULT_FLEX)
    return (
        checked_value(scenario, item, min(low, high), "--vary"),
        checked_value(scenario, item, max(low, high), "--vary"),
    )


def parse_vary(scenario: Scenario, text: str) -> Driver:
    """`PATH=LOW:HIGH` or just `PATH` (the default flex)."""
    path, sep, span = text.partition("=")
    if sep and ":" not in span:
        raise CommitcastError.single(
            f"cannot read --vary {text!r}",
            file="command line",
            hint="write --vary PATH=LOW:HIGH (values or -20%:+20%), or --vary PATH",
        )
    item = input_of(scenario, path.strip(), "--vary")
    if item.is_discrete:
        raise CommitcastError.single(
            f"{item.path} is a whole number or a choice; flex it with --grid instead",
            file="command line",
            field="--vary",
        )
    if sep:
        low, high = read_range(scenario, item, span, "--vary")
    elif item.is_date:
        raise CommitcastError.single(
            f"{item.path} is a date: give its range", file="command line", hint="PATH=LOW:HIGH"
        )
    else:
        low, high = default_range(scenario, item)
    return Driver(item, low, high)


def sensitivity(scenario: Scenario, varies: Sequence[str] = (), metric: str = "npv") -> Tornado:
    """Tornado of `metric`: the base run and two runs per driver, in one batched pass."""
    check_figure(metric)
    notes: list[str] = []
    if varies:
        drivers = [parse_vary(scenario, text) for text in varies]
    else:
        paths, notes = default_paths(scenario)
        drivers, refused = [], []
        for path in paths:
            try:
                drivers.append(parse_vary(scenario, path))
            except CommitcastError:
                # the user asked for no driver: one whose default flex the model refuses (a fee
                # at its upper bound, a growth of 10) is left out and named, not an error
                refused.append(path)
        if refused:
            notes.append(
                "not flexed (the default flex leaves the allowed range; use --vary PATH=LOW:HIGH): "
                + ", ".join(refused)
            )
    if not drivers:
        raise CommitcastError.single(
            "nothing to flex: " + ("; ".join(notes) or "the scenario has no driver with a value"),
            file="command line",
            hint="use --vary PATH=LOW:HIGH",
        )
    runs = 1 + 2 * len(drivers)
    variants: dict[str, np.ndarray] = {}
    for index, driver in enumerate(drivers):
        key = driver.input.key
        column = variants.setdefault(key, np.full(runs, driver.input.base))
        column[1 + 2 * index] = driver.low
        column[2 + 2 * index] = driver.high
    figures = run(Batch(scenario, runs, variants)).summary[metric]
    for index, driver in enumerate(drivers):
        driver.at_low = float(figures[1 + 2 * index])
        driver.at_high = float(figures[2 + 2 * index])
    # NaN swings (an undefined figure) sort last
    drivers.sort(key=lambda d: -d.swing if not math.isnan(d.swing) else math.inf)
    return Tornado(scenario, metric, float(figures[0]), drivers, notes)


def parse_grid(scenario: Scenario, text: str) -> tuple[Input, list[float]]:
    """`PATH=a,b,c`: values as in a file, or signed percentages of the base value."""
    path, sep, listing = text.partition("=")
    values = [v for v in listing.split(",") if v.strip()] if sep else []
    if not values:
        raise CommitcastError.single(
            f"cannot read --grid {text!r}",
            file="command line",
            hint="write --grid PATH=a,b,c, e.g. --grid revenue.API.growth=0.02,0.04,0.06",
        )
    item = input_of(scenario, path.strip(), "--grid")
    return item, [read_value(scenario, item, v, "--grid") for v in values]


def grid(scenario: Scenario, grids: Sequence[str], metric: str = "npv") -> Grid:
    """One- or two-way table of `metric`: every combination in one batched pass."""
    check_figure(metric)
    if not 1 <= len(grids) <= 2:
        raise CommitcastError.single(
            "give one or two --grid options", file="command line", field="--grid"
        )
    axes = [parse_grid(scenario, text) for text in grids]
    if len(axes) == 2 and axes[0][0].key == axes[1][0].key:
        raise CommitcastError.single(
            f"both --grid options vary {axes[0][0].path}", file="command line", field="--grid"
        )
    row_item, row_values = axes[0]
    column_item, column_values = axes[1] if len(axes) == 2 else (None, [math.nan])
    combos = list(itertools.product(row_values, column_values))
    if len(combos) > MAX_GRID:
        raise CommitcastError.single(
            f"the grid has {len(combos)} cells; at most {MAX_GRID}", file="command line"
        )
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
