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
    contract_schedules,
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
@np.errstate(over="ignore", invalid="ignore", divide="ignore")
def run(batch: Batch) -> BatchResult:
    """Project every run of the batch in one pass over arrays.

    Inputs equal in every run are used as one row, so what follows from them alone is worked
    out once (the same arithmetic on the same numbers) and each monthly column is spread to
    every run at the end. Each step writes into an array made for it, or reuses one that is no
    longer read.
    """
    scenario = batch.scenario
    months = scenario.months
    first = month_number(scenario.horizon.start)
    horizon = MonthGrid(first, months)
    # The contract grid starts a month early (arrears paid in month 0 for the month before) and
    # runs to the last contract's end: obligations do not stop at the edge of the projection.
    grid = contract_grid(batch)
    runs = batch.runs
    varying = batch.varying()
    schedules, totals = contract_schedules(batch, grid, varying)
    fees = totals.fees
    fees_paid = totals.fees_paid
    capacity = totals.capacity_tokens
    obligation = totals.remaining_obligation
    column = _compact_columns(batch, varying)

    t = np.arange(months, dtype=np.float64)
    rows = runs if any(key.startswith("revenue[") for key in varying) else 1
    demand = np.zeros((rows, months))
    usage_revenue = np.zeros((rows, months))
    flat_revenue = np.zeros((rows, months))
    streams: list[StreamSchedule] = []
    for j, stream in enumerate(scenario.revenue):
        p = f"revenue[{j}]"
        growth = np.power(1.0 + column(f"{p}.growth"), t)
        tokens = np.multiply(column(f"{p}.tokens_per_month"), growth)
        price = np.power(1.0 + column(f"{p}.price_change"), t)
        price = _apply(np.multiply, column(f"{p}.price_per_million_tokens"), price, price)
        usage = np.multiply(tokens, price)
        np.divide(usage, MILLION, out=usage)
        flat = _apply(np.multiply, column(f"{p}.revenue_per_month"), growth, growth)
        np.add(demand, tokens, out=demand)
        np.add(usage_revenue, usage, out=usage_revenue)
        np.add(flat_revenue, flat, out=flat_revenue)
        # inputs equal in every run give (1, months): shown as (runs, months), read-only
        streams.append(
            StreamSchedule(
                stream.name,
                *(np.broadcast_to(a, (runs, months)) for a in (tokens, price, usage, flat)),
            )
        )

    share = column("costs.training_share")
    on_demand = column("costs.overflow.policy") == 1.0
    training_tokens = np.multiply(capacity, share)
    inference_capacity = np.subtract(capacity, training_tokens)
    served = np.minimum(demand, inference_capacity)
    excess = np.subtract(demand, served)
    if on_demand.all():
        # everything unserved is bought: the where()s below would copy `excess` and zeros
        overflow, unserved = excess, np.zeros((1, months))
    elif not on_demand.any():
        overflow, unserved = np.zeros((1, months)), excess
    else:
        overflow = np.where(on_demand, excess, 0.0)
        unserved = np.where(on_demand, 0.0, excess)
    if unserved.any():
        served_share = np.ones(np.broadcast_shapes(unserved.shape, demand.shape))
        wanted = demand > 0
        np.divide(unserved, demand, out=served_share, where=wanted)
        np.subtract(1.0, served_share, out=served_share, where=wanted)
        revenue = np.multiply(usage_revenue, served_share)
        np.add(revenue, flat_revenue, out=revenue)
    else:
        # 1 - 0 / demand is exactly 1 wherever demand > 0, and usage x 1 is usage
        served_share = np.ones((1, months))
        revenue = np.add(usage_revenue, flat_revenue)
    # where there is no inference capacity utilization is undefined (NaN)
    utilization = np.divide(served, inference_capacity)
    _undefined_where(utilization, inference_capacity > 0)

    inference_fees = np.multiply(fees, 1.0 - share)
    overflow_cost = np.multiply(overflow, column("costs.overflow.cost_per_million_tokens"))
    np.divide(overflow_cost, MILLION, out=overflow_cost)
    serving_cost = np.add(served, overflow)
    serving_cost = _apply(
        np.multiply, serving_cost, column("costs.serving_cost_per_million_tokens"), serving_cost
    )
    np.divide(serving_cost, MILLION, out=serving_cost)
    inference_cost = np.add(inference_fees, overflow_cost)
    inference_cost = _apply(np.add, inference_cost, serving_cost, inference_cost)
    training_cost = np.multiply(fees, share)
    # With no inference capacity nothing is used: every inference fee is idle. 1 - utilization
    # with NaN as 0 (and +-inf as +-the largest float, as numpy's nan_to_num would give).
    idle = np.subtract(1.0, utilization)
    if not np.isfinite(idle).all():
        np.nan_to_num(idle, copy=False, nan=1.0)
    idle = _apply(np.multiply, inference_fees, idle, idle)
    gross_margin = np.subtract(revenue, inference_cost)
    margin_pct = np.divide(gross_margin, revenue)
    _undefined_where(margin_pct, revenue != 0)

    if "costs.collection_lag_months" not in varying:
        # one lag for every run: a shift of the columns (the same values, without a gather)
        shift = int(batch["costs.collection_lag_months"][0]) if runs else 0
        cash_in = np.zeros_like(revenue)
        if shift < months:
            cash_in[:, shift:] = revenue[:, : months - shift]
    else:
        lag = batch["costs.collection_lag_months"].astype(np.int64)[:, None]
        source = np.arange(months)[None, :] - lag
        full = np.broadcast_to(revenue, (runs, months))
        cash_in = np.where(
            source >= 0, np.take_along_axis(full, np.clip(source, 0, None), axis=1), 0.0
        )
    cash_out = np.add(fees_paid, overflow_cost)
    cash_out = _apply(np.add, cash_out, serving_cost, cash_out)
    net = np.subtract(cash_in, cash_out)
    cumulative = np.cumsum(net, axis=1)

    compact = {
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
    rate = column("discount_rate")[:, 0]
    summary = summarize(compact, rate, runs)
    summary["exit_cost_now"] = _spread(totals.exit_cost_now, (runs,))
    columns = {name: _spread(values, (runs, months)) for name, values in compact.items()}
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


def _apply(ufunc: np.ufunc, a: np.ndarray, b: np.ndarray, spare: np.ndarray) -> np.ndarray:
    """ufunc(a, b), written into `spare` (an array no longer read) when the result fits it."""
    if spare.shape == np.broadcast_shapes(a.shape, b.shape):
        return ufunc(a, b, out=spare)
    return ufunc(a, b)


def _undefined_where(values: np.ndarray, defined: np.ndarray) -> None:
    """NaN in `values` wherever `defined` is False (in place)."""
    if not defined.all():
        np.copyto(values, np.nan, where=~defined)


def _spread(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`values` as a C-ordered array of `shape`: itself if it is one, else a copy for every
    run. (How numpy sums along rows depends on the layout: the figures must not.)"""
    if values.shape == shape and values.flags.c_contiguous:
        return values
    out = np.empty(shape, dtype=values.dtype)
    out[...] = values
    return out


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


def _compact_columns(batch: Batch, varying: list[str]) -> Callable[[str], np.ndarray]:
    """`batch.column` that gives an input equal in every run as a (1, 1) array, so the months
    it feeds are computed once and broadcast; values and arithmetic are unchanged."""

    def column(key: str) -> np.ndarray:
        full = batch.column(key)
        return full if key in varying else full[:1]

    return column


def summarize(
    columns: dict[str, np.ndarray], annual_rate: np.ndarray, runs: int
) -> dict[str, np.ndarray]:
    """Summary figures (runs,) from the monthly columns (docs/commands.md defines each).

    A column may have one row for every run (see `run`): its figures are worked out once."""

    def total(name: str) -> np.ndarray:
        return np.ascontiguousarray(columns[name]).sum(axis=1)

    revenue = total("revenue")
    margin = total("gross_margin")
    served = total("served_tokens")
    inference_capacity = total("inference_capacity_tokens")
    cumulative = columns["cumulative_cash"]
    net = columns["net_cash_flow"]
    months = net.shape[1]

    # the lowest balance and its first month (argmin finds a NaN as min does)
    peak = cumulative.argmin(axis=1)
    lowest = np.take_along_axis(cumulative, peak[:, None], axis=1)[:, 0]
    dipped = lowest < 0
    peak_month = np.where(dipped, peak, -1)
    # payback: first month at or above zero after the first month below zero
    below = cumulative < 0
    first = below.argmax(axis=1)
    first_below = np.where(np.take_along_axis(below, first[:, None], axis=1)[:, 0], first, months)
    after = np.greater_equal(cumulative, 0, out=below)
    after &= np.arange(months)[None, :] > first_below[:, None]
    found = after.argmax(axis=1)
    payback = np.where(np.take_along_axis(after, found[:, None], axis=1)[:, 0], found, -1)

    margin_pct = np.divide(margin, revenue)
    _undefined_where(margin_pct, revenue != 0)
    average_utilization = np.divide(served, inference_capacity)
    _undefined_where(average_utilization, inference_capacity > 0)
    factors = discount_factors(annual_rate, months)
    discounted = np.multiply(net, factors)
    figures = {
        "total_committed_fees": total("committed_fees"),
        "total_revenue": revenue,
        "total_inference_cost": total("inference_cost"),
        "total_training_cost": total("training_cost"),
        "gross_margin": margin,
        "gross_margin_pct": margin_pct,
        "npv": discounted.sum(axis=1),
        "peak_funding_need": np.where(dipped, -lowest, 0.0),
        "peak_funding_month": peak_month,
        "payback_month": payback,
        "average_utilization": average_utilization,
        "total_idle_capacity_cost": total("idle_capacity_cost"),
        "total_overflow_cost": total("overflow_cost"),
        "total_cash_in": total("cash_in"),
        "total_cash_out": total("cash_out"),
        "ending_cash": cumulative[:, -1],
    }
    return {name: _spread(values, (runs,)) for name, values in figures.items()}
