"""Exit timing: project the whole scenario once per possible notice date, in one batched pass.

Notice dates are the first day of each month from the contract's `earliest_notice` (the first
such day on or after it) to its `end`. Each date D is run with `termination.notice_given = D`
(overriding any notice date in the file), next to a run without notice. For each date:

- last day of service: D + notice_days - 1, or the contract's end if the window reaches it
  (then nothing changes and no termination fee is charged);
- fees avoided: the contract's fees over its whole term without notice minus its service fees
  with notice (so the termination fee is not netted here);
- exit cost: the fees for service days from D to the last day of service, plus the termination
  fee; computed as (fees with notice) - (fees with service stopped at D, no fee);
- revenue lost: total revenue without notice minus with notice (with overflow `unserved`, demand
  the lost capacity served goes unserved);
- the scenario's NPV, gross margin and peak funding need with notice given on D.

Fees count every month of the term, inside the horizon or after it. The best month is the notice
date with the highest NPV among those that end service early (ties: the earliest); whether it
beats running the term is reported too. The last date to give notice is `end - notice_days`,
the last day a notice still ends service before the contract runs out.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from commitcast.core.calendar import date_from_day, day_number
from commitcast.core.errors import CommitcastError
from commitcast.engine.actuals import runner
from commitcast.load.overrides import apply_overrides
from commitcast.model.actuals import Actuals
from commitcast.model.provenance import field_problem
from commitcast.model.scenario import Contract, Scenario
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import argument_error

FIGURES = ("npv", "gross_margin", "peak_funding_need", "total_revenue")


@dataclass
class NoticeOption:
    notice: dt.date | None  # None: no notice (the contract runs its term)
    last_service_day: dt.date
    fees_avoided: float
    exit_cost: float
    revenue_lost: float
    npv: float
    gross_margin: float
    peak_funding_need: float
    ends_early: bool


@dataclass
class ExitAnalysis:
    scenario: Scenario
    contract: Contract
    index: int
    no_notice: NoticeOption
    options: list[NoticeOption]
    best: int | None  # options index of the NPV-maximizing date that ends service early
    last_notice: dt.date | None  # last day a notice still ends service early
    notes: list[str] = field(default_factory=list)

    @property
    def best_option(self) -> NoticeOption | None:
        return None if self.best is None else self.options[self.best]

    @property
    def exit_pays(self) -> bool:
        """Whether giving notice on the best date beats running the full term."""
        best = self.best_option
        return best is not None and best.npv > self.no_notice.npv


def choose_contract(scenario: Scenario, contract: str | int | None) -> int:
    """The index of the contract to end: by name (str), by index (int, negative from the end),
    or, with None, the only contract that can be terminated."""
    contracts = scenario.contracts
    if not contracts:
        raise CommitcastError(
            [
                field_problem(
                    scenario.provenance,
                    ("contracts",),
                    "the scenario has no contracts",
                    "add the contract to time notice on",
                    exact=True,  # written nowhere (no contracts), no line to point at
                )
            ]
        )
    names = [c.name for c in contracts]
    listing = ", ".join(repr(n) for n in names)
    if isinstance(contract, bool):
        raise TypeError("contract is a name (str) or an index (int)")
    if isinstance(contract, int):
        if not -len(names) <= contract < len(names):
            raise argument_error(
                f"no contract at index {contract}: the scenario has {len(names)} ({listing})",
                "contract",
            )
        index = contract % len(names)
    elif contract is not None:
        if contract not in names:
            raise argument_error(
                f"no contract named {contract!r}; contracts: {listing}", "contract"
            )
        index = names.index(contract)
    else:
        terminable = [i for i, c in enumerate(contracts) if c.termination is not None]
        if len(contracts) == 1 or len(terminable) == 0:
            index = 0
        elif len(terminable) == 1:
            index = terminable[0]
        else:
            choices = ", ".join(repr(contracts[i].name) for i in terminable)
            raise argument_error(
                "several contracts can be terminated; say which",
                "contract",
                kind="say_which",
                hint=f"contract=NAME, one of: {choices}",
                reason=choices,
                named=False,
            )
    contract = contracts[index]
    if contract.termination is None:
        raise CommitcastError.single(
            f"contract {contract.name!r} has no termination terms: it cannot be ended early",
            file=scenario.provenance.file,
            field=f"contracts[{index}].termination",
            hint="add termination: {notice_days: 90, fee: 0} to the contract (or --set it)",
        )
    return index


def notice_dates(contract: Contract) -> list[dt.date]:
    """First of each month from the earliest notice day through the end of the term."""
    earliest = contract.earliest_notice
    year, month = earliest.year, earliest.month
    if earliest.day != 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    dates = []
    day = dt.date(year, month, 1)
    while day <= contract.end:
        dates.append(day)
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        day = dt.date(year, month, 1)
    return dates


def exit_options(
    scenario: Scenario,
    contract: str | int | None = None,
    actuals: Actuals | None = None,
    keep_plan: bool = False,
) -> ExitAnalysis:
    """Every notice month of one contract, projected in one pass (see the module).

    `contract` is the contract's name or index; None picks the only one that can be
    terminated.

        analysis = exit_options(scenario, "Colossus reservation")
        analysis.best_option, analysis.exit_pays, analysis.last_notice

    With `actuals`, on the re-forecast (`engine.actuals`): notice from the first month after
    the closed ones, whose figures stay actual in every run.
    """
    scenario, run = runner(scenario, actuals, keep_plan)
    index = choose_contract(scenario, contract)
    contract = scenario.contracts[index]
    term = contract.termination
    assert term is not None
    dates = notice_dates(contract)
    if actuals is not None and actuals.last is not None:
        # notice can be given from the first day of the first month not closed
        open_dates = [day for day in dates if day > actuals.last]
        if dates and not open_dates:
            where = actuals.file or "the actuals"
            raise CommitcastError(
                [
                    field_problem(
                        scenario.provenance,
                        ("contracts", index, "termination"),
                        f"every month in which notice could be given on {contract.name!r} (the "
                        f"last on {dates[-1]}) is closed in {where} (to {actuals.last:%Y-%m}): no "
                        "notice is left to time",
                        "leave out --actuals to time the notice on the plan",
                    )
                ]
            )
        dates = open_dates
    if not dates:
        raise CommitcastError(
            [
                field_problem(
                    scenario.provenance,
                    ("contracts", index, "termination", "earliest_notice"),
                    f"no first of a month lies between the earliest notice "
                    f"({contract.earliest_notice}) and the end ({contract.end}) of "
                    f"{contract.name!r}",
                    "notice is timed on the first of a month, and none lies between those days",
                )
            ]
        )
    # the first and last dates checked by the model, as a --set would be (both lie within
    # [earliest_notice, end] by construction, which is the model's rule for a notice date)
    for day in (dates[0], dates[-1]):
        apply_overrides(scenario, [f"contracts[{index}].termination.notice_given={day}"])
    n = len(dates)
    p = f"contracts[{index}].termination"
    days = np.array([day_number(d) for d in dates], dtype=np.float64)
    # run 0: no notice; runs 1..n: notice on each date; runs n+1..2n: service stops on the date
    # (no notice days, no fee), the reference for the fees of the notice window
    notice = np.concatenate([[math.nan], days, days])
    notice_days = np.full(2 * n + 1, float(term.notice_days))
    fee = np.full(2 * n + 1, float(term.fee))
    notice_days[n + 1 :] = 0.0
    fee[n + 1 :] = 0.0
    result = run(
        Batch(
            scenario,
            2 * n + 1,
            {f"{p}.notice_given": notice, f"{p}.notice_days": notice_days, f"{p}.fee": fee},
        )
    )
    schedule = result.contracts[index]
    total_fees = schedule.fees.sum(axis=1) + schedule.fees_after_horizon
    end_day = day_number(contract.end)
    ends_early = np.concatenate([[False], days + term.notice_days <= end_day, days <= end_day])
    # the fee charged, from the terms: termination_fee covers the horizon only
    fee_charged = np.where(ends_early, fee, 0.0)
    service_fees = total_fees - fee_charged
    summary = result.summary

    def option(run_index: int, date: dt.date | None) -> NoticeOption:
        stopped = n + run_index if date is not None else 0
        exit_cost = total_fees[run_index] - total_fees[stopped] if date is not None else 0.0
        return NoticeOption(
            notice=date,
            last_service_day=date_from_day(schedule.last_service_day[run_index]),
            fees_avoided=float(total_fees[0] - service_fees[run_index]),
            exit_cost=float(exit_cost),
            revenue_lost=float(summary["total_revenue"][0] - summary["total_revenue"][run_index]),
            npv=float(summary["npv"][run_index]),
            gross_margin=float(summary["gross_margin"][run_index]),
            peak_funding_need=float(summary["peak_funding_need"][run_index]),
            ends_early=bool(ends_early[run_index]),
        )

    options = [option(i + 1, d) for i, d in enumerate(dates)]
    last = contract.end - dt.timedelta(days=term.notice_days)
    last_notice = last if last >= contract.earliest_notice else None
    notes = []
    # the best month among notices that end service early; a notice too late to change anything
    # is the same as no notice, shown in its own row
    early = [i for i, o in enumerate(options) if o.ends_early]
    if early:
        best: int | None = max(early, key=lambda i: (options[i].npv, -i))
    else:
        best = None
    if term.notice_given is not None:
        notes.append(f"the file's notice date ({term.notice_given}) is replaced in every run")
    if last_notice is None:
        notes.append("no notice can end service before the contract runs out")
    return ExitAnalysis(
        scenario, contract, index, option(0, None), options, best, last_notice, notes
    )
