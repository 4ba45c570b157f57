"""Plan against re-forecast: a plan compared with its own rolling re-forecast, and the bridge
that explains the difference.

The re-forecast (`engine.actuals.reforecast`) is the plan with its closed months actual and its
streams re-based on the last closed month. Set side by side with the plan, every summary figure
differs by what happened and by what that changes ahead; the bridge walks a figure from the
plan to the re-forecast in three steps, each recomputed by the engine:

1. actuals: the closed months as they were, the plan's path after them (`--keep-plan`);
2. demand: each stream's tokens re-based on the last closed month (prices still the plan's);
3. prices: each stream's price and flat revenue re-based too (the re-forecast itself).

The steps add up to the total difference by construction.
"""

from __future__ import annotations

from commitcast.analysis.bridge import Bridge, Step
from commitcast.analysis.compare import Comparison, MetricTable, check_column, delta
from commitcast.core.measures import SUMMARY_KEYS
from commitcast.engine.actuals import ReforecastProjection, closed_months, overlay, reforecast
from commitcast.engine.projection import Period, Projection, from_result, projection
from commitcast.engine.run import run
from commitcast.model.actuals import Actuals
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import check_figure
from commitcast.variants.rebase import rebase

STEPS = ("actuals", "demand", "prices")
STEP_FIELDS = {
    "actuals": "the closed months' actual figures (the plan's path after them)",
    "demand": "revenue[*].tokens_per_month re-based on the last closed month",
    "prices": "revenue[*].price_per_million_tokens, revenue_per_month re-based",
}


def named(result: ReforecastProjection) -> ReforecastProjection:
    """The re-forecast with its scenario named `<plan>, re-forecast` (or `re-forecast on the
    plan's path` with keep_plan), so the two sides of a comparison can be told apart."""
    kind = "re-forecast on the plan's path" if result.keep_plan else "re-forecast"
    result.scenario = result.scenario.model_copy(update={"name": f"{result.scenario.name}, {kind}"})
    if result.plan is not None:
        result.scenario.provenance = result.plan.provenance
    return result


def plan_and_reforecast(
    plan: Scenario, actuals: Actuals, keep_plan: bool = False
) -> list[Projection]:
    """The plan's projection and its re-forecast's (named apart, see `named`)."""
    return [projection(plan), named(reforecast(plan, actuals, keep_plan))]


def compare_reforecast(plan: Scenario, actuals: Actuals, keep_plan: bool = False) -> Comparison:
    """Every summary figure of the plan and of its re-forecast, and the difference.

    result = compare_reforecast(plan, actuals)
    result.values["npv"], result.deltas["npv"][0].amount  # re-forecast - plan
    """
    projections = plan_and_reforecast(plan, actuals, keep_plan)
    values = {f: [p.summary[f] for p in projections] for f in SUMMARY_KEYS}
    deltas = {f: [delta(v[0], v[1])] for f, v in values.items()}
    return Comparison(projections, SUMMARY_KEYS, values, deltas)


def reforecast_metric(
    plan: Scenario, actuals: Actuals, metric: str, by: Period, keep_plan: bool = False
) -> MetricTable:
    """One monthly column of the plan and of its re-forecast, per month, quarter or year."""
    check_column(metric)
    projections = plan_and_reforecast(plan, actuals, keep_plan)
    columns = [p.view(by) for p in projections]
    periods = columns[0][0]
    values: list[list[float | None]] = [
        [_value(view[1][metric][row]) for view in columns] for row in range(len(periods))
    ]
    deltas = [[delta(row[0], row[1])] for row in values]
    return MetricTable(projections, metric, by, list(periods), values, deltas)


def reforecast_bridge(plan: Scenario, actuals: Actuals, figure: str = "npv") -> Bridge:
    """Walk summary `figure` from the plan to its re-forecast (see the module).

    walk = reforecast_bridge(plan, actuals, "npv")
    [(step.group, step.contribution) for step in walk.steps]  # actuals, demand, prices
    """
    check_figure(figure, "figure")
    tokens_only = Actuals(
        actuals.months,
        company=actuals.company,
        streams={
            name: {"tokens": figures["tokens"]}
            for name, figures in actuals.streams.items()
            if "tokens" in figures
        },
        contracts=actuals.contracts,
        file=actuals.file,
        sha256=actuals.sha256,
    )
    # the closed months are worked out from the full actuals in every state; only the
    # re-basing differs (the demand state re-bases on the actual tokens alone)
    full = reforecast(plan, actuals)
    states = [
        projection(plan),
        reforecast(plan, actuals, keep_plan=True),
        _rebased_on(plan, actuals, tokens_only),
        full,
    ]
    figures = [_number(state.summary[figure]) for state in states]
    steps = [Step(group, figures[i], figures[i + 1]) for i, group in enumerate(STEPS)]
    other = named(full).scenario
    return Bridge(figure, plan, other, figures[0], figures[-1], steps)


def _rebased_on(plan: Scenario, actuals: Actuals, basis: Actuals) -> Projection:
    """The closed months of `actuals`, the forecast re-based on `basis` only."""
    closed = closed_months(run(Batch(plan)), plan, actuals)
    scenario = rebase(plan, basis)
    batch = Batch(scenario)
    return from_result(scenario, overlay(run(batch), batch, closed), 0)


def _number(value: object) -> float:
    return float("nan") if value is None else float(value)  # type: ignore[arg-type]


def _value(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if number != number else number
