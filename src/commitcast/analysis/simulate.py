"""Monte Carlo: sample every uncertain input, project all runs in chunks, summarize.

Sampling: `numpy.random.default_rng(seed)` draws standard normals for the inputs in sorted key
order, a chunk of runs at a time (the stream continues across chunks, so the chunk size never
changes the numbers); the Gaussian copula and each input's inverse CDF turn them into values
(see `distributions`). The same seed and scenario give the same numbers on any machine with
the same numpy version. The normals are drawn here, in order, and each chunk is then projected
on its own (`ChunkWork`): in this process, or on the workers of a Dask cluster
(`analysis.distributed`), with the same figures either way.

Memory: a budget (`memory`, 1 GiB by default) sets how many runs each engine pass projects and
whether every run's figures and fan can be kept (`plan`). When they fit, the percentiles are
exact (numpy's default, linear interpolation between order statistics). When they do not, the
fan's percentiles (and, past what the budget holds, the figures') come from a mergeable
histogram sketch (`analysis.sketch`) whose error bound is reported with them; means and
probabilities are exact either way. A budget too small for even one small chunk is refused
before any work. Runs where a figure is undefined (gross margin % with no revenue, utilization
with no capacity) are left out of that figure's statistics; `defined_runs` says how many remained.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from commitcast.analysis.selection import order_statistics
from commitcast.analysis.sketch import ExactSum, Histogram
from commitcast.core.calendar import month_number
from commitcast.core.errors import CommitcastError, Problem
from commitcast.engine.actuals import ClosedMonths, overlay, prepare
from commitcast.engine.run import COLUMNS, REUSED_CHUNK_ELEMENTS, STREAM_ROWS, run
from commitcast.load.uncertainty import check_values
from commitcast.model.actuals import Actuals
from commitcast.model.scenario import Scenario
from commitcast.model.uncertainty import Uncertainty
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import argument_error

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
# In one process a million runs is the most (past that, a cluster: --scheduler); through
# `analysis.distributed`, a billion.
MAX_RUNS = 1_000_000
MAX_RUNS_DISTRIBUTED = 1_000_000_000

# ---- memory ----------------------------------------------------------------------------------
# Measured with tracemalloc (benchmarks/simulate_bench.py --engine-memory, docs/simulate.md), the
# engine's peak for a pass of n runs keeping the fan's two columns is at most about n x 8 bytes x
# [(12 + 2 x streams) per horizon month, plus (14 + 15 x c) per month of the contract grid where
# c contracts have an uncertain input (a fixed contract is worked out once and shared; a varied
# one keeps some 15 rows a run over its grid: the billing, prepayment and currency rows of
# contracts as signed took it past the 6 first measured, and the estimate fell short), plus
# 64 + 16 x c], plus a fixed (17 + c) MiB whatever the pass's size: the engine works out the
# columns not kept in blocks of 65,536 run-months, and the contracts in blocks of their own.
# ENGINE_SAFETY covers what tracemalloc does not see (the allocator's slack, numpy's small
# temporaries) and some change in the engine; tests/analysis/test_simulate_memory.py holds the
# estimate above the measured peak for several shapes and sizes, and what a run adds to a pass
# below the estimate per run.
MiB = 1 << 20
GiB = 1 << 30
DEFAULT_MEMORY = GiB
PROCESS_RESERVE = 128 * MiB  # Python, numpy and the scenario, before any run (~80 MiB)
ENGINE_SAFETY = 1.5
# The fan's sketch: 16,384 bins a month (each percentile within 1/8191 of that month's range)
# where it takes up to FAN_SKETCH bytes, fewer on long horizons, down to 2,048. A function of
# the horizon alone, so the figures depend on nothing else.
FAN_SKETCH = 64 * MiB
MOST_FAN_BINS, LEAST_FAN_BINS = 16384, 2048
FIGURE_BINS = 65536  # the figures' sketch (only when their runs do not fit)
# runs x months per engine pass: bigger passes touch more fresh memory and are no faster
TARGET_CELLS = 600_000
SMALLEST_CHUNK = 16  # fewer runs per pass than this and the budget is refused
# On a cluster, a chunk sent to a worker whose results are sketched holds several passes, so
# fewer, larger results come back; its normals, and the figures it sends back, stay below this.
JOB_LIMIT = 64 * MiB
GOOD_CHUNK = 1000  # keeping every run is not worth passes smaller than this


@dataclass(frozen=True)
class Plan:
    """How a simulation fits its memory budget (bytes throughout)."""

    runs: int
    months: int
    memory: int  # the budget
    reserve: int  # the process itself
    chunk: int  # runs per engine pass
    per_run: int  # one run's share of a pass (engine working arrays, with the safety factor)
    overhead: int  # a pass's fixed memory, whatever its size
    keep_fan: bool  # every run's fan kept: exact fan percentiles
    keep_figures: bool  # every run's figures kept: exact figure percentiles
    stored: int  # what keeping runs costs
    sketches: int  # what the sketches cost
    in_flight: int = 1  # chunks being projected at once (workers), or their results waiting

    @property
    def estimate(self) -> int:
        passes = self.in_flight * (self.chunk * self.per_run + self.overhead)
        return self.reserve + self.stored + self.sketches + passes

    @property
    def exact(self) -> bool:
        return self.keep_fan and self.keep_figures


def _varying_contracts(scenario: Scenario) -> int:
    keys = scenario.uncertainty.keys() if scenario.uncertainty else []
    return sum(
        any(key.startswith(f"contracts[{i}].") for key in keys)
        for i in range(len(scenario.contracts))
    )


def engine_bytes_per_run(scenario: Scenario) -> int:
    """The engine's peak memory per run of a pass, measured (see above), with ENGINE_SAFETY."""
    months = scenario.months
    first = month_number(scenario.horizon.start)
    last = max([first + months - 1, *(month_number(c.end) for c in scenario.contracts)])
    grid = last - first + 2  # the contract grid: the month before the horizon .. the last end
    varying = _varying_contracts(scenario)
    floats = months * (12 + 2 * len(scenario.revenue)) + 64 + 16 * varying
    if varying:
        floats += grid * (14 + 15 * varying)
    # and ours: the normals and samples (a few per input), the sketch's index arrays
    inputs = len(scenario.uncertainty.keys()) if scenario.uncertainty else 0
    floats += 6 * inputs + 3 * months + 16
    return math.ceil(8 * floats * ENGINE_SAFETY)


def pass_overhead(scenario: Scenario) -> int:
    """The engine's fixed memory for a pass, whatever its size, with ENGINE_SAFETY."""
    # the columns and streams' rows not kept: a chunk's rows each, reused from chunk to chunk
    # (engine.run: REUSED_CHUNK_ELEMENTS run-months, or one run's months where longer)
    rows = len(COLUMNS) + len(STREAM_ROWS) * len(scenario.revenue)
    block = 8 * rows * max(REUSED_CHUNK_ELEMENTS, scenario.months)
    return math.ceil(((1 + _varying_contracts(scenario)) * MiB + block) * ENGINE_SAFETY)


def _stored_bytes(runs: int, months: int, fan: bool, figures: bool) -> int:
    # the fan: two (months, runs) arrays, and a row copied for its percentiles; the figures:
    # seven (runs,) arrays, and the copies `describe` and the probabilities make
    return 8 * runs * ((2 * months + 2) * fan + (7 + 3) * figures)


def fan_bins(months: int) -> int:
    """Bins a month of the fan's sketch (see FAN_SKETCH)."""
    bins = MOST_FAN_BINS
    while bins > LEAST_FAN_BINS and len(FAN_COLUMNS) * months * bins * 8 * 3 > FAN_SKETCH:
        bins //= 2
    return bins


def _sketch_bytes(months: int, fan: bool, figures: bool) -> int:
    # each histogram, its regridding copy, and the cumulative counts its percentiles read
    total = 0
    if not fan:
        total += len(FAN_COLUMNS) * Histogram.nbytes(months, fan_bins(months)) * 3 // 2
    if not figures:
        total += Histogram.nbytes(len(FIGURES), FIGURE_BINS) * 3 // 2
    return total


def format_size(size: float) -> str:
    """Bytes as people write them: 512 MiB, 1 GiB, 1.5 GiB."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", GiB), ("MiB", MiB), ("KiB", 1 << 10)):
        if size >= scale:
            value = size / scale
            text = f"{value:.1f}".removesuffix(".0") if value < 100 else f"{value:,.0f}"
            return f"{text} {unit}"
    return f"{size:,.0f} bytes"


def plan(
    scenario: Scenario,
    runs: int,
    memory: int = DEFAULT_MEMORY,
    *,
    method: str = "auto",
    workers: int | None = None,
    worker_reserve: int | None = None,
) -> Plan:
    """The chunk size, and what is kept or sketched, for `runs` runs within `memory` bytes.

    In one process (`workers` None) one pass runs at a time next to what is kept. With
    `workers`, `memory` is each process's budget: every worker projects one pass at a time
    (next to its own reserve, `worker_reserve`), and this process keeps what it gathers plus up
    to two results per worker waiting to be merged. `method` is "auto" (exact when every run
    fits), "exact" (refused when they do not) or "sketch" (both sketched, whatever fits).

    Raises CommitcastError (exit 2) when nothing fits, saying how much would.
    """
    if method not in ("auto", "exact", "sketch"):
        raise ValueError(f"method must be auto, exact or sketch, not {method!r}")
    found = _layout(scenario, runs, memory, method, workers, worker_reserve)
    if found is None:
        raise _does_not_fit(scenario, runs, memory, method, workers, worker_reserve)
    return found


def _layout(
    scenario: Scenario,
    runs: int,
    memory: int,
    method: str,
    workers: int | None,
    worker_reserve: int | None,
) -> Plan | None:
    months = scenario.months
    per_run = engine_bytes_per_run(scenario)
    overhead = pass_overhead(scenario)
    reserve = PROCESS_RESERVE
    target = max(1, min(runs, TARGET_CELLS // months))
    tiers = {"auto": [(True, True), (False, True), (False, False)], "exact": [(True, True)]}
    for least in (min(runs, GOOD_CHUNK), min(runs, SMALLEST_CHUNK)):
        for keep_fan, keep_figures in tiers.get(method, [(False, False)]):
            stored = _stored_bytes(runs, months, keep_fan, keep_figures)
            sketches = _sketch_bytes(months, keep_fan, keep_figures)
            room = memory - reserve - stored - sketches - overhead
            if workers is None:
                chunk = room // per_run
                in_flight = 1
            else:
                # each worker: its pass, and the sketch it sends back; here: up to two results
                # per worker waiting to be merged (every run's fan, or a sketch)
                own = memory - (worker_reserve or reserve) - sketches - overhead
                result = 8 * (2 * months + 7) * keep_fan
                # and the normals and figures of the chunks out (see `_passes_per_chunk`)
                waiting = room - 2 * workers * sketches - 2 * JOB_LIMIT
                chunk = min(own // per_run, waiting // result if result else waiting)
                if waiting < 0:
                    chunk = 0
                in_flight = 0  # the passes run on the workers
            chunk = min(target, chunk)
            if chunk >= least:
                return Plan(
                    runs,
                    months,
                    memory,
                    reserve,
                    int(chunk),
                    per_run,
                    overhead,
                    keep_fan,
                    keep_figures,
                    stored,
                    sketches,
                    in_flight,
                )
    return None


def smallest_budget(
    scenario: Scenario,
    runs: int,
    method: str = "auto",
    workers: int | None = None,
    worker_reserve: int | None = None,
) -> int:
    """The smallest budget, in whole MiB, that `plan` accepts."""
    low, high = 1, 1 << 30  # MiB
    while low < high:
        middle = (low + high) // 2
        if _layout(scenario, runs, middle * MiB, method, workers, worker_reserve) is None:
            low = middle + 1
        else:
            high = middle
    return low * MiB


def _does_not_fit(
    scenario: Scenario,
    runs: int,
    memory: int,
    method: str,
    workers: int | None,
    worker_reserve: int | None,
) -> CommitcastError:
    need = smallest_budget(scenario, runs, method, workers, worker_reserve)
    if method == "exact":
        what = "keeping every run"
    else:
        least = min(runs, SMALLEST_CHUNK)
        per_run = engine_bytes_per_run(scenario)
        what = f"a pass of {least:,} run{'s' if least > 1 else ''} ({format_size(per_run)} each)"
        what += " and the runs' figures or their sketches"
    message = (
        f"{runs:,} runs x {scenario.months:,} months do not fit in {format_size(memory)}: "
        f"{what} need about {format_size(need)} in all, {format_size(PROCESS_RESERVE)} of it "
        "for the process itself"
    )
    return argument_error(
        message,
        "memory",
        kind="budget",
        reason=str(need),
        hint=f"give a budget of {format_size(need)} or more, or a shorter horizon",
    )


# ---- the chunks -----------------------------------------------------------------------------


@dataclass
class ChunkJob:
    """Runs start .. start + size - 1, with their standard normal draws (size, inputs)."""

    index: int
    start: int
    size: int
    normals: np.ndarray = field(repr=False)


@dataclass
class ChunkResult:
    """What one chunk sends back: every run's figures and fan, or their sketches, and sums."""

    start: int
    size: int
    labels: list[str]
    figures: dict[str, np.ndarray] | None  # (size,) each, when the figures are kept
    fan: dict[str, np.ndarray] | None  # (size, months) each, when the fan is kept
    figure_sketch: Histogram | None  # columns: FIGURES
    fan_sketch: dict[str, Histogram] | None
    figure_sums: dict[str, ExactSum] | None  # over the runs where the figure is defined
    counts: dict[str, int]  # runs meeting each probability's condition
    input_sums: dict[str, ExactSum]


class _Replay:
    """Stands in for the generator in `Uncertainty.sample`, giving back normals already drawn:
    the chunk turns them into values with the model's own code."""

    def __init__(self, normals: np.ndarray) -> None:
        self.normals = normals

    def standard_normal(self, shape: tuple[int, int]) -> np.ndarray:
        assert tuple(shape) == self.normals.shape
        return self.normals


@dataclass
class ChunkWork:
    """Projects one chunk of runs (`__call__`): in this process or on a Dask worker."""

    scenario: Scenario
    keep_fan: bool
    keep_figures: bool
    funding_limit: float | None
    # sampled ranges already accepted, by key: later chunks only validate new extremes
    checked: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    # in one process the sketches are added to as each chunk ends (a fresh sketch a chunk,
    # merged, cost more than the engine for small chunks); a worker sends one back per chunk
    into: dict[str, Histogram] | None = field(default=None, repr=False)
    # runs per engine pass; a chunk with more is projected in passes of this many and sent
    # back as one result (on a worker, where only sketches go back: fewer, larger results)
    pass_size: int | None = None
    # a re-forecast's closed months (engine.actuals), laid over every run: they stay actual
    closed: ClosedMonths | None = field(default=None, repr=False)

    def __call__(self, job: ChunkJob) -> ChunkResult:
        size = self.pass_size or job.size
        if job.size <= size:
            return self._project(job.normals, job.start, self.into)
        into: dict[str, Histogram] = {} if self.into is None else self.into
        parts = [
            self._project(job.normals[first : first + size], job.start + first, into)
            for first in range(0, job.size, size)
        ]
        whole = parts[0]
        whole.size = job.size
        if whole.figures is not None:
            whole.figures = {
                name: np.concatenate([part.figures[name] for part in parts])  # type: ignore[index]
                for name in FIGURES
            }
        if whole.fan is not None:
            whole.fan = {
                name: np.concatenate([part.fan[name] for part in parts])  # type: ignore[index]
                for name in FAN_COLUMNS
            }
        for part in parts[1:]:
            for name, total in (part.figure_sums or {}).items():
                whole.figure_sums[name].merge(total)  # type: ignore[index]
            for name, count in part.counts.items():
                whole.counts[name] += count
            for key, total in part.input_sums.items():
                whole.input_sums[key].merge(total)
        if self.into is None:  # the sketches of every pass, sent back once
            whole.figure_sketch = into.get("figures")
            if not self.keep_fan:
                whole.fan_sketch = {name: into[name] for name in FAN_COLUMNS}
        return whole

    def _project(
        self, normals: np.ndarray, start: int, into: dict[str, Histogram] | None
    ) -> ChunkResult:
        """One engine pass; its sketches are added to `into` when given, else sent back."""
        scenario = self.scenario
        uncertainty = scenario.uncertainty
        size = normals.shape[0]
        variants = uncertainty.sample(_Replay(normals), size)  # type: ignore[arg-type]
        _check_samples(scenario, uncertainty, variants, self.checked)
        batch = Batch(scenario, size, variants)
        if self.closed is None:
            # only the two monthly columns the fan reads, and the figures shown
            result = run(batch, columns=FAN_COLUMNS, figures=FIGURES)
        else:
            # the closed months are laid over every column, then the summary worked out again
            result = overlay(run(batch), batch, self.closed)
        summary = {name: result.summary[name] for name in FIGURES}
        figures = fan = figure_sketch = fan_sketch = figure_sums = None
        if self.keep_figures:
            figures = summary
        else:
            figure_sketch = _sketch(into, "figures", len(FIGURES), FIGURE_BINS)
            figure_sketch.add(np.column_stack([summary[name] for name in FIGURES]))
            figure_sums = {}
            for name, values in summary.items():
                figure_sums[name] = ExactSum()
                figure_sums[name].add(values[~np.isnan(values)])
        if self.keep_fan:
            fan = {name: result.columns[name] for name in FAN_COLUMNS}
        else:
            fan_sketch = {}
            for name in FAN_COLUMNS:
                fan_sketch[name] = _sketch(into, name, scenario.months, fan_bins(scenario.months))
                fan_sketch[name].add(result.columns[name])
        if into is not None:  # added to already: nothing to merge
            figure_sketch = fan_sketch = None
        counts = {
            "gross_margin_below_zero": int(np.count_nonzero(summary["gross_margin"] < 0)),
            "average_utilization_below_70pct": int(
                np.count_nonzero(summary["average_utilization"] < UTILIZATION_THRESHOLD)
            ),
        }
        if self.funding_limit is not None:
            counts["peak_funding_need_above_limit"] = int(
                np.count_nonzero(summary["peak_funding_need"] > self.funding_limit)
            )
        input_sums = {}
        for key, values in variants.items():
            input_sums[key] = ExactSum()
            input_sums[key].add(values)
        return ChunkResult(
            start,
            size,
            result.grid.labels(),
            figures,
            fan,
            figure_sketch,
            fan_sketch,
            figure_sums,
            counts,
            input_sums,
        )


def _sketch(into: dict[str, Histogram] | None, name: str, columns: int, bins: int) -> Histogram:
    """A fresh sketch, or the one in `into` (made there on first use)."""
    if into is None:
        return Histogram.empty(columns, bins)
    if name not in into:
        into[name] = Histogram.empty(columns, bins)
    return into[name]


def chunk_jobs(uncertainty: Uncertainty, runs: int, seed: int, chunk: int) -> Iterator[ChunkJob]:
    """The chunks in order, each with its normals: one stream from `seed`, drawn as needed."""
    rng = np.random.default_rng(seed)
    inputs = len(uncertainty.keys())
    for index, start in enumerate(range(0, runs, chunk)):
        size = min(chunk, runs - start)
        yield ChunkJob(index, start, size, rng.standard_normal((size, inputs)))


Executor = Callable[[ChunkWork, Iterable[ChunkJob]], Iterator[ChunkResult]]


def in_process(work: ChunkWork, jobs: Iterable[ChunkJob]) -> Iterator[ChunkResult]:
    """Each chunk in turn, here."""
    for job in jobs:
        yield work(job)


# ---- the simulation -------------------------------------------------------------------------


@dataclass
class Sketch:
    """Which percentiles are estimated, why, and how closely: each sketched percentile is
    within its bound of the exact one (see `analysis.sketch`)."""

    reason: str
    fan_bins: int | None  # None: the fan is exact
    figure_bins: int | None  # None: the figures are exact
    fan_bound: dict[str, list[float | None]] | None  # per column, per month
    figure_bound: dict[str, float | None] | None  # per figure


@dataclass
class Simulation:
    """What `simulate` reports; `runs_summary` keeps every run's figures for further use
    (empty when there were more runs than the memory budget holds)."""

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
    memory: int = DEFAULT_MEMORY
    chunk: int = 0  # runs per engine pass
    sketch: Sketch | None = None  # None: every percentile is exact


def runs_problem(runs: int, most: int = MAX_RUNS) -> str | None:
    """Why `runs` cannot be simulated (`must be between ...`), or None. Shared by `simulate`
    and the command line's --runs, each naming it its own way."""
    if not 1 <= runs <= most:
        return f"must be between 1 and {most:,}; got {runs:,}"
    return None


def funding_limit_problem(limit: float, written: str | None = None) -> str | None:
    """Why `limit` is not a funding limit, or None; `written` is the amount as the caller
    wrote it (`-5B`), quoted instead of the number."""
    if math.isnan(limit):
        return "not a number (nan); give the amount of funding available, 0 or more"
    if math.isinf(limit):
        # no run's need is above it: a probability of 0 that says nothing, and no JSON number
        return "infinity is no funding limit; give the amount of funding available, 0 or more"
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
    memory: int = DEFAULT_MEMORY,
    chunk: int | None = None,
    method: str = "auto",
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    worker_reserve: int | None = None,
    actuals: Actuals | None = None,
    keep_plan: bool = False,
) -> Simulation:
    """Project `runs` samples of the scenario's uncertain inputs and summarize them.

    `runs` is 1 to MAX_RUNS; `seed` seeds numpy's generator (the same seed, the same
    numbers); `funding_limit` (an amount, 0 or more) adds P(peak funding need > limit).
    `memory` is the budget in bytes (see `plan`); `chunk` caps the runs per engine pass (the
    budget sets it otherwise; it never changes a figure); `method` "sketch" estimates the
    percentiles even when every run fits (for comparison), "exact" refuses when they do not.
    `progress(n)` is called after each chunk with the number of runs just finished.
    `executor`, `workers` and `worker_reserve` are for `analysis.distributed`.

        result = simulate(scenario, runs=10_000, seed=7, funding_limit=20e9)
        result.statistics["npv"]["p5"], result.probabilities["peak_funding_need_above_limit"]

    With `actuals` the runs are of the re-forecast (`engine.actuals`): the distributions move
    the forecast months only (a stream's from its last closed month), the closed months stay
    actual in every run. Each pass then keeps every monthly column, so passes are smaller.
    """
    runs = operator.index(runs)  # a TypeError for 1e4 or "10000": runs are counted
    reason = runs_problem(runs, MAX_RUNS if executor is None else MAX_RUNS_DISTRIBUTED)
    if reason:
        raise CommitcastError.single(reason, field="runs")
    if funding_limit is not None:
        reason = funding_limit_problem(float(funding_limit))
        if reason:
            raise CommitcastError.single(reason, field="funding_limit")
    memory = operator.index(memory)
    if chunk is not None and chunk < 1:
        raise ValueError("chunk must be at least 1")
    layout = plan(
        scenario, runs, memory, method=method, workers=workers, worker_reserve=worker_reserve
    )
    if executor is None:
        _check_free_memory(layout)  # before any run, with the estimate
    size = layout.chunk if chunk is None else min(chunk, layout.chunk)
    closed = None
    if actuals is not None:
        prepared = prepare(scenario, actuals, keep_plan)
        scenario, closed = prepared.scenario, prepared.closed
        # every column of a pass is kept (and copied once) for the overlay
        per_run = 2 * 8 * scenario.months * (len(COLUMNS) + 4 * len(scenario.revenue))
        size = max(1, min(size, memory // 4 // per_run))
    passes = 1 if executor is None else _passes_per_chunk(scenario, layout, size, workers or 1)
    try:
        with freed_memory_kept():
            return _simulate(
                scenario,
                runs,
                seed,
                funding_limit,
                layout,
                size,
                passes,
                progress,
                executor,
                closed,
            )
    except MemoryError:
        raise argument_error(
            f"ran out of memory simulating {runs:,} runs x {layout.months:,} months, planned "
            f"for about {format_size(layout.estimate)} within a budget of "
            f"{format_size(memory)}: this machine has less memory free than that",
            "memory",
            kind="out_of_memory",
            hint="give a smaller memory budget, within the memory free",
            named=False,
        ) from None


def memory_free() -> int | None:
    """Bytes this process may still allocate, or None when the system does not say: the
    memory available (MemAvailable, plus free swap) and, if lower, what the address-space
    limit (ulimit -v) and the cgroup's limit leave. Linux only."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in handle}
    except (OSError, ValueError, IndexError):
        return None
    if "MemAvailable" not in info:
        return None
    free = info["MemAvailable"] + info.get("SwapFree", 0)
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        if limit != resource.RLIM_INFINITY:
            with open("/proc/self/status", encoding="ascii") as handle:
                used = next(
                    int(line.split()[1]) * 1024 for line in handle if line.startswith("VmSize:")
                )
            free = min(free, limit - used)
    except (ImportError, OSError, ValueError, StopIteration):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as handle:
            ceiling = handle.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as handle:
            current = int(handle.read().strip())
        if ceiling != "max":
            free = min(free, int(ceiling) - current)
    except (OSError, ValueError):
        pass
    return max(0, free)


def _check_free_memory(layout: Plan) -> None:
    """Refuse, before any run, a plan that needs more memory than the machine has free: the
    budget (--memory) is what the user allows, not what the machine holds, and a plan within
    a budget of 64 GiB would otherwise end in MemoryError partway through."""
    free = memory_free()
    need = layout.estimate - layout.reserve  # the process itself is already in memory
    if free is None or need <= free:
        return
    raise argument_error(
        f"{layout.runs:,} runs x {layout.months:,} months need about "
        f"{format_size(layout.estimate)} (planned within a budget of "
        f"{format_size(layout.memory)}), but this machine has about {format_size(free)} free",
        "memory",
        kind="out_of_memory",
        hint=f"give a budget within the memory free (e.g. --memory {_budget_text(free)}), "
        "fewer runs or a shorter horizon",
        named=False,
    )


def _budget_text(size: int) -> str:
    """A budget as --memory takes it, rounded down: 3G, 512M."""
    return f"{size // GiB}G" if size >= GiB else f"{max(1, size // MiB)}M"


# glibc's mallopt parameters
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_GLIBC_DEFAULT_THRESHOLD = 128 * 1024


@contextmanager
def freed_memory_kept() -> Iterator[None]:
    """While simulating, memory the engine frees is kept for its next pass (glibc only).

    By default glibc gives freed memory back to the system as soon as a pass ends (arrays of
    a few MB are mapped and unmapped; the heap is trimmed), and the next pass pays a page fault
    for every 4 KiB it touches again: that was half of the time of 100,000 runs. Here arrays up
    to 32 MiB come from the heap and the heap is not trimmed until the end, when whatever is
    free is given back (malloc_trim) and both thresholds are set back to glibc's defaults.
    Peak memory is unchanged: it is the largest pass, which the budget already allows for.
    """
    libc = _glibc()
    if libc is None:
        yield
        return
    keep_freed_memory()
    try:
        yield
    finally:
        libc.mallopt(_M_MMAP_THRESHOLD, _GLIBC_DEFAULT_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, _GLIBC_DEFAULT_THRESHOLD)
        libc.malloc_trim(0)


def keep_freed_memory() -> bool:
    """What `freed_memory_kept` sets, for good (for a worker process that only simulates);
    False where the C library is not glibc."""
    libc = _glibc()
    if libc is None:
        return False
    libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    libc.mallopt(_M_MMAP_THRESHOLD, 32 * MiB)
    return True


def _glibc():  # type: ignore[no-untyped-def]
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  (glibc, not musl)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        return None
    return libc


def _passes_per_chunk(scenario: Scenario, layout: Plan, size: int, workers: int) -> int:
    """Engine passes in each chunk sent to a worker: one while every run's fan comes back;
    otherwise as many as keep four chunks per worker, within JOB_LIMIT of normals and of
    figures out at once. The figures do not depend on it."""
    if layout.keep_fan:
        return 1
    inputs = max(1, len(scenario.uncertainty.keys()) if scenario.uncertainty else 0)
    most = [-(-layout.runs // (size * 4 * workers)), JOB_LIMIT // (size * inputs * 8)]
    if layout.keep_figures:
        most.append(JOB_LIMIT // (2 * workers * size * len(FIGURES) * 8))
    return max(1, min(most))


def _simulate(
    scenario: Scenario,
    runs: int,
    seed: int,
    funding_limit: float | None,
    layout: Plan,
    chunk: int,
    passes: int,
    progress: Callable[[int], None] | None,
    executor: Executor | None,
    closed: ClosedMonths | None = None,
) -> Simulation:
    uncertainty = scenario.uncertainty
    months = scenario.months
    work = ChunkWork(scenario, layout.keep_fan, layout.keep_figures, funding_limit)
    work.closed = closed
    work.pass_size = chunk
    if executor is None:
        work.into = {}
    jobs = chunk_jobs(uncertainty, runs, seed, chunk * passes)
    summary = {name: np.empty(runs) for name in FIGURES} if layout.keep_figures else {}
    # kept month by month (months, runs): each month's percentiles read one contiguous row
    monthly = {name: np.empty((months, runs)) for name in FAN_COLUMNS} if layout.keep_fan else {}
    fan_sketch = figure_sketch = None
    figure_sums: dict[str, ExactSum] = {}
    counts: dict[str, int] = {}
    input_sums = {key: ExactSum() for key in uncertainty.keys()}  # noqa: SIM118
    labels: list[str] = []
    for part in (executor or in_process)(work, jobs):
        labels = labels or part.labels
        rows = slice(part.start, part.start + part.size)
        if part.figures is not None:
            for name in FIGURES:
                summary[name][rows] = part.figures[name]
        if part.fan is not None:
            for name in FAN_COLUMNS:
                _put_transposed(monthly[name], part.start, part.fan[name])
        if part.fan_sketch is not None:
            if fan_sketch is None:
                fan_sketch = part.fan_sketch
            else:
                for name in FAN_COLUMNS:
                    fan_sketch[name].merge(part.fan_sketch[name])
        if part.figure_sketch is not None:
            if figure_sketch is None:
                figure_sketch = part.figure_sketch
            else:
                figure_sketch.merge(part.figure_sketch)
        for name, total in (part.figure_sums or {}).items():
            figure_sums.setdefault(name, ExactSum()).merge(total)
        for name, count in part.counts.items():
            counts[name] = counts.get(name, 0) + count
        for key, total in part.input_sums.items():
            input_sums[key].merge(total)
        del part
        if progress is not None:
            progress(rows.stop - rows.start)

    if work.into:
        figure_sketch = work.into.get("figures")
        if not layout.keep_fan:
            fan_sketch = {name: work.into[name] for name in FAN_COLUMNS}
    if layout.keep_figures:
        statistics = {name: describe(summary[name]) for name in FIGURES}
    else:
        assert figure_sketch is not None
        statistics = _sketched_statistics(figure_sketch, figure_sums)
    probabilities: dict[str, float | None] = {
        "gross_margin_below_zero": counts["gross_margin_below_zero"] / runs,
        "average_utilization_below_70pct": counts["average_utilization_below_70pct"] / runs,
        "peak_funding_need_above_limit": (
            counts["peak_funding_need_above_limit"] / runs if funding_limit is not None else None
        ),
    }
    if layout.keep_fan:
        fan = {name: fan_of_months(monthly.pop(name)) for name in FAN_COLUMNS}
    else:
        assert fan_sketch is not None
        fan = {name: _sketched_fan(fan_sketch[name]) for name in FAN_COLUMNS}
    sketch = None
    if not layout.exact:
        sketch = Sketch(
            reason=_sketch_reason(layout),
            fan_bins=None if layout.keep_fan else fan_bins(months),
            figure_bins=None if layout.keep_figures else FIGURE_BINS,
            fan_bound=None
            if fan_sketch is None
            else {name: _listed(fan_sketch[name].bound()) for name in FAN_COLUMNS},
            figure_bound=None
            if figure_sketch is None
            else dict(zip(FIGURES, _listed(figure_sketch.bound()), strict=True)),
        )
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
        input_means={key: total.mean() for key, total in input_sums.items()},  # type: ignore[misc]
        memory=layout.memory,
        chunk=chunk,
        sketch=sketch,
    )


def _put_transposed(months: np.ndarray, start: int, runs: np.ndarray) -> None:
    """months[:, start:start + len(runs)] = runs.T, in blocks of runs that stay in the cache
    (a quarter of the time of one strided copy)."""
    for first in range(0, runs.shape[0], 512):
        block = runs[first : first + 512]
        months[:, start + first : start + first + block.shape[0]] = block.T


def _sketch_reason(layout: Plan) -> str:
    what = "fan" if layout.keep_figures else "fan and figures"
    return (
        f"every run's {what} for {layout.runs:,} runs x {layout.months:,} months would not "
        f"fit in the memory budget of {format_size(layout.memory)}"
    )


def _listed(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else float(v) for v in values]


def _sketched_statistics(
    sketch: Histogram, sums: dict[str, ExactSum]
) -> dict[str, dict[str, float | int | None]]:
    levels = sketch.percentiles(PERCENTILES)
    out: dict[str, dict[str, float | int | None]] = {}
    for column, name in enumerate(FIGURES):
        total = sums[name]
        stats: dict[str, float | int | None] = {"defined_runs": total.count}
        stats["mean"] = total.mean()
        for row, p in enumerate(PERCENTILES):
            value = levels[row, column]
            stats[f"p{p}"] = None if np.isnan(value) else float(value)
        out[name] = stats
    return out


def _sketched_fan(sketch: Histogram) -> dict[str, list[float | None]]:
    levels = sketch.percentiles(FAN_PERCENTILES)
    return {f"p{p}": _listed(row) for p, row in zip(FAN_PERCENTILES, levels, strict=True)}


def describe(values: np.ndarray) -> dict[str, float | int | None]:
    """Mean and percentiles over the runs where the figure is defined."""
    defined = values[~np.isnan(values)]
    stats: dict[str, float | int | None] = {"defined_runs": int(defined.size)}
    if defined.size == 0:
        return stats | {"mean": None} | {f"p{p}": None for p in PERCENTILES}
    stats["mean"] = float(defined.mean())
    # `defined` is a copy: partitioning it in place leaves the runs' figures as they are
    for p, value in zip(PERCENTILES, linear_percentiles(defined, PERCENTILES), strict=True):
        stats[f"p{p}"] = float(value)
    return stats


def fan_of(monthly: np.ndarray) -> dict[str, list[float | None]]:
    """P5/P50/P95 of each month over the runs (None where no run defines the month), for
    (runs, months) arrays."""
    return fan_of_months(np.array(monthly.T, order="C"))


def fan_of_months(months: np.ndarray) -> dict[str, list[float | None]]:
    """`fan_of` for (months, runs) arrays, which it reorders in place (each month's values
    are partitioned where they lie, with no copy of the whole array)."""
    levels = np.full((len(FAN_PERCENTILES), months.shape[0]), np.nan)
    for index, row in enumerate(months):
        missing = np.isnan(row)
        if missing.any():
            row = row[~missing]  # the month's defined runs, as nanpercentile takes them
            if row.size == 0:
                continue
        levels[:, index] = linear_percentiles(row, FAN_PERCENTILES)
    return {
        f"p{p}": [None if np.isnan(v) else float(v) for v in row]
        for p, row in zip(FAN_PERCENTILES, levels, strict=True)
    }


def linear_percentiles(values: np.ndarray, percents: tuple[int, ...]) -> np.ndarray:
    """`np.percentile(values, percents)` (the linear method) for a 1-D array without NaN,
    which it may reorder in place: the same arithmetic on the same order statistics, found by
    `analysis.selection.order_statistics` (numpy partitions every value, and also finds the
    minimum and maximum to look for NaN)."""
    n = values.size
    quantiles = np.asarray(percents, dtype=np.float64) / 100
    virtual = (n - 1) * quantiles  # numpy's virtual index for the linear method
    previous = np.floor(virtual)
    above = virtual >= n - 1
    below = virtual < 0
    low = np.where(above, n - 1, np.where(below, 0, previous)).astype(np.intp)
    high = np.where(above, n - 1, np.where(below, 0, previous + 1)).astype(np.intp)
    # the ranks as a sorted list (np.unique would import numpy.ma, ~5 ms of every simulate)
    ranks = sorted({*low.tolist(), *high.tolist()})
    found = order_statistics(values, ranks)
    a = found[np.searchsorted(ranks, low)]
    b = found[np.searchsorted(ranks, high)]
    gamma = virtual - np.where(above, -1, np.where(below, 0, previous))
    difference = b - a
    out = a + difference * gamma
    np.subtract(b, difference * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


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
