"""The rolling re-forecast: the closed months' actuals laid over a batch's projection.

A re-forecast is the plan's months with the closed ones replaced by what happened
(docs/conventions.md, "Actuals in closed months" and "Rolling re-forecast"):

- `closed_months` works out the closed months once, from the plan's own projection (a batch
  of one): each figure given replaces the plan's; a company sum not given is the plan's plus
  the differences of the per-item actuals (demand from the streams' tokens, revenue from
  their revenue, committed fees from the contracts' fees); served, overflow and unserved
  tokens follow the usual rules from a demand that changed; the derived figures (gross margin
  and its percentage, utilization, idle capacity cost, net cash flow) are recomputed from the
  month's figures, with inference fees and cost per million tokens; every other figure stays
  as planned, `remaining_obligation` included.
- `overlay` puts those months into every run of a batch's result (the forecast: the plan, or
  its re-based scenario, `variants.rebase`, with any variants of a what-if): closed months are
  the same in every run. Revenue of closed months is collected in the forecast months the
  collection lag puts it in, an arrears contract's actual fee of the last closed month is paid
  in the first forecast month, and cumulative cash runs on from the actual cash. The summary
  is then worked out again by the engine's `summarize`, over the whole horizon.

One engine: the re-basing is a scenario, this module only splices arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from commitcast.core.errors import CommitcastError
from commitcast.core.finance import discount_factors
from commitcast.core.measures import MILLION
from commitcast.engine.projection import Period, Projection, from_result, period_label
from commitcast.engine.run import BatchResult, StreamSchedule, run, summarize
from commitcast.model.actuals import COMPANY_FIGURES, Actuals
from commitcast.model.provenance import field_problem
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.rebase import rebase

if TYPE_CHECKING:
    import pandas as pd

ACTUAL = "actual"
FORECAST = "forecast"
MIXED = "mixed"

# Company figures an actual replaces as given (the token split and the sums are worked out).
_AS_GIVEN = tuple(
    name
    for name in COMPANY_FIGURES
    if name
    not in (
        "committed_fees",
        "demand_tokens",
        "served_tokens",
        "overflow_tokens",
        "unserved_tokens",
        "revenue",
    )
)


@dataclass(frozen=True)
class ClosedMonths:
    """The closed months as a re-forecast shows them: every engine column (closed,) and each
    stream's rows, and what the first forecast month owes them (`carried_fees`: the arrears
    contracts' actual fees of the last closed month less their scheduled ones)."""

    actuals: Actuals
    columns: dict[str, np.ndarray]
    streams: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    carried_fees: float = 0.0

    @property
    def count(self) -> int:
        return self.actuals.closed


def _figure(values: Sequence[float | None] | None, count: int) -> np.ndarray:
    """A figure's closed months as floats, NaN where not given."""
    out = np.full(count, np.nan)
    for index, value in enumerate((values or ())[:count]):
        if value is not None:
            out[index] = value
    return out


def closed_months(plan: BatchResult, scenario: Scenario, actuals: Actuals) -> ClosedMonths:
    """The closed months of the plan's projection `plan` (run 0) with the actuals laid over
    them (see the module)."""
    k = actuals.closed
    months = plan.grid.count
    if k > months:
        raise ValueError(f"{k} closed months, but the horizon has {months}")
    cols = {
        name: np.array(values[0, :k], dtype=np.float64) for name, values in plan.columns.items()
    }
    company = {name: _figure(values, k) for name, values in actuals.company.items()}

    def given(name: str) -> np.ndarray:
        return company.get(name, np.full(k, np.nan))

    def put(name: str, values: np.ndarray) -> None:
        np.copyto(cols[name], values, where=~np.isnan(values))

    # contracts: committed fees are the plan's plus each given contract's difference
    fees = cols["committed_fees"]
    carried = 0.0
    for schedule, contract in zip(plan.contracts, scenario.contracts, strict=True):
        actual = _figure(actuals.contracts.get(contract.name, {}).get("fees"), k)
        scheduled = schedule.fees[0, :k]
        difference = np.where(np.isnan(actual), 0.0, actual - scheduled)
        fees += difference
        if k and contract.payment.timing == "arrears":
            carried += float(difference[-1])
    put("committed_fees", given("committed_fees"))
    for name in _AS_GIVEN:
        put(name, given(name))

    # streams: demand and revenue are the plan's plus each given stream's difference
    demand = cols["demand_tokens"]
    revenue = cols["revenue"]
    served_share = cols["served_share"]
    streams: dict[str, dict[str, np.ndarray]] = {}
    streams_changed = np.zeros(k, dtype=bool)
    for schedule in plan.streams:
        rows = {
            "tokens": np.array(schedule.tokens[0, :k]),
            "price": np.array(schedule.price[0, :k]),
            "usage_revenue": np.array(schedule.usage_revenue[0, :k]),
            "flat_revenue": np.array(schedule.flat_revenue[0, :k]),
        }
        figures = actuals.streams.get(schedule.name, {})
        tokens = _figure(figures.get("tokens"), k)
        earned = _figure(figures.get("revenue"), k)
        has_tokens, has_revenue = ~np.isnan(tokens), ~np.isnan(earned)
        planned_revenue = rows["usage_revenue"] * served_share + rows["flat_revenue"]
        demand += np.where(has_tokens, tokens - rows["tokens"], 0.0)
        revenue += np.where(has_revenue, earned - planned_revenue, 0.0)
        streams_changed |= has_tokens
        # the stream's rows: actual tokens; actual revenue split as the plan splits it
        np.copyto(rows["tokens"], tokens, where=has_tokens)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(planned_revenue != 0, earned / planned_revenue, np.nan)
        rescale = has_revenue & ~np.isnan(scale)
        for name in ("usage_revenue", "flat_revenue"):
            np.copyto(rows[name], rows[name] * scale, where=rescale)
        with np.errstate(divide="ignore", invalid="ignore"):
            price = rows["usage_revenue"] / rows["tokens"] * MILLION
        np.copyto(rows["price"], price, where=(has_tokens | rescale) & (rows["tokens"] > 0))
        streams[schedule.name] = rows
    put("demand_tokens", given("demand_tokens"))
    put("revenue", given("revenue"))

    # served, overflow and unserved: the usual rules from the month's demand, where it changed
    split = ("served_tokens", "overflow_tokens", "unserved_tokens")
    changed = streams_changed | ~np.isnan(given("demand_tokens"))
    for name in split:
        changed |= ~np.isnan(given(name))
    if changed.any():
        on_demand = scenario.costs.overflow.policy == "on_demand"
        served = np.where(
            np.isnan(given("served_tokens")),
            np.minimum(demand, cols["usable_capacity_tokens"]),
            given("served_tokens"),
        )
        excess = demand - served
        # bought on commits: as planned, at most the excess (their spend stays as planned,
        # like every cost not given); the rest of the excess follows costs.overflow
        commit = np.minimum(cols["commit_tokens"], np.maximum(excess, 0.0))
        np.copyto(cols["commit_tokens"], commit, where=changed)
        excess = excess - commit
        overflow_given, unserved_given = given("overflow_tokens"), given("unserved_tokens")
        overflow = np.where(
            ~np.isnan(overflow_given),
            overflow_given,
            np.where(~np.isnan(unserved_given), excess - unserved_given, excess * on_demand),
        )
        unserved = np.where(~np.isnan(unserved_given), unserved_given, excess - overflow)
        for name, values in zip(split, (served, overflow, unserved), strict=True):
            np.copyto(cols[name], values, where=changed)

    # capacity given: the capacity available after uptime moves with it
    capacity = given("capacity_tokens")
    planned_capacity = plan.columns["capacity_tokens"][0, :k]
    with np.errstate(divide="ignore", invalid="ignore"):
        available = np.where(
            planned_capacity > 0,
            cols["available_tokens"] * capacity / planned_capacity,
            capacity,
        )
    put("available_tokens", available)
    _derive(cols)
    return ClosedMonths(actuals, cols, streams, carried)


def _derive(cols: dict[str, np.ndarray]) -> None:
    """The derived figures of the closed months from their figures, as the engine derives
    them (engine.run._project), in place."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inference_capacity = cols["available_tokens"] - cols["training_tokens"]
        cols["inference_capacity_tokens"] = inference_capacity
        has_capacity = inference_capacity > 0
        served = cols["served_tokens"]
        utilization = np.where(has_capacity, served / inference_capacity, np.nan)
        cols["utilization"] = utilization
        share = cols["training_share"]
        inference_fees = (cols["committed_fees"] - cols["sla_credits"]) * (1.0 - share)
        cols["inference_fees"] = inference_fees
        cols["cost_per_million_tokens"] = np.where(
            served > 0, inference_fees / served * MILLION, np.nan
        )
        idle = np.where(has_capacity, 1.0 - utilization, 1.0)
        cols["idle_capacity_cost"] = inference_fees * np.nan_to_num(idle, nan=1.0)
        revenue = cols["revenue"]
        margin = revenue - cols["inference_cost"]
        cols["gross_margin"] = margin
        cols["gross_margin_pct"] = np.where(revenue != 0, margin / revenue, np.nan)
        cols["net_cash_flow"] = cols["cash_in"] - cols["cash_out"]


@np.errstate(over="ignore", invalid="ignore", divide="ignore")
def overlay(result: BatchResult, batch: Batch, closed: ClosedMonths) -> BatchResult:
    """`result` (every run of `batch`, all columns) with the closed months as `closed` has
    them in every run, the forecast months' cash tied to them, and the summary worked out
    again (see the module). A new result; `result` is left as it was."""
    k = closed.count
    if k == 0:
        return result
    missing = set(closed.columns) - set(result.columns)
    if missing:
        raise ValueError("a re-forecast needs every monthly column of the engine (run's columns=)")
    runs, months = batch.runs, result.grid.count
    cols = {name: np.array(values) for name, values in result.columns.items()}
    for name, values in closed.columns.items():
        cols[name][:, :k] = values
    revenue, cash_in, cash_out = cols["revenue"], cols["cash_in"], cols["cash_out"]
    # closed months' revenue, collected in the forecast months the lag puts it in
    lag = batch.column("costs.collection_lag_months")[:, 0].astype(np.int64)
    lag = np.broadcast_to(lag, (runs,))
    rows = np.arange(runs)
    for month in range(k, min(months, k + int(lag.max(initial=0)))):
        source = month - lag
        late = (source >= 0) & (source < k)
        cash_in[rows[late], month] = closed.columns["revenue"][source[late]]
    if closed.carried_fees and k < months:
        cash_out[:, k] += closed.carried_fees
        cols["fees_paid"][:, k] += closed.carried_fees
    np.subtract(cash_in, cash_out, out=cols["net_cash_flow"])
    np.cumsum(cols["net_cash_flow"], axis=1, out=cols["cumulative_cash"])
    np.cumsum(revenue - cash_in, axis=1, out=cols["receivables"])
    inputs = {
        "factors": discount_factors(batch.column("discount_rate")[:, 0], months),
        "market": batch.column("benchmarks.market_price_per_gpu_hour"),
    }
    summary = summarize(cols, inputs)
    summary["exit_cost_now"] = result.summary["exit_cost_now"]
    streams = []
    for schedule in result.streams:
        rows_of = closed.streams.get(schedule.name)
        if rows_of is None:
            streams.append(schedule)
            continue
        shown = {}
        for name in ("tokens", "price", "usage_revenue", "flat_revenue"):
            values = np.array(getattr(schedule, name))
            values[:, :k] = rows_of[name]
            shown[name] = values
        streams.append(StreamSchedule(schedule.name, **shown))
    return replace(result, columns=cols, summary=summary, streams=streams)


@dataclass(frozen=True)
class Reforecast:
    """A plan re-forecast on its actuals: the `plan`, the `scenario` its forecast months
    project (re-based, or the plan itself with `keep_plan`) and the `closed` months. `run` is
    the engine for a what-if on it: every run of a batch of `scenario` with the closed months
    laid over (closed months stay actual in every run)."""

    plan: Scenario
    scenario: Scenario
    closed: ClosedMonths
    keep_plan: bool = False

    def run(self, batch: Batch, columns: object = None) -> BatchResult:
        """`engine.run.run(batch)` with the closed months laid over; `columns` is accepted
        for the engine's signature and ignored (the overlay needs every column)."""
        return overlay(run(batch), batch, self.closed)

    @property
    def actuals(self) -> Actuals:
        return self.closed.actuals


def check_actuals(scenario: Scenario, actuals: Actuals) -> None:
    """Refuse `actuals` that were not read against `scenario` (load.actuals.read_actuals checks
    a file against its plan; a caller may pair them otherwise): closed months from the horizon's
    first month and inside it, and every stream and contract they name one of the plan's. Their
    figures would otherwise be partly dropped without a word."""
    from commitcast.variants.inputs import ArgumentProblem

    def problem(message: str) -> ArgumentProblem:
        hint = "read the actuals against this plan: read_actuals(path, scenario)"
        return ArgumentProblem(message, field="actuals", hint=hint, argument="actuals")

    problems = []
    months = actuals.months
    if months and (months[0] != scenario.horizon.start or len(months) > scenario.months):
        problems.append(
            problem(
                f"the actuals' closed months ({months[0]:%Y-%m} to {months[-1]:%Y-%m}) must run "
                f"from the horizon's first month ({scenario.horizon.start:%Y-%m}) and stay "
                f"inside its {scenario.months} months"
            )
        )
    for what, given, names in (
        ("revenue stream", actuals.streams, [s.name for s in scenario.revenue]),
        ("contract", actuals.contracts, [c.name for c in scenario.contracts]),
    ):
        problems += [
            problem(f"the actuals name a {what} {name!r} the plan does not have")
            for name in given
            if name not in names
        ]
    if problems:
        raise CommitcastError(problems)


def prepare(scenario: Scenario, actuals: Actuals, keep_plan: bool = False) -> Reforecast:
    """The re-forecast of `scenario` on `actuals`: its closed months worked out once from the
    plan's projection, and the scenario of its forecast months (`variants.rebase`)."""
    check_actuals(scenario, actuals)
    if actuals.closed:
        _refuse_unfollowed(scenario)
    plan_result = run(Batch(scenario))
    closed = closed_months(plan_result, scenario, actuals)
    return Reforecast(scenario, rebase(scenario, actuals, keep_plan), closed, keep_plan)


def _refuse_unfollowed(scenario: Scenario) -> None:
    """A re-forecast does not follow take-or-pay commits or streams in another currency yet:
    a commit's period spend would miss the closed months (its shortfalls and obligation would
    be overstated), and a stream's actual revenue has no currency of its own. Refused at their
    lines rather than shown wrong."""
    problems = [
        field_problem(
            scenario.provenance,
            ("contracts", i, "kind"),
            f"a re-forecast does not follow a take-or-pay commit yet ({c.name!r})",
            "project it without --actuals; compare the plan with the actuals with `variance`",
        )
        for i, c in enumerate(scenario.contracts)
        if c.kind == "commit"
    ]
    problems += [
        field_problem(
            scenario.provenance,
            ("revenue", j, "currency"),
            f"a re-forecast does not follow a revenue stream in another currency yet ({s.name!r})",
            "project it without --actuals",
        )
        for j, s in enumerate(scenario.revenue)
        if scenario.currency_of(s) != scenario.currency
    ]
    if problems:
        raise CommitcastError(problems)


def runner(
    scenario: Scenario, actuals: Actuals | None, keep_plan: bool = False
) -> tuple[Scenario, Callable[[Batch], BatchResult]]:
    """The scenario a what-if varies and the engine it runs: `scenario` and `engine.run.run`
    without actuals; the re-based scenario and `Reforecast.run` with them."""
    if actuals is None:
        return scenario, run
    prepared = prepare(scenario, actuals, keep_plan)
    return prepared.scenario, prepared.run


@dataclass
class ReforecastProjection(Projection):
    """A re-forecast's projection: a Projection whose table has a `basis` column after the
    month (`actual` or `forecast`; by any other period `mixed` when its months are both).
    `scenario` is the one the forecast months project (re-based on the actuals, or the plan
    with `keep_plan`); `plan` the plan itself."""

    plan: Scenario | None = None
    actuals: Actuals | None = None
    keep_plan: bool = False
    basis: list[str] = field(default_factory=list)  # per month

    @property
    def closed(self) -> int:
        """How many of the horizon's first months are actual."""
        return self.basis.count(ACTUAL)

    def basis_by(self, by: Period = "month") -> list[str]:
        """Each row's basis: per month, or per period (see `period_basis`)."""
        if by == "month":
            return list(self.basis)
        return period_basis(self.labels, self.basis, by, self.scenario.fiscal_year_start_month)

    def table(self, by: Period = "month") -> tuple[list[str], list[list[Any]]]:
        header, rows = super().table(by)
        kinds = self.basis_by(by)
        return (
            [header[0], "basis", *header[1:]],
            [[row[0], kind, *row[1:]] for row, kind in zip(rows, kinds, strict=True)],
        )

    def frame(self, by: Period = "month") -> pd.DataFrame:
        table = super().frame(by)
        table.insert(1, "basis", self.basis_by(by))
        return table


def reforecast(
    scenario: Scenario, actuals: Actuals, keep_plan: bool = False
) -> ReforecastProjection:
    """The rolling re-forecast of `scenario` (the plan) on `actuals`: the closed months show
    the actuals, the rest the forecast (re-based on the last closed month's actuals, or the
    plan's path with `keep_plan`); `basis` says which month is which, and the summary covers
    the whole horizon, actual plus forecast.

        actuals = commitcast.read_actuals("actuals.csv", scenario)
        result = commitcast.reforecast(scenario, actuals)
        result.summary["ending_cash"], result.basis[:7], result.table("quarter")
    """
    prepared = prepare(scenario, actuals, keep_plan)
    base = from_result(prepared.scenario, prepared.run(Batch(prepared.scenario)), 0)
    return ReforecastProjection(
        **{name: getattr(base, name) for name in Projection.__dataclass_fields__},
        plan=scenario,
        actuals=actuals,
        keep_plan=keep_plan,
        basis=month_basis(len(base.labels), actuals.closed),
    )


def month_basis(months: int, closed: int) -> list[str]:
    """`actual` for each closed month, then `forecast`."""
    return [ACTUAL] * min(closed, months) + [FORECAST] * max(months - closed, 0)


def period_basis(
    labels: Sequence[str], basis: Sequence[str], by: Period, fiscal_year_start_month: int = 1
) -> list[str]:
    """Each period's basis: `actual` or `forecast` when all its months are, else `mixed`."""
    periods: dict[str, set[str]] = {}
    for label, kind in zip(labels, basis, strict=True):
        period = period_label(label, by, fiscal_year_start_month)
        periods.setdefault(period, set()).add(kind)
    return [kinds.pop() if len(kinds) == 1 else MIXED for kinds in periods.values()]
