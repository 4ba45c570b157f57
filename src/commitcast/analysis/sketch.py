"""Mergeable summaries for simulations too large to hold: a histogram sketch and exact sums.

`Histogram` counts values per column (a month of the fan, or a summary figure) in bins of width
2**e on a grid fixed at zero: bin i of a column holds the values in [i * 2**e, (i + 1) * 2**e).
Each column's exponent e is the smallest that spans its lowest to highest value in `bins` bins
(and no finer than 2**-50 of its largest magnitude, so indices stay exact integers). When a new
value widens the range, the bins are merged in pairs (e grows by one) until it fits. Because
the grid is anchored at zero and only ever doubles, the counts end the same whatever order the
values came in and however they were split: adding chunks, or merging sketches made apart, gives
exactly what one pass over all the values would. The lowest and highest value of each column are
kept exactly.

A percentile is read as numpy's default (linear) is defined: the order statistics at ranks k and
k + 1 around p/100 * (n - 1), interpolated. Each order statistic is placed within its bin by its
rank among the bin's values, then clamped to the column's exact lowest and highest value; it and
the exact order statistic lie in the same bin, so they differ by less than the bin width 2**e,
and so does the interpolation between two of them. That width is the error bound reported for
each column (0 when every value is the same). With `bins` bins the width is at most
(highest - lowest) / (bins / 2 - 1), usually near (highest - lowest) / (0.75 * bins).

`ExactSum` adds float64 values with no rounding at all (a Python integer in units of 2**-1127,
below the smallest float64), so sums, and the means made from them, are the same for any split
of the values into chunks and any order of merging; the mean is rounded once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

FINEST = 50  # bins never narrower than 2**-50 of a column's largest magnitude
_UNIT = 1127  # ExactSum counts in units of 2**-1127: every float64 is a whole number of them


def _floor_index(values: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """floor(values / 2**exponent) as int64; exact (a power-of-two scaling, then floor)."""
    return np.floor(np.ldexp(values, -exponent)).astype(np.int64)


def _exponents(low: np.ndarray, high: np.ndarray, bins: int) -> np.ndarray:
    """The smallest e per column with high and low at most bins - 1 bins apart on the 2**e
    grid, and 2**e no finer than 2**-FINEST of the largest magnitude. A function of the range
    alone, and never smaller for a wider range: what makes merging order-independent."""
    magnitude = np.maximum(np.abs(low), np.abs(high))
    _, top = np.frexp(magnitude)  # magnitude < 2**top
    # (and never below 2**-1000, so that 2**-e is a float)
    finest = np.maximum(top.astype(np.int64) - FINEST, -1000)
    span = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        _, y = np.frexp(span / bins)  # span / bins in [2**(y-1), 2**y)
    # 2**(y-3) is at most a quarter of span / bins: too fine to fit, so the search starts below
    exponent = np.where(span > 0, np.maximum(y.astype(np.int64) - 3, finest), finest)
    while True:
        apart = _floor_index(high, exponent) - _floor_index(low, exponent)
        wide = apart > bins - 1
        if not wide.any():
            return exponent
        exponent = exponent + wide


@dataclass
class Histogram:
    """Counts of values per column on a 2**e grid; see the module's docstring."""

    columns: int
    bins: int
    exponent: np.ndarray = field(repr=False)  # (columns,) int64, meaningful where count > 0
    offset: np.ndarray = field(repr=False)  # (columns,) int64: grid index of bin 0
    counts: np.ndarray = field(repr=False)  # (columns, bins) int64
    low: np.ndarray = field(repr=False)  # (columns,) exact lowest value (inf while empty)
    high: np.ndarray = field(repr=False)  # (columns,) exact highest value (-inf while empty)

    @classmethod
    def empty(cls, columns: int, bins: int) -> Histogram:
        if bins < 8:
            raise ValueError("a histogram needs at least 8 bins")
        return cls(
            columns,
            bins,
            np.zeros(columns, dtype=np.int64),
            np.zeros(columns, dtype=np.int64),
            np.zeros((columns, bins), dtype=np.int64),
            np.full(columns, np.inf),
            np.full(columns, -np.inf),
        )

    @staticmethod
    def nbytes(columns: int, bins: int) -> int:
        """Memory of one sketch, plus the same again for regridding it (bytes)."""
        return 2 * columns * bins * 8

    @property
    def count(self) -> np.ndarray:
        """Values counted per column (NaN is never counted)."""
        return self.counts.sum(axis=1)

    def add(self, values: np.ndarray) -> None:
        """Count the rows of `values` (rows, columns); NaN values are left out."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != self.columns:
            raise ValueError(f"expected (rows, {self.columns}) values, got {values.shape}")
        if values.shape[0] == 0:
            return
        low = np.fmin.reduce(values, axis=0)  # NaN only where a column is all NaN
        high = np.fmax.reduce(values, axis=0)
        self._regrid(np.fmin(self.low, low), np.fmax(self.high, high))
        # floor(value / 2**e) - offset + column * bins, in place in float64: scaling by a
        # power of two and flooring are exact, and the results are whole numbers below 2**53
        index = values * np.ldexp(1.0, -self.exponent)[None, :]
        np.floor(index, out=index)
        index -= (self.offset - np.arange(self.columns, dtype=np.int64) * self.bins)[None, :]
        missing = np.isnan(index)
        flat = (index[~missing] if missing.any() else index.ravel()).astype(np.int64)
        if flat.size * 8 < self.counts.size:  # a few values: no pass over every bin
            np.add.at(self.counts.reshape(-1), flat, 1)
        else:
            self.counts += np.bincount(flat, minlength=self.counts.size).reshape(
                self.columns, self.bins
            )

    def merge(self, other: Histogram) -> None:
        """Add another histogram's counts (made with the same columns and bins)."""
        if (other.columns, other.bins) != (self.columns, self.bins):
            raise ValueError("histograms of different shapes do not merge")
        theirs = Histogram(
            other.columns,
            other.bins,
            other.exponent.copy(),
            other.offset.copy(),
            other.counts.copy(),
            other.low.copy(),
            other.high.copy(),
        )
        low, high = np.fmin(self.low, other.low), np.fmax(self.high, other.high)
        self._regrid(low, high)
        theirs._regrid(low, high)
        self.counts += theirs.counts

    def _regrid(self, low: np.ndarray, high: np.ndarray) -> None:
        """Widen each column to [low, high]: the exponent for that range, bins merged."""
        if np.array_equal(low, self.low) and np.array_equal(high, self.high):
            return  # no new lowest or highest value: the grid stays (most chunks)
        seen = np.isfinite(low)  # columns with at least one value
        exponent = np.where(
            seen, _exponents(np.where(seen, low, 0.0), np.where(seen, high, 0.0), self.bins), 0
        )
        offset = np.where(seen, _floor_index(np.where(seen, low, 0.0), exponent), 0)
        counted = np.isfinite(self.low)  # columns with counts so far
        moved = counted & ((exponent != self.exponent) | (offset != self.offset))
        if moved.any():
            rows = np.flatnonzero(moved)
            shift = (exponent[rows] - self.exponent[rows])[:, None]
            if (shift < 0).any():
                raise AssertionError("a histogram's bins only ever widen")
            grid = self.offset[rows][:, None] + np.arange(self.bins, dtype=np.int64)[None, :]
            index = (grid >> shift) - offset[rows][:, None]
            counts = self.counts[rows]
            # empty bins past the data may fall outside the new range: they add nothing
            index = np.clip(index, 0, self.bins - 1)
            index += (np.arange(len(rows), dtype=np.int64) * self.bins)[:, None]
            merged = np.bincount(
                index.ravel(), weights=counts.ravel(), minlength=len(rows) * self.bins
            )
            self.counts[rows] = merged.reshape(len(rows), self.bins).astype(np.int64)
        self.exponent, self.offset = exponent, offset
        self.low, self.high = low, high

    def bound(self) -> np.ndarray:
        """Per column: every percentile read from it is within this of the exact one (NaN for
        a column with no values; 0 where all its values are the same)."""
        width = np.ldexp(1.0, self.exponent)
        same = self.low == self.high
        return np.where(self.count > 0, np.where(same, 0.0, width), np.nan)

    def percentiles(self, percents: tuple[float, ...] | list[float]) -> np.ndarray:
        """(len(percents), columns): each percentile as numpy's linear method defines it,
        estimated within `bound()`; NaN for a column with no values."""
        n = self.count
        cumulative = np.cumsum(self.counts, axis=1)
        out = np.full((len(percents), self.columns), np.nan)
        has = n > 0
        if not has.any():
            return out
        for row, p in enumerate(percents):
            rank = p / 100.0 * np.maximum(n - 1, 0).astype(np.float64)
            k = np.floor(rank).astype(np.int64)
            fraction = rank - k
            lower = self._order_statistic(np.minimum(k, n - 1), cumulative)
            upper = self._order_statistic(np.minimum(k + 1, np.maximum(n - 1, 0)), cumulative)
            with np.errstate(invalid="ignore"):  # columns with no values: NaN below
                value = lower + (upper - lower) * fraction
            out[row] = np.where(has, value, np.nan)
        return out

    def _order_statistic(self, rank: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
        """Estimate of the value of 0-based rank `rank` per column."""
        rank = np.maximum(rank, 0)
        bin_ = np.argmax(cumulative > rank[:, None], axis=1)
        columns = np.arange(self.columns)
        inside = self.counts[columns, bin_]
        before = cumulative[columns, bin_] - inside
        with np.errstate(divide="ignore", invalid="ignore"):
            where = (rank - before + 0.5) / inside
        where = np.nan_to_num(where, nan=0.5)
        grid = (self.offset + bin_).astype(np.float64) + where
        value = np.ldexp(grid, self.exponent)
        value = np.clip(value, np.where(np.isfinite(self.low), self.low, value), self.high)
        # the first and last order statistics are kept exactly
        value = np.where(rank == 0, self.low, value)
        return np.where(rank == self.count - 1, self.high, value)


@dataclass
class ExactSum:
    """The exact sum of float64 values, mergeable; see the module's docstring."""

    units: int = 0  # the sum, in units of 2**-1127
    count: int = 0

    def add(self, values: np.ndarray) -> None:
        """Add finite values (the caller leaves NaN out)."""
        values = np.asarray(values, dtype=np.float64).ravel()
        self.count += int(values.size)
        if values.size == 0:
            return
        mantissa, exponent = np.frexp(values)  # value = mantissa * 2**exponent, |m| in [.5, 1)
        whole = np.ldexp(mantissa, 53).astype(np.int64)  # exact: 53 bits
        high = whole >> 26  # |high| < 2**27
        low = whole - (high << 26)  # 0 <= low < 2**26
        base = int(exponent.min())
        slot = exponent - base
        # per exponent, sums of 27-bit parts stay below 2**53 for up to 2**26 values: exact
        step = 1 << 26
        for start in range(0, values.size, step):
            part = slice(start, start + step)
            highs = np.bincount(slot[part], weights=high[part])
            lows = np.bincount(slot[part], weights=low[part])
            for index in np.flatnonzero((highs != 0) | (lows != 0)):
                shift = base + int(index) + _UNIT - 53
                self.units += ((int(highs[index]) << 26) + int(lows[index])) << shift

    def merge(self, other: ExactSum) -> None:
        self.units += other.units
        self.count += other.count

    def total(self) -> float:
        """The sum, rounded once."""
        return float(Fraction(self.units, 1 << _UNIT))

    def mean(self) -> float | None:
        """The mean, rounded once; None for no values."""
        if self.count == 0:
            return None
        return float(Fraction(self.units, self.count << _UNIT))
