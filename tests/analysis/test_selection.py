"""Exact order statistics through a sampled bracket (analysis.selection): the very elements a
sort puts at each rank, on the fast path and on every way out of it, and the percentiles
simulate works out from them agree with numpy's."""

from __future__ import annotations

import numpy as np
import pytest

from commitcast.analysis import selection
from commitcast.analysis.selection import MOST, SAMPLE_EVERY, SMALL, order_statistics
from commitcast.analysis.simulate import FAN_PERCENTILES, PERCENTILES, linear_percentiles


def arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(20261130)
    out = []
    for n in (1, 2, 3, SMALL - 1, SMALL, SMALL + 1, 100_000):
        out += [
            rng.normal(size=n),
            rng.lognormal(0.0, 3.0, size=n),  # a long right tail
            rng.integers(0, 4, size=n).astype(np.float64),  # a few values, many ties
            np.sort(rng.normal(size=n)),
            np.sort(rng.normal(size=n))[::-1].copy(),
            np.full(n, 2.5),
        ]
    return out


def rank_sets(n: int) -> list[list[int]]:
    rng = np.random.default_rng(n)
    return [
        [0],
        [n - 1],
        sorted({0, n - 1}),
        sorted(set(rng.integers(0, n, size=6).tolist())),
        sorted({n // 2, min(n // 2 + 1, n - 1)}),  # an adjacent pair, as a percentile needs
    ]


@pytest.mark.parametrize("values", arrays(), ids=lambda v: f"n{v.size}")
def test_order_statistics_are_the_elements_a_sort_puts_at_those_ranks(values) -> None:
    # Selection does no arithmetic: each result is one of the array's own values, so equality
    # is exact on any CPU.
    for ranks in rank_sets(values.size):
        expected = np.sort(values)[ranks]
        np.testing.assert_array_equal(order_statistics(values.copy(), ranks), expected)


@pytest.mark.parametrize("values", arrays(), ids=lambda v: f"n{v.size}")
def test_linear_percentiles_agree_with_numpy(values) -> None:
    for percents in (FAN_PERCENTILES, PERCENTILES, (0, 100), (1, 99)):
        got = linear_percentiles(values.copy(), percents)
        np.testing.assert_allclose(got, np.percentile(values, percents), rtol=1e-12, atol=0)


def partitions(monkeypatch) -> list[int]:
    """The size of every array `order_statistics` partitions, recorded."""
    sizes: list[int] = []
    real = selection._partitioned

    def recorded(values: np.ndarray, ranks: list[int]) -> np.ndarray:
        sizes.append(values.size)
        return real(values, ranks)

    monkeypatch.setattr(selection, "_partitioned", recorded)
    return sizes


def test_runs_in_any_order_are_found_from_their_brackets_alone(monkeypatch) -> None:
    sizes = partitions(monkeypatch)
    values = np.random.default_rng(5).normal(size=100_000)
    kept = values.copy()
    ranks = [4_999, 5_000, 49_999, 50_000, 94_999, 95_000]  # P5, P50, P95 of 100,000
    found = order_statistics(values, ranks)
    np.testing.assert_array_equal(found, np.sort(kept)[ranks])
    # three brackets partitioned, each a small part of the runs; the runs left in place
    assert len(sizes) == 3
    assert max(sizes) < 0.1 * values.size
    np.testing.assert_array_equal(values, kept)


def test_the_first_and_last_values_are_found_from_brackets_open_at_one_end(monkeypatch) -> None:
    sizes = partitions(monkeypatch)
    values = np.random.default_rng(9).normal(size=100_000)
    ranks = [0, values.size - 1]
    np.testing.assert_array_equal(order_statistics(values.copy(), ranks), np.sort(values)[ranks])
    assert len(sizes) == 2
    assert max(sizes) < 0.01 * values.size


@pytest.mark.parametrize("shift", [1_000.0, -1_000.0], ids=["sample-above", "sample-below"])
def test_a_sample_unlike_the_rest_falls_back_to_one_whole_partition(monkeypatch, shift) -> None:
    # the sampled values all far above (or below) the others: the median's bracket holds the
    # runs' ranks only above (below) where the median is, and the check finds it missed
    sizes = partitions(monkeypatch)
    values = np.random.default_rng(6).normal(size=100_000)
    values[::SAMPLE_EVERY] += shift
    ranks = [49_999, 50_000]
    expected = np.sort(values)[ranks]
    np.testing.assert_array_equal(order_statistics(values, ranks), expected)
    assert sizes == [values.size]


def test_mostly_equal_values_fall_back_to_one_whole_partition(monkeypatch) -> None:
    # utilization held at 100% in most runs: a bracket would hold most of the values
    sizes = partitions(monkeypatch)
    rng = np.random.default_rng(7)
    values = np.where(rng.random(100_000) < 0.9, 1.0, rng.random(100_000))
    ranks = [4_999, 5_000, 49_999, 50_000]
    expected = np.sort(values)[ranks]
    np.testing.assert_array_equal(order_statistics(values, ranks), expected)
    # P5's bracket, among the other 10%, was small; P50's held the 1.0s: all partitioned
    assert len(sizes) == 2
    assert sizes[0] < 0.1 * values.size
    assert sizes[-1] == values.size
    assert np.count_nonzero(values == 1.0) > MOST * values.size


def test_the_worked_example_of_the_docs() -> None:
    # docs/simulate.md: for 100,000 runs P5 lies at 0.05 x 99,999 = 4,999.95, the 5,000th
    # smallest value plus 0.95 of the step to the 5,001st. With the runs 0, 1, ..., 99,999 (in
    # a shuffled order) those are 4,999 and 5,000: P5 = 4,999 + 0.95 x 1 = 4,999.95; P50 at
    # 0.5 x 99,999 = 49,999.5: 49,999.5; P95 at 94,999.05: 94,999.05.
    values = np.random.default_rng(8).permutation(100_000).astype(np.float64)
    got = linear_percentiles(values, (5, 50, 95))
    np.testing.assert_allclose(got, [4_999.95, 49_999.5, 94_999.05], rtol=1e-9, atol=0)
