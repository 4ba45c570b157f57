"""The projection engine: a batch of scenario variants -> arrays of shape (runs, months).

There is one engine and it is always batched; a single projection is a batch of one. Nothing
here rounds: money is float64 from input to output, rounded only for display.

Conventions (also in the README):
- a contract's fee and capacity in a month are prorated by days in service / days in month;
- contract month k counts calendar months from the contract's start month (k = 0 there);
  the escalator multiplies the fee by (1 + rate) ** (k // every_months); ramp steps follow one
  another from k = 0 and scale fee and capacity;
- notice on day D with N days' notice makes D + N the first day without service, unless that
  reaches to or past the contract's end (then nothing changes and no fee is charged); the
  termination fee is part of the committed fees of the last month of service;
- `advance` pays a month's fees in that month, `arrears` the month after; revenue is collected
  `collection_lag_months` after it is earned; cash outside the horizon is outside the projection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from commitcast.core.calendar import MonthGrid, month_number, months_of_days
from commitcast.core.finance import discount_factors
from commitcast.core.measures import MILLION
from commitcast.variants.batch import Batch


@dataclass
class ContractSchedule:
    """One contract over the horizon, per run: what the Contracts sheet shows."""

    name: str
    fees: np.ndarray  # committed fees incl. any termination fee, (runs, months)
    capacity_tokens: np.ndarray
    fees_paid: np.ndarray
    termination_fee: np.ndarray  # (runs, months), non-zero only in the last month of service
    last_service_day: np.ndarray  # (runs,) day number
    remaining_obligation: np.ndarray  # (runs, months)
    exit_cost_now: np.ndarray  # (runs,)
    fees_after_horizon: np.ndarray  # (runs,) fees scheduled after the horizon's last month


@dataclass
class BatchResult:
    """Monthly columns (runs, months) and summary figures (runs,) for a batch."""

    grid: MonthGrid
    columns: dict[str, np.ndarray]
    summary: dict[str, np.ndarray]
    contracts: list[ContractSchedule] = field(default_factory=list)


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
    last = max(
        [first + months - 1]
        + [month_number(c.end) for c in scenario.contracts]
        # a varied end date (a batch key) could lie later than the scenario's own
        + [int(_max_month(batch[f"contracts[{i}].end"])) for i in range(len(scenario.contracts))]
    )
    grid = MonthGrid(first - 1, last - first + 2)
    in_horizon = slice(1, months + 1)
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
            schedule = _shared(_contract(first_run, index, grid, in_horizon, months), runs)
        else:
            schedule = _contract(batch, index, grid, in_horizon, months)
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
    for j in range(len(scenario.revenue)):
        p = f"revenue[{j}]"
        growth = np.power(1.0 + column(f"{p}.growth"), t)
        tokens = column(f"{p}.tokens_per_month") * growth
        price = column(f"{p}.price_per_million_tokens") * np.power(
            1.0 + column(f"{p}.price_change"), t
        )
        demand += tokens
        usage_revenue += tokens * price / MILLION
        flat_revenue += column(f"{p}.revenue_per_month") * growth

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
    }
    rate = batch["discount_rate"]
    summary = summarize(columns, rate if _varies(varying, "discount_rate") else rate[:1])
    summary["exit_cost_now"] = exit_cost_now
    result = BatchResult(grid=horizon, columns=columns, summary=summary, contracts=schedules)
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


def _shared(schedule: ContractSchedule, runs: int) -> ContractSchedule:
    """A one-run schedule as a read-only view repeated for every run."""

    def spread(array: np.ndarray) -> np.ndarray:
        return np.broadcast_to(array, (runs, *array.shape[1:]))

    return ContractSchedule(
        name=schedule.name,
        fees=spread(schedule.fees),
        capacity_tokens=spread(schedule.capacity_tokens),
        fees_paid=spread(schedule.fees_paid),
        termination_fee=spread(schedule.termination_fee),
        last_service_day=spread(schedule.last_service_day),
        remaining_obligation=spread(schedule.remaining_obligation),
        exit_cost_now=spread(schedule.exit_cost_now),
        fees_after_horizon=spread(schedule.fees_after_horizon),
    )


def _max_month(days: np.ndarray) -> float:
    finite = days[np.isfinite(days)]
    if finite.size == 0:
        return -np.inf
    return float(months_of_days(np.array([finite.max()]))[0])


def summarize(columns: dict[str, np.ndarray], annual_rate: np.ndarray) -> dict[str, np.ndarray]:
    """Summary figures per run from the monthly columns (see the README for each definition)."""
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


def _contract(
    batch: Batch, index: int, grid: MonthGrid, in_horizon: slice, months: int
) -> ContractSchedule:
    p = f"contracts[{index}]"
    starts = grid.starts.astype(np.float64)  # (G + 1,) first day of each month and one past
    month_first = starts[None, :-1]
    month_next = starts[None, 1:]
    days_in_month = np.diff(starts)[None, :]

    start = batch.column(f"{p}.start")
    end = batch.column(f"{p}.end")
    fee = batch.column(f"{p}.monthly_fee")
    tokens = batch.column(f"{p}.capacity.tokens_per_month")

    allowed = batch.column(f"{p}.termination.allowed") > 0
    notice_days = batch.column(f"{p}.termination.notice_days")
    termination_fee = batch.column(f"{p}.termination.fee")
    earliest = batch.column(f"{p}.termination.earliest_notice")
    notice = batch.column(f"{p}.termination.notice_given")
    given = allowed & np.isfinite(notice)
    window_end = np.where(given, notice + notice_days, np.inf)
    terminated = given & (window_end <= end)
    stop = np.where(terminated, window_end, end + 1)  # first day without service

    # contract month k of each grid month, and the fee before proration
    k = grid.months[None, :] - months_of_days(batch[f"{p}.start"])[:, None]
    every = np.maximum(batch.column(f"{p}.escalator.every_months"), 1)
    steps = np.floor_divide(np.maximum(k, 0), every)
    escalation = np.power(1.0 + batch.column(f"{p}.escalator.rate"), steps)
    ramp = np.ones_like(escalation)
    step_start = np.zeros((batch.runs, 1))
    for j in range(len(batch.scenario.contracts[index].ramp)):
        length = batch.column(f"{p}.ramp[{j}].months")
        in_step = (k >= step_start) & (k < step_start + length)
        ramp = np.where(in_step, batch.column(f"{p}.ramp[{j}].fraction"), ramp)
        step_start = step_start + length
    full_fee = fee * escalation * ramp  # fee for a whole month of service
    daily_fee = full_fee / days_in_month

    def service_days(until: np.ndarray) -> np.ndarray:
        return np.clip(np.minimum(until, month_next) - np.maximum(start, month_first), 0, None)

    days = service_days(stop)
    service_fees = daily_fee * days
    capacity = tokens * ramp * days / days_in_month

    # the termination fee belongs to the month of the last day of service
    last_day = stop - 1
    last_month = np.searchsorted(starts, last_day[:, 0], side="right") - 1
    charge = np.zeros_like(service_fees)
    rows = np.nonzero(terminated[:, 0] & (last_month >= 0) & (last_month < grid.count))[0]
    charge[rows, last_month[rows]] = termination_fee[rows, 0]
    committed = service_fees + charge

    arrears = batch.column(f"{p}.payment.timing") == 1.0
    paid = np.where(arrears, committed[:, in_horizon.start - 1 : in_horizon.stop - 1], 0.0)
    paid = paid + np.where(arrears, 0.0, committed[:, in_horizon])

    # Cumulative service fees at each month's first day; fees up to any day follow from it.
    cumulative = np.concatenate(
        [np.zeros((batch.runs, 1)), np.cumsum(service_fees, axis=1)], axis=1
    )

    def fees_before(day: np.ndarray) -> np.ndarray:
        """Service fees for days before `day` (day numbers, shape (runs, n)), from grid start."""
        day = np.clip(day, starts[0], starts[-1])
        month = np.clip(np.searchsorted(starts, day, side="right") - 1, 0, grid.count - 1)
        first_day = starts[month]
        partial = np.clip(np.minimum(day, stop) - np.maximum(start, first_day), 0, None)
        rate = np.take_along_axis(daily_fee, month, axis=1)
        return np.take_along_axis(cumulative, month, axis=1) + rate * partial

    # Obligation if notice were given on day A = the first day of horizon month 0 .. months
    # (A = first of month m + 1 gives the remaining obligation at the end of month m).
    a = np.broadcast_to(starts[in_horizon.start : in_horizon.stop + 1], (batch.runs, months + 1))
    from_a = fees_before(np.full_like(a, np.inf)) - fees_before(a)
    # notice as given in the scenario: the rest of that schedule plus a fee not yet charged
    pending_fee = np.where(terminated & (last_day >= a), termination_fee, 0.0)
    with_notice = from_a + pending_fee
    # otherwise: notice on max(A, earliest) ending service at D + N, capped by running out
    d = np.maximum(a, earliest)
    ends_early = (d + notice_days) <= end
    window = fees_before(np.minimum(d + notice_days, end + 1)) - fees_before(a)
    exit_now = np.minimum(window + np.where(ends_early, termination_fee, 0.0), from_a)
    obligation = np.where(given, with_notice, np.where(allowed, exit_now, from_a))

    return ContractSchedule(
        name="",
        fees=committed[:, in_horizon],
        capacity_tokens=capacity[:, in_horizon],
        fees_paid=paid,
        termination_fee=charge[:, in_horizon],
        last_service_day=last_day[:, 0],
        remaining_obligation=obligation[:, 1:],
        exit_cost_now=obligation[:, 0],
        fees_after_horizon=committed[:, in_horizon.stop :].sum(axis=1),
    )
