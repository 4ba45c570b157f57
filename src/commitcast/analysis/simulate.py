"""Monte Carlo: sample every uncertain input, project all runs in chunks, summarize.

Sampling: `numpy.random.default_rng(seed)` draws standard normals for the inputs in sorted key
order, a chunk of runs at a time (the stream continues across chunks, so the chunk size never
changes the numbers); the Gaussian copula and each input's inverse CDF turn them into values
(see `distributions`). The same seed and scenario give the same numbers on any machine with
the same numpy version.

Only per-run summary figures and the two monthly arrays the fan needs are kept, so memory is
about (runs x months x 2 + runs x 7) floats plus one chunk of the engine's working arrays.
Percentiles are numpy's default (linear interpolation between order statistics). Runs where a
figure is undefined (gross margin % with no revenue, utilization with no capacity) are left out
of that figure's statistics; `defined_runs` says how many remained.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from commitcast.core.errors import CommitcastError, Problem
from commitcast.engine.run import run
from commitcast.load.uncertainty import check_values
from commitcast.model.scenario import Scenario
from commitcast.model.uncertainty import Uncertainty
from commitcast.variants.batch import Batch

FIGURES = (
    "npv",
    "gross_margin",
    "gross_margin_pct",
    "peak_funding_need",
    "average_utilization",
    "total_idle_capacity_cost",
    "total_overflow_cost",
)
PERCENTILES = (5, 25, 50, 75, 95)
FAN_PERCENTILES = (5, 50, 95)
FAN_COLUMNS = ("cumulative_cash", "utilization")
UTILIZATION_THRESHOLD = 0.70
DEFAULT_CHUNK = 10_000  # runs per engine pass: fast, and the working arrays stay ~100 MB
# Every run keeps two monthly arrays (the fan) plus the summary figures: 1M runs of a 5-year
# horizon hold 1e6 x 60 x 2 x 8 bytes ~ 1 GB before percentiles copy them; more is a typo.
MAX_RUNS = 1_000_000


@dataclass
class Simulation:
    """What `simulate` reports; `runs_summary` keeps every run's figures for further use."""

    scenario: Scenario
    runs: int
    seed: int
    funding_limit: float | None
    uncertainty: Uncertainty
    labels: list[str]
    statistics: dict[str, dict[str, float | int | None]]
    probabilities: dict[str, float | None]
    fan: dict[str, dict[str, list[float | None]]]
    runs_summary: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    input_means: dict[str, float] = field(default_factory=dict)


def runs_problem(runs: int) -> str | None:
    """Why `runs` cannot be simulated (`must be between ...`), or None. Shared by `simulate`
    and the command line's --runs, each naming it its own way."""
    if not 1 <= runs <= MAX_RUNS:
        return f"must be between 1 and {MAX_RUNS:,}; got {runs:,}"
    return None


def funding_limit_problem(limit: float, written: str | None = None) -> str | None:
    """Why `limit` is not a funding limit, or None; `written` is the amount as the caller
    wrote it (`-5B`), quoted instead of the number."""
    if math.isnan(limit):
        return "not a number (nan); give the amount of funding available, 0 or more"
    if limit < 0:
        shown = written if written is not None else f"{limit:g}"
        return f"{shown} is negative; give the amount of funding available, 0 or more"
    return None


def simulate(
    scenario: Scenario,
    runs: int,
    seed: int,
    *,
    funding_limit: float | None = None,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Project `runs` samples of the scenario's uncertain inputs and summarize them.

    `runs` is 1 to MAX_RUNS; `seed` seeds numpy's generator (the same seed, the same
    numbers); `funding_limit` (an amount, 0 or more) adds P(peak funding need > limit).
    `progress(n)` is called after each chunk with the number of runs just finished.

        result = simulate(scenario, runs=10_000, seed=7, funding_limit=20e9)
        result.statistics["npv"]["p5"], result.probabilities["peak_funding_need_above_limit"]
    """
    runs = operator.index(runs)  # a TypeError for 1e4 or "10000": runs are counted
    reason = runs_problem(runs)
    if reason:
        raise CommitcastError.single(reason, field="runs")
    if funding_limit is not None:
        reason = funding_limit_problem(float(funding_limit))
        if reason:
            raise CommitcastError.single(reason, field="funding_limit")
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    uncertainty = scenario.uncertainty
    rng = np.random.default_rng(seed)
    months = scenario.months
    summary = {name: np.empty(runs) for name in FIGURES}
    monthly = {name: np.empty((runs, months)) for name in FAN_COLUMNS}
    input_sums = dict.fromkeys(uncertainty.keys(), 0.0)
    labels: list[str] = []
    checked: dict[str, tuple[float, float]] = {}  # sampled range already accepted, by key
    for start in range(0, runs, chunk):
        size = min(chunk, runs - start)
        variants = uncertainty.sample(rng, size)
        _check_samples(scenario, uncertainty, variants, checked)
        result = run(Batch(scenario, size, variants))
        labels = labels or result.grid.labels()
        for name in FIGURES:
            summary[name][start : start + size] = result.summary[name]
        for name in FAN_COLUMNS:
            monthly[name][start : start + size] = result.columns[name]
        for key, values in variants.items():
            input_sums[key] += float(values.sum())
        if progress is not None:
            progress(size)

    statistics = {name: describe(summary[name]) for name in FIGURES}
    probabilities = {
        "gross_margin_below_zero": _share(summary["gross_margin"] < 0),
        "average_utilization_below_70pct": _share(
            summary["average_utilization"] < UTILIZATION_THRESHOLD
        ),
        "peak_funding_need_above_limit": (
            _share(summary["peak_funding_need"] > funding_limit)
            if funding_limit is not None
            else None
        ),
    }
    fan = {name: fan_of(monthly[name]) for name in FAN_COLUMNS}
    return Simulation(
        scenario=scenario,
        runs=runs,
        seed=seed,
        funding_limit=funding_limit,
        uncertainty=uncertainty,
        labels=labels,
        statistics=statistics,
        probabilities=probabilities,
        fan=fan,
        runs_summary=summary,
        input_means={key: total / runs for key, total in input_sums.items()},
    )


def describe(values: np.ndarray) -> dict[str, float | int | None]:
    """Mean and percentiles over the runs where the figure is defined."""
    defined = values[~np.isnan(values)]
    stats: dict[str, float | int | None] = {"defined_runs": int(defined.size)}
    if defined.size == 0:
        return stats | {"mean": None} | {f"p{p}": None for p in PERCENTILES}
    stats["mean"] = float(defined.mean())
    for p, value in zip(PERCENTILES, np.percentile(defined, PERCENTILES), strict=True):
        stats[f"p{p}"] = float(value)
    return stats


def fan_of(monthly: np.ndarray) -> dict[str, list[float | None]]:
    """P5/P50/P95 of each month over the runs (None where no run defines the month)."""
    out: dict[str, list[float | None]] = {}
    if np.isnan(monthly).any():
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN months are None below
            levels = np.nanpercentile(monthly, FAN_PERCENTILES, axis=0)
    else:
        levels = np.percentile(monthly, FAN_PERCENTILES, axis=0)
    for p, row in zip(FAN_PERCENTILES, levels, strict=True):
        out[f"p{p}"] = [None if np.isnan(v) else float(v) for v in row]
    return out


def _share(mask: np.ndarray) -> float:
    return float(np.count_nonzero(mask)) / mask.size


def _check_samples(
    scenario: Scenario,
    uncertainty: Uncertainty,
    variants: dict[str, np.ndarray],
    checked: dict[str, tuple[float, float]],
) -> None:
    """A sampled value the scenario would refuse (a share above 1, a negative fee) is an error
    naming the input, not a silent nonsense run. Every field rule is a range, so checking the
    lowest and highest value of each input covers all of them; `checked` remembers the range
    already accepted so later chunks only validate new extremes."""
    source = scenario.provenance
    document = source.document
    problems = []
    for key, values in variants.items():
        item = uncertainty.inputs[key]
        lowest, highest = float(values.min()), float(values.max())
        low_ok, high_ok = checked.get(key, (np.inf, -np.inf))
        new = [v for v in (lowest, highest) if not low_ok <= v <= high_ok]
        reason = check_values(scenario, item.path, new) if new else None
        if not reason:
            checked[key] = (min(lowest, low_ok), max(highest, high_ok))
        if reason:
            mark = document.mark_for(item.path) if document else None
            problems.append(
                Problem(
                    f"a sampled value is outside what this field allows: {reason}",
                    file=source.file,
                    line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    field=item.label,
                    hint="clip the distribution with min: and max:",
                )
            )
    if problems:
        raise CommitcastError(problems)
