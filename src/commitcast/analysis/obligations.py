"""Obligations: what the contracts commit the company to pay, and when (the commitments note).

As of the first day A of a month (by default the horizon's first day), for each contract and
in total, by the month each payment is made (`advance`: the month of service; `arrears`: the
month after):

- scheduled: every payment for service from A on as the scenario schedules it (escalator, ramp,
  proration, a `notice_given` and its termination fee applied). SLA credits are left out (they
  are contingent); fees for service before A are not obligations (an arrears contract's fees of
  the month before A are a payable, paid in A's month).
- noncancelable: the payments left if notice were given on A, or on `earliest_notice` if that
  is later: the fees for service through the last day of that notice window (never past `end`),
  plus the termination fee if the contract then ends before `end` (paid with the last month of
  service), capped at running out (then the fees for every service day left, as if no notice
  were planned). From the month a `notice_given` falls in on, the notice has been given: the
  rest of the shortened schedule. A contract without `termination` is wholly noncancelable.
  This is the engine's remaining obligation (docs/conventions.md) split into the months it is
  paid: the total at A is `remaining_obligation` at the end of the month before A.
- cancelable: scheduled - noncancelable.

Payments are added up by bucket of months from A's month to the payment month (0-11 "within 1
year", 12-35 "1–3 years", 36-59 "3–5 years", 60 and later "after 5 years"), by calendar year, or
by fiscal year or quarter (`fiscal_year_start_month`; a fiscal year is named by the year it ends
in), labelled as every view by period is (`engine.projection.period_label`).

Every figure is read from the engine's contract schedules over the whole contract grid
(`FullSchedule`): fees by month, and for the notice window the fees before the day service
would end. Nothing here works out a fee a second way.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace

import numpy as np

from commitcast.core.calendar import (
    date_from_day,
    day_number,
    month_label,
    month_number,
    month_start,
)
from commitcast.engine.commits import CommitSchedule
from commitcast.engine.contracts import FullSchedule
from commitcast.engine.overflow import check_contracts
from commitcast.engine.projection import period_label
from commitcast.engine.run import run
from commitcast.model.scenario import Contract, Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import argument_error

BY = ("bucket", "year", "fiscal-year", "fiscal-quarter")
# label, first and last month (from A's month) of each bucket; None: no last month
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("within 1 year", 0, 11),
    ("1–3 years", 12, 35),
    ("3–5 years", 36, 59),
    ("after 5 years", 60, None),
)
FIGURES = ("scheduled", "noncancelable", "cancelable")


@dataclass(frozen=True)
class Line:
    """Scheduled and noncancelable payments by period (`Obligations.periods`); cancelable is
    the difference. `total(figure)` is the sum of the periods."""

    scheduled: tuple[float, ...]
    noncancelable: tuple[float, ...]

    @property
    def cancelable(self) -> tuple[float, ...]:
        return tuple(s - n for s, n in zip(self.scheduled, self.noncancelable, strict=True))

    def figure(self, name: str) -> tuple[float, ...]:
        if name not in FIGURES:
            raise ValueError(f"no figure {name!r}; figures: {', '.join(FIGURES)}")
        return getattr(self, name)  # type: ignore[no-any-return]

    def total(self, name: str) -> float:
        return math.fsum(self.figure(name))


@dataclass(frozen=True)
class ContractObligations(Line):
    """One contract's payments by period, and by month from A's month (`monthly_*[k]` is paid
    in the month k months after A's; `Obligations.months` labels them)."""

    name: str = ""
    index: int = 0
    timing: str = "advance"  # advance | arrears
    terminable: bool = False  # has a termination section
    # the scenario's notice_given counts at A (given in a month before A's): noncancelable is
    # the rest of the shortened schedule
    notice_applied: bool = False
    # notice on A (or the earliest notice day; what noncancelable assumes unless the notice
    # given counts or there are no termination terms): the fees for service through the last
    # day of the window, whether it ends service before `end` (the termination fee is charged),
    # and whether letting the contract run out costs less (then noncancelable is every fee
    # left, as if no notice were planned)
    window_fees: float = 0.0
    ends_early: bool = False
    runs_out: bool = False
    monthly_scheduled: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    monthly_noncancelable: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)


@dataclass
class Obligations:
    scenario: Scenario
    as_of: dt.date  # A: the first day of a month
    by: str  # bucket | year | fiscal-year | fiscal-quarter
    periods: list[str]  # the labels of the periods, in order
    months: list[str]  # YYYY-MM of each payment month, from A's month on
    contracts: list[ContractObligations]
    total: Line  # the contracts added up, period by period

    @property
    def currency(self) -> str:
        return self.scenario.currency


def obligations(
    scenario: Scenario, as_of: dt.date | None = None, by: str = "bucket"
) -> Obligations:
    """The scenario's contractual obligations as of `as_of` (the first day of a month, on or
    after the horizon's start; None: the horizon's start), by `by`: "bucket" (within 1 year,
    1–3 years, 3–5 years, after 5 years), "year" (calendar), "fiscal-year" or
    "fiscal-quarter" (the scenario's `fiscal_year_start_month`). See the module for the
    figures.

        result = obligations(scenario, dt.date(2027, 1, 1), "year")
        result.periods, result.total.noncancelable, result.contracts[0].total("cancelable")
    """
    if by not in BY:
        raise argument_error(
            f"{by!r} is not a way to group obligations; use one of: {', '.join(BY)}",
            "by",
            hint="by='bucket', 'year', 'fiscal-year' or 'fiscal-quarter'",
        )
    base = Batch(scenario)
    # the run without any planned notice, for the fees of running out before a notice's month
    noticed = {
        i: c
        for i, c in enumerate(scenario.contracts)
        if c.termination is not None and c.termination.notice_given is not None
    }
    if noticed:
        variants = {
            f"contracts[{i}].termination.notice_given": [
                float(day_number(c.termination.notice_given)),  # type: ignore[union-attr,arg-type]
                math.nan,
            ]
            for i, c in noticed.items()
        }
        base = Batch(scenario, 2, variants)
    result = run(base)
    # obligations run to each contract's end, past the horizon the projection checks
    check_contracts(base, result)
    grid = result.contract_grid
    first = month_number(scenario.horizon.start)
    if as_of is None:
        as_of = month_start(first)
    a = _as_of_column(scenario, as_of, grid.first, grid.count)
    starts = grid.starts
    length = (
        grid.count + 1 - a
    )  # payment months from A's: arrears pays the grid's last month after it
    contracts = []
    commits = {c.name: c for c in result.commits}
    for index, (contract, schedule) in enumerate(
        zip(scenario.contracts, result.contracts, strict=True)
    ):
        if contract.kind == "commit":
            contracts.append(
                _commit_obligations(scenario, index, commits[contract.name], a, grid.first, length)
            )
            continue
        full = schedule.full
        given = _run(full, 0)
        free = given if index not in noticed else _run(full, 1)
        shift = 1 if contract.payment.timing == "arrears" else 0
        # in another currency, at the rate of the month before A (1 in the reporting one)
        rate = float(given.fx_rate[a - 1])
        given, free = _converted(given, rate), _converted(free, rate)
        scheduled = np.zeros(length)
        scheduled[shift : shift + grid.count - a] = given.fees[a:]
        term = contract.termination
        notice_applied = False
        # notice on A (or the earliest notice day), whether or not it is what counts
        fee = (term.fee if term is not None else 0.0) * rate
        by_service, window, early, runs_out = _notice_on_a(
            given, free, a, starts, fee, day_number(contract.end)
        )
        if term is None:
            early = runs_out = False
            noncancelable = scheduled.copy()
        else:
            notice = term.notice_given
            notice_applied = notice is not None and a - 1 >= month_number(notice) - grid.first
            if notice_applied:
                noncancelable = scheduled.copy()
            else:
                noncancelable = np.zeros(length)
                noncancelable[shift : shift + grid.count - a] = by_service
        if contract.payment.every_months > 1 or contract.prepayment is not None:
            # billed over several months or prepaid: the payments themselves from A's month,
            # less what settles service before A; noncancelable: the earliest of them, up to
            # the engine's remaining obligation at the end of the month before A
            scheduled = _payments_from(given, contract, a, length)
            free_payments = _payments_from(free, contract, a, length)
            source = scheduled if notice_applied or term is None else free_payments
            noncancelable = _earliest(source, float(given.obligation[a - 1]))
        contracts.append(
            ContractObligations(
                (),
                (),
                name=contract.name,
                index=index,
                timing=contract.payment.timing,
                terminable=term is not None,
                notice_applied=notice_applied,
                window_fees=window,
                ends_early=early,
                runs_out=runs_out,
                monthly_scheduled=scheduled,
                monthly_noncancelable=noncancelable,
            )
        )
    months = [month_label(month_number(as_of) + k) for k in range(length)]
    fiscal_start = scenario.fiscal_year_start_month
    periods = _periods(contracts, as_of, by, fiscal_start, length)
    contracts = [_by_period(c, periods, as_of, by, fiscal_start) for c in contracts]
    total = Line(
        tuple(math.fsum(c.scheduled[p] for c in contracts) for p in range(len(periods))),
        tuple(math.fsum(c.noncancelable[p] for c in contracts) for p in range(len(periods))),
    )
    return Obligations(scenario, as_of, by, periods, months, contracts, total)


def _commit_obligations(
    scenario: Scenario,
    index: int,
    commit: CommitSchedule,
    a: int,
    grid_first: int,
    length: int,
) -> ContractObligations:
    """A take-or-pay commit's obligations as of A (grid column `a`): the unmet minimum of each
    period with months from A's on, paid with the period's last month in service (the month
    after, in arrears), less what was spent in the current period before A; and the
    termination fee a notice given ends it early with. Noncancelable: the same for notice on
    A (or the earliest notice day): the periods through the last month of service that notice
    leaves, the last prorated, plus the fee; at most running to the end (engine.commits has
    the same rules). In the reporting currency at the rate of the month before A."""
    contract = scenario.contracts[index]
    minimum = contract.minimum
    amount = minimum.amount if minimum is not None else 0.0
    every = minimum.every_months if minimum is not None else 12
    start = month_number(contract.start)
    first = month_number(scenario.horizon.start)
    as_of = grid_first + a  # A's month number
    shift = 1 if contract.payment.timing == "arrears" else 0
    # spend in its own currency, by month of the horizon (none known before or after it)
    rate_row = commit.fx_rate[0]
    spend = commit.spend[0] / rate_row
    term = contract.termination
    end_month = month_number(contract.end)
    notice = term.notice_given if term is not None else None
    fee = term.fee if term is not None else 0.0

    def spent_before_a(period_first: int) -> float:
        """Spend from month `period_first` (a month number) to the month before A."""
        low, high = max(period_first, first) - first, min(as_of, first + len(spend)) - first
        return math.fsum(spend[low:high]) if high > low else 0.0

    def payments(last_month: int, fee_charged: float) -> np.ndarray:
        """By payment month from A's: the unmet minimums of the periods with months from A's
        month through `last_month` (a month number, the last of service), then the fee."""
        out = np.zeros(length)
        k_a = max(as_of - start, 0)
        k_last = last_month - start
        for period in range(k_a // every, k_last // every + 1):
            counted_from = max(period * every, first - start, 0)
            period_last = min(period * every + every - 1, k_last)
            months = period_last - counted_from + 1
            if months <= 0:
                continue
            due = amount * months / every
            if period * every < k_a:  # begun before A: what was spent since counts
                due = max(due - spent_before_a(start + counted_from), 0.0)
            paid = start + period_last + shift - as_of
            if 0 <= paid < length:
                out[paid] += due
        if fee_charged:
            paid = last_month + shift - as_of
            if 0 <= paid < length:
                out[paid] += fee_charged
        return out

    given_last = end_month
    ends_early = False
    if notice is not None and term is not None:
        window_end = day_number(notice) + term.notice_days
        if window_end <= day_number(contract.end):
            ends_early = True
            given_last = month_number(date_from_day(window_end - 1))
    scheduled = payments(given_last, fee if ends_early else 0.0)
    run_out = payments(end_month, 0.0)
    notice_applied = notice is not None and as_of - 1 >= month_number(notice)
    window = 0.0
    early = runs_out = False
    if term is None or notice_applied:
        noncancelable = scheduled.copy()
    else:
        d = max(day_number(month_start(as_of)), day_number(contract.earliest_notice))
        stop = d + term.notice_days
        early = stop <= day_number(contract.end)
        last = month_number(date_from_day(stop - 1)) if early else end_month
        by_notice = payments(last, 0.0)
        window = math.fsum(by_notice)
        if early:
            paid = last + shift - as_of
            if 0 <= paid < length:
                by_notice[paid] += fee
        if math.fsum(run_out) < math.fsum(by_notice):
            noncancelable, runs_out = run_out, True
        else:
            noncancelable = by_notice
    rate = _rate_before(scenario, contract, as_of)
    return ContractObligations(
        (),
        (),
        name=contract.name,
        index=index,
        timing=contract.payment.timing,
        terminable=term is not None,
        notice_applied=notice_applied,
        window_fees=window * rate,
        ends_early=bool(early),
        runs_out=runs_out,
        monthly_scheduled=scheduled * rate,
        monthly_noncancelable=noncancelable * rate,
    )


def _rate_before(scenario: Scenario, contract: Contract, as_of: int) -> float:
    """The rate of the contract's currency in the month before A (1 in the reporting one)."""
    code = scenario.currency_of(contract)
    if code == scenario.currency:
        return 1.0
    fx = scenario.fx[code]
    t = as_of - 1 - month_number(scenario.horizon.start)
    return float(fx.rate * (1.0 + fx.change) ** t)


def _as_of_column(scenario: Scenario, as_of: dt.date, grid_first: int, count: int) -> int:
    """The contract grid's column of A's month: 1 (the horizon's first month) to the last."""
    if not isinstance(as_of, dt.date):
        raise TypeError("as_of is a datetime.date (the first day of a month) or None")
    shown = as_of.strftime("%Y-%m")
    if as_of.day != 1:
        raise argument_error(
            f"{as_of} is not the first day of a month; obligations are as of a month's start",
            "as_of",
            hint=f"as of {as_of:%Y-%m}-01",
        )
    start = scenario.horizon.start
    column = month_number(as_of) - grid_first
    if column < 1:
        raise argument_error(
            f"{shown} is before the horizon's start ({start:%Y-%m}); payments before it are "
            "not on the contract grid",
            "as_of",
            hint=f"a month from {start:%Y-%m} on",
        )
    if column > count - 1:
        last = month_label(grid_first + count - 1)
        raise argument_error(
            f"{shown} is after the last month of the contracts ({last}); nothing is owed then",
            "as_of",
            hint=f"a month from {start:%Y-%m} to {last}",
        )
    return column


def _run(full: FullSchedule, row: int) -> FullSchedule:
    """Run `row` of every figure of a schedule, as a (G,) row each."""
    return FullSchedule(**{name: value[row] for name, value in vars(full).items()})


MONEY_ROWS = (
    "fees",
    "fees_paid",
    "sla_credits",
    "fees_payable",
    "prepaid_fees",
    "obligation",
    "service_fees",
    "fees_before_service_ends",
    "service_fees_to_date",
    "fees_left",
)


def _converted(schedule: FullSchedule, rate: float) -> FullSchedule:
    """A contract's money rows at one rate: an obligation at the as-of month's."""
    if rate == 1.0:
        return schedule
    return replace(schedule, **{name: getattr(schedule, name) * rate for name in MONEY_ROWS})


def _payments_from(full: FullSchedule, contract: Contract, a: int, length: int) -> np.ndarray:
    """A contract's payments by month from A's (grid column `a`): what it pays each month,
    SLA credits left out (they are contingent), the prepayment if it is still to be paid, less
    the fees of service before A still owed then (a payable: not an obligation); what is
    left to pay after the grid's last month falls in the month after it."""
    count = full.fees.shape[0]
    out = np.zeros(length)
    out[: count - a] = full.fees_paid[a:] + full.sla_credits[a - 1 : -1]
    left = float(full.fees_payable[-1] - full.prepaid_fees[-1])
    if _rounding(left, float(np.abs(full.fees).sum())):
        left = 0.0  # the balances' sums, to float rounding: nothing left to pay
    refundable = contract.prepayment is not None and contract.prepayment.refundable
    out[count - a] += left if refundable else max(left, 0.0)
    owed_before = max(float(full.fees_payable[a - 1]), 0.0)
    for k in range(length):
        if owed_before <= 0:
            break
        settled = min(owed_before, max(out[k], 0.0))
        out[k] -= settled
        owed_before -= settled
    return out


def _rounding(value: float, scale: float) -> bool:
    """Whether `value` is float rounding of sums of size `scale` (within 1e-9 of it), not a
    payment."""
    return abs(value) <= 1e-9 * max(1.0, scale)


def _earliest(payments: np.ndarray, total: float) -> np.ndarray:
    """The first payments, in month order, up to `total` (the rest of it, if any, in the last
    month with a payment): what a notice cannot avoid when it only cuts later payments."""
    out = np.zeros_like(payments)
    left = total
    for k, payment in enumerate(payments):
        if left <= 0:
            break
        out[k] = min(max(payment, 0.0), left)
        left -= out[k]
    # more than the payments (or a refund to come): with the last of them
    if not _rounding(left, abs(total)):
        paid = np.flatnonzero(payments)
        out[int(paid[-1]) if paid.size else 0] += left
    return out


def _notice_on_a(
    given: FullSchedule,
    free: FullSchedule,
    a: int,
    starts: np.ndarray,
    termination_fee: float,
    end_day: int,
) -> tuple[np.ndarray, float, bool, bool]:
    """The payments left if notice were given on A (or the earliest notice day, if later), by
    month of service from A's month (grid columns a..G-1): the engine's exit cost at the end of
    the month before A (`exit_cost[a - 1]`), split into its months.

    `given` is the schedule as the scenario has it, `free` the same without a planned notice
    (the two are the same without one). Both are rows of one run. Also returns the fees of
    the window, whether the notice ends service early, and whether running out is cheaper."""
    count = given.fees.shape[0]
    out = np.zeros(count - a)
    before = a - 1  # notice at the end of the month before A is notice on A
    ends = float(given.service_ends[before])  # first day without service
    month = int(given.service_end_month[before])  # its grid column
    if month >= a:
        # whole months of service before the month service would end, then the part of that
        # month before it (the engine's fees before that day, less those to its month's start)
        out[: month - a] = given.service_fees[a:month]
        out[month - a] = (
            given.fees_before_service_ends[before] - given.service_fees_to_date[month - 1]
        )
    window = math.fsum(out)
    early = ends <= end_day  # the notice ends service before `end`: the fee is charged
    run_out = float(free.fees_left[before])
    fee = termination_fee if early else 0.0
    if run_out < window + fee:
        # cheaper to let the contract run out: the fees for every service day left
        return np.array(free.fees[a:], dtype=np.float64), window, bool(early), True
    if early:
        # paid with the last month of service, the month of the day before service ends
        last = month if ends > starts[month] else month - 1
        out[last - a] += fee
    return out, window, bool(early), False


def period_of(months_from_a: int, as_of: dt.date, by: str, fiscal_start: int = 1) -> str:
    """The label of the period a payment `months_from_a` months after A's month falls in."""
    if by == "bucket":
        for label, low, high in BUCKETS:
            if months_from_a >= low and (high is None or months_from_a <= high):
                return label
        raise ValueError(months_from_a)
    paid = month_label(month_number(as_of) + months_from_a)
    return period_label(paid, by, fiscal_start)  # type: ignore[arg-type]


def _periods(
    contracts: list[ContractObligations],
    as_of: dt.date,
    by: str,
    fiscal_start: int,
    length: int,
) -> list[str]:
    """Every bucket; or the periods from A's to the last with a payment (A's alone if
    none)."""
    if by == "bucket":
        return [label for label, _, _ in BUCKETS]
    paid = [
        k
        for k in range(length)
        if any(c.monthly_scheduled[k] != 0 or c.monthly_noncancelable[k] != 0 for c in contracts)
    ]
    last = max(paid, default=0)
    labels: list[str] = []
    for k in range(last + 1):
        label = period_of(k, as_of, by, fiscal_start)
        if not labels or labels[-1] != label:
            labels.append(label)
    return labels


def _by_period(
    contract: ContractObligations,
    periods: list[str],
    as_of: dt.date,
    by: str,
    fiscal_start: int,
) -> ContractObligations:
    """The contract with its monthly payments added up by period (a payment after the last
    period shown is 0: periods run to the last payment)."""
    where = {label: p for p, label in enumerate(periods)}
    scheduled: list[list[float]] = [[] for _ in periods]
    noncancelable: list[list[float]] = [[] for _ in periods]
    for k in range(contract.monthly_scheduled.shape[0]):
        p = where.get(period_of(k, as_of, by, fiscal_start))
        if p is not None:
            scheduled[p].append(float(contract.monthly_scheduled[k]))
            noncancelable[p].append(float(contract.monthly_noncancelable[k]))
    return replace(
        contract,
        scheduled=tuple(math.fsum(v) for v in scheduled),
        noncancelable=tuple(math.fsum(v) for v in noncancelable),
    )
