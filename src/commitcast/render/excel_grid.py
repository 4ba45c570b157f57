"""The helper figures a workbook shows besides the engine's own columns, in numpy.

The workbook's formulas compute a contract month by month over the contract grid (the month
before the horizon through the last contract's end), which the engine keeps to itself. Each
formula cell stores the value a spreadsheet will compute, so these arrays follow the workbook's
formulas step by step; the tests check them against the engine's schedules and against
LibreOffice's recalculation.

Dates are day numbers (`calendar`); the writer turns them into spreadsheet serials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commitcast.core.calendar import MonthGrid, day_number, month_number
from commitcast.model.scenario import Contract, Scenario

MILLION = 1e6


def contract_grid(scenario: Scenario) -> MonthGrid:
    """The engine's contract grid: a month before the horizon through the last end."""
    first = month_number(scenario.horizon.start)
    last = max([first + scenario.months - 1] + [month_number(c.end) for c in scenario.contracts])
    return MonthGrid(first - 1, last - first + 2)


@dataclass
class ContractTerms:
    """A contract's inputs as numbers (the Assumptions cells)."""

    fee: float
    start: float
    end: float
    rate: float
    every: float
    ramp: list[tuple[float, float]]  # (months, fraction)
    allowed: bool
    notice_days: float
    termination_fee: float
    earliest: float
    notice: float  # NaN: none
    arrears: bool
    tokens: float

    @classmethod
    def of(cls, contract: Contract) -> ContractTerms:
        term = contract.termination
        return cls(
            fee=contract.monthly_fee,
            start=float(day_number(contract.start)),
            end=float(day_number(contract.end)),
            rate=contract.escalator.rate if contract.escalator else 0.0,
            every=float(contract.escalator.every_months if contract.escalator else 12),
            ramp=[(float(s.months), s.fraction) for s in contract.ramp],
            allowed=term is not None,
            notice_days=float(term.notice_days) if term else 0.0,
            termination_fee=term.fee if term else 0.0,
            earliest=float(day_number(contract.earliest_notice)),
            notice=float(day_number(term.notice_given)) if term and term.notice_given else np.nan,
            arrears=contract.payment.timing == "arrears",
            tokens=contract.capacity.tokens_per_month,
        )

    @property
    def given(self) -> bool:
        return self.allowed and not np.isnan(self.notice)

    @property
    def terminated(self) -> bool:
        return self.given and self.notice + self.notice_days <= self.end

    @property
    def stop(self) -> float:
        """First day without service."""
        return self.notice + self.notice_days if self.terminated else self.end + 1


def contract_rows(terms: ContractTerms, grid: MonthGrid) -> dict[str, np.ndarray]:
    """Every row of a contract's block on the Contracts sheet, over the contract grid."""
    starts = grid.starts.astype(np.float64)
    ms = starts[:-1]
    dim = np.diff(starts)
    start_month = month_number(_date(terms.start))
    k = (grid.months - start_month).astype(np.float64)
    escalation = np.power(1.0 + terms.rate, np.floor(np.maximum(k, 0) / terms.every))
    ramp = np.ones_like(k)
    begin = 0.0
    for months, fraction in terms.ramp:
        ramp = np.where((k >= begin) & (k < begin + months), fraction, ramp)
        begin += months
    full = terms.fee * escalation * ramp
    stop = terms.stop
    last = stop - 1
    days = np.clip(np.minimum(stop, ms + dim) - np.maximum(terms.start, ms), 0, None)
    daily = full / dim
    service = daily * days
    capacity = terms.tokens * ramp * days / dim
    charge = np.where(
        terms.terminated & (ms <= last) & (last < ms + dim), terms.termination_fee, 0.0
    )
    committed = service + charge
    paid = np.full_like(committed, np.nan)
    paid[1:] = committed[:-1] if terms.arrears else committed[1:]
    through = np.cumsum(service)
    a = ms + dim
    d = np.maximum(a, terms.earliest)
    x = np.minimum(d + terms.notice_days, terms.end + 1)
    m = np.searchsorted(ms, x, side="right")  # 1-based, as MATCH(x, months, 1)
    i = m - 1
    before_x = (
        through[i]
        - service[i]
        + daily[i] * np.maximum(np.minimum(x, stop) - np.maximum(terms.start, ms[i]), 0)
    )
    total = through[-1]
    left = total - through
    early_fee = np.where(d + terms.notice_days <= terms.end, terms.termination_fee, 0.0)
    exit_now = np.minimum(before_x - through + early_fee, left)
    pending = np.where(terms.terminated & (last >= a), terms.termination_fee, 0.0)
    if terms.given:
        obligation = left + pending
    elif terms.allowed:
        obligation = exit_now
    else:
        obligation = left
    deadline = a - terms.notice_days
    deadline = np.where(terms.allowed & (deadline >= terms.earliest), deadline, np.nan)
    return {
        "k": k,
        "escalation": escalation,
        "ramp": ramp,
        "full_fee": full,
        "days": days,
        "daily_fee": daily,
        "service_fees": service,
        "capacity": capacity,
        "termination_fee": charge,
        "committed": committed,
        "paid": paid,
        "through": through,
        "notice_day": a,
        "notice_from": d,
        "free_from": x,
        "free_month": m.astype(np.float64),
        "fees_before_free": before_x,
        "left": left,
        "exit_now": exit_now,
        "pending_fee": pending,
        "obligation": obligation,
        "deadline": deadline,
    }


def contract_scalars(
    terms: ContractTerms, rows: dict[str, np.ndarray], horizon_end: int
) -> dict[str, float]:
    """The figures at the head of a contract's block. `horizon_end`: grid index after it."""
    total_committed = rows["committed"].sum()
    return {
        "given": 1.0 if terms.given else 0.0,
        "terminated": 1.0 if terms.terminated else 0.0,
        "stop": terms.stop,
        "last": terms.stop - 1,
        "total": float(rows["through"][-1]),
        "after": total_committed - rows["committed"][:horizon_end].sum(),
        "exit_now": float(rows["obligation"][0]),
    }


def stream_rows(scenario: Scenario) -> list[dict[str, np.ndarray]]:
    """Demand, price and revenue of each stream, as the engine computes them."""
    t = np.arange(scenario.months, dtype=np.float64)
    out = []
    for s in scenario.revenue:
        growth = np.power(1.0 + s.growth, t)
        tokens = s.tokens_per_month * growth
        price = (s.price_per_million_tokens or 0.0) * np.power(1.0 + s.price_change, t)
        out.append(
            {
                "tokens": tokens,
                "price": price,
                "usage": tokens * price / MILLION,
                "flat": (s.revenue_per_month or 0.0) * growth,
            }
        )
    return out


def _date(number: float):  # type: ignore[no-untyped-def]
    from commitcast.core.calendar import date_from_day

    return date_from_day(number)
