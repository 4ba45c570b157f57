"""What the board report shows, gathered once: each scenario's projection, obligations, exit
timing, tornado and (with distributions) Monte Carlo, plus the comparison to the first.

Plain results and neutral rows; `render.html` and `render.charts` lay them out. Figures that do
not exist for a scenario are None (a contract that cannot be terminated has no exit curve, a
scenario without distributions no fan), and the sections that would show them are left out.
Obligations by maturity a scenario's terms are refused for (a term the view does not cover yet)
are None too, with the refusal kept (`obligations_refused`): the report says why, in one line,
where they would have been, and the two headline figures they give are undefined.

    board = gather([base, downside], runs=10_000, seed=0)
    board.scenarios[0].headline  # [Figure("npv", "NPV of net cash flow", 17.3e9), ...]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from commitcast.analysis.compare import Comparison, comparison_of, same_currency
from commitcast.analysis.exit import ExitAnalysis, exit_options
from commitcast.analysis.obligations import Obligations, obligations
from commitcast.analysis.sensitivity import Tornado, sensitivity
from commitcast.analysis.simulate import Simulation, simulate
from commitcast.core.errors import CommitcastError, Problem
from commitcast.engine.projection import Projection, projection
from commitcast.model.scenario import Scenario
from commitcast.variants.inputs import argument_error

DEFAULT_RUNS = 10_000
TORNADO_METRIC = "npv"

# The headline figures, in order: (key, label). Keys of the summary are read from the
# projection; the two obligations figures from `analysis.obligations` (docs/report.md).
HEADLINE: tuple[tuple[str, str], ...] = (
    ("total_commitment", "Total commitment"),
    ("noncancelable", "Noncancelable part"),
    ("npv", "NPV of net cash flow"),
    ("gross_margin", "Gross margin"),
    ("gross_margin_pct", "Gross margin %"),
    ("average_utilization", "Average utilization"),
    ("peak_funding_need", "Peak funding need"),
    ("peak_funding_month", "Peak funding month"),
    ("exit_cost_now", "Exit cost now"),
)
# how each headline figure is shown (units of the measures registry)
HEADLINE_UNITS = {"total_commitment": "money", "noncancelable": "money"}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: float | str | None  # a month as YYYY-MM; None where undefined


@dataclass
class ScenarioReport:
    """Everything the report shows of one scenario."""

    projection: Projection
    obligations: Obligations | None
    exits: list[ExitAnalysis]  # one per contract that can be terminated
    tornado: Tornado | None
    simulation: Simulation | None
    headline: list[Figure] = field(default_factory=list)
    # why obligations is None for a scenario with contracts: the view's refusal, at its lines
    obligations_refused: list[Problem] = field(default_factory=list)

    @property
    def scenario(self) -> Scenario:
        return self.projection.scenario

    @property
    def obligations_note(self) -> str | None:
        """Why the obligations by maturity are not shown, in one line; None if they are."""
        if not self.obligations_refused:
            return None
        reasons = list(dict.fromkeys(problem.message for problem in self.obligations_refused))
        return "; ".join(reasons)

    @property
    def serving_modelled(self) -> bool:
        """Whether the scenario models serving at the peak hour (a `serving` section): then
        peak utilization and the months saturated at peak are figures."""
        return self.projection.summary["months_saturated_at_peak"] is not None


@dataclass
class Board:
    scenarios: list[ScenarioReport]
    comparison: Comparison | None  # with two scenarios or more
    runs: int
    seed: int

    @property
    def currency(self) -> str:
        return self.scenarios[0].scenario.currency


def gather(
    scenarios: Sequence[Scenario],
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Board:
    """The report's results for `scenarios` (the first is the base of the comparison).

    `runs` and `seed` are the Monte Carlo's, for scenarios with distributions; `progress(n)`
    is called as runs finish (see `analysis.simulate.simulate`).
    """
    if isinstance(scenarios, Scenario):
        raise TypeError("scenarios is a sequence of Scenario objects")
    scenarios = list(scenarios)
    if not scenarios:
        raise argument_error("a report needs at least one scenario", "scenarios")
    same_currency(scenarios)
    reports = [_report(s, runs, seed, progress) for s in scenarios]
    comparison = None
    if len(reports) > 1:
        comparison = comparison_of([r.projection for r in reports])
    return Board(reports, comparison, runs, seed)


def has_distributions(scenario: Scenario) -> bool:
    return bool(scenario.uncertainty and scenario.uncertainty.inputs)


def _report(
    scenario: Scenario, runs: int, seed: int, progress: Callable[[int], None] | None
) -> ScenarioReport:
    result = projection(scenario)
    owed, refused = obligations_or_refusal(scenario)
    exits = []
    for index, contract in enumerate(scenario.contracts):
        if contract.termination is None:
            continue
        try:
            exits.append(exit_options(scenario, index))
        except CommitcastError:
            continue  # no notice month to try (earliest notice after the end): no curve
    try:
        tornado: Tornado | None = sensitivity(scenario, metric=TORNADO_METRIC)
    except CommitcastError:
        tornado = None  # nothing to flex
    simulation = (
        simulate(scenario, runs, seed, progress=progress) if has_distributions(scenario) else None
    )
    report = ScenarioReport(result, owed, exits, tornado, simulation, obligations_refused=refused)
    report.headline = headline(report)
    return report


def obligations_or_refusal(scenario: Scenario) -> tuple[Obligations | None, list[Problem]]:
    """The scenario's obligations by maturity (None without contracts), or None and the
    problems it is refused with (a contract term the view does not cover yet): the report is
    made without them rather than not at all."""
    if not scenario.contracts:
        return None, []
    try:
        return obligations(scenario), []
    except CommitcastError as error:
        return None, list(error.problems)


def headline(report: ScenarioReport) -> list[Figure]:
    summary = report.projection.summary
    owed = report.obligations
    figures = []
    for key, label in HEADLINE:
        value: Any
        if key in ("total_commitment", "noncancelable") and report.obligations_refused:
            value = None  # not known: the obligations are not shown (obligations_note)
        elif key == "total_commitment":
            value = owed.total.total("scheduled") if owed is not None else 0.0
        elif key == "noncancelable":
            value = owed.total.total("noncancelable") if owed is not None else 0.0
        else:
            value = summary[key]
        figures.append(Figure(key, label, value))
    return figures
