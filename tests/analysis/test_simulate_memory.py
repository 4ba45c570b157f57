"""simulate within a memory budget: the chunk size comes from runs x months and the budget,
the estimate bounds what the engine really allocates, what cannot fit is refused before any
work with the estimate and what would fit, the sketched percentiles are within their stated
bound of the exact ones, and neither the chunk size nor the budget changes a figure."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from commitcast.analysis import simulate as simulation
from commitcast.analysis.simulate import (
    FAN_COLUMNS,
    FIGURES,
    PERCENTILES,
    MiB,
    engine_bytes_per_run,
    fan_bins,
    pass_overhead,
    plan,
    simulate,
    smallest_budget,
)
from commitcast.core.errors import CommitcastError
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario, scenario_from_text
from tests.conftest import ROOT

RISK = ROOT / "scenarios" / "colossus-risk.yaml"


def horizon(months: int):
    return apply_overrides(load_scenario(RISK), [f"horizon.months={months}"])


def shaped(months: int, contracts: int, streams: int, varying: bool) -> str:
    years = max(1, months // 12)
    fee = "{dist: uniform, low: 90M, high: 110M}" if varying else "100M"
    lines = ["name: shaped", f"horizon: {{start: 2026-01, months: {months}}}", "contracts:"]
    lines += [
        f"  - {{name: C{i}, monthly_fee: {fee}, start: 2026-01-01, end: {2025 + years}-12-31,"
        " capacity: {tokens_per_month: 1e12}, escalator: {rate: 0.03, every_months: 12},"
        " termination: {notice_days: 90, fee: 0, earliest_notice: 2026-01-01}}"
        for i in range(contracts)
    ]
    lines.append("revenue:")
    lines += [
        f"  - {{name: S{j}, tokens_per_month: {{dist: lognormal, mean: 8e11, sd: 2e11}},"
        " price_per_million_tokens: 150, growth: {dist: uniform, low: 0, high: 0.01}}"
        for j in range(streams)
    ]
    lines += ["costs:", "  training_share: {dist: uniform, low: 0.2, high: 0.4}"]
    return "\n".join(lines) + "\n"


SHAPES = [
    (12, 1, 1, True),
    (12, 10, 1, True),
    (60, 2, 3, False),
    (60, 5, 1, True),
    (60, 10, 1, True),
    (240, 3, 2, True),
    (240, 1, 1, False),
]
# Measured in a process of its own: tracemalloc counts every thread's allocations, and threads
# other tests leave behind (a Dask client's) would be counted too.
MEASURE = """
import json, sys, tracemalloc
import numpy as np
from commitcast.analysis.simulate import FAN_COLUMNS, _Replay
from commitcast.engine.run import run
from commitcast.load.validation import scenario_from_text
from commitcast.variants.batch import Batch
from tests.analysis.test_simulate_memory import SHAPES, shaped

peaks = []
for shape in SHAPES:
    scenario = scenario_from_text(shaped(*shape))
    inputs = len(scenario.uncertainty.keys())
    for runs in (100, 1000, 3000):
        normals = np.random.default_rng(0).standard_normal((runs, inputs))
        variants = scenario.uncertainty.sample(_Replay(normals), runs)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        run(Batch(scenario, runs, variants), columns=FAN_COLUMNS)
        peaks.append([list(shape), runs, tracemalloc.get_traced_memory()[1] - before])
        tracemalloc.stop()
print(json.dumps(peaks))
"""


def test_the_estimate_bounds_the_engines_measured_peak():
    # tracemalloc sees numpy's buffers: the peak of one pass keeping the fan's columns, Batch
    # included; the engine works in blocks of a fixed size, so small passes cost more per run
    done = subprocess.run(
        [sys.executable, "-c", MEASURE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    peaks: dict[tuple[int, ...], dict[int, int]] = {}
    for shape, runs, peak in json.loads(done.stdout):
        scenario = scenario_from_text(shaped(*shape))
        estimate = engine_bytes_per_run(scenario) * runs + pass_overhead(scenario)
        assert peak <= estimate, (shape, runs, peak, estimate)
        if runs == 3000:  # a pass of the size simulate makes: not wildly above it either (the
            # lightest shapes, fixed contracts and few uncertain inputs, come to some 8.5x: the
            # engine's reused rows are small, and the estimate per run leaves room for inputs
            # that vary by month, made for every run before the passes)
            assert estimate <= 10 * peak, (shape, runs, peak, estimate)
        peaks.setdefault(tuple(shape), {})[runs] = peak
    for shape, by_runs in peaks.items():
        # what each run adds, measured between passes of 1,000 and 3,000 runs, is within the
        # estimate per run: simulate's passes are far larger (600,000 run-months, 10,000 runs
        # at 60 months), where the fixed part no longer covers a per-run part set too low
        per_run = (by_runs[3000] - by_runs[1000]) / 2000
        assert per_run <= engine_bytes_per_run(scenario_from_text(shaped(*shape))), shape


@pytest.mark.parametrize("months", [12, 60, 240, 600])
@pytest.mark.parametrize("memory", [256 * MiB, 1024 * MiB, 4096 * MiB])
def test_the_chunk_comes_from_runs_times_months_and_the_budget(months, memory):
    scenario = horizon(months)
    layout = plan(scenario, 1_000_000, memory)
    assert layout.estimate <= memory
    assert layout.chunk >= 16
    assert layout.chunk * months <= simulation.TARGET_CELLS  # never a pass past the target
    # the budget holds the process, what is kept, the sketches and one pass, and no room for
    # a bigger pass is left while the pass is below its target
    room = memory - layout.reserve - layout.stored - layout.sketches - layout.overhead
    assert layout.chunk * layout.per_run <= room
    if layout.chunk * months < simulation.TARGET_CELLS - months:
        assert (layout.chunk + 1) * layout.per_run > room
    # keeping or sketching the same things: more months, smaller passes; more memory, larger
    try:
        longer = plan(horizon(months * 2), 1_000_000, memory)
    except CommitcastError:
        assert (months, memory) == (600, 256 * MiB)  # 1,200 months need more: below
    else:
        if (longer.keep_fan, longer.keep_figures) == (layout.keep_fan, layout.keep_figures):
            assert longer.chunk <= layout.chunk
    assert plan(scenario, 1_000_000, 2 * memory).chunk >= min(layout.chunk, 1000)


def test_twelve_hundred_months_fit_the_default_budget_and_not_a_quarter_of_it():
    scenario = horizon(1200)
    layout = plan(scenario, 1_000_000)
    assert layout.estimate <= 1024 * MiB and layout.chunk >= 16
    with pytest.raises(CommitcastError, match="1,000,000 runs x 1,200 months do not fit"):
        plan(scenario, 1_000_000, 256 * MiB)


def test_every_run_is_kept_while_it_fits_and_sketched_after():
    scenario = horizon(60)
    assert plan(scenario, 100_000).exact  # 100k runs of 60 months: ~100 MB of fan
    big = plan(scenario, 1_000_000)  # ~1 GB of fan: sketched; the figures (56 MB) kept
    assert not big.keep_fan and big.keep_figures
    tight = plan(scenario, 1_000_000, 256 * MiB)
    assert not tight.keep_fan and not tight.keep_figures
    assert plan(scenario, 1000, method="sketch").keep_fan is False
    with pytest.raises(CommitcastError, match="do not fit in 1 GiB: keeping every run"):
        plan(scenario, 1_000_000, method="exact")


def test_a_budget_that_cannot_fit_is_refused_with_the_estimate_and_what_fits():
    scenario = horizon(1200)
    need = smallest_budget(scenario, 10_000)
    plan(scenario, 10_000, need)  # what it names fits
    with pytest.raises(CommitcastError) as caught:
        plan(scenario, 10_000, need - MiB)
    (problem,) = caught.value.problems
    assert problem.field == "memory" and caught.value.exit_code == 2
    assert "10,000 runs x 1,200 months do not fit in" in problem.message
    assert f"need about {simulation.format_size(need)} in all" in problem.message
    assert (
        problem.hint
        == f"give a budget of {simulation.format_size(need)} or more, or a shorter horizon"
    )
    # refused before any work: the engine is never called
    calls = []
    original = simulation.run
    simulation.run = lambda batch, **kw: calls.append(batch) or original(batch, **kw)  # type: ignore[assignment]
    try:
        with pytest.raises(CommitcastError):
            simulate(scenario, 10_000, 0, memory=100 * MiB)
    finally:
        simulation.run = original  # type: ignore[assignment]
    assert calls == []


def test_out_of_memory_inside_simulate_is_a_clear_error(monkeypatch):
    def exhausted(batch, columns=None, figures=None):
        raise MemoryError

    monkeypatch.setattr(simulation, "run", exhausted)
    with pytest.raises(CommitcastError) as caught:
        simulate(horizon(60), 1000, 0)
    assert caught.value.exit_code == 2
    assert "ran out of memory simulating 1,000 runs x 60 months" in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_neither_the_chunk_size_nor_the_budget_changes_a_figure():
    scenario = horizon(60)
    figures = [
        simulate(scenario, 3000, 5, chunk=chunk, memory=memory)
        for chunk, memory in ((None, 1024 * MiB), (7, 1024 * MiB), (1000, 160 * MiB))
    ]
    for other in figures[1:]:
        assert other.statistics == figures[0].statistics
        assert other.fan == figures[0].fan
        assert other.probabilities == figures[0].probabilities
        assert other.input_means == figures[0].input_means
        for name in FIGURES:
            np.testing.assert_array_equal(other.runs_summary[name], figures[0].runs_summary[name])
    sketched = [simulate(scenario, 3000, 5, chunk=chunk, method="sketch") for chunk in (3000, 77)]
    assert sketched[0].statistics == sketched[1].statistics
    assert sketched[0].fan == sketched[1].fan
    assert sketched[0].sketch == sketched[1].sketch


def test_sketched_percentiles_are_within_their_bound_of_the_exact_ones():
    scenario = horizon(60)
    exact = simulate(scenario, 20_000, 11, funding_limit=20e9)
    sketched = simulate(scenario, 20_000, 11, funding_limit=20e9, method="sketch", chunk=3000)
    assert exact.sketch is None
    sketch = sketched.sketch
    assert sketch is not None and sketch.fan_bins == fan_bins(60)
    assert sketched.runs_summary == {}  # the runs were not kept
    assert sketched.probabilities == exact.probabilities  # counts: exact
    for name in FIGURES:
        ours, theirs = sketched.statistics[name], exact.statistics[name]
        assert ours["defined_runs"] == theirs["defined_runs"]
        if theirs["mean"] is None:
            assert ours["mean"] is None
            continue
        assert ours["mean"] == pytest.approx(theirs["mean"], rel=1e-12)  # exact sums
        bound = sketch.figure_bound[name]
        for p in PERCENTILES:
            assert abs(ours[f"p{p}"] - theirs[f"p{p}"]) <= bound * (1 + 1e-9), (name, p)
    for column in FAN_COLUMNS:
        bounds = sketch.fan_bound[column]
        for level, values in exact.fan[column].items():
            for month, value in enumerate(values):
                estimate = sketched.fan[column][level][month]
                if value is None:
                    assert estimate is None and bounds[month] is None
                else:
                    assert abs(estimate - value) <= bounds[month] * (1 + 1e-9), (column, month)
    # the bound is useful: within 1/2,000 of the month's spread of cumulative cash
    p5, p95 = exact.fan["cumulative_cash"]["p5"][-1], exact.fan["cumulative_cash"]["p95"][-1]
    assert sketch.fan_bound["cumulative_cash"][-1] < (p95 - p5) / 2000


def test_a_million_runs_of_240_months_are_planned_within_the_default_budget():
    # the benchmark runs it (benchmarks/simulate_bench.py); here only the plan, in no time
    layout = plan(horizon(240), 1_000_000)
    assert layout.estimate <= 1024 * MiB and not layout.keep_fan and layout.keep_figures
    assert layout.chunk >= 1000
