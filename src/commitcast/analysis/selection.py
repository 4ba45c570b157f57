"""Exact order statistics of many values without reordering all of them.

`simulate`'s exact fan asks, for every month, for the 5th, 50th and 95th percentile of
100,000 runs or more: six order statistics of each month's values. A partition of the whole
month finds them, but touches every value several times. Here a sample of the values first
brackets each order statistic between two of the month's own values; one pass then counts the
values below the bracket and picks out the few inside it, and only those are partitioned. The
values found are the very elements a sort would put at those ranks (selection, no arithmetic),
so every percentile worked out from them is the same to the last bit (but for the sign of a
zero: -0.0 and 0.0 compare equal, so which of the two is found at a rank is not fixed, as it is
not with numpy's own partition either; a zero is shown as 0 either way). Where a bracket misses
(values in an unusual order, or a sample unlike the rest), the whole array is partitioned as
before: slower, never different.
"""

from __future__ import annotations

import math

import numpy as np

# Below this many values one partition of them all is as fast as anything.
SMALL = 8192
# One value in SAMPLE_EVERY makes the sample (about 3,000 of 100,000 runs). The runs of a
# simulation are drawn independently, so every 32nd run is as good as a random sample.
SAMPLE_EVERY = 32
# How far the bracket reaches either side, in standard deviations of where a rank falls in the
# sample (binomial): at 4, a bracket misses about once in 16,000.
REACH = 4.0
# A bracket holding more than this share of the values (a month where most runs are equal:
# utilization held at 100%) is not worth picking out: the whole array is partitioned instead.
MOST = 0.25


def order_statistics(values: np.ndarray, ranks: list[int]) -> np.ndarray:
    """The values at `ranks` (0-based, ascending, each in 0..n-1) of the 1-D array `values`,
    which holds no NaN: what np.sort(values)[ranks] gives. `values` may be left reordered (it
    is partitioned in place where no bracket fits)."""
    n = values.size
    if n < SMALL:
        return _partitioned(values, ranks)
    sample = values[::SAMPLE_EVERY].copy()
    m = sample.size
    # (lowest sample rank, highest sample rank, the ranks it must hold); a rank past either
    # end of the sample leaves that side of the bracket open
    brackets: list[tuple[int, int, list[int]]] = []
    for k in ranks:
        q = k / (n - 1)
        reach = math.ceil(REACH * math.sqrt(m * q * (1 - q))) + 2
        low = math.floor(q * (m - 1)) - reach
        high = math.ceil(q * (m - 1)) + reach
        if brackets and low <= brackets[-1][1]:  # overlapping: one bracket for both
            first, last, held = brackets[-1]
            brackets[-1] = (min(first, low), max(last, high), [*held, k])
        else:
            brackets.append((low, high, [k]))
    edges = sorted({r for low, high, _ in brackets for r in (low, high) if 0 <= r < m})
    sample.partition(edges)
    found: list[np.ndarray] = []
    for low, high, wanted in brackets:
        # the bracket's ends are values of the array; an end past the sample is no end
        bottom = sample[low] if low >= 0 else -np.inf
        top = sample[high] if high < m else np.inf
        from_bottom = values >= bottom
        below = n - int(np.count_nonzero(from_bottom))
        inside = values[np.logical_and(from_bottom, values <= top, out=from_bottom)]
        # The sorted array holds exactly `below` values under the bracket and then `inside`:
        # rank k is inside's rank k - below, if it lies within.
        missed = not below <= wanted[0] <= wanted[-1] < below + inside.size
        crowded = inside.size > MOST * n
        if missed or crowded:
            return _partitioned(values, ranks)  # the fast path has left `values` as it was
        found.append(_partitioned(inside, [k - below for k in wanted]))
    return np.concatenate(found)


def _partitioned(values: np.ndarray, ranks: list[int]) -> np.ndarray:
    values.partition(ranks)
    return values[ranks]
