"""One scenario's projection as a tidy table plus summary, and its quarterly/yearly views."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from commitcast.core.measures import MONTH_FIGURES, MONTHLY, MONTHLY_COLUMNS, SUMMARY_KEYS
from commitcast.engine.run import BatchResult, run
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch

if TYPE_CHECKING:
    import pandas as pd

Period = Literal["month", "quarter", "year"]


@dataclass
class Projection:
    """The projection of one scenario: what `project` prints, exports and returns."""

    scenario: Scenario
    labels: list[str]  # YYYY-MM for each month
    columns: dict[str, np.ndarray]  # one row (months,) per column, unrounded
    summary: dict[str, Any]  # floats; months as YYYY-MM; None where undefined
    result: BatchResult
    overrides: list[str] = field(default_factory=list)

    def frame(self, by: Period = "month") -> pd.DataFrame:
        """The tidy table: `month` then MONTHLY_COLUMNS; by quarter or year the first column is
        `period` (2026-Q3, 2026)."""
        import pandas as pd

        table = pd.DataFrame({"month": self.labels})
        for name in MONTHLY_COLUMNS:
            table[name] = self.columns[name]
        if by == "month":
            return table
        return aggregate(table, by)

    def records(self, by: Period = "month") -> list[dict[str, Any]]:
        """Rows as dicts with None for undefined figures (JSON null)."""
        table = self.frame(by)
        return [
            {key: _clean(value) for key, value in row.items()}
            for row in table.to_dict(orient="records")
        ]


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


def period_label(month_label: str, by: Period) -> str:
    year, month = month_label.split("-")
    if by == "year":
        return year
    if by == "quarter":
        return f"{year}-Q{(int(month) - 1) // 3 + 1}"
    return month_label


def aggregate(table: pd.DataFrame, by: Period) -> pd.DataFrame:
    """Quarterly or yearly view: flows summed, balances at period end, ratios recomputed."""
    periods = table["month"].map(lambda label: period_label(label, by))
    numeric = table.drop(columns=["month"])
    # Sum each month's inference capacity rather than subtract two large sums: served tokens
    # never exceed it month by month, so a fully used period shows exactly 100%.
    numeric["inference_capacity_tokens"] = numeric["capacity_tokens"] - numeric["training_tokens"]
    grouped = numeric.groupby(periods.values, sort=False)
    out = grouped[[m.name for m in MONTHLY if m.aggregation == "flow"]].sum()
    out["inference_capacity_tokens"] = grouped["inference_capacity_tokens"].sum()
    for m in MONTHLY:
        if m.aggregation == "balance":
            out[m.name] = grouped[m.name].last()
        elif m.aggregation == "ratio" and m.ratio_of is not None:
            top, bottom = out[m.ratio_of[0]], out[m.ratio_of[1]]
            out[m.name] = (top / bottom).where(bottom != 0)
    out.index.name = "period"
    out = out.reset_index()
    return out[["period", *MONTHLY_COLUMNS]]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value
