"""Take-or-pay commits: tokens bought at a price, with a minimum spend per period.

A commit (`kind: commit`) provides no reserved capacity. Demand above the reserved inference
capacity that can be used is bought on the commits active that month, in the order they are
listed, each up to its monthly limit (prorated by its days in service); what is left follows
`costs.overflow`. Conventions (also in docs/conventions.md):

- periods run `minimum.every_months` (E) contract months from the start month; a period's
  minimum is amount x n / E, n its months in service from the horizon's first month on (a last
  short period, one cut by a notice and one begun before the horizon are prorated by months);
- in a period's last month in service the commit bills the shortfall, max(0, minimum - spend
  in the period), paid like its usage with the commit's timing (the spend of the month before
  the horizon is not known: none);
- the remaining obligation at a month's end: the unmet minimums of the periods a notice on the
  first day of the next month (or the earliest notice day) does not let it avoid, less what was
  spent in the current period, plus the termination fee if that ends it early, at most what
  running to the end would leave (the same rules as a reserved contract's notice).

Amounts are in the commit's currency and converted at the rate of the month they fall in.
Nothing here rounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from commitcast.core.calendar import MonthGrid, months_of_days
from commitcast.core.measures import MILLION

# each commit's per-run inputs (contracts[i].<name>)
COMMIT_INPUTS = (
    "start",
    "end",
    "price_per_million_tokens",
    "minimum.amount",
    "minimum.every_months",
    "max_tokens_per_month",
    "termination.allowed",
    "termination.notice_days",
    "termination.fee",
    "termination.earliest_notice",
    "payment.timing",
)
# the monthly rows of a commit, (runs, months) each, in the reporting currency but tokens
COMMIT_ROWS = ("tokens", "spend", "shortfall", "termination_fee", "paid", "payable", "obligation")


@dataclass
class CommitSchedule:
    """One commit over the horizon, per run: every array (runs, months), money converted."""

    name: str
    tokens: np.ndarray  # tokens bought under it
    spend: np.ndarray  # tokens x price / 1e6
    shortfall: np.ndarray  # billed in a period's last month in service
    termination_fee: np.ndarray  # in the last month of service after a notice ending it early
    paid: np.ndarray  # spend + shortfall + fee, in their month (advance) or the next (arrears)
    payable: np.ndarray  # incurred and not yet paid at the month's end
    obligation: np.ndarray  # remaining obligation at the month's end
    fx_rate: np.ndarray  # (rows, months): units of the reporting currency per unit of its own


@dataclass
class Commit:
    """What the engine knows of a commit before demand: its inputs and service per month."""

    name: str
    inputs: dict[str, np.ndarray]  # COMMIT_INPUTS, (rows, 1) each
    stop: np.ndarray  # (rows, 1): first day without service (after any notice given)
    notice: np.ndarray  # (rows, 1): the notice day given, NaN for none
    fx: np.ndarray  # (rows, months + 1): the rate, the month before the horizon first


def commits_of(
    scenario_contracts: list,
    column: Callable[[str], np.ndarray],
    first_day_without_service: Callable[[int], np.ndarray],
    fx_rates: Callable[[int], np.ndarray],
) -> list[Commit]:
    """The commits among the contracts, with their inputs as (rows, 1) columns; contract i's
    first day without service and rates are asked for only if it is a commit (a portfolio of
    reserved contracts need not work out ten thousand of each)."""
    found = []
    for i, contract in enumerate(scenario_contracts):
        if contract.kind != "commit":
            continue
        p = f"contracts[{i}]"
        inputs = {name: column(f"{p}.{name}") for name in COMMIT_INPUTS}
        found.append(
            Commit(
                name=contract.name,
                inputs=inputs,
                stop=first_day_without_service(i)[:, None],
                notice=column(f"{p}.termination.notice_given"),
                fx=fx_rates(i),
            )
        )
    return found


def buy(
    commits: list[Commit],
    excess: np.ndarray,
    horizon: MonthGrid,
    part: slice,
    keep: bool,
) -> tuple[np.ndarray, dict[str, np.ndarray], list[CommitSchedule]]:
    """Demand `excess` ((runs, months) of a chunk) bought on `commits` in their order.

    Returns what is left of the excess, the totals over commits of COMMIT_ROWS and
    `exit_cost_now` ((runs,)), and each commit's schedule when `keep`."""
    rows, months = excess.shape
    left = excess.copy()
    totals = {name: np.zeros((rows, months)) for name in COMMIT_ROWS}
    totals["fx_loss"] = np.zeros((rows, months))
    totals["exit_cost_now"] = np.zeros(rows)
    schedules = []
    starts = horizon.starts.astype(np.float64)
    days_in_month = np.diff(starts)
    for commit in commits:
        c = {name: _rows(values, part) for name, values in commit.inputs.items()}
        stop, notice = _rows(commit.stop, part), _rows(commit.notice, part)
        fx = _rows(commit.fx, part)
        service = np.clip(
            np.minimum(stop, starts[1:]) - np.maximum(c["start"], starts[:-1]), 0, None
        )
        active = service > 0
        limit = np.where(
            np.isnan(c["max_tokens_per_month"]),
            np.inf,
            c["max_tokens_per_month"] * service / days_in_month,
        )
        tokens = np.where(active, np.minimum(left, limit), 0.0)
        left -= tokens
        spend = tokens * c["price_per_million_tokens"] / MILLION
        native = _billing(c, spend, active, stop, notice, horizon)
        rate = fx[:, 1:]
        out = {
            "tokens": tokens,
            "spend": spend * rate,
            "shortfall": native["shortfall"] * rate,
            "termination_fee": native["termination_fee"] * rate,
            "paid": native["paid"] * rate,
            "payable": native["payable"] * rate,
            "obligation": native["obligation"][:, 1:] * rate,
        }
        # the payable's value moves with the rate (0 in the reporting currency)
        loss = np.zeros((rows, months))
        loss[:, 1:] = native["payable"][:, :-1] * np.diff(rate, axis=1)
        for name, values in out.items():
            totals[name] += values
        totals["fx_loss"] += loss
        totals["exit_cost_now"] += native["obligation"][:, 0] * fx[:, 0]
        if keep:
            schedules.append(
                CommitSchedule(commit.name, **out, fx_rate=np.broadcast_to(rate, (rows, months)))
            )
    return left, totals, schedules


def _rows(values: np.ndarray, part: slice) -> np.ndarray:
    """The chunk's rows of an input given per run; one row for every run stays."""
    return values[part] if values.shape[0] > 1 else values


def _billing(
    c: dict[str, np.ndarray],
    spend: np.ndarray,
    active: np.ndarray,
    stop: np.ndarray,
    notice: np.ndarray,
    horizon: MonthGrid,
) -> dict[str, np.ndarray]:
    """A commit's shortfall, termination fee, payments, payable and obligation in its own
    currency, (rows, months) each; the obligation (rows, months + 1) from the month before the
    horizon."""
    rows, months = spend.shape
    first = horizon.first
    start_month = months_of_days(c["start"])  # (rows, 1)
    every = c["minimum.every_months"]
    amount = c["minimum.amount"]
    t = np.arange(months)
    k = (first - start_month) + t  # contract month of each horizon month
    k0 = first - start_month  # of the horizon's first month
    last_service = months_of_days(stop - 1) - start_month  # contract month of the last day
    period_end = np.minimum(np.floor_divide(k, every) * every + every - 1, last_service)
    bills = active & (k == period_end)
    # spend to date in the period: from its first month in the horizon
    period_first = np.maximum(np.floor_divide(k, every) * every, k0)
    spent_before = np.concatenate([np.zeros((rows, 1)), np.cumsum(spend, axis=1)], axis=1)
    counted = np.concatenate([np.zeros((rows, 1)), np.cumsum(active, axis=1)], axis=1)
    first_column = np.clip(t - (k - period_first), 0, months).astype(np.int64)
    to_date = spend.cumsum(axis=1) - np.take_along_axis(spent_before, first_column, axis=1)
    in_period = np.cumsum(active, axis=1) - np.take_along_axis(counted, first_column, axis=1)
    shortfall = np.where(bills, np.maximum(amount * in_period / every - to_date, 0.0), 0.0)

    allowed = c["termination.allowed"] > 0
    notice_days = c["termination.notice_days"]
    end = c["end"]
    given = allowed & np.isfinite(notice)
    terminated = given & (stop <= end)
    fee_month = (months_of_days(stop - 1) - first) == t
    termination_fee = np.where(terminated & fee_month, c["termination.fee"], 0.0)

    incurred = spend + shortfall + termination_fee
    arrears = c["payment.timing"] == 1.0
    shifted = np.concatenate([np.zeros((rows, 1)), incurred[:, :-1]], axis=1)
    paid = np.where(arrears, shifted, incurred)
    payable = np.where(arrears, incurred, 0.0)

    # the obligation at the end of each month from the month before the horizon (a = -1)
    a = np.arange(-1, months)
    spent_now = np.concatenate([np.zeros((rows, 1)), to_date], axis=1)  # (rows, months + 1)
    k_now = (first - start_month) + a
    month_starts = MonthGrid(first, months).starts.astype(np.float64)  # day 1 of month a + 1

    def owed(last_month: np.ndarray) -> np.ndarray:
        """Unmet minimums of the periods with months after `a`, through contract month
        `last_month`, less what the current period has had spent."""
        after = np.maximum(k_now + 1, 0)
        current = np.floor_divide(after, every)
        first_owed = np.maximum(np.maximum(current * every, k0), 0)
        # nothing is owed once no month of service is left after `a` (a shortfall billed in
        # the last month of service is then incurred, not an obligation)
        left = last_month >= after
        total = np.where(left, np.maximum(last_month - first_owed + 1, 0), 0)
        continues = (k_now >= 0) & (np.floor_divide(np.maximum(k_now, 0), every) == current)
        in_current = np.maximum(
            np.minimum(current * every + every - 1, last_month) - first_owed + 1, 0
        )
        credit = np.where(continues & left, np.minimum(spent_now, amount * in_current / every), 0.0)
        return amount * total / every - credit

    end_month = months_of_days(end) - start_month
    run_out = owed(end_month)
    d = np.maximum(month_starts[None, :], c["termination.earliest_notice"])
    early = (d + notice_days) <= end
    ends = np.minimum(d + notice_days, end + 1)
    exit_now = owed(months_of_days(ends - 1) - start_month) + np.where(
        early, c["termination.fee"], 0.0
    )
    obligation = np.where(allowed, np.minimum(exit_now, run_out), run_out)
    if given.any():
        notice_month = months_of_days(np.nan_to_num(notice, nan=0.0)) - first
        as_given = owed(last_service)
        pending = terminated & ((months_of_days(stop - 1) - first) > a)
        as_given = as_given + np.where(pending, c["termination.fee"], 0.0)
        obligation = np.where(given & (a >= notice_month), as_given, obligation)
    return {
        "shortfall": shortfall,
        "termination_fee": termination_fee,
        "paid": paid,
        "payable": payable,
        "obligation": obligation,
    }
