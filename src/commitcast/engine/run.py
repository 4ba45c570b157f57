"""The projection engine: a batch of scenario variants -> arrays of shape (runs, months).

There is one engine and it is always batched; a single projection is a batch of one. Nothing
here rounds: money is float64 from input to output, rounded only for display.

Each contract's schedule (proration, escalator, ramp, notice and termination fee, payment
timing, obligation) is computed in `engine.contracts`, which states those conventions; this
module adds the contracts up and projects demand, revenue, costs and cash. Revenue is collected
`collection_lag_months` after it is earned; cash outside the horizon is outside the projection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from commitcast.core.calendar import MonthGrid, month_number
from commitcast.core.finance import discount_factors
from commitcast.core.measures import MILLION
from commitcast.engine.contracts import (
    ContractSchedule,
    contract_grid,
    contract_schedule,
    shared_schedule,
)
from commitcast.variants.batch import Batch


@dataclass
class StreamSchedule:
    """One revenue stream over the horizon, per run; every array is (runs, months)."""

    name: str
    tokens: np.ndarray  # tokens demanded: tokens_per_month x (1 + growth) ** t
    price: np.ndarray  # per million tokens: price x (1 + price_change) ** t
    usage_revenue: np.ndarray  # tokens x price / 1e6, as if all demand were served
    flat_revenue: np.ndarray  # revenue_per_month x (1 + growth) ** t


@dataclass
class BatchResult:
    """Monthly columns (runs, months) and summary figures (runs,) for a batch, and the
    schedules they add up: each contract over `contract_grid` (the month before the horizon
    through the last contract's end; see `engine.contracts`) and each revenue stream."""

    grid: MonthGrid  # the horizon's months
    columns: dict[str, np.ndarray]
    summary: dict[str, np.ndarray]
    contract_grid: MonthGrid  # the month before the horizon .. the last contract's end
    contracts: list[ContractSchedule] = field(default_factory=list)
    streams: list[StreamSchedule] = field(default_factory=list)


# Overflow is reported by check_finite with a message; numpy's warnings would only confuse.
@np.errstate(over="ignore", invalid="ignore")
def run(batch: Batch) -> BatchResult:
    """Project every run of the batch in one pass over arrays."""
    scenario = batch.scenario
    months = scenario.months
    first = month_number(scenario.horizon.start)
    horizon = MonthGrid(first, months)
    # The contract grid starts a month early (arrears paid in month 0 for the month before) and
    # runs to the last contract's end: obligations do not stop at the edge of the projection.
    grid = contract_grid(batch)
    runs = batch.runs

    fees = np.zeros((runs, months))
    fees_paid = np.zeros((runs, months))
    capacity = np.zeros((runs, months))
    obligation = np.zeros((runs, months))
    exit_cost_now = np.zeros(runs)
    schedules: list[ContractSchedule] = []
    # found once: asking per input would be quadratic in the number of inputs (3000 contracts
    # took minutes)
    varying = _varying_keys(batch)
    first_run: Batch | None = None
    for index, contract in enumerate(scenario.contracts):
        # A contract whose inputs are the same in every run is computed once and shared: the
        # same arithmetic on the same numbers, so the figures are identical, at 1/runs the cost.
        if runs > 1 and not _varies(varying, f"contracts[{index}]."):
            first_run = first_run or batch.slice(0, 1)
            schedule = shared_schedule(contract_schedule(first_run, index, grid), runs)
        else:
            schedule = contract_schedule(batch, index, grid)
        schedule.name = contract.name
        schedules.append(schedule)
        fees += schedule.fees
        fees_paid += schedule.fees_paid
        capacity += schedule.capacity_tokens
        obligation += schedule.remaining_obligation
        exit_cost_now += schedule.exit_cost_now

    t = np.arange(months, dtype=np.float64)[None, :]
    demand = np.zeros((runs, months))
    usage_revenue = np.zeros((runs, months))
    flat_revenue = np.zeros((runs, months))
    column = _compact_columns(batch, varying)
    streams: list[StreamSchedule] = []
    for j, stream in enumerate(scenario.revenue):
        p = f"revenue[{j}]"
        growth = np.power(1.0 + column(f"{p}.growth"), t)
        tokens = column(f"{p}.tokens_per_month") * growth
        price = column(f"{p}.price_per_million_tokens") * np.power(
            1.0 + column(f"{p}.price_change"), t
        )
        usage = tokens * price / MILLION
        flat = column(f"{p}.revenue_per_month") * growth
        demand += tokens
        usage_revenue += usage
        flat_revenue += flat
        # inputs equal in every run give (1, months): shown as (runs, months), read-only
        streams.append(
            StreamSchedule(
                stream.name,
                *(np.broadcast_to(a, (runs, months)) for a in (tokens, price, usage, flat)),
            )
        )

    share = column("costs.training_share")
    on_demand = column("costs.overflow.policy") == 1.0
    training_tokens = capacity * share
    inference_capacity = capacity - training_tokens
    served = np.minimum(demand, inference_capacity)
    excess = demand - served
    overflow = np.where(on_demand, excess, 0.0)
    unserved = np.where(on_demand, 0.0, excess)
    with np.errstate(invalid="ignore", divide="ignore"):
        served_share = np.where(demand > 0, 1.0 - unserved / demand, 1.0)
        utilization = np.where(inference_capacity > 0, served / inference_capacity, np.nan)
    revenue = usage_revenue * served_share + flat_revenue

    inference_fees = fees * (1.0 - share)
    overflow_cost = overflow * column("costs.overflow.cost_per_million_tokens") / MILLION
    serving_cost = (served + overflow) * column("costs.serving_cost_per_million_tokens") / MILLION
    inference_cost = inference_fees + overflow_cost + serving_cost
    training_cost = fees * share
    # With no inference capacity nothing is used: every inference fee is idle.
    idle = inference_fees * (1.0 - np.nan_to_num(utilization, nan=0.0))
    gross_margin = revenue - inference_cost
    with np.errstate(invalid="ignore", divide="ignore"):
        margin_pct = np.where(revenue != 0, gross_margin / revenue, np.nan)

    lag = batch["costs.collection_lag_months"].astype(np.int64)[:, None]
    if not _varies(varying, "costs.collection_lag_months"):
        # one lag for every run: a shift of the columns (the same values, without a gather)
        cash_in = np.zeros_like(revenue)
        shift = int(lag[0, 0]) if runs else 0
        if shift < months:
            cash_in[:, shift:] = revenue[:, : months - shift]
    else:
        source = np.arange(months)[None, :] - lag
        cash_in = np.where(
            source >= 0, np.take_along_axis(revenue, np.clip(source, 0, None), axis=1), 0.0
        )
    cash_out = fees_paid + overflow_cost + serving_cost
    net = cash_in - cash_out
    cumulative = np.cumsum(net, axis=1)

    columns = {
        "committed_fees": fees,
        "capacity_tokens": capacity,
        "training_tokens": training_tokens,
        "demand_tokens": demand,
        "served_tokens": served,
        "overflow_tokens": overflow,
        "unserved_tokens": unserved,
        "utilization": utilization,
        "revenue": revenue,
        "inference_cost": inference_cost,
        "training_cost": training_cost,
        "idle_capacity_cost": idle,
        "gross_margin": gross_margin,
        "gross_margin_pct": margin_pct,
        "cash_in": cash_in,
        "cash_out": cash_out,
        "net_cash_flow": net,
        "cumulative_cash": cumulative,
        "remaining_obligation": obligation,
        # not columns of the table, but summaries, simulate and the workbook need them
        "overflow_cost": overflow_cost,
        "serving_cost": serving_cost,
        "fees_paid": fees_paid,
        "inference_capacity_tokens": inference_capacity,
        # the workbook's calculation sheet shows these steps too
        "usage_revenue": usage_revenue,
        "flat_revenue": flat_revenue,
        "served_share": served_share,
        "inference_fees": inference_fees,
    }
    rate = batch["discount_rate"]
    summary = summarize(columns, rate if _varies(varying, "discount_rate") else rate[:1])
    summary["exit_cost_now"] = exit_cost_now
    result = BatchResult(
        grid=horizon,
        columns=columns,
        summary=summary,
        contract_grid=grid,
        contracts=schedules,
        streams=streams,
    )
    check_finite(result, scenario.provenance.file)
    return result


# Summary figures that are NaN by design when undefined (no revenue, no capacity, no dip).
UNDEFINED_OK = ("gross_margin_pct", "average_utilization", "peak_funding_month", "payback_month")


def check_finite(result: BatchResult, file: str | None = None) -> None:
    """Refuse runs whose figures overflowed float64: they would show as blanks, not numbers.

    Validation bounds each input, but growth compounded over a long horizon can still pass
    1e308 (1000% a month for 100 years). Every money and token column flows into a summary
    total, so checking the (runs,) totals is enough and costs nothing next to the engine.
    """
    for key, values in result.summary.items():
        if key in UNDEFINED_OK:
            continue
        bad = ~np.isfinite(values)
        if not bad.any():
            continue
        from commitcast.core.errors import CommitcastError

        runs = len(values)
        which = f" in run {int(np.argmax(bad)) + 1} of {runs}" if runs > 1 else ""
        raise CommitcastError.single(
            f"the projection is too large to compute: {key} passes the range of numbers "
            f"(about 1e308){which}",
            hint="a growth rate, price change or escalator compounds too fast over this "
            "horizon; lower it or shorten the horizon",
            file=file,
        )


def _varying_keys(batch: Batch) -> list[str]:
    """Keys of the inputs that differ between runs."""
    varying = []
    for key, values in batch.values.items():
        if values.size > 1:
            first = values[:1]
            if not np.array_equal(values, np.broadcast_to(first, values.shape), equal_nan=True):
                varying.append(key)
    return varying


def _varies(varying: list[str], prefix: str) -> bool:
    """Whether any input whose key starts with `prefix` differs between runs."""
    return any(key.startswith(prefix) for key in varying)


def _compact_columns(batch: Batch, varying: list[str]) -> Callable[[str], np.ndarray]:
    """`batch.column` that gives an input equal in every run as a (1, 1) array, so the months
    it feeds are computed once and broadcast; values and arithmetic are unchanged."""

    def column(key: str) -> np.ndarray:
        full = batch.column(key)
        return full if _varies(varying, key) else full[:1]

    return column


def summarize(columns: dict[str, np.ndarray], annual_rate: np.ndarray) -> dict[str, np.ndarray]:
    """Summary figures per run from the monthly columns (docs/commands.md defines each)."""
    revenue = columns["revenue"].sum(axis=1)
    margin = columns["gross_margin"].sum(axis=1)
    served = columns["served_tokens"].sum(axis=1)
    inference_capacity = columns["inference_capacity_tokens"].sum(axis=1)
    cumulative = columns["cumulative_cash"]
    net = columns["net_cash_flow"]
    months = net.shape[1]

    lowest = cumulative.min(axis=1)
    dipped = lowest < 0
    peak_month = np.where(dipped, cumulative.argmin(axis=1), -1)
    # payback: first month at or above zero after the first month below zero
    below = cumulative < 0
    first_below = np.where(below.any(axis=1), below.argmax(axis=1), months)
    after = (np.arange(months)[None, :] > first_below[:, None]) & (cumulative >= 0)
    payback = np.where(after.any(axis=1), after.argmax(axis=1), -1)

    with np.errstate(invalid="ignore", divide="ignore"):
        margin_pct = np.where(revenue != 0, margin / revenue, np.nan)
        average_utilization = np.where(inference_capacity > 0, served / inference_capacity, np.nan)
    factors = discount_factors(annual_rate, months)
    return {
        "total_committed_fees": columns["committed_fees"].sum(axis=1),
        "total_revenue": revenue,
        "total_inference_cost": columns["inference_cost"].sum(axis=1),
        "total_training_cost": columns["training_cost"].sum(axis=1),
        "gross_margin": margin,
        "gross_margin_pct": margin_pct,
        "npv": (net * factors).sum(axis=1),
        "peak_funding_need": np.where(dipped, -lowest, 0.0),
        "peak_funding_month": peak_month,
        "payback_month": payback,
        "average_utilization": average_utilization,
        "total_idle_capacity_cost": columns["idle_capacity_cost"].sum(axis=1),
        "total_overflow_cost": columns["overflow_cost"].sum(axis=1),
        "total_cash_in": columns["cash_in"].sum(axis=1),
        "total_cash_out": columns["cash_out"].sum(axis=1),
        "ending_cash": cumulative[:, -1],
    }
