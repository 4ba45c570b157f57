"""analysis/sketch.py: the histogram's percentiles are within its stated bound of numpy's exact
ones, its counts do not depend on how the values were split or merged, and ExactSum is exact."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest

from commitcast.analysis.sketch import ExactSum, Histogram

PERCENTS = (0, 5, 25, 50, 75, 95, 100)


def columns_of_every_kind(rows: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = np.column_stack(
        [
            rng.lognormal(0, 1, rows) * 1e9 - 3e9,  # skewed, negative and positive
            rng.normal(0, 1, rows),  # around zero
            np.minimum(rng.uniform(0.5, 1.3, rows), 1.0),  # many ties at the top (utilization)
            np.full(rows, 42.0),  # one value
            rng.choice([0.25, 0.3, 0.4], rows),  # three values
            rng.normal(5e11, 1e3, rows),  # a narrow spread far from zero
            np.where(rng.random(rows) < 0.3, np.nan, rng.normal(0, 1, rows)),  # some NaN
            np.full(rows, np.nan),  # no value at all
        ]
    )
    return values


def exact(values: np.ndarray, percents=PERCENTS) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the all-NaN column
        return np.nanpercentile(values, percents, axis=0)


def sketched(values: np.ndarray, bins: int, parts: int = 1) -> Histogram:
    sketch = Histogram.empty(values.shape[1], bins)
    for part in np.array_split(values, parts):
        sketch.add(part)
    return sketch


@pytest.mark.parametrize("rows", [1, 2, 7, 1000, 50_000])
@pytest.mark.parametrize("bins", [64, 4096])
def test_percentiles_within_the_stated_bound(rows, bins):
    values = columns_of_every_kind(rows)
    sketch = sketched(values, bins, parts=3)
    estimate, bound, truth = sketch.percentiles(PERCENTS), sketch.bound(), exact(values)
    defined = ~np.isnan(truth)
    assert (np.isnan(estimate) == ~defined).all()  # no value, no percentile
    error = np.abs(estimate - truth)[defined]
    allowed = np.broadcast_to(bound, truth.shape)[defined]
    assert (error <= allowed * (1 + 1e-9) + 1e-300).all()
    # the bound is a bin: at most the column's range / (bins / 2 - 1)
    has = ~np.isnan(bound)
    span = np.nanmax(values[:, has], axis=0) - np.nanmin(values[:, has], axis=0)
    assert (bound[has] <= span / (bins / 2 - 1) + 1e-300).all()


def test_a_column_of_one_value_is_exact_and_its_bound_zero():
    sketch = sketched(columns_of_every_kind(500), 256)
    assert sketch.bound()[3] == 0.0
    assert list(sketch.percentiles(PERCENTS)[:, 3]) == [42.0] * len(PERCENTS)
    assert np.isnan(sketch.bound()[7]) and sketch.count[7] == 0


def test_the_counts_do_not_depend_on_the_split_or_the_merge_order():
    values = columns_of_every_kind(20_000, seed=4)
    whole = sketched(values, 1024)
    in_chunks = sketched(values, 1024, parts=37)
    pieces = [sketched(part, 1024) for part in np.array_split(values[::-1], 6)]
    merged = pieces[3]
    for piece in pieces[:3] + pieces[4:]:
        merged.merge(piece)
    for other in (in_chunks, merged):
        np.testing.assert_array_equal(other.counts, whole.counts)
        np.testing.assert_array_equal(other.exponent, whole.exponent)
        np.testing.assert_array_equal(other.offset, whole.offset)
        np.testing.assert_array_equal(other.percentiles(PERCENTS), whole.percentiles(PERCENTS))


def test_merging_leaves_the_other_sketch_as_it_was():
    a, b = sketched(np.arange(10.0)[:, None], 16), sketched(np.arange(1e6, 2e6, 1e4)[:, None], 16)
    counts, exponent = b.counts.copy(), b.exponent.copy()
    a.merge(b)
    np.testing.assert_array_equal(b.counts, counts)
    np.testing.assert_array_equal(b.exponent, exponent)
    assert int(a.count[0]) == 110


def test_values_far_apart_widen_the_bins_without_losing_a_count():
    sketch = Histogram.empty(1, 16)
    for value in (1.0, 1.5, 1e3, -1e6, 1e12, 3.0):
        sketch.add(np.array([[value]]))
    assert int(sketch.count[0]) == 6
    assert sketch.low[0] == -1e6 and sketch.high[0] == 1e12
    estimate = sketch.percentiles((0, 100))[:, 0]
    assert list(estimate) == [-1e6, 1e12]  # the ends are exact


def test_exact_sum_is_exact_and_independent_of_the_split():
    rng = np.random.default_rng(2)
    values = np.concatenate(
        [rng.normal(0, 1, 5000) * 1e12, rng.normal(0, 1, 5000) * 1e-9, [1e300, -1e300, 5e-324]]
    )
    truth = sum((Fraction(float(v)) for v in values), Fraction(0))
    whole = ExactSum()
    whole.add(values)
    assert Fraction(whole.units, 1 << 1127) == truth
    merged = ExactSum()
    for part in np.array_split(values[::-1], 9):
        piece = ExactSum()
        piece.add(part)
        merged.merge(piece)
    assert merged.units == whole.units and merged.count == whole.count == values.size
    assert whole.mean() == float(truth / values.size)  # rounded once
    assert ExactSum().mean() is None
