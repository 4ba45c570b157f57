"""One scenario's projection as a table plus summary, and its quarterly/yearly views (calendar
or fiscal: `period_label` is the one place a month is given its period).

The tables are numpy arrays and plain Python rows; pandas is imported only by `frame()`,
`project()` and `aggregate()`, for Python callers, and those build from the same arrays, so a
DataFrame and the CLI's CSV, JSON and terminal tables hold the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from commitcast.core.calendar import fiscal_quarter, fiscal_year
from commitcast.core.measures import (
    BALANCE_COLUMNS,
    MONTH_FIGURES,
    MONTHLY,
    MONTHLY_COLUMNS,
    SUMMARY_KEYS,
)
from commitcast.engine.run import BatchResult, run
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch

if TYPE_CHECKING:
    import pandas as pd

Period = Literal["month", "quarter", "year", "fiscal-quarter", "fiscal-year"]
PERIODS: tuple[Period, ...] = ("month", "quarter", "year", "fiscal-quarter", "fiscal-year")

FLOW_COLUMNS = tuple(m.name for m in MONTHLY if m.aggregation == "flow")
RATIOS = tuple(
    (m.name, m.ratio_of, m.scale) for m in MONTHLY if m.aggregation == "ratio" and m.ratio_of
)
PEAKS = tuple(m.name for m in MONTHLY if m.aggregation == "peak")


@dataclass
class Projection:
    """The projection of one scenario: what `project` prints, exports and returns."""

    scenario: Scenario
    labels: list[str]  # YYYY-MM for each month
    columns: dict[str, np.ndarray]  # one row (months,) per column, unrounded
    summary: dict[str, Any]  # floats; months as YYYY-MM; None where undefined
    result: BatchResult
    overrides: list[str] = field(default_factory=list)

    def first_column(self, by: Period = "month") -> str:
        """The name of the table's first column: `month`, or `period` by any other period."""
        return "month" if by == "month" else "period"

    def view(self, by: Period = "month") -> tuple[list[str], dict[str, np.ndarray]]:
        """The rows' labels (2026-06, 2026-Q3, 2026, FY2027-Q1, FY2027) and MONTHLY_COLUMNS,
        one array each with a value per row: NaN where a figure is undefined. By month these
        are `columns`; fiscal periods follow the scenario's `fiscal_year_start_month`."""
        if by == "month":
            return list(self.labels), {name: self.columns[name] for name in MONTHLY_COLUMNS}
        return aggregate_columns(
            self.labels, self.columns, by, self.scenario.fiscal_year_start_month
        )

    def columns_by(self, by: Period = "month") -> dict[str, np.ndarray]:
        """MONTHLY_COLUMNS by month, quarter, year, fiscal quarter or fiscal year (see `view`)."""
        return self.view(by)[1]

    def periods(self, by: Period = "month") -> list[str]:
        """The labels of the table's rows: YYYY-MM, YYYY-Qn, YYYY, FYyyyy-Qn or FYyyyy."""
        return period_labels(self.labels, by, self.scenario.fiscal_year_start_month)

    def table(self, by: Period = "month") -> tuple[list[str], list[list[Any]]]:
        """The tidy table as a header and rows of plain Python values: the period's label,
        then a float per column, None where undefined (an empty CSV cell, a JSON null)."""
        periods, columns = self.view(by)
        values = [_plain(columns[name]) for name in MONTHLY_COLUMNS]
        header = [self.first_column(by), *MONTHLY_COLUMNS]
        rows = [[label, *row] for label, *row in zip(periods, *values, strict=True)]
        return header, rows

    def records(self, by: Period = "month") -> list[dict[str, Any]]:
        """Rows as dicts with None for undefined figures (JSON null)."""
        header, rows = self.table(by)
        return [dict(zip(header, row, strict=True)) for row in rows]

    def frame(self, by: Period = "month") -> pd.DataFrame:
        """The tidy table as a DataFrame: `month` then MONTHLY_COLUMNS; by any other period
        the first column is `period` (2026-Q3, 2026, FY2027-Q1, FY2027). Imports pandas."""
        periods, columns = self.view(by)
        return _frame(self.first_column(by), periods, columns)


def projection(scenario: Scenario) -> Projection:
    """Project one scenario (a batch of one)."""
    return from_result(scenario, run(Batch(scenario)), 0)


def from_result(scenario: Scenario, result: BatchResult, index: int) -> Projection:
    """Run `index` of a batch result as a Projection of `scenario`."""
    labels = result.grid.labels()
    columns = {name: array[index] for name, array in result.columns.items()}
    summary = summary_of(result, index, labels)
    return Projection(
        scenario, labels, columns, summary, result, list(scenario.provenance.overrides)
    )


def summary_of(result: BatchResult, index: int, labels: list[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for key in SUMMARY_KEYS:
        value = float(result.summary[key][index])
        if key in MONTH_FIGURES:
            summary[key] = labels[int(value)] if value >= 0 else None
        else:
            summary[key] = None if math.isnan(value) else value
    return summary


def project(scenario: Scenario) -> pd.DataFrame:
    """The monthly table of a scenario; its summary is in `frame.attrs["summary"]`."""
    result = projection(scenario)
    table = result.frame()
    table.attrs["summary"] = result.summary
    table.attrs["scenario"] = scenario.name
    return table


def period_label(month_label: str, by: Period, fiscal_year_start_month: int = 1) -> str:
    """The label of the period the month `month_label` (YYYY-MM) falls in: the month itself,
    its calendar quarter (2026-Q3) or year (2026), or its fiscal quarter (FY2027-Q1) or fiscal
    year (FY2027) for a fiscal year starting in `fiscal_year_start_month` (1-12). A fiscal year
    is named by the calendar year in which it ends; its Q1 is its first three months. With a
    February start, 2026-11 to 2027-01 are FY2027-Q4 and 2027-02 to 2027-04 FY2028-Q1.

    Every view by period (project, compare --metric, the workbook's totals, variance) labels
    its months with this function."""
    year, month = (int(part) for part in month_label.split("-"))
    if by == "month":
        return month_label
    if by == "quarter":
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if by == "year":
        return str(year)
    if by == "fiscal-year":
        return f"FY{fiscal_year(year, month, fiscal_year_start_month)}"
    if by == "fiscal-quarter":
        fy = fiscal_year(year, month, fiscal_year_start_month)
        return f"FY{fy}-Q{fiscal_quarter(month, fiscal_year_start_month)}"
    raise ValueError(f"{by!r} is not a period; use one of: {', '.join(PERIODS)}")


def period_labels(
    month_labels: Sequence[str], by: Period, fiscal_year_start_month: int = 1
) -> list[str]:
    """Each period's label once, in order of first appearance."""
    return list(
        dict.fromkeys(period_label(label, by, fiscal_year_start_month) for label in month_labels)
    )


def aggregate(table: pd.DataFrame, by: Period, fiscal_year_start_month: int = 1) -> pd.DataFrame:
    """Quarterly or yearly (calendar or fiscal) view of a monthly DataFrame (`month` then
    MONTHLY_COLUMNS): the same rules and arithmetic as `Projection.frame(by)`."""
    columns = {name: table[name].to_numpy(dtype=np.float64) for name in MONTHLY_COLUMNS}
    months = [str(label) for label in table["month"]]
    periods, out = aggregate_columns(months, columns, by, fiscal_year_start_month)
    return _frame("period", periods, out)


def aggregate_columns(
    month_labels: Sequence[str],
    columns: Mapping[str, np.ndarray],
    by: Period,
    fiscal_year_start_month: int = 1,
) -> tuple[list[str], dict[str, np.ndarray]]:
    """Quarterly or yearly view (calendar, or fiscal from `fiscal_year_start_month`; see
    `period_label`): flows summed, balances at period end, ratios recomputed,
    peaks the period's highest month.

    Months are grouped by their period's label (in order of first appearance). A flow is the
    sum of the period's months, added as pandas adds a group's (`_group_sum`), so the figures
    are the same floats as when pandas computed this view; a balance is the period's last
    defined value; a ratio is the period's total numerator over its total denominator (as
    declared in core/measures.py), undefined where the denominator is 0; a peak is the
    period's highest month, undefined if any month of it is.
    """
    labels = [period_label(label, by, fiscal_year_start_month) for label in month_labels]
    codes_of = {label: code for code, label in enumerate(dict.fromkeys(labels))}
    codes = np.array([codes_of[label] for label in labels], dtype=np.intp)

    def column(name: str) -> np.ndarray:
        return np.asarray(columns[name], dtype=np.float64).reshape(len(labels))

    # Sum each month's inference capacity rather than subtract two large sums: served tokens
    # never exceed it month by month, so a fully used period shows exactly 100%.
    flows = {name: column(name) for name in FLOW_COLUMNS}
    with np.errstate(invalid="ignore"):  # inf - inf in a DataFrame given to `aggregate`
        flows["inference_capacity_tokens"] = column("available_tokens") - column("training_tokens")
    groups = len(codes_of)
    totals = {name: _group_sum(values, codes, groups) for name, values in flows.items()}
    out = {name: _group_last(column(name), codes, groups) for name in BALANCE_COLUMNS}
    for name, (top, bottom), scale in RATIOS:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = totals[top] / totals[bottom]
            if scale != 1.0:
                ratio = ratio * scale
        out[name] = np.where(totals[bottom] != 0, ratio, np.nan)
    for name in PEAKS:
        # np.maximum keeps a NaN: a period with an undefined month has no peak
        highest = np.full(groups, -np.inf)
        with np.errstate(invalid="ignore"):
            np.maximum.at(highest, codes, column(name))
        out[name] = highest
    out.update((name, totals[name]) for name in FLOW_COLUMNS)
    return list(codes_of), {name: out[name] for name in MONTHLY_COLUMNS}


def _members(codes: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of each group in order: `order[starts[g] + k]` is group g's k-th row."""
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
    return order, counts, starts


def _group_sum(values: np.ndarray, codes: np.ndarray, groups: int) -> np.ndarray:
    """`values` (one a month) summed over the months of each group, NaN skipped, as pandas
    sums a group (so a DataFrame and the CLI hold the same floats): with numpy's
    `add.reduceat` where each group's months are consecutive and none is NaN, else month by
    month with compensated (Kahan) summation."""
    if len(values) and not np.isnan(values).any() and np.all(codes[1:] >= codes[:-1]):
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        sums = np.zeros(groups)
        with np.errstate(invalid="ignore"):  # inf + -inf is NaN, as in pandas
            sums[codes[starts]] = np.add.reduceat(values, starts)
        return sums
    order, counts, starts = _members(codes, groups)
    sums = np.zeros(groups)
    compensation = np.zeros(groups)
    with np.errstate(invalid="ignore"):
        for k in range(int(counts.max(initial=0))):
            present = np.flatnonzero(counts > k)
            value = values[order[starts[present] + k]]
            total, carried = sums[present], compensation[present]
            y = value - carried
            t = total + y
            error = (t - total) - y
            error[np.isnan(error)] = 0.0  # an infinite value: keep the sum infinite, not NaN
            defined = ~np.isnan(value)
            sums[present] = np.where(defined, t, total)
            compensation[present] = np.where(defined, error, carried)
    return sums


def _group_last(values: np.ndarray, codes: np.ndarray, groups: int) -> np.ndarray:
    """The last defined (not NaN) value of each group; NaN if it has none."""
    order, counts, starts = _members(codes, groups)
    last = np.full(groups, np.nan)
    for k in range(int(counts.max(initial=0))):
        present = np.flatnonzero(counts > k)
        value = values[order[starts[present] + k]]
        defined = ~np.isnan(value)
        last[present[defined]] = value[defined]
    return last


def _plain(values: np.ndarray) -> list[float | None]:
    """Python floats, None for NaN."""
    return [None if value != value else value for value in values.tolist()]


def _frame(first: str, labels: list[str], columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    import pandas as pd

    table = pd.DataFrame({first: labels})
    for name in MONTHLY_COLUMNS:
        table[name] = np.asarray(columns[name], dtype=np.float64)
    return table
