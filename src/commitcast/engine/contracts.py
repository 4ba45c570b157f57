"""One contract month by month, per run: the engine's contract schedule.

The schedule runs over the contract grid, from the month before the horizon (fees paid in
arrears in the horizon's first month are for that month) through the last contract's end,
because an obligation does not stop at the edge of the projection. The projection reads the
horizon's months of it (`ContractSchedule`); the workbook's Contracts sheet shows all of it
(`FullSchedule`), so it stores these figures rather than working them out a second time.

Conventions (also in docs/conventions.md):
- a contract's fee and capacity in a month are prorated by days in service / days in month;
- contract month k counts calendar months from the contract's start month (k = 0 there);
  the escalator multiplies the fee by (1 + rate) ** (k // every_months); ramp steps follow one
  another from k = 0 and scale fee and capacity;
- notice on day D with N days' notice makes D + N the first day without service, unless that
  reaches to or past the contract's end (then nothing changes and no fee is charged); the
  termination fee is part of the committed fees of the last month of service;
- `advance` pays a month's fees in that month, `arrears` the month after.

Dates are day numbers (`core.calendar`). Nothing here rounds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from commitcast.core.calendar import MonthGrid, month_number, months_of_days
from commitcast.variants.batch import Batch


@dataclass
class FullSchedule:
    """One contract over the whole contract grid, per run: every row of the Contracts sheet.

    Every array has shape (runs, G), G = `BatchResult.contract_grid.count`: column 0 is the
    month before the horizon, columns 1..months the horizon, the rest the months after it, to
    the last contract's end. "Notice at a month's end" means notice given on the first day of
    the next month. Money is unrounded; days are day numbers.
    """

    # k: whole calendar months from the contract's start month (int64; negative before it)
    contract_month: np.ndarray
    # (1 + rate) ** (max(k, 0) // every_months)
    escalation: np.ndarray
    # the fraction of the ramp step k falls in; 1 before k = 0 and after the last step
    ramp: np.ndarray
    # monthly fee x escalation x ramp: the fee for a whole month of service
    full_month_fee: np.ndarray
    # days of service in the month
    service_days: np.ndarray
    # full_month_fee / days in the month
    daily_fee: np.ndarray
    # daily_fee x service_days
    service_fees: np.ndarray
    # tokens per month x ramp x service_days / days in the month
    capacity_tokens: np.ndarray
    # the termination fee, in the month of the last day of service; 0 elsewhere
    termination_fee: np.ndarray
    # committed fees: service_fees + termination_fee
    fees: np.ndarray
    # fees paid in the month: its own (advance) or the month before's (arrears); NaN in
    # column 0 in arrears, whose month before is not on the grid
    fees_paid: np.ndarray
    # service fees from the grid's first month through the month's end
    service_fees_to_date: np.ndarray
    # the first day of the next month: notice given at this month's end
    notice_day: np.ndarray
    # notice_day, or the earliest notice day if that is later
    notice_from: np.ndarray
    # first day without service after notice on notice_from: notice_from + notice days, or
    # the day after the contract's end if that comes first
    service_ends: np.ndarray
    # grid column (0-based, int64) of the month service_ends falls in
    service_end_month: np.ndarray
    # service fees from the grid's first day to the day before service_ends
    fees_before_service_ends: np.ndarray
    # service fees for the days after the month (of the schedule as given)
    fees_left: np.ndarray
    # owed if notice were given at the month's end: service fees up to service_ends, plus the
    # termination fee if that ends service early, at most fees_left
    exit_cost: np.ndarray
    # with notice given and service ending early: the termination fee while its month (the
    # last of service) is still to come, else 0
    termination_fee_to_come: np.ndarray
    # remaining obligation at the month's end: with notice given, fees_left +
    # termination_fee_to_come; with a termination option, exit_cost; else fees_left
    obligation: np.ndarray
    # latest notice day for service to end with the month (notice_day - notice days); NaN
    # without a termination option or when that is before the earliest notice day
    notice_deadline: np.ndarray


@dataclass
class ContractSchedule:
    """One contract, per run: the horizon's months (what the projection adds up), the notice
    as given, and the whole contract grid (`full`, what the Contracts sheet shows)."""

    name: str
    fees: np.ndarray  # committed fees incl. any termination fee, (runs, months)
    capacity_tokens: np.ndarray
    fees_paid: np.ndarray
    termination_fee: np.ndarray  # (runs, months), non-zero only in the last month of service
    last_service_day: np.ndarray  # (runs,) day number
    remaining_obligation: np.ndarray  # (runs, months)
    exit_cost_now: np.ndarray  # (runs,)
    fees_after_horizon: np.ndarray  # (runs,) fees scheduled after the horizon's last month
    notice_given: np.ndarray  # (runs,) bool: a termination option and a notice date
    ends_early: np.ndarray  # (runs,) bool: that notice ends service before the contract's end
    first_day_without_service: np.ndarray  # (runs,) day number: last_service_day + 1
    # how the whole contract grid is worked out again (see `full`)
    rows: Callable[[], FullSchedule] = field(repr=False, compare=False)
    _full: FullSchedule | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def full(self) -> FullSchedule:
        """Every row of the contract over the whole contract grid, (runs, G) each.

        Worked out on first use by the computation that gave the figures above, on the same
        inputs (so the same numbers), and then kept: a batch of many runs (simulate) does not
        hold some twenty (runs, G) arrays per contract that nobody reads.
        """
        if self._full is None:
            self._full = self.rows()
        return self._full


def contract_grid(batch: Batch) -> MonthGrid:
    """The month before the horizon through the last contract's end (or the horizon's end)."""
    scenario = batch.scenario
    first = month_number(scenario.horizon.start)
    last = max(
        [first + scenario.months - 1]
        + [month_number(c.end) for c in scenario.contracts]
        # a varied end date (a batch key) could lie later than the scenario's own
        + [int(_max_month(batch[f"contracts[{i}].end"])) for i in range(len(scenario.contracts))]
    )
    return MonthGrid(first - 1, last - first + 2)


def _max_month(days: np.ndarray) -> float:
    finite = days[np.isfinite(days)]
    if finite.size == 0:
        return -np.inf
    return float(months_of_days(np.array([finite.max()]))[0])


def shared_schedule(schedule: ContractSchedule, runs: int) -> ContractSchedule:
    """A one-run schedule as a read-only view repeated for every run."""

    def spread(record: object) -> dict[str, Any]:
        return {
            f.name: np.broadcast_to(value, (runs, *value.shape[1:]))
            for f in dataclasses.fields(record)  # type: ignore[arg-type]
            if isinstance(value := getattr(record, f.name), np.ndarray)
        }

    return ContractSchedule(
        name=schedule.name,
        **spread(schedule),
        rows=lambda: FullSchedule(**spread(schedule.full)),
    )


def contract_schedule(batch: Batch, index: int, grid: MonthGrid) -> ContractSchedule:
    """Contract `index` of the batch over the contract grid `grid` (see `contract_grid`).

    The rows over the whole grid are left behind here and worked out again if `full` is read.
    """
    return _schedule(batch, index, grid)[0]


def _schedule(batch: Batch, index: int, grid: MonthGrid) -> tuple[ContractSchedule, FullSchedule]:
    p = f"contracts[{index}]"
    months = batch.scenario.months
    in_horizon = slice(1, months + 1)  # grid column 0 is the month before the horizon
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

    # paid in a month: its own fees (advance) or the month before's (arrears, none known for
    # the grid's first month)
    arrears = batch.column(f"{p}.payment.timing") == 1.0
    before = np.concatenate([np.full((batch.runs, 1), np.nan), committed[:, :-1]], axis=1)
    paid = np.where(arrears, before, 0.0) + np.where(arrears, 0.0, committed)

    # Cumulative service fees at each month's first day; fees up to any day follow from it.
    cumulative = np.concatenate(
        [np.zeros((batch.runs, 1)), np.cumsum(service_fees, axis=1)], axis=1
    )

    def month_of(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`day` held to the grid, and the grid column of its month."""
        day = np.clip(day, starts[0], starts[-1])
        month = np.clip(np.searchsorted(starts, day, side="right") - 1, 0, grid.count - 1)
        return day, month

    def fees_before(day: np.ndarray) -> np.ndarray:
        """Service fees for days before `day` (day numbers, shape (runs, n)), from grid start."""
        day, month = month_of(day)
        first_day = starts[month]
        partial = np.clip(np.minimum(day, stop) - np.maximum(start, first_day), 0, None)
        rate = np.take_along_axis(daily_fee, month, axis=1)
        return np.take_along_axis(cumulative, month, axis=1) + rate * partial

    # Obligation if notice were given on day A = the first day of each grid month but the first
    # (A = first of month m + 1 gives the remaining obligation at the end of month m).
    a = np.broadcast_to(starts[1:], (batch.runs, grid.count))
    from_a = fees_before(np.full_like(a, np.inf)) - fees_before(a)
    # notice as given in the scenario: the rest of that schedule plus a fee not yet charged
    pending_fee = np.where(terminated & (last_day >= a), termination_fee, 0.0)
    with_notice = from_a + pending_fee
    # otherwise: notice on max(A, earliest) ending service at D + N, capped by running out
    d = np.maximum(a, earliest)
    early = (d + notice_days) <= end
    service_ends = np.minimum(d + notice_days, end + 1)
    to_end = fees_before(service_ends)
    window = to_end - fees_before(a)
    exit_now = np.minimum(window + np.where(early, termination_fee, 0.0), from_a)
    obligation = np.where(given, with_notice, np.where(allowed, exit_now, from_a))
    deadline = a - notice_days
    deadline = np.where(allowed & (deadline >= earliest), deadline, np.nan)

    full = FullSchedule(
        contract_month=k,
        escalation=escalation,
        ramp=ramp,
        full_month_fee=full_fee,
        service_days=days,
        daily_fee=daily_fee,
        service_fees=service_fees,
        capacity_tokens=capacity,
        termination_fee=charge,
        fees=committed,
        fees_paid=paid,
        service_fees_to_date=cumulative[:, 1:],
        notice_day=a,
        notice_from=d,
        service_ends=service_ends,
        service_end_month=month_of(service_ends)[1],
        fees_before_service_ends=to_end,
        fees_left=from_a,
        exit_cost=exit_now,
        termination_fee_to_come=pending_fee,
        obligation=obligation,
        notice_deadline=deadline,
    )
    schedule = ContractSchedule(
        name="",
        fees=committed[:, in_horizon],
        capacity_tokens=capacity[:, in_horizon],
        fees_paid=paid[:, in_horizon],
        termination_fee=charge[:, in_horizon],
        last_service_day=last_day[:, 0],
        remaining_obligation=obligation[:, in_horizon],
        exit_cost_now=obligation[:, 0],
        fees_after_horizon=committed[:, in_horizon.stop :].sum(axis=1),
        notice_given=given[:, 0],
        ends_early=terminated[:, 0],
        first_day_without_service=stop[:, 0],
        rows=lambda: _schedule(batch, index, grid)[1],
    )
    return schedule, full
