"""Lease accounting (issue 12): a contract's fees as a lease on the balance sheet.

The accounting treatment is the user's judgment: a contract's `accounting` section states a
policy (lease or service, ASC 842 or IFRS 16, the borrowing rate, the lease term) and this
module computes what that policy gives. It never decides whether a contract is a lease.

For each contract with `treatment: lease`:

- **Commencement** is the contract's `start`, even before the horizon: the schedule runs from
  the commencement month, so the balances at the horizon's start are right.
- **Lease term**: `full` runs to the last day of service (the `end`, or earlier after a
  `notice_given`); `noncancelable` ends on the last day of service if notice were given on
  `earliest_notice` (default: the start), never past the `end`. A contract without
  `termination` has the full term either way.
- **Payments**: the contract's fees for the service days in the term (escalator, ramp and
  proration as the engine computes them: `engine.contracts`), plus the termination fee when the
  term ends before the `end`, each on the first day of its payment month (advance: the service
  month; arrears: the month after). SLA credits are contingent: not lease payments.
- r = (1 + borrowing_rate)^(1/12) - 1; a payment k months after the commencement month is
  discounted by (1 + r)^k; the liability at commencement L0 is the sum. Each month the payment
  is made at its start and interest accrues on the rest:
  closing = (opening - payment) x (1 + r), interest = (opening - payment) x r.
- **ASC 842** (operating lease): lease cost = total payments x (days of the term in the month /
  days in the term); ROU asset = closing liability + payments to date - lease cost to date.
- **IFRS 16**: ROU asset at commencement = L0, depreciated by day over the term; the expense is
  depreciation + interest.
- **Short-term exemption** (on by default): a term of 12 months or less (its first day without
  service no later than the same day 12 months after commencement) puts nothing on the balance
  sheet; the fees are expensed as incurred, and `notes` says so.
- **Current portion** at a month's end = the closing liability - the closing liability 12 months
  later; the rest is non-current.
- **Maturity analysis** as of the first day A of a month: the undiscounted payments from A on by
  year (months 0-11 from A are year 1, ... 48-59 year 5, the rest thereafter), their total, less
  the imputed interest, equals the liability at A (the opening liability of A's month). A lease
  is on the balance sheet from the start of its commencement month (the schedule is monthly).
- **Accounting P&L**: the projection's cost lines with each lease's fees for its term (as the
  management P&L books them, before SLA credits) replaced by its lease cost (ASC 842) or its
  depreciation + interest (IFRS 16), split between inference cost (the cost of revenue) and
  training cost by the month's training share, as the fees are. Revenue is unchanged; gross
  margin = revenue - inference cost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from commitcast.analysis.unsupported import refuse_unsupported
from commitcast.core.calendar import (
    MonthGrid,
    day_number,
    month_label,
    month_number,
    month_start,
)
from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.finance import monthly_rate
from commitcast.engine.contracts import FullSchedule, contract_schedule
from commitcast.engine.projection import Projection, projection
from commitcast.model.provenance import field_problem
from commitcast.model.scenario import MAX_MONEY, Contract, Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import attempt

YEARS = ("year_1", "year_2", "year_3", "year_4", "year_5", "thereafter")
YEAR_LABELS = ("Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Thereafter")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later, held to the month's last day (31 Jan + 1
    month is 28 or 29 Feb)."""
    first = month_start(month_number(day) + months)
    following = month_start(month_number(day) + months + 1)
    last = (following - dt.timedelta(days=1)).day
    return first.replace(day=min(day.day, last))


@dataclass
class LeaseSchedule:
    """One lease contract month by month, from its commencement month to its last payment.

    Arrays have one value per month of `months`; money is unrounded. With the short-term
    exemption applied the balances (liability, ROU asset) are 0 and `lease_cost` is the fees
    as incurred.
    """

    index: int  # the contract's index in the scenario
    contract: Contract
    standard: Literal["asc842", "ifrs16"]
    term: Literal["noncancelable", "full"]
    commencement: dt.date
    term_end: dt.date  # last day of the lease term
    term_days: int
    ends_early: bool  # the term ends before the contract's end: the termination fee is paid
    termination_fee: float  # in the payments (0 unless the term ends early)
    short_term: bool  # the exemption applies: nothing on the balance sheet
    borrowing_rate: float
    monthly_rate: float
    first_month: int  # month number of months[0] (the commencement month)
    months: list[str]
    term_days_in_month: np.ndarray
    fees: np.ndarray  # fees for the term's service days, termination fee included
    fees_incurred: np.ndarray  # what the management P&L books for the term (see the module)
    payments: np.ndarray
    discount_factor: np.ndarray  # 1 / (1 + r)^k, k = months from commencement
    initial_liability: float  # L0
    opening: np.ndarray
    interest: np.ndarray
    closing: np.ndarray
    current: np.ndarray  # of the closing liability: closing - closing 12 months later
    noncurrent: np.ndarray
    depreciation: np.ndarray  # IFRS 16 (0 under ASC 842)
    lease_cost: np.ndarray  # ASC 842: straight-line cost; IFRS 16: depreciation + interest
    rou: np.ndarray  # ROU asset at the month's end
    # the engine's schedule of the contract (run 0) on `grid`: from the commencement month to
    # the month after the contract's end (escalation, ramp, fee per day, ...)
    engine: FullSchedule
    grid: MonthGrid

    @property
    def name(self) -> str:
        return self.contract.name

    @property
    def total_payments(self) -> float:
        return float(self.payments.sum())

    @property
    def on_balance_sheet(self) -> bool:
        return not self.short_term

    def column(self, month: int) -> int:
        """Index in `months` of month number `month` (may be outside 0..len-1)."""
        return month - self.first_month

    def liability_at(self, month: int) -> float:
        """The liability on the first day of month number `month` (before its payment)."""
        j = self.column(month)
        if j < 0 or j >= len(self.months) or self.short_term:
            return 0.0
        return float(self.opening[j])

    def balance_at_end(self, name: str, month: int) -> float:
        """A balance row (closing, current, noncurrent, rou) at the end of month `month`: 0
        before commencement and after the last payment."""
        j = self.column(month)
        if j < 0 or j >= len(self.months):
            return 0.0
        return float(getattr(self, name)[j])


@dataclass
class MaturityRow:
    """The lease note's maturity analysis for one lease (or the total)."""

    name: str
    years: list[float]  # undiscounted payments: years 1-5, thereafter
    total: float
    imputed_interest: float
    liability: float  # at the as-of date = total - imputed interest
    current: float  # of the liability: due within 12 months, discounted
    noncurrent: float
    rou: float  # ROU asset at the as-of date


@dataclass
class AccountingPnL:
    """The projection's months: the management P&L and the accounting one beside it."""

    months: list[str]
    revenue: np.ndarray
    training_share: np.ndarray
    lease_fees: np.ndarray  # the lease contracts' fees for their terms, as incurred
    lease_cost: np.ndarray  # their lease cost (or depreciation + interest)
    management_inference_cost: np.ndarray  # the projection's inference_cost (cost of revenue)
    accounting_inference_cost: np.ndarray
    management_training_cost: np.ndarray
    accounting_training_cost: np.ndarray
    management_gross_margin: np.ndarray
    accounting_gross_margin: np.ndarray

    @property
    def difference(self) -> np.ndarray:
        """Accounting gross margin - management gross margin."""
        return self.accounting_gross_margin - self.management_gross_margin


@dataclass
class LeaseAccounting:
    scenario: Scenario
    as_of: dt.date  # first day of the maturity analysis's month
    leases: list[LeaseSchedule]  # every contract with treatment: lease, in scenario order
    maturity: list[MaturityRow]  # leases on the balance sheet at as_of
    maturity_total: MaturityRow
    pnl: AccountingPnL
    notes: list[str] = field(default_factory=list)

    @property
    def as_of_label(self) -> str:
        return self.as_of.strftime("%Y-%m")


def lease_term(contract: Contract) -> tuple[dt.date, bool]:
    """The first day after the lease term, and whether the term ends before `end` (so the
    termination fee is a lease payment)."""
    end_stop = contract.end + dt.timedelta(days=1)
    term = contract.termination
    if term is None:
        return end_stop, False
    stop = end_stop
    if term.notice_given is not None:
        window = term.notice_given + dt.timedelta(days=term.notice_days)
        if window <= contract.end:
            stop = window  # service ends early: the engine's stop day
    if contract.accounting.term == "noncancelable":
        window = contract.earliest_notice + dt.timedelta(days=term.notice_days)
        stop = min(stop, window)
    return stop, stop <= contract.end


def leases_of(scenario: Scenario) -> list[LeaseSchedule]:
    """The schedule of each contract accounted for as a lease, or CommitcastError with every
    problem at once: terms lease accounting does not cover yet (`refuse_unsupported`), a term
    of no days, a schedule past LARGEST_FIGURE. The workbook checks this before it writes any
    output (render.limits.workbook_problems)."""
    indexes = [i for i, c in enumerate(scenario.contracts) if c.accounting.treatment == "lease"]
    if not indexes:
        return []
    problems: list[Problem] = []
    view = "lease accounting"
    attempt(problems, lambda: refuse_unsupported(scenario, view, indexes, currency=True))
    problems += empty_term_problems(scenario, indexes)
    if problems:
        raise CommitcastError(problems)
    batch = Batch(scenario)
    leases = [lease_schedule(scenario, i, batch) for i in indexes]
    problems = overflow_problems(scenario, leases)
    if problems:
        raise CommitcastError(problems)
    return leases


def empty_term_problems(scenario: Scenario, indexes: list[int]) -> list[Problem]:
    """A lease whose term has no days, at the notice that ends it on or before its start
    (`lease_term`): nothing would be discounted, and the term of a lease is the time it cannot
    be ended (IFRS 16 B34, ASC 842-10-30-1)."""
    problems = []
    for index in indexes:
        contract = scenario.contracts[index]
        stop, _ = lease_term(contract)
        if stop > contract.start:
            continue
        term = contract.termination
        assert term is not None  # only a notice ends a term before its start
        notice = dt.timedelta(days=term.notice_days)
        given = term.notice_given
        if given is not None and given + notice <= contract.start:
            field = "notice_given"
            what = f"the notice given on {given} ends service on {given + notice}"
        else:  # the non-cancellable term: notice at the earliest
            earliest = contract.earliest_notice
            early = term.earliest_notice is not None and term.earliest_notice < contract.start
            field = "earliest_notice" if early else "notice_days"
            what = (
                f"notice at the earliest ({earliest}) with {term.notice_days} days' notice ends "
                f"service on {earliest + notice}"
            )
        problems.append(
            field_problem(
                scenario.provenance,
                ("contracts", index, "termination", field),
                f"the lease term of {contract.name!r} has no days: {what}, on or before its "
                f"commencement ({contract.start})",
                "a lease's term is the time it cannot be ended: move the notice so that service "
                "ends after the commencement, or account for it as a service with "
                "accounting.treatment: service",
            )
        )
    return problems


# No figure of a lease goes past this: a million times the largest amount a scenario holds
# (model.scenario.MAX_MONEY), so that sums over leases and months stay finite, and a workbook
# (at most 9.99e307) holds every one.
LARGEST_FIGURE = 1e6 * MAX_MONEY


def overflow_problems(scenario: Scenario, leases: list[LeaseSchedule]) -> list[Problem]:
    """A schedule past LARGEST_FIGURE, refused at what takes it there, never shown as blanks or
    overflowing totals: the payments themselves (a fee escalated over a long term), at the
    escalator (or the fee); else their discounting (a borrowing rate near -100% over a long
    term: 1 / (1 + r)^k grows without bound), at the rate."""
    problems = []
    for lease in leases:
        rows = (
            lease.discount_factor,
            lease.opening,
            lease.interest,
            lease.closing,
            lease.current,
            lease.noncurrent,
            lease.depreciation,
            lease.lease_cost,
            lease.rou,
        )
        values = [np.abs(lease.initial_liability), *(np.abs(r).max(initial=0.0) for r in rows)]
        if all(v <= LARGEST_FIGURE for v in values):  # (NaN is not <=: refused too)
            continue
        months = f"over {len(lease.months):,} months"
        path: tuple[str | int, ...]
        if not np.abs(lease.payments).max(initial=0.0) <= LARGEST_FIGURE:
            escalated = lease.contract.escalator is not None and lease.contract.escalator.rate > 0
            path = ("escalator", "rate") if escalated else ("monthly_fee",)
            message = f"the payments of {lease.name!r} grow past {LARGEST_FIGURE:g} {months}"
            hint = "check the escalator's rate and how often it applies, and the fee"
        else:
            path = ("accounting", "borrowing_rate")
            message = (
                f"the payments of {lease.name!r} discounted at {lease.borrowing_rate:.2%} a "
                f"year {months} give figures too large to compute (past {LARGEST_FIGURE:g})"
            )
            hint = (
                "a borrowing rate near -100% discounts no real lease; give the rate the lessee "
                "would pay to borrow"
            )
        problems.append(
            field_problem(scenario.provenance, ("contracts", lease.index, *path), message, hint)
        )
    return problems


# An overflow is refused by overflow_problems with a message; numpy's warnings would only confuse.
@np.errstate(over="ignore", invalid="ignore", divide="ignore")
def lease_schedule(scenario: Scenario, index: int, batch: Batch | None = None) -> LeaseSchedule:
    """Contract `index` of `scenario` as a lease under its `accounting` policy (see the
    module), whatever its treatment says."""
    contract = scenario.contracts[index]
    policy = contract.accounting
    stop, early = lease_term(contract)
    start_day, stop_day = day_number(contract.start), day_number(stop)
    term_days = stop_day - start_day
    first = month_number(contract.start)
    last_fee_month = month_number(stop - dt.timedelta(days=1))
    arrears = contract.payment.timing == "arrears"
    last = last_fee_month + (1 if arrears else 0)
    count = last - first + 1
    # the engine's schedule of the contract on a grid from its commencement month, so the
    # fees of months before the horizon follow the same conventions (proration, escalator by
    # contract month, ramp)
    grid = MonthGrid(first, month_number(contract.end) + 2 - first)
    full = contract_schedule(batch or Batch(scenario), index, grid).full
    starts = grid.starts.astype(np.float64)[: count + 1]
    daily = full.daily_fee[0, :count]
    days = np.clip(np.minimum(stop_day, starts[1:]) - np.maximum(start_day, starts[:-1]), 0, None)
    fees = daily * days
    fee_column = last_fee_month - first
    termination_fee = 0.0
    if early:
        assert contract.termination is not None
        termination_fee = float(contract.termination.fee)
        fees[fee_column] += termination_fee
    # what the projection books for the term: its service days, and a termination fee the
    # schedule charges within the term (notice given with the term running to the end of service)
    incurred = daily * days + np.where(
        np.arange(count) <= fee_column, full.termination_fee[0, :count], 0.0
    )
    payments = np.concatenate([[0.0], fees[:-1]]) if arrears else fees.copy()
    rate = float(monthly_rate(policy.borrowing_rate))
    k = np.arange(count, dtype=np.float64)
    factor = np.power(1.0 + rate, -k)
    short = bool(policy.short_term_exemption and stop <= add_months(contract.start, 12))
    zeros = np.zeros(count)
    if short:
        liability = 0.0
        opening = interest = closing = current = noncurrent = depreciation = rou = zeros
        cost = incurred.copy()
    else:
        liability = float(np.sum(payments * factor))
        opening, interest, closing = np.empty(count), np.empty(count), np.empty(count)
        balance = liability
        for j in range(count):
            opening[j] = balance
            rest = balance - payments[j]
            interest[j] = rest * rate
            closing[j] = rest * (1.0 + rate)
            balance = closing[j]
        later = np.concatenate([closing[12:], np.zeros(min(12, count))])
        noncurrent = later
        current = closing - later
        share = days / term_days
        if policy.standard == "asc842":
            depreciation = zeros
            cost = payments.sum() * share
            rou = closing + np.cumsum(payments) - np.cumsum(cost)
        else:
            depreciation = liability * share
            cost = depreciation + interest
            rou = liability - np.cumsum(depreciation)
    return LeaseSchedule(
        index=index,
        contract=contract,
        standard=policy.standard,
        term=policy.term if contract.termination is not None else "full",
        commencement=contract.start,
        term_end=stop - dt.timedelta(days=1),
        term_days=term_days,
        ends_early=early,
        termination_fee=termination_fee,
        short_term=short,
        borrowing_rate=float(policy.borrowing_rate),
        monthly_rate=rate,
        first_month=first,
        months=[month_label(first + j) for j in range(count)],
        term_days_in_month=days,
        fees=fees,
        fees_incurred=incurred,
        payments=payments,
        discount_factor=factor,
        initial_liability=liability,
        opening=opening,
        interest=interest,
        closing=closing,
        current=current,
        noncurrent=noncurrent,
        depreciation=depreciation,
        lease_cost=cost,
        rou=rou,
        engine=full,
        grid=grid,
    )


def maturity_row(lease: LeaseSchedule, as_of: int) -> MaturityRow:
    """The maturity analysis of one lease as of the first day of month number `as_of`."""
    years = [0.0] * len(YEARS)
    if not lease.short_term:
        for j, payment in enumerate(lease.payments):
            ahead = lease.first_month + j - as_of
            if ahead >= 0:
                years[min(ahead // 12, len(YEARS) - 1)] += float(payment)
    total = float(sum(years))
    liability = lease.liability_at(as_of)
    return MaturityRow(
        name=lease.name,
        years=years,
        total=total,
        imputed_interest=total - liability,
        liability=liability,
        current=liability - lease.liability_at(as_of + 12),
        noncurrent=lease.liability_at(as_of + 12),
        rou=_rou_at(lease, as_of),
    )


def _rou_at(lease: LeaseSchedule, month: int) -> float:
    """The ROU asset on the first day of month number `month`: L0 in the commencement month,
    else the ROU at the end of the month before (0 before commencement and after the term)."""
    j = lease.column(month)
    if lease.short_term or j < 0:
        return 0.0
    return lease.initial_liability if j == 0 else lease.balance_at_end("rou", month - 1)


def accounting_pnl(result: Projection, leases: list[LeaseSchedule]) -> AccountingPnL:
    """The projection's cost lines with the leases at their accounting cost (see the module)."""
    columns = result.columns
    months = len(result.labels)
    horizon = month_number(result.scenario.horizon.start)
    fees, cost = np.zeros(months), np.zeros(months)
    for lease in leases:
        if lease.short_term:
            continue  # expensed as incurred: as the management P&L
        for t in range(months):
            j = lease.column(horizon + t)
            if 0 <= j < len(lease.months):
                fees[t] += lease.fees_incurred[j]
                cost[t] += lease.lease_cost[j]
    share = columns["training_share"]
    change = cost - fees
    inference = columns["inference_cost"] + change * (1.0 - share)
    training = columns["training_cost"] + change * share
    return AccountingPnL(
        months=list(result.labels),
        revenue=columns["revenue"],
        training_share=share,
        lease_fees=fees,
        lease_cost=cost,
        management_inference_cost=columns["inference_cost"],
        accounting_inference_cost=inference,
        management_training_cost=columns["training_cost"],
        accounting_training_cost=training,
        management_gross_margin=columns["gross_margin"],
        accounting_gross_margin=columns["revenue"] - inference,
    )


def lease_accounting(
    scenario: Scenario, as_of: dt.date | str | None = None, result: Projection | None = None
) -> LeaseAccounting:
    """Every lease contract of `scenario` under its stated policy, the maturity analysis as of
    the first day of `as_of`'s month (default: the horizon's start; a date or `YYYY-MM`), and
    the accounting P&L beside the projection (`result`, projected here if not given).

        report = lease_accounting(scenario, "2027-01")
        report.leases[0].closing, report.maturity_total.liability, report.pnl.difference
    """
    month = _as_of_month(scenario, as_of)
    leases = leases_of(scenario)
    result = result if result is not None else projection(scenario)
    notes = []
    for lease in leases:
        if lease.short_term:
            notes.append(
                f"{lease.name}: the lease term ({lease.commencement} to {lease.term_end}, "
                f"{lease.term_days} days) is 12 months or less: short-term exemption, nothing "
                "on the balance sheet; the fees are expensed as incurred"
            )
    if not leases:
        notes.append("no contract is accounted for as a lease (accounting.treatment: lease)")
    rows = [
        maturity_row(lease, month)
        for lease in leases
        if not lease.short_term and lease.first_month <= month
    ]
    for lease in leases:
        if not lease.short_term and lease.first_month > month:
            notes.append(
                f"{lease.name}: commences {lease.commencement}, after {month_label(month)}: "
                "not yet on the balance sheet"
            )
    total = MaturityRow(
        name="Total",
        years=[sum(r.years[i] for r in rows) for i in range(len(YEARS))],
        total=sum(r.total for r in rows),
        imputed_interest=sum(r.imputed_interest for r in rows),
        liability=sum(r.liability for r in rows),
        current=sum(r.current for r in rows),
        noncurrent=sum(r.noncurrent for r in rows),
        rou=sum(r.rou for r in rows),
    )
    return LeaseAccounting(
        scenario=scenario,
        as_of=month_start(month),
        leases=leases,
        maturity=rows,
        maturity_total=total,
        pnl=accounting_pnl(result, leases),
        notes=notes,
    )


def _as_of_month(scenario: Scenario, as_of: dt.date | str | None) -> int:
    first = month_number(scenario.horizon.start)
    if as_of is None:
        return first
    if isinstance(as_of, str):
        try:
            day = dt.date.fromisoformat(as_of + "-01" if len(as_of) == 7 else as_of)
        except ValueError:
            raise CommitcastError.single(
                f"{as_of!r} is not a month (YYYY-MM)", field="as_of", hint="e.g. 2027-01"
            ) from None
    else:
        day = as_of
    month = month_number(day)
    if month < first:
        raise CommitcastError.single(
            f"{month_label(month)} is before the horizon's start ({month_label(first)})",
            field="as_of",
            hint=f"a month from {month_label(first)} on",
        )
    return month
