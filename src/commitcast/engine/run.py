"""The projection engine: a batch of scenario variants -> arrays of shape (runs, months).

There is one engine and it is always batched; a single projection is a batch of one. Nothing
here rounds: money is float64 from input to output, rounded only for display.

Each contract's schedule (proration, escalator, ramp, notice and termination fee, payment
timing, obligation) is computed in `engine.contracts`, which states those conventions; this
module adds the contracts up and projects demand, revenue, costs and cash. Revenue is collected
`collection_lag_months` after it is earned; cash outside the horizon is outside the projection.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np

from commitcast.core.calendar import MonthGrid, month_number, months_of_days
from commitcast.core.finance import discount_factors, present_value
from commitcast.core.measures import MILLION, MONTH_FIGURES, SUMMARY_KEYS
from commitcast.engine.commits import Commit, CommitSchedule, buy, commits_of
from commitcast.engine.contracts import (
    ContractSchedule,
    contract_grid,
    contract_schedules,
)
from commitcast.model.scenario import Scenario
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
    columns: dict[str, np.ndarray]  # every one of COLUMNS, or those asked for (run's columns=)
    summary: dict[str, np.ndarray]  # SUMMARY, then exit_cost_now (or run's figures=)
    contract_grid: MonthGrid  # the month before the horizon .. the last contract's end
    contracts: list[ContractSchedule] = field(default_factory=list)
    streams: list[StreamSchedule] = field(default_factory=list)  # empty with run's columns=
    commits: list[CommitSchedule] = field(default_factory=list)  # empty with run's columns=
    # the balances at the horizon's start, (runs,) each: `fees_payable` (the month before's
    # arrears fees) and `sla_credits_receivable` (its credits); receivables open at 0 (revenue
    # before the horizon is outside the projection)
    opening: dict[str, np.ndarray] = field(default_factory=dict)


# The monthly columns, in the order of BatchResult.columns.
COLUMNS = (
    "committed_fees",
    "sla_credits",
    "capacity_tokens",
    "available_tokens",
    "gpu_hours",
    "training_share",
    "training_tokens",
    "usable_capacity_tokens",
    "demand_tokens",
    "served_tokens",
    "commit_tokens",
    "overflow_tokens",
    "unserved_tokens",
    "utilization",
    "peak_utilization",
    "queue_wait_seconds",
    "revenue",
    "inference_fees",
    "cost_per_million_tokens",
    "inference_cost",
    "training_cost",
    "idle_capacity_cost",
    "commit_spend",
    "commit_shortfall",
    "gross_margin",
    "gross_margin_pct",
    "cash_in",
    "cash_out",
    "net_cash_flow",
    "cumulative_cash",
    "receivables",
    "fees_payable",
    "sla_credits_receivable",
    "prepaid_fees",
    "fx_loss",
    "remaining_obligation",
    # not columns of the table, but summaries, simulate and the workbook need them
    "overflow_cost",
    "serving_cost",
    "fees_paid",
    "inference_capacity_tokens",
    # the workbook's calculation sheet shows these steps too
    "usage_revenue",
    "flat_revenue",
    "served_share",
    "available_gpus",
    "serving_slots",
    "gpu_fees",
    # a commit's termination fee, payments and payable: parts of inference cost, cash out and
    # fees_payable
    "commit_fees",
    "commit_paid",
    "commit_payable",
)
STREAM_ROWS = ("tokens", "price", "usage_revenue", "flat_revenue")
# Runs x months worked out at a time: each step's arrays (512 KB) stay in the cache from one
# step to the next, and every column is written once, into its place among the results.
CHUNK_ELEMENTS = 1 << 16
# ... and when not every column is kept (`run(batch, columns=...)`, as simulate asks), where a
# chunk's rows are memory reused from chunk to chunk: arrays of 128 KB, the ~40 of them still
# in the cache for the next chunk. Measured (benchmarks/engine_bench.py's batch, 36 to 240
# months): 5-20% faster than 512 KB; where the columns are kept, smaller is slower.
REUSED_CHUNK_ELEMENTS = 1 << 14


# Overflow is reported by check_finite with a message; numpy's warnings would only confuse.
@np.errstate(over="ignore", invalid="ignore", divide="ignore")
def run(
    batch: Batch,
    columns: Collection[str] | None = None,
    figures: Collection[str] | None = None,
) -> BatchResult:
    """Project every run of the batch in one pass over arrays.

    The contracts are worked out first (`engine.contracts`), then the runs a chunk at a time
    (`_project`), each step writing into its column's rows of the result. Inputs equal in
    every run are used as one row, so what follows from them alone (a stream whose inputs do
    not vary, the contracts' totals) is worked out once, with the same arithmetic on the same
    numbers: every run's figures are those it would have on its own.

    `columns` names the monthly columns to keep (default: all of COLUMNS). The others are
    worked out a chunk at a time in memory reused from chunk to chunk, and the streams' rows
    are not kept (`streams` is then empty); the figures are the same.

    `figures` names the summary figures to work out (default: all of SUMMARY_KEYS). The
    columns no other step reads (LEAVES: a queue wait, a balance, a copy of a contract total)
    are then worked out only where kept or read by a figure asked for (SUMMARY_READS). The
    figures worked out are the same to the last bit. `simulate`, which reads two columns and
    seven figures of each run, need not have the rest worked out:

        run(Batch(scenario, 10_000, samples), columns=("cumulative_cash", "utilization"),
            figures=("npv", "gross_margin", ...))
    """
    keep_streams = columns is None
    kept = set(COLUMNS if columns is None else columns)
    unknown = kept - set(COLUMNS)
    if unknown:
        raise ValueError(f"not a monthly column of the engine: {', '.join(sorted(unknown))}")
    unknown = set(figures or ()) - set(SUMMARY_KEYS)
    if unknown:
        raise ValueError(f"not a summary figure of the engine: {', '.join(sorted(unknown))}")
    # with some figures only, the overflow witnesses are worked out too, for check_finite alone
    asked = SUMMARY_KEYS if figures is None else {*figures, *OVERFLOW_WITNESSES}
    wanted = tuple(name for name in SUMMARY_KEYS if name in asked)
    # the monthly columns worked out: every one another step reads, those kept, and those the
    # figures asked for read
    needed = set(COLUMNS).difference(LEAVES).union(kept, *(SUMMARY_READS[n] for n in wanted))
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
    column = _compact_columns(batch, varying)
    commits = commits_of(
        scenario.contracts,
        column,
        lambda i: schedules[i].first_day_without_service,
        lambda i: _fx_rates(scenario, column, scenario.currency_of(scenario.contracts[i]), months),
    )
    stream_fx = [
        _fx_rates(scenario, column, scenario.currency_of(s), months)[:, 1:]
        if scenario.currency_of(s) != scenario.currency
        else None
        for s in scenario.revenue
    ]

    t = np.arange(months, dtype=np.float64)
    stream_inputs = [
        {name: column(f"revenue[{j}].{name}") for name in STREAM_INPUTS}
        for j in range(len(scenario.revenue))
    ]
    # a stream's rows whose inputs are the same in every run are worked out here, once; the
    # others chunk by chunk into their rows of the results
    fixed_rows = [_fixed_stream_rows(inputs, t, first) for inputs in stream_inputs]
    per_run = sum(value is None for fixed in fixed_rows for value in fixed.values())
    # Every (runs, months) result kept in one block of memory, allocated once (a fresh array
    # per result costs its own page faults); what is not kept, a chunk's rows reused by each.
    every_column = kept == set(COLUMNS)
    chunk = max(1, (CHUNK_ELEMENTS if every_column else REUSED_CHUNK_ELEMENTS) // months)
    keep = [name for name in COLUMNS if name in kept] + ["stream"] * (per_run * keep_streams)
    slab = iter(np.empty((len(keep), runs, months)))
    spare = iter(np.empty((len(COLUMNS) + per_run - len(keep), min(chunk, runs), months)))
    results = {name: next(slab) for name in COLUMNS if name in kept}
    reused = {name: next(spare) for name in COLUMNS if name not in kept}
    streams: list[StreamSchedule] = []
    # each stream's rows that differ between runs: (runs, months) results, or a chunk's rows
    stream_rows: list[dict[str, np.ndarray | None]] = []
    for stream, fixed in zip(scenario.revenue, fixed_rows, strict=True):
        rows = {
            name: None if fixed[name] is not None else next(slab if keep_streams else spare)
            for name in STREAM_ROWS
        }
        stream_rows.append(rows)
        if keep_streams:
            # one row for every run is shown as (runs, months), read-only
            shown = (fixed[name] if rows[name] is None else rows[name] for name in STREAM_ROWS)
            streams.append(
                StreamSchedule(stream.name, *(np.broadcast_to(a, (runs, months)) for a in shown))
            )

    shared = {
        "fees": totals.fees,
        "fees_paid": totals.fees_paid,
        "capacity": totals.capacity_tokens,
        "obligation": totals.remaining_obligation,
        "available": totals.available_tokens,
        "gpu_hours": totals.gpu_hours,
        "gpus": totals.available_gpus,
        "credits": totals.sla_credits,
        "payable": totals.fees_payable,
        "prepaid": totals.prepaid_fees,
        "fx_loss": totals.fx_loss,
        "gpu_fees": totals.gpu_fees,
        "share": training_share(scenario, column, horizon),
        "market": column("benchmarks.market_price_per_gpu_hour"),
        "on_demand": column("costs.overflow.policy") == 1.0,
        "overflow_price": column("costs.overflow.cost_per_million_tokens"),
        "serving_price": column("costs.serving_cost_per_million_tokens"),
        "factors": discount_factors(column("discount_rate")[:, 0], months),
        "lag": column("costs.collection_lag_months").astype(np.int64),
    }
    if scenario.serving is not None:
        shared |= {name: column(f"serving.{name}") for name in SERVING_INPUTS}
    one_lag = "costs.collection_lag_months" not in varying
    summary = {
        name: np.empty(runs, dtype=np.int64 if name in MONTH_INDEXES else np.float64)
        for name in SUMMARY
        if name in wanted
    }
    kept_commits: list[list[CommitSchedule]] = []
    commit_exit = np.zeros(runs)
    for start in range(0, runs, chunk):
        part = slice(start, min(start + chunk, runs))
        out = {name: _chunk_rows(values, part, runs) for name, values in (results | reused).items()}
        rows = [
            _stream_rows(
                _cut(inputs, part),
                t,
                first,
                fixed,
                {
                    name: None if values is None else _chunk_rows(values, part, runs)
                    for name, values in per_run.items()
                },
            )
            for inputs, fixed, per_run in zip(stream_inputs, fixed_rows, stream_rows, strict=True)
        ]
        inputs = _cut(shared, part)
        bought = _Commits(commits, horizon, part, keep_streams, stream_fx)
        _project(inputs, rows, out, one_lag, scenario.serving is not None, bought, needed)
        commit_exit[part] = bought.exit_cost_now
        if keep_streams:
            kept_commits.append(bought.schedules)
        _operations(inputs, out, scenario.serving is not None, needed)
        for name, values in summarize(out, inputs, wanted).items():
            summary[name][part] = values
    if "exit_cost_now" in wanted:
        summary["exit_cost_now"] = _spread(totals.exit_cost_now, (runs,))
        if commits:
            summary["exit_cost_now"] = summary["exit_cost_now"] + commit_exit
    opening = {
        "fees_payable": _spread(totals.opening_fees_payable, (runs,)),
        "sla_credits_receivable": _spread(totals.opening_sla_credits, (runs,)),
        "prepaid_fees": _spread(totals.opening_prepaid_fees, (runs,)),
    }
    result = BatchResult(
        grid=horizon,
        columns=results,
        summary=summary,
        contract_grid=grid,
        contracts=schedules,
        streams=streams,
        opening=opening,
        commits=_joined(kept_commits) if keep_streams else [],
    )
    check_finite(result, batch, every_figure=figures is None)
    if figures is not None:
        result.summary = {name: v for name, v in summary.items() if name in figures}
    return result


# the commits' totals (engine.commits.buy) behind each commit column of `_project`
COMMIT_TOTALS = ("tokens", "spend", "shortfall", "termination_fee", "paid", "payable")


SERVING_INPUTS = (
    "request_seconds",
    "slots_per_gpu",
    "pools",
    "peak_to_average",
    "arrival_cv",
    "service_cv",
    "wait_target_seconds",
)


def training_share(
    scenario: Scenario, column: Callable[[str], np.ndarray], horizon: MonthGrid
) -> np.ndarray:
    """Each month's share of the available capacity used for training: the steady
    `costs.training_share` plus the shares of the training runs active that month, at most 1
    ((rows, months); without training runs the steady share, (rows, 1)).

    A run is active from its start month for `months` months and, with
    `repeat_every_months` R, again from start + k x R for k = 1, 2, ...
    """
    share = column("costs.training_share")
    if not scenario.training_runs:
        return share
    month = horizon.months[None, :].astype(np.float64)  # the horizon's month numbers
    total = share
    for j in range(len(scenario.training_runs)):
        p = f"training_runs[{j}]"
        since = month - months_of_days(column(f"{p}.start")).astype(np.float64)
        every = column(f"{p}.repeat_every_months")
        # months since the latest repeat's start: since itself for a run that does not repeat
        into = np.where(every > 0, np.mod(since, np.where(every > 0, every, 1.0)), since)
        active = (since >= 0) & (into < column(f"{p}.months"))
        total = total + np.where(active, column(f"{p}.share"), 0.0)
    return np.minimum(total, 1.0)


STREAM_INPUTS = (
    "start",
    "end",
    "growth",
    "tokens_per_month",
    "price_per_million_tokens",
    "price_change",
    "revenue_per_month",
)


def _chunk_rows(values: np.ndarray, part: slice, runs: int) -> np.ndarray:
    """A chunk's rows: `part` of a result kept for every run, or the first rows of memory
    reused from chunk to chunk (which has a chunk's rows)."""
    return values[part] if values.shape[0] == runs else values[: part.stop - part.start]


def _cut(inputs: dict[str, np.ndarray], part: slice) -> dict[str, np.ndarray]:
    """The rows `part` of each input that has a row per run (one row for every run stays)."""
    return {
        name: values[part] if values.shape[0] > 1 else values for name, values in inputs.items()
    }


def _stream_time(
    inputs: dict[str, np.ndarray], t: np.ndarray, first: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Months since the stream's start (t itself without one: the horizon's start) and
    whether the stream runs in each month (None: in every month of the horizon). `first` is
    the horizon's first month number."""
    start, end = inputs["start"], inputs["end"]
    if np.isnan(start).all() and np.isnan(end).all():
        return t, None
    offset = np.where(np.isnan(start), first, months_of_days(np.nan_to_num(start))) - first
    last = np.where(np.isnan(end), np.inf, months_of_days(np.nan_to_num(end)) - first)
    since = t - offset
    return since, (since >= 0) & (t <= last)


def _running(values: np.ndarray, active: np.ndarray | None, out: np.ndarray | None = None):
    """`values` where the stream runs, 0 elsewhere."""
    if active is None:
        return values
    if out is None:
        return np.where(active, values, 0.0)
    np.copyto(out, np.where(active, values, 0.0))
    return out


def _fixed_stream_rows(
    inputs: dict[str, np.ndarray], t: np.ndarray, first: int
) -> dict[str, np.ndarray | None]:
    """A stream's rows (see `StreamSchedule`) whose inputs are the same in every run, as one
    row (1, months); None for a row that differs between runs. `first`: the horizon's first
    month number (a stream's own start and end count from it)."""

    def one(*names: str) -> bool:
        return all(inputs[name].shape[0] == 1 for name in names)

    if not one("start", "end"):
        return dict.fromkeys(STREAM_ROWS)
    t, active = _stream_time(inputs, t, first)
    growth = np.power(1.0 + inputs["growth"], t) if one("growth") else None
    tokens = None
    if one("tokens_per_month", "growth"):
        tokens = _running(inputs["tokens_per_month"] * growth, active)
    price = None
    if one("price_per_million_tokens", "price_change"):
        price = inputs["price_per_million_tokens"] * np.power(1.0 + inputs["price_change"], t)
    usage = tokens * price / MILLION if tokens is not None and price is not None else None
    flat = None
    if one("revenue_per_month", "growth"):
        flat = _running(inputs["revenue_per_month"] * growth, active)
    return {"tokens": tokens, "price": price, "usage_revenue": usage, "flat_revenue": flat}


def _stream_rows(
    inputs: dict[str, np.ndarray],
    t: np.ndarray,
    first: int,
    fixed: dict[str, np.ndarray | None],
    out: dict[str, np.ndarray | None],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stream's tokens, price, usage and flat revenue for a chunk of runs: the `fixed` rows
    as they are, the others written into `out` (the same arithmetic as `_fixed_stream_rows`)."""
    tokens, price, usage, flat = (fixed[name] for name in STREAM_ROWS)
    t, active = _stream_time(inputs, t, first)
    if tokens is None or flat is None:
        growth = np.power(1.0 + inputs["growth"], t)
    if tokens is None:
        tokens = np.multiply(inputs["tokens_per_month"], growth, out=out["tokens"])
        tokens = _running(tokens, active, out["tokens"])
    if price is None:
        price = np.power(1.0 + inputs["price_change"], t)
        price = np.multiply(inputs["price_per_million_tokens"], price, out=out["price"])
    if usage is None:
        usage = np.multiply(tokens, price, out=out["usage_revenue"])
        np.divide(usage, MILLION, out=usage)
    if flat is None:
        flat = np.multiply(inputs["revenue_per_month"], growth, out=out["flat_revenue"])
        flat = _running(flat, active, out["flat_revenue"])
    return tokens, price, usage, flat


class _Commits:
    """The commits and the currencies of the streams, for a chunk of runs; `buy` fills in
    what the commits bought."""

    def __init__(
        self,
        commits: list[Commit],
        horizon: MonthGrid,
        part: slice,
        keep: bool,
        stream_fx: list[np.ndarray | None],
    ):
        self.commits = commits
        self.horizon = horizon
        self.part = part
        self.keep = keep
        self.stream_fx = [None if fx is None else _cut({"fx": fx}, part)["fx"] for fx in stream_fx]
        self.schedules: list[CommitSchedule] = []
        self.exit_cost_now: np.ndarray | float = 0.0
        self.totals: dict[str, np.ndarray] = {}
        # set by _foreign_collections: revenue in another currency collected later
        self.foreign_revenue = False
        self.receivables_fx_loss: np.ndarray | float = 0.0

    def buy(self, excess: np.ndarray) -> np.ndarray:
        left, self.totals, self.schedules = buy(
            self.commits, excess, self.horizon, self.part, self.keep
        )
        self.exit_cost_now = self.totals["exit_cost_now"]
        return left


def _joined(chunks: list[list[CommitSchedule]]) -> list[CommitSchedule]:
    """Each commit's schedule over every chunk of runs."""
    if not chunks or not chunks[0]:
        return []
    joined = []
    for parts in zip(*chunks, strict=True):
        rows = {
            name: np.concatenate([getattr(part, name) for part in parts])
            for name in ("tokens", "spend", "shortfall", "termination_fee", "paid", "payable")
        }
        joined.append(
            CommitSchedule(
                parts[0].name,
                **rows,
                obligation=np.concatenate([part.obligation for part in parts]),
                fx_rate=np.concatenate([part.fx_rate for part in parts]),
            )
        )
    return joined


def _foreign_collections(
    bought: _Commits,
    streams: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    out: dict[str, np.ndarray],
    lag: np.ndarray,
) -> None:
    """Revenue in another currency collected months after it is earned: cash in at the rate
    of the month it is collected (revenue counted at its month's rate, the difference is the
    rate's move), and the receivable's value moving with the rate (into fx_loss)."""
    if all(fx is None for fx in bought.stream_fx) or not lag.any():
        return
    rows, months = out["cash_in"].shape
    source = np.arange(months)[None, :] - lag
    collected = source >= 0
    index = np.broadcast_to(np.clip(source, 0, None), (rows, months))
    loss = np.zeros((rows, months))
    for (_, _, usage, flat), fx in zip(streams, bought.stream_fx, strict=True):
        if fx is None:
            continue
        rate = np.broadcast_to(fx, (rows, months))
        native = np.broadcast_to(usage * out["served_share"] + flat, (rows, months))
        earned = np.where(collected, np.take_along_axis(native, index, axis=1), 0.0)
        then = np.take_along_axis(rate, index, axis=1)
        out["cash_in"] += earned * (rate - then)
        owed = np.cumsum(native, axis=1) - np.cumsum(earned, axis=1)
        loss[:, 1:] -= owed[:, :-1] * np.diff(rate, axis=1)
    out["fx_loss"] += loss
    bought.foreign_revenue = True
    bought.receivables_fx_loss = loss


def _fx_rates(
    scenario: Scenario, column: Callable[[str], np.ndarray], code: str, months: int
) -> np.ndarray:
    """(rows, months + 1): units of the reporting currency per unit of `code` in the month
    before the horizon and each month of it, rate x (1 + change) ** t from t = -1."""
    t = np.arange(-1, months, dtype=np.float64)[None, :]
    if code == scenario.currency:
        return np.ones((1, months + 1))
    return column(f"fx.{code}.rate") * np.power(1.0 + column(f"fx.{code}.change"), t)


def _project(
    c: dict[str, np.ndarray],
    streams: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    out: dict[str, np.ndarray],
    one_lag: bool,
    serving: bool,
    bought: _Commits,
    needed: Collection[str] = COLUMNS,
) -> None:
    """Demand, revenue, costs and cash for a chunk of runs, each step written into its column
    (`out`, (runs, months) each). `c` holds the chunk's inputs and the contracts' totals;
    `serving`: the scenario models queue latency (then `c` holds the SERVING_INPUTS);
    `bought`: the commits that buy demand above the reserved capacity; `needed`: the columns
    to work out (every one another step reads is; see LEAVES)."""
    months = out["revenue"].shape[1]
    demand = out["demand_tokens"]
    usage_revenue = out["usage_revenue"]
    flat_revenue = out["flat_revenue"]
    if not streams:
        for total in (demand, usage_revenue, flat_revenue):
            total.fill(0.0)
    for j, (tokens, _, usage, flat) in enumerate(streams):
        if bought.stream_fx[j] is not None:
            # revenue at the rate of its month (the stream's rows are in its own currency)
            usage, flat = usage * bought.stream_fx[j], flat * bought.stream_fx[j]
        # 0 + the first stream, + the next, ...: the additions of a sum started at zero
        np.add(demand if j else 0.0, tokens, out=demand)
        np.add(usage_revenue if j else 0.0, usage, out=usage_revenue)
        np.add(flat_revenue if j else 0.0, flat, out=flat_revenue)

    fees, share = c["fees"], c["share"]
    # Training and inference split the capacity available after uptime (uptime 1: all of it)
    available = c["available"]
    training_tokens = np.multiply(available, share, out=out["training_tokens"])
    inference_capacity = np.subtract(
        available, training_tokens, out=out["inference_capacity_tokens"]
    )
    usable = out["usable_capacity_tokens"]
    if serving:
        _usable_capacity(c, inference_capacity, share, out)
    else:
        usable[...] = inference_capacity
    served = np.minimum(demand, usable, out=out["served_tokens"])
    overflow, unserved = out["overflow_tokens"], out["unserved_tokens"]
    on_demand = c["on_demand"]
    commit_columns = ("commit_tokens", "commit_spend", "commit_shortfall", "commit_fees")
    commit_columns += ("commit_paid", "commit_payable")
    if bought.commits:
        # demand above the reserved capacity goes to the commits first, in their order
        left = bought.buy(demand - served)
        for name, row in zip(commit_columns, COMMIT_TOTALS, strict=True):
            out[name][...] = bought.totals[row]
    else:
        for name in commit_columns:
            out[name].fill(0.0)
    if bought.commits:
        overflow[...] = np.where(on_demand, left, 0.0)
        unserved[...] = np.where(on_demand, 0.0, left)
    elif on_demand.all():
        # what np.where(on_demand, excess, 0.0) and np.where(on_demand, 0.0, excess) give
        np.subtract(demand, served, out=overflow)
        unserved.fill(0.0)
    elif not on_demand.any():
        np.subtract(demand, served, out=unserved)
        overflow.fill(0.0)
    else:
        excess = demand - served
        overflow[...] = np.where(on_demand, excess, 0.0)
        unserved[...] = np.where(on_demand, 0.0, excess)
    served_share = out["served_share"]
    revenue = out["revenue"]
    served_share.fill(1.0)
    if unserved.any():
        # Where demand is left unserved, the share is what met it (served on the capacity, and
        # bought under commits; no overflow, which would have met the rest) over the demand:
        # worked out as 1 - unserved / demand it would lose every digit where demand dwarfs
        # what is served (demand 1e10 times the capacity: revenue 11% low; 1e16: 0).
        short = unserved > 0  # (demand > 0 there)
        met = served if not bought.commits else served + out["commit_tokens"]
        np.divide(met, demand, out=served_share, where=short)
        np.multiply(usage_revenue, served_share, out=revenue)
        np.add(revenue, flat_revenue, out=revenue)
    else:
        # every month's demand met: a share of exactly 1, and usage x 1 is usage
        np.add(usage_revenue, flat_revenue, out=revenue)
    # where there is no inference capacity utilization is undefined (NaN)
    utilization = np.divide(served, inference_capacity, out=out["utilization"])
    has_capacity = inference_capacity > 0
    every_month = has_capacity.all()
    if not every_month:
        np.copyto(utilization, np.nan, where=~has_capacity)

    # SLA credits reduce the fees booked as cost in the month they are earned
    credits = c["credits"]
    net_fees = fees - credits if credits.any() else fees
    inference_fees = np.multiply(net_fees, 1.0 - share, out=out["inference_fees"])
    overflow_cost = np.multiply(overflow, c["overflow_price"], out=out["overflow_cost"])
    np.divide(overflow_cost, MILLION, out=overflow_cost)
    serving_cost = np.add(served, overflow, out=out["serving_cost"])
    if bought.commits:
        np.add(serving_cost, out["commit_tokens"], out=serving_cost)
    np.multiply(serving_cost, c["serving_price"], out=serving_cost)
    np.divide(serving_cost, MILLION, out=serving_cost)
    inference_cost = np.add(inference_fees, overflow_cost, out=out["inference_cost"])
    np.add(inference_cost, serving_cost, out=inference_cost)
    if bought.commits:
        # commits: usage, shortfall and termination fees are inference cost
        np.add(inference_cost, out["commit_spend"], out=inference_cost)
        np.add(inference_cost, out["commit_shortfall"], out=inference_cost)
        np.add(inference_cost, out["commit_fees"], out=inference_cost)
    np.multiply(net_fees, share, out=out["training_cost"])
    # With no inference capacity nothing is used: every inference fee is idle. That is
    # inference_fees x (1 - utilization with NaN as 0, +-inf as +-the largest float).
    idle = np.subtract(1.0, utilization, out=out["idle_capacity_cost"])
    if not every_month:
        np.copyto(idle, 1.0, where=~has_capacity)
    if not np.isfinite(idle).all():
        np.nan_to_num(idle, copy=False, nan=1.0)
    np.multiply(inference_fees, idle, out=idle)
    gross_margin = np.subtract(revenue, inference_cost, out=out["gross_margin"])
    margin_pct = np.divide(gross_margin, revenue, out=out["gross_margin_pct"])
    _undefined_where(margin_pct, revenue != 0)

    cash_in = out["cash_in"]
    if one_lag:
        # one lag for every run: a shift of the columns (the same values, without a gather)
        shift = min(int(c["lag"][0, 0]), months)
        cash_in[:, :shift] = 0.0
        cash_in[:, shift:] = revenue[:, : months - shift]
    else:
        source = np.arange(months)[None, :] - c["lag"]
        gathered = np.take_along_axis(revenue, np.clip(source, 0, None), axis=1)
        cash_in[...] = np.where(source >= 0, gathered, 0.0)
    cash_out = np.add(c["fees_paid"], overflow_cost, out=out["cash_out"])
    np.add(cash_out, serving_cost, out=cash_out)
    fx_loss = out["fx_loss"]
    fx_loss[...] = c["fx_loss"]
    if bought.commits:
        np.add(cash_out, out["commit_paid"], out=cash_out)
        np.add(fx_loss, bought.totals["fx_loss"], out=fx_loss)
    _foreign_collections(bought, streams, out, c["lag"])
    net = np.subtract(cash_in, cash_out, out=out["net_cash_flow"])
    if "cumulative_cash" in needed:
        np.cumsum(net, axis=1, out=out["cumulative_cash"])
    # the rest are leaves (see LEAVES): worked out where kept or read by a figure
    _copies(
        out,
        needed,
        committed_fees=fees,
        capacity_tokens=c["capacity"],
        fees_paid=c["fees_paid"],
        sla_credits_receivable=c["credits"],
        prepaid_fees=c["prepaid"],
    )
    if "remaining_obligation" in needed:
        out["remaining_obligation"][...] = c["obligation"]
        if bought.commits:
            np.add(
                out["remaining_obligation"],
                bought.totals["obligation"],
                out=out["remaining_obligation"],
            )
    # Balances at each month's end: revenue earned and not yet collected, arrears fees not yet
    # paid, SLA credits not yet deducted (each month's credits come off the next payment)
    if "receivables" in needed:
        receivables = np.subtract(revenue, cash_in, out=out["receivables"])
        if bought.foreign_revenue:
            # a receivable in another currency gains what its rate gains (loss < 0)
            np.subtract(receivables, bought.receivables_fx_loss, out=receivables)
        np.cumsum(receivables, axis=1, out=receivables)
    if "fees_payable" in needed:
        out["fees_payable"][...] = c["payable"]
        if bought.commits:
            np.add(out["fees_payable"], out["commit_payable"], out=out["fees_payable"])


def _usable_capacity(
    c: dict[str, np.ndarray],
    inference_capacity: np.ndarray,
    share: np.ndarray,
    out: dict[str, np.ndarray],
) -> None:
    """Serving slots per pool, and the inference capacity usable within the wait target:
    inference capacity x min(1, rho* / peak_to_average), rho* the highest peak utilization
    whose mean queue wait is at most the target (without a target, all of it; with less than
    one slot per pool, none: no request can be held)."""
    slots = np.multiply(c["gpus"], 1.0 - share, out=out["serving_slots"])
    np.multiply(slots, c["slots_per_gpu"], out=slots)
    np.divide(slots, c["pools"], out=slots)
    target = c["wait_target_seconds"]
    usable = out["usable_capacity_tokens"]
    if np.isnan(target).all():
        usable[...] = inference_capacity
        return
    load = highest_load(slots, target / c["request_seconds"], c["arrival_cv"], c["service_cv"])
    allowed = np.minimum(load / c["peak_to_average"], 1.0)
    usable[...] = np.where(np.isnan(target), inference_capacity, inference_capacity * allowed)


def queue_wait(
    load: np.ndarray,
    slots: np.ndarray,
    arrival_cv: np.ndarray,
    service_cv: np.ndarray,
    request_seconds: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Mean queue wait of a G/G/c queue at utilization `load` with `slots` servers, in units of
    `request_seconds`: the Allen-Cunneen form of Sakasegawa's approximation,
    (ca^2 + cs^2) / 2 x load^(sqrt(2(c + 1)) - 1) / (c (1 - load)) x request_seconds.
    0 at load 0; NaN where load >= 1 (saturated), slots < 1 or the load is undefined."""
    defined = (load < 1.0) & (slots >= 1.0)
    safe_load = np.where(defined, load, 0.5)
    safe_slots = np.where(defined, slots, 1.0)
    exponent = np.sqrt(2.0 * (safe_slots + 1.0)) - 1.0
    variability = (arrival_cv * arrival_cv + service_cv * service_cv) / 2.0
    wait = (
        variability
        * np.power(safe_load, exponent)
        / (safe_slots * (1.0 - safe_load))
        * request_seconds
    )
    return np.where(defined, wait, np.nan)


# Bisection halves the interval [0, 1) each step: 60 steps leave less than 1e-18.
LOAD_STEPS = 60


def highest_load(
    slots: np.ndarray, target: np.ndarray, arrival_cv: np.ndarray, service_cv: np.ndarray
) -> np.ndarray:
    """The highest utilization in [0, 1) whose `queue_wait` (in request times) is at most
    `target` (also in request times), found by bisection: the wait rises with the load. 0
    where there is less than one slot."""
    shape = np.broadcast_shapes(slots.shape, target.shape, arrival_cv.shape, service_cv.shape)
    low = np.zeros(shape)
    high = np.ones(shape)
    for _ in range(LOAD_STEPS):
        middle = (low + high) / 2.0
        fits = queue_wait(middle, slots, arrival_cv, service_cv) <= target
        low = np.where(fits, middle, low)
        high = np.where(fits, high, middle)
    return np.where(slots >= 1.0, low, 0.0)


def _operations(
    c: dict[str, np.ndarray],
    out: dict[str, np.ndarray],
    serving: bool,
    needed: Collection[str] = COLUMNS,
) -> None:
    """The operating figures of a chunk of runs: GPU-hours, credits, training share, the
    serving peak and its queue wait, and fees per million tokens served; each a leaf (see
    LEAVES), worked out where `needed`."""
    _copies(
        out,
        needed,
        available_tokens=c["available"],
        gpu_hours=c["gpu_hours"],
        available_gpus=c["gpus"],
        sla_credits=c["credits"],
        gpu_fees=c["gpu_fees"],
        training_share=c["share"],
    )
    if "cost_per_million_tokens" in needed:
        served = out["served_tokens"]
        per_million = np.divide(out["inference_fees"], served, out=out["cost_per_million_tokens"])
        np.multiply(per_million, MILLION, out=per_million)
        _undefined_where(per_million, served > 0)
    peak, wait = out["peak_utilization"], out["queue_wait_seconds"]
    if not serving:
        for column in (peak, wait, out["serving_slots"]):
            column.fill(np.nan)
        return
    if "peak_utilization" in needed or "queue_wait_seconds" in needed:
        np.multiply(out["utilization"], c["peak_to_average"], out=peak)
    if "queue_wait_seconds" in needed:
        wait[...] = queue_wait(
            peak, out["serving_slots"], c["arrival_cv"], c["service_cv"], c["request_seconds"]
        )


def _copies(out: dict[str, np.ndarray], needed: Collection[str], **columns: np.ndarray) -> None:
    """Each of `columns` (an input or a contract total, shown month by month) into its column
    of `out`, where needed."""
    for name, value in columns.items():
        if name in needed:
            out[name][...] = value


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
UNDEFINED_OK = (
    "gross_margin_pct",
    "average_utilization",
    "peak_funding_month",
    "payback_month",
    "months_saturated_at_peak",
    "max_queue_wait_seconds",
    "cost_per_gpu_hour",
    "average_cost_per_million_tokens",
    "premium_over_market",
)


# Totals every amount the engine compounds flows into (demand and prices into revenue and cash
# in; fees, commits and overflow into inference cost and cash out; rates into the amounts they
# convert), worked out with any figures asked for so that an overflow is refused whatever they
# are: a ratio of two overflowed totals is NaN, which a figure may be by design.
OVERFLOW_WITNESSES = ("total_revenue", "total_inference_cost", "total_cash_in", "total_cash_out")
# Monthly columns that are NaN by design where undefined (no revenue, no capacity, no serving).
UNDEFINED_COLUMNS = (
    "gross_margin_pct",
    "utilization",
    "cost_per_million_tokens",
    "peak_utilization",
    "queue_wait_seconds",
    "serving_slots",
)


def check_finite(result: BatchResult, batch: Batch, every_figure: bool = True) -> None:
    """Refuse runs whose figures overflowed float64: they would show as blanks, not numbers.

    Validation bounds each input, but growth compounded over a long horizon can still pass
    1e308 (1000% a month for 100 years). Every money and token column flows into a summary
    total, so with `every_figure` checking the (runs,) totals is enough and costs nothing next
    to the engine; with some figures only (`run(figures=...)`), the summary holds the
    OVERFLOW_WITNESSES too, and the columns kept are checked as well. The refusal names the
    input most likely to blame, at its line (`engine.overflow`).
    """
    checked = list(result.summary.items())
    if not every_figure:
        checked += [(n, v) for n, v in result.columns.items() if n not in UNDEFINED_COLUMNS]
    for key, values in checked:
        if key in UNDEFINED_OK:
            continue
        bad = ~np.isfinite(values)
        if not bad.any():
            continue
        from commitcast.core.errors import CommitcastError
        from commitcast.engine.overflow import overflow_problem

        run = int(np.argmax(bad.any(axis=1) if bad.ndim > 1 else bad))
        raise CommitcastError([overflow_problem(batch, key, run, len(values))])


def _compact_columns(batch: Batch, varying: list[str]) -> Callable[[str], np.ndarray]:
    """`batch.column` that gives an input equal in every run as a (1, 1) array, so the months
    it feeds are computed once and broadcast; values and arithmetic are unchanged."""

    def column(key: str) -> np.ndarray:
        full = batch.column(key)
        return full if key in varying else full[:1]

    return column


# The summary figures `summarize` works out, in the registry's order: all but exit_cost_now,
# which comes from the contract schedules. Month figures are month numbers (int), -1 for none.
SUMMARY = tuple(name for name in SUMMARY_KEYS if name != "exit_cost_now")
MONTH_INDEXES = MONTH_FIGURES


# The monthly columns each summary figure reads (`summarize`): with `run(figures=...)` a column
# no kept column and no figure asked for reads is not worked out, if it is a leaf (LEAVES).
SUMMARY_READS: dict[str, tuple[str, ...]] = {
    "total_committed_fees": ("committed_fees",),
    "total_revenue": ("revenue",),
    "total_inference_cost": ("inference_cost",),
    "total_training_cost": ("training_cost",),
    "gross_margin": ("gross_margin",),
    "gross_margin_pct": ("gross_margin", "revenue"),
    "npv": ("net_cash_flow",),
    "peak_funding_need": ("cumulative_cash",),
    "peak_funding_month": ("cumulative_cash",),
    "payback_month": ("cumulative_cash",),
    "average_utilization": ("served_tokens", "inference_capacity_tokens"),
    "total_idle_capacity_cost": ("idle_capacity_cost",),
    "total_commit_shortfall": ("commit_shortfall",),
    "total_overflow_cost": ("overflow_cost",),
    "total_sla_credits": ("sla_credits",),
    "peak_training_share": ("training_share",),
    "months_saturated_at_peak": ("serving_slots", "peak_utilization"),
    "max_queue_wait_seconds": ("queue_wait_seconds",),
    "cost_per_gpu_hour": ("gpu_fees", "gpu_hours"),
    "average_cost_per_million_tokens": ("inference_fees", "served_tokens"),
    "premium_over_market": ("gpu_fees", "gpu_hours"),
    "total_cash_in": ("cash_in",),
    "total_cash_out": ("cash_out",),
    "ending_cash": ("cumulative_cash",),
    "exit_cost_now": (),  # from the contract schedules
}
# The columns no other step reads: `_project` and `_operations` work them out only where
# needed (kept, or read by a figure asked for). Every other column is always worked out.
LEAVES = (
    "cumulative_cash",
    "committed_fees",
    "capacity_tokens",
    "fees_paid",
    "remaining_obligation",
    "receivables",
    "fees_payable",
    "sla_credits_receivable",
    "prepaid_fees",
    "available_tokens",
    "gpu_hours",
    "available_gpus",
    "sla_credits",
    "gpu_fees",
    "training_share",
    "cost_per_million_tokens",
    "peak_utilization",
    "queue_wait_seconds",
)


def summarize(
    columns: dict[str, np.ndarray],
    c: dict[str, np.ndarray],
    figures: Collection[str] = SUMMARY,
) -> dict[str, np.ndarray]:
    """Summary figures per run from the monthly columns (docs/conventions.md defines each),
    those of `figures` (default: all but exit_cost_now, from the contract schedules); `c` are
    the chunk's inputs: the discount factors (`core.finance.discount_factors`) and the market
    price of a GPU-hour."""
    totals: dict[str, np.ndarray] = {}

    def total(name: str) -> np.ndarray:
        if name not in totals:
            totals[name] = columns[name].sum(axis=1)
        return totals[name]

    @functools.cache
    def lowest() -> tuple[np.ndarray, np.ndarray]:
        # the lowest balance and its first month (argmin finds a NaN as min does)
        cumulative = columns["cumulative_cash"]
        peak = cumulative.argmin(axis=1)
        return peak, np.take_along_axis(cumulative, peak[:, None], axis=1)[:, 0]

    def payback() -> np.ndarray:
        # first month at or above zero after the first month below zero
        cumulative = columns["cumulative_cash"]
        months = cumulative.shape[1]
        below = cumulative < 0
        first = below.argmax(axis=1)
        first_below = np.where(
            np.take_along_axis(below, first[:, None], axis=1)[:, 0], first, months
        )
        after = np.greater_equal(cumulative, 0, out=below)
        after &= np.arange(months)[None, :] > first_below[:, None]
        found = after.argmax(axis=1)
        return np.where(np.take_along_axis(after, found[:, None], axis=1)[:, 0], found, -1)

    def ratio(part: str, whole: str) -> np.ndarray:
        value = np.divide(total(part), total(whole))
        _undefined_where(value, total(whole) > 0)
        return value

    def margin_pct() -> np.ndarray:
        revenue = total("revenue")
        value = np.divide(total("gross_margin"), revenue)
        _undefined_where(value, revenue != 0)
        return value

    def per_million() -> np.ndarray:
        served = total("served_tokens")
        value = np.divide(total("inference_fees"), served) * MILLION
        _undefined_where(value, served > 0)
        return value

    def saturated() -> np.ndarray:
        serving = ~np.isnan(columns["serving_slots"]).all(axis=1)
        months = (columns["peak_utilization"] >= 1.0).sum(axis=1).astype(np.float64)
        return np.where(serving, months, np.nan)

    def funding_need() -> np.ndarray:
        low = lowest()[1]
        return np.where(low < 0, -low, 0.0)

    def funding_month() -> np.ndarray:
        peak, low = lowest()
        return np.where(low < 0, peak, -1)

    figure: dict[str, Callable[[], np.ndarray]] = {
        "total_committed_fees": lambda: total("committed_fees"),
        "total_revenue": lambda: total("revenue"),
        "total_inference_cost": lambda: total("inference_cost"),
        "total_training_cost": lambda: total("training_cost"),
        "gross_margin": lambda: total("gross_margin"),
        "gross_margin_pct": margin_pct,
        "npv": lambda: present_value(columns["net_cash_flow"], c["factors"]),
        "peak_funding_need": funding_need,
        "peak_funding_month": funding_month,
        "payback_month": payback,
        "average_utilization": lambda: ratio("served_tokens", "inference_capacity_tokens"),
        "total_idle_capacity_cost": lambda: total("idle_capacity_cost"),
        "total_commit_shortfall": lambda: total("commit_shortfall"),
        "total_overflow_cost": lambda: total("overflow_cost"),
        "total_sla_credits": lambda: total("sla_credits"),
        "peak_training_share": lambda: columns["training_share"].max(axis=1),
        "months_saturated_at_peak": saturated,
        # the longest wait over the months whose peak is not saturated (NaN if none is)
        "max_queue_wait_seconds": lambda: np.fmax.reduce(columns["queue_wait_seconds"], axis=1),
        "cost_per_gpu_hour": lambda: ratio("gpu_fees", "gpu_hours"),
        "average_cost_per_million_tokens": per_million,
        "premium_over_market": lambda: ratio("gpu_fees", "gpu_hours") / c["market"][:, 0] - 1.0,
        "total_cash_in": lambda: total("cash_in"),
        "total_cash_out": lambda: total("cash_out"),
        "ending_cash": lambda: columns["cumulative_cash"][:, -1],
    }
    return {name: figure[name]() for name in SUMMARY if name in figures}
