"""Goal seek: the value of one input at which a summary figure hits a target.

Robust bracketing, batched: the range is cut into GRID_POINTS candidates evaluated in one engine
pass; the first sign change of (figure - target) brackets a root, and each further pass evaluates
REFINE_POINTS candidates inside the bracket (one pass each), until the bracket is as narrow as
float64 allows. There is no silent wrong answer: if no candidate crosses the target the error
says so and gives the figure's range seen; if the figure jumps across the target (a
discontinuity) the error says where; every answer is checked by projecting the scenario with the
answer applied as a `--set` override.

Break-even utilization: all demand is scaled by one factor s (every stream's `tokens_per_month`
and its flat `revenue_per_month`: a subscriber base that halves brings half the tokens and half
the fees) until the total gross margin over the horizon is 0, searching s from 0 to 20. The
answer is that run's average utilization (tokens served / inference capacity over the
horizon), reported with s. Capacity, fees, prices and costs stay as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from commitcast.core.display import format_figure
from commitcast.core.errors import CommitcastError
from commitcast.core.measures import RATIO_FIGURES
from commitcast.engine.actuals import runner
from commitcast.engine.projection import Projection, from_result
from commitcast.engine.run import BatchResult
from commitcast.load.overrides import apply_overrides
from commitcast.model.actuals import Actuals
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import (
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

GRID_POINTS = 201
REFINE_POINTS = 64
MAX_PASSES = 40
DEFAULT_TOKEN_SCALE = (0.0, 20.0)


@dataclass
class Solution:
    scenario: Scenario
    path: str  # what was varied (a path, or "demand scale" for break-even utilization)
    figure: str
    target: float
    value: float  # the answer (engine value)
    shown: str  # the answer as a user writes it
    achieved: float  # the figure re-projected at the answer
    search: tuple[float, float]  # the range searched
    seen: tuple[float, float]  # lowest and highest figure seen over the range
    crossings: int  # sign changes found on the first grid
    sets: list[str]  # --set assignments that reproduce the answer
    extra: dict[str, float] = field(default_factory=dict)  # e.g. average_utilization

    @property
    def residual(self) -> float:
        return self.achieved - self.target


def tolerance(figure: str, target: float) -> float:
    """How close the re-projected figure must be: half a cent for money, 1e-9 for ratios."""
    if figure in RATIO_FIGURES:
        return 1e-9
    return max(0.005, abs(target) * 1e-13)


def _check_kind(item: Input) -> None:
    if item.is_date or item.is_discrete:
        raise argument_error(
            f"{item.path} is a date, a whole number or a choice; solve varies an amount or rate",
            "path",
        )


def default_search(scenario: Scenario, item: Input) -> tuple[float, float]:
    _check_kind(item)
    key, value = item.key, item.base
    if key.endswith("training_share"):
        return 0.0, 1.0
    if key.endswith((".growth", ".price_change", ".escalator.rate")):
        return -0.2, 0.2
    if key == "discount_rate":
        return 0.0, 1.0
    if value > 0:
        return 0.0, 10 * value
    raise argument_error(
        f"{item.path} is 0 in the scenario; give the range to search",
        "search",
        kind="zero",
        hint="search=(low, high)",
    )


def _bracket(xs: np.ndarray, gs: np.ndarray) -> tuple[int, int]:
    """Index of the first sign change (or exact zero) of gs: (i, number of changes)."""
    finite = np.isfinite(gs)
    signs = np.sign(gs)
    zeros = np.nonzero(finite & (signs == 0))[0]
    change = np.nonzero(finite[:-1] & finite[1:] & (signs[:-1] * signs[1:] < 0))[0]
    candidates = sorted([*zeros.tolist(), *change.tolist()])
    return (candidates[0] if candidates else -1), len(set(candidates))


def root(
    evaluate: Callable[[np.ndarray], np.ndarray],
    low: float,
    high: float,
    target: float,
) -> tuple[float, int, tuple[float, float]]:
    """The lowest x in [low, high] where evaluate(x) - target changes sign, batched.

    `evaluate(xs)` returns the figure for an array of candidates in one engine pass. Returns
    (x, crossings, (lowest, highest figure seen)); x is NaN when nothing crosses.
    """
    xs = np.linspace(low, high, GRID_POINTS)
    figures = evaluate(xs)
    gs = figures - target
    finite = figures[np.isfinite(figures)]
    seen = (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)
    i, crossings = _bracket(xs, gs)
    if i < 0:
        return math.nan, 0, seen
    if gs[i] == 0:
        return float(xs[i]), crossings, seen
    a, b, ga = float(xs[i]), float(xs[i + 1]), float(gs[i])
    for _ in range(MAX_PASSES):
        inner = np.linspace(a, b, REFINE_POINTS + 2)[1:-1]
        inner = inner[(inner > a) & (inner < b)]
        if inner.size == 0:
            break
        g_inner = evaluate(inner) - target
        points = np.concatenate([[a], inner, [b]])
        values = np.concatenate([[ga], g_inner, [np.nan]])
        exact = np.nonzero(g_inner == 0)[0]
        if exact.size:
            return float(inner[exact[0]]), crossings, seen
        # the first point whose sign differs from a's closes the bracket
        differs = np.nonzero(np.isfinite(values[1:-1]) & (np.sign(values[1:-1]) != np.sign(ga)))[0]
        if differs.size:
            j = differs[0] + 1
            a, b, ga = float(points[j - 1]), float(points[j]), float(values[j - 1])
        else:
            a, ga = float(points[-2]), float(values[-2])
    return (a + b) / 2, crossings, seen


def show_figure(figure: str, value: float, currency: str = "USD") -> str:
    """A figure in an error message: percent for ratios (to 4 digits, finer than the tables'
    rounding, so a missed target is visible), otherwise as the figure's unit displays."""
    if math.isnan(value):
        return "undefined"
    if figure in RATIO_FIGURES:
        return f"{value * 100:.4g}%"
    return format_figure(figure, value, currency)


def _check(solution: Solution) -> Solution:
    if abs(solution.residual) > tolerance(solution.figure, solution.target):
        raise argument_error(
            f"{solution.figure} jumps across {show_figure(solution.figure, solution.target)} near "
            f"{solution.path} = {solution.shown} (it is "
            f"{show_figure(solution.figure, solution.achieved)} there): no value hits the target "
            "exactly",
            None,
            hint="the figure is not continuous in this input (e.g. a date or a capacity limit)",
        )
    return solution


def _no_root(
    path: str,
    figure: str,
    target: float,
    search: tuple[str, str],
    seen: tuple[float, float],
    hint: str | None = None,
) -> CommitcastError:
    """Nothing crosses the target over `search`; `hint` replaces the advice to widen it."""
    return argument_error(
        f"no value of {path} from {search[0]} to {search[1]} makes {figure} = "
        f"{show_figure(figure, target)}; over that range {figure} goes from "
        f"{show_figure(figure, seen[0])} to {show_figure(figure, seen[1])}",
        "search" if hint is None else None,
        kind="no_root" if hint is None else "field",
        hint=hint or "widen the search range, or the target cannot be reached by this input",
        named=False,
    )


def solve(
    scenario: Scenario,
    path: str,
    figure: str,
    target: float,
    search: tuple[Value, Value] | None = None,
    actuals: Actuals | None = None,
    keep_plan: bool = False,
) -> Solution:
    """The value of the input at `path` that makes the summary `figure` equal `target`.

    `target` is in the figure's unit (money, or a ratio: 0.4 for 40%). `search` is the range
    to search, its ends as for a sensitivity Driver (numbers, text as in a file, Flex); by
    default 0 to 10x the base for amounts, -0.2 to 0.2 for rates, 0 to 1 for shares.

        answer = solve(scenario, "revenue.API.price_per_million_tokens", "gross_margin_pct", 0.4)
        answer.value, answer.sets  # the price, and the override that reproduces it
        solve(scenario, "contracts[0].monthly_fee", "peak_funding_need", 9e9, ("1B", "6B"))

    With `actuals`, on the re-forecast (`engine.actuals`): the input moves the forecast months
    only, the closed months stay actual.
    """
    check_figure(figure, "figure")
    scenario, run = runner(scenario, actuals, keep_plan)
    if isinstance(target, bool) or not isinstance(target, int | float) or not math.isfinite(target):
        raise argument_error(f"the target must be a finite number; got {target!r}", "target")
    goal = float(target)
    item = input_of(scenario, path, "path")
    if search is not None:
        _check_kind(item)
        if isinstance(search, str) or len(search) != 2:
            raise argument_error(f"search is a (low, high) pair; got {search!r}", "search")
        with collecting() as problems:
            ends = [attempt(problems, value_of, scenario, item, end, "search") for end in search]
        low, high = sorted(end for end in ends if end is not None)
    else:
        low, high = default_search(scenario, item)
        low, high = (
            checked_value(scenario, item, low, "search"),
            checked_value(scenario, item, high, "search"),
        )

    def evaluate(xs: np.ndarray) -> np.ndarray:
        result = run(Batch(scenario, len(xs), {item.key: xs}))
        return np.asarray(result.summary[figure], dtype=np.float64)

    x, crossings, seen = root(evaluate, low, high, goal)
    if math.isnan(x):
        raise _no_root(path, figure, goal, (item.show(low), item.show(high)), seen)
    # check the answer the long way: as an override, validated, projected on its own
    sets = [f"{item.path}={item.show(x)}"]
    at_answer = _projected(apply_overrides(scenario, sets), run)
    achieved = at_answer.summary[figure]
    solution = Solution(
        scenario,
        path,
        figure,
        goal,
        x,
        item.show(x),
        math.nan if achieved is None else float(achieved),
        (low, high),
        seen,
        crossings,
        sets,
    )
    return _check(solution)


def _projected(scenario: Scenario, run: Callable[[Batch], BatchResult]) -> Projection:
    """`scenario` projected on its own by `run` (the engine, or a re-forecast's): the check
    of an answer the long way."""
    return from_result(scenario, run(Batch(scenario)), 0)


def breakeven_utilization(
    scenario: Scenario, actuals: Actuals | None = None, keep_plan: bool = False
) -> Solution:
    """Average utilization at which gross margin is 0, by scaling all demand (see above).

    answer = breakeven_utilization(scenario)
    answer.extra["average_utilization"], answer.extra["scale"]

    With `actuals`, demand is scaled in the forecast months only (closed months stay actual).
    """
    scenario, run = runner(scenario, actuals, keep_plan)
    streams = [
        (f"revenue[{j}].{name}", value)
        for j, stream in enumerate(scenario.revenue)
        for name, value in (
            ("tokens_per_month", stream.tokens_per_month),
            ("revenue_per_month", stream.revenue_per_month),
        )
        if value
    ]
    if not any(key.endswith("tokens_per_month") for key, _ in streams):
        raise argument_error(
            "no revenue stream has token demand to scale",
            "breakeven_utilization",
            kind="breakeven",
            named=False,
        )
    if not any(
        c.capacity.tokens_per_month or (c.capacity.gpus and c.capacity.tokens_per_gpu_second)
        for c in scenario.contracts
    ):
        raise argument_error(
            "no contract has capacity: utilization is undefined",
            "breakeven_utilization",
            kind="breakeven",
            named=False,
        )

    def batch(scales: np.ndarray) -> Batch:
        variants = {key: value * scales for key, value in streams}
        return Batch(scenario, len(scales), variants)

    def evaluate(scales: np.ndarray) -> np.ndarray:
        return np.asarray(run(batch(scales)).summary["gross_margin"], dtype=np.float64)

    low, high = DEFAULT_TOKEN_SCALE
    s, crossings, seen = root(evaluate, low, high, 0.0)
    label = "demand (x scale)"
    if math.isnan(s):
        hint = (
            "gross margin is positive even with no demand at all"
            if seen[0] > 0
            else "gross margin stays negative at every demand level up to 20x"
        )
        raise _no_root(label, "gross_margin", 0.0, (f"{low:g}x", f"{high:g}x"), seen, hint)
    sets = [f"{key}={value * s!r}" for key, value in streams]
    at_answer = _projected(apply_overrides(scenario, sets), run)
    utilization = at_answer.summary["average_utilization"]
    solution = Solution(
        scenario,
        label,
        "gross_margin",
        0.0,
        s,
        f"{s:.6g}x",
        float(at_answer.summary["gross_margin"]),
        (low, high),
        seen,
        crossings,
        sets,
        {
            "average_utilization": math.nan if utilization is None else float(utilization),
            "scale": s,
        },
    )
    return _check(solution)
