"""Side-by-side summaries of scenarios, the first one the base, and one metric over time.

Each scenario is projected on its own: scenarios read from different files may differ in
structure (contracts, streams, horizon), which a single batch cannot hold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from commitcast.core.display import percent_of
from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.measures import MONTHLY_COLUMNS, SUMMARY_KEYS, Unit, unit_of
from commitcast.engine.projection import PERIODS, Period, Projection, projection
from commitcast.model.provenance import field_problem
from commitcast.model.scenario import Scenario
from commitcast.variants.inputs import ArgumentProblem, argument_error


@dataclass
class Delta:
    amount: float | None  # other - base
    percent: float | None  # amount / |base|; None when the base is undefined or shows as 0


@dataclass
class Comparison:
    """Summary figures of each scenario and each one's difference to the first."""

    projections: list[Projection]
    figures: tuple[str, ...]
    values: dict[str, list[Any]]  # figure -> value per scenario (months as YYYY-MM labels)
    deltas: dict[str, list[Delta]]  # figure -> delta per non-base scenario

    @property
    def names(self) -> list[str]:
        return [p.scenario.name for p in self.projections]

    @property
    def currency(self) -> str:
        return self.projections[0].scenario.currency


@dataclass
class MetricTable:
    """One monthly metric per period (rows) for each scenario (columns)."""

    projections: list[Projection]
    metric: str
    by: Period
    periods: list[str]
    values: list[list[float | None]]  # [period][scenario]
    deltas: list[list[Delta]]  # [period][non-base scenario]


def delta(base: float | str | None, other: float | str | None, unit: Unit = "money") -> Delta:
    """other - base, and that as a share of |base|. No share where the base shows as zero in
    its `unit` ($0.00, 0.00 s), exactly 0 or not: the base case's longest queue wait, 52
    nanoseconds, shows as 0.00 s, and the upside's 0.65 s is over a billion percent of it, a
    figure no reader can check."""
    # months (peak_funding_month, payback_month) are labels: shown, not subtracted
    if base is None or other is None or isinstance(base, str) or isinstance(other, str):
        return Delta(None, None)
    amount = other - base
    return Delta(amount, percent_of(amount, base, unit))


def comparison_of(projections: list[Projection]) -> Comparison:
    """Every summary figure of each projection, and its difference to the first's."""
    values = {f: [p.summary[f] for p in projections] for f in SUMMARY_KEYS}
    deltas = {f: [delta(v[0], other, unit_of(f)) for other in v[1:]] for f, v in values.items()}
    return Comparison(projections, SUMMARY_KEYS, values, deltas)


def _at_key(scenario: Scenario, key: str, message: str) -> Problem:
    """A problem with a top-level key of `scenario`, at its line where the file writes it."""
    return field_problem(scenario.provenance, (key,), message, exact=True)


def same_currency(scenarios: Sequence[Scenario]) -> None:
    """Figures in different currencies cannot be set side by side: refuse, naming each."""
    currencies = {s.currency for s in scenarios}
    if len(currencies) > 1:
        raise CommitcastError(
            [_at_key(s, "currency", f"scenario {s.name!r} is in {s.currency}") for s in scenarios]
            + [
                ArgumentProblem(
                    "scenarios in different currencies cannot be compared",
                    hint="convert the amounts of one scenario first",
                    argument="scenarios",
                    kind="currencies",
                )
            ]
        )


def check_column(metric: str) -> str:
    """`metric` if it is a monthly column; else a problem naming the argument `metric`."""
    if metric not in MONTHLY_COLUMNS:
        raise argument_error(
            f"{metric!r} is not a monthly column",
            "metric",
            kind="monthly",
            hint="one of: " + ", ".join(MONTHLY_COLUMNS),
        )
    return metric


def same_fiscal_year(scenarios: Sequence[Scenario], by: str) -> None:
    """Fiscal periods set side by side must be the same months: by fiscal quarter or year,
    refuse scenarios whose fiscal years start in different months, naming each."""
    if by not in PERIODS:
        raise argument_error(f"{by!r} is not a period", "by", hint="one of: " + ", ".join(PERIODS))
    starts = {s.fiscal_year_start_month for s in scenarios}
    if not by.startswith("fiscal") or len(starts) < 2:
        return
    raise CommitcastError(
        [
            _at_key(
                s,
                "fiscal_year_start_month",
                f"scenario {s.name!r} starts its fiscal year in month {s.fiscal_year_start_month}",
            )
            for s in scenarios
        ]
        + [
            ArgumentProblem(
                "the scenarios' fiscal years start in different months, so their fiscal "
                "periods would hold different months",
                field="by",
                hint="give them one fiscal_year_start_month, or compare by calendar quarter or "
                "year",
                argument="by",
                kind="fiscal_years",
            )
        ]
    )


def compare(scenarios: Sequence[Scenario]) -> Comparison:
    """Every summary figure of each scenario, and its difference to the first's.

    result = compare([base, downside])
    result.values["npv"], result.deltas["npv"][0].amount
    """
    if len(scenarios) < 2:
        raise argument_error(
            "compare needs at least two scenarios (the first is the base)", "scenarios"
        )
    same_currency(scenarios)
    return comparison_of([projection(s) for s in scenarios])


def metric_over_time(scenarios: Sequence[Scenario], metric: str, by: Period) -> MetricTable:
    """`metric` (a monthly column) per month, quarter, year, fiscal quarter or fiscal year
    (`period_label`); periods a scenario does not cover are None. By fiscal period every
    scenario must start its fiscal year in the same month.

        table = metric_over_time([base, downside], "gross_margin", "year")
        table.periods, table.values  # a row per year, a column per scenario
    """
    check_column(metric)
    same_currency(scenarios)
    same_fiscal_year(scenarios, by)
    projections = [projection(s) for s in scenarios]
    per_scenario: list[dict[str, float | None]] = []
    for result in projections:
        periods, columns = result.view(by)
        per_scenario.append(dict(zip(periods, map(_value, columns[metric]), strict=True)))
    periods = sorted({period for table in per_scenario for period in table})
    values = [[table.get(period) for table in per_scenario] for period in periods]
    deltas = [[delta(row[0], other, unit_of(metric)) for other in row[1:]] for row in values]
    return MetricTable(projections, metric, by, periods, values, deltas)


def _value(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number
