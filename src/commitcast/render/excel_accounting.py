"""The Accounting sheet: each lease contract's schedule, the maturity analysis and the
accounting P&L, as live formulas (see `analysis.accounting` for the rules).

Each lease has its own columns, from its commencement month (before the horizon if it started
earlier) to the month after its end: the fee per day from the contract's inputs (escalator by
contract month, ramp), the days of the lease term, the payments (advance or arrears), the
discount factor 1 / (1 + r)^k with r = POWER(1 + borrowing rate, 1/12) - 1, the liability
rolled forward (closing = (opening - payment) x (1 + r)), its current part, the ROU asset and
the lease cost (ASC 842) or depreciation + interest (IFRS 16). The short-term exemption is a
flag cell: when it applies, every balance is 0 and the cost is the fees as incurred.

The maturity analysis is as of the horizon's start. The P&L runs over the horizon's months in
the calculation sheet's columns: its cost lines with each lease's cost less the fees of its
term, split by the month's training share. Inputs are on the Assumptions sheet (the borrowing
rate and the exemption among them); the standard and the term choose the rows, so changing
them needs a new export. Every formula cell stores the figure `lease_accounting` computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from commitcast.analysis.accounting import YEAR_LABELS, LeaseAccounting, LeaseSchedule
from commitcast.core.calendar import month_number
from commitcast.engine.projection import Projection
from commitcast.render.excel_calc import CalcSheet
from commitcast.render.excel_contracts import num_formats
from commitcast.render.excel_inputs import Inputs
from commitcast.render.excel_style import (
    C,
    Formats,
    P,
    SeriesSheet,
    col_name,
    escalation_row,
    money_format,
    money_scale,
    ramp_lookup,
    serial,
    sheet_ref,
)

SHEET = "Accounting"
FIRST_COL = 2
STANDARDS = {"asc842": "ASC 842 operating lease", "ifrs16": "IFRS 16"}


def has_leases(results: list[Projection]) -> bool:
    return any(c.accounting.treatment == "lease" for r in results for c in r.scenario.contracts)


def write_accounting(
    ws: Any,
    formats: Formats,
    results: list[Projection],
    inputs: list[Inputs],
    calcs: list[CalcSheet],
    money_formats: list[str],
) -> list[LeaseAccounting]:
    from commitcast.analysis.accounting import lease_accounting

    reports = [lease_accounting(r.scenario, result=r) for r in results]
    width = max(
        [r.scenario.months for r in results]
        + [lease.grid.count for report in reports for lease in report.leases]
    )
    ws.set_column(0, 0, 50)
    ws.set_column(1, 1, 13)
    ws.set_column(FIRST_COL, FIRST_COL + width - 1, 11.5)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.freeze_panes(2, FIRST_COL)
    ws.write_string(0, 0, "Accounting: leases on the balance sheet", formats.title())
    ws.write_string(
        1,
        0,
        "The treatment is the policy stated in each contract (accounting:), your judgment: the "
        "workbook computes it. Formulas only: inputs are on the Assumptions sheet.",
        formats.subtitle(),
    )
    row = 3
    for result, report, a, calc, money in zip(
        results, reports, inputs, calcs, money_formats, strict=True
    ):
        row = _scenario(ws, formats, result, report, a, calc, money, row) + 2
    return reports


def _scenario(
    ws: Any,
    formats: Formats,
    result: Projection,
    report: LeaseAccounting,
    a: Inputs,
    calc: CalcSheet,
    money: str,
    row: int,
) -> int:
    ws.write_string(row, 0, result.scenario.name, formats.header())
    ws.write_blank(row, 1, None, formats.header())
    row += 1
    if not report.leases:
        ws.write_string(row, 0, "No contract is accounted for as a lease.", formats.subtitle())
        return row + 1
    # money in the unit of the largest lease payment, not of the projection's revenue: a
    # $175M payment in billions would show as $0.18B, its differences as $0.00B
    shown = [lease for lease in report.leases if not lease.short_term] or report.leases
    largest = max(float(np.abs(lease.payments).max(initial=0.0)) for lease in shown)
    money = money_format(result.scenario.currency, *money_scale(largest))
    kinds = {**num_formats(money), "ratio": "0.0000%"}
    cells = []
    for lease in report.leases:
        s = SeriesSheet(ws, formats, FIRST_COL, lease.grid.count, kinds)
        s.row = row + 1
        cells.append(_lease(s, formats, lease, a))
        row = s.row
    row = _maturity(ws, formats, report, a, cells, money, row + 1)
    s = SeriesSheet(ws, formats, FIRST_COL, result.scenario.months, kinds)
    s.row = row + 1
    _pnl(s, formats, result, report, calc, cells)
    return s.row


class _LeaseCells:
    """Where a lease's rows are (1-based), for the maturity analysis and the P&L."""

    def __init__(self, lease: LeaseSchedule, s: SeriesSheet, refs: dict[str, str]):
        self.lease = lease
        self.s = s
        self.refs = refs

    def span(self, key: str) -> str:
        return self.s.span(key)


def _padded(values: np.ndarray, count: int) -> np.ndarray:
    out = np.zeros(count)
    out[: len(values)] = values
    return out


def _lease(s: SeriesSheet, formats: Formats, lease: LeaseSchedule, a: Inputs) -> _LeaseCells:
    ws = s.ws
    contract = lease.contract
    p = f"contracts[{lease.index}]"
    fee, start, end = a[f"{p}.monthly_fee"], a[f"{p}.start"], a[f"{p}.end"]
    rate, every = a[f"{p}.escalator.rate"], a[f"{p}.escalator.every_months"]
    timing = a[f"{p}.payment.timing"]
    allowed, days = a[f"{p}.termination.allowed"], a[f"{p}.termination.notice_days"]
    tfee, earliest = a[f"{p}.termination.fee"], a[f"{p}.termination.earliest_notice"]
    notice = a[f"{p}.termination.notice_given"]
    borrowing = a[f"{p}.accounting.borrowing_rate"]
    exemption = a[f"{p}.accounting.short_term_exemption"]
    count = lease.grid.count
    term = "non-cancelable term" if lease.term == "noncancelable" else "full term"
    title = f"{contract.name}: lease, {STANDARDS[lease.standard]}, {term}"
    s.section(title)
    given_value = float(
        contract.termination is not None and contract.termination.notice_given is not None
    )
    given = s.scalar(
        "Notice given (1 = yes)",
        f'=IF({allowed}="yes",IF({notice}="",0,1),0)',
        given_value,
        "flag",
    )
    from commitcast.analysis.accounting import lease_term
    from commitcast.core.calendar import day_number

    service_stop = _service_stop(contract)
    svc = s.scalar(
        "First day without service",
        f"=IF({given}=1,IF({notice}+{days}<={end},{notice}+{days},{end}+1),{end}+1)",
        float(day_number(service_stop)),
        "date",
    )
    stop_day, early = lease_term(contract)
    stop_formula = f"={svc}"
    if lease.term == "noncancelable":
        stop_formula = f'=IF({allowed}="yes",MIN({svc},{earliest}+{days}),{svc})'
    stop = s.scalar(
        "First day after the lease term", stop_formula, float(day_number(stop_day)), "date"
    )
    last = s.scalar(
        "Last day of the lease term", f"={stop}-1", float(day_number(stop_day)) - 1, "date"
    )
    ends_early = s.scalar(
        "Term ends early: termination fee paid (1 = yes)",
        f"=IF({stop}<={end},1,0)",
        float(early),
        "flag",
    )
    charged = s.scalar(
        "... and charged by the notice given (1 = yes)",
        f"=IF({given}*{ends_early}=1,IF({stop}={svc},1,0),0)",
        float(early and service_stop == stop_day and given_value == 1.0),
        "flag",
    )
    term_days = s.scalar(
        "Days in the lease term", f"={stop}-{start}", float(lease.term_days), "int"
    )
    short = s.scalar(
        "Short-term: term of 12 months or less (1 = yes)",
        # the same day 12 months after the start, held to the month's end, in the common
        # functions only: the last day of the month before + the day of the month, at most
        # the last day of that month
        f'=IF({exemption}="yes",IF({stop}<=MIN(EOMONTH({start},11)+{start}-EOMONTH({start},-1),'
        f"EOMONTH({start},12)),1,0),0)",
        float(lease.short_term),
        "flag",
    )
    r = s.scalar(
        "Monthly rate r = (1 + borrowing rate)^(1/12) - 1",
        f"=POWER(1+{borrowing},1/12)-1",
        lease.monthly_rate,
        "ratio",
    )
    # rows below, then the two scalars that read them (written at rows reserved here)
    l0_row, total_row = s.row, s.row + 1
    s.row += 2

    full = lease.engine
    starts = lease.grid.starts.astype(np.float64)
    key = "lease."
    s.series(
        key + "ms",
        "Month",
        "",
        "month",
        f"=EOMONTH({P}{s.row + 1},0)+1",
        starts[:-1],
        anchor=(f"=EOMONTH({start},-1)", serial(starts[0] - 1)),
        bold=True,
    )
    ms = s.r(key + "ms")
    s.series(
        key + "dim",
        "Days in month",
        "days",
        "int",
        f"=EOMONTH({C}{ms},0)+1-{C}{ms}",
        lease.grid.days,
    )
    dim = s.r(key + "dim")
    s.series(
        key + "k",
        "Months from commencement k (contract month)",
        "k",
        "int",
        f"=(YEAR({C}{ms})-YEAR({start}))*12+MONTH({C}{ms})-MONTH({start})",
        np.arange(count),
    )
    k = s.r(key + "k")
    escalation_row(s, key + "esc", rate, every, k, full.escalation[0])
    ramp_mul = ""
    if contract.ramp:
        formula = ramp_lookup(s, p, a, contract.ramp, f"{C}{k}")
        s.series(key + "ramp", "Ramp fraction", "x", "factor", formula, full.ramp[0])
        ramp_mul = f"*{C}{s.r(key + 'ramp')}"
    s.series(
        key + "daily",
        "Fee per day",
        "",
        "money",
        f"={fee}*{C}{s.r(key + 'esc')}{ramp_mul}/{C}{dim}",
        full.daily_fee[0],
    )
    daily = s.r(key + "daily")
    s.series(
        key + "tdays",
        "Days of the lease term",
        "days",
        "int",
        f"=MAX(MIN({stop},{C}{ms}+{C}{dim})-MAX({start},{C}{ms}),0)",
        _padded(lease.term_days_in_month, count),
    )
    tdays = s.r(key + "tdays")
    fee_here = f"IF({C}{ms}<={last},IF({last}<{C}{ms}+{C}{dim},{tfee},0),0)"
    s.series(
        key + "fees",
        "Fees for the term (termination fee included)",
        "",
        "money",
        f"={C}{daily}*{C}{tdays}+IF({ends_early}=1,{fee_here},0)",
        _padded(lease.fees, count),
    )
    fees = s.r(key + "fees")
    s.series(
        key + "incurred",
        "Fees for the term as the projection books them",
        "",
        "money",
        f"={C}{daily}*{C}{tdays}+IF({charged}=1,{fee_here},0)",
        _padded(lease.fees_incurred, count),
    )
    incurred = s.r(key + "incurred")
    first = col_name(FIRST_COL)
    last_col = col_name(FIRST_COL + count - 1)
    payments = _padded(lease.payments, count)
    s.series(
        key + "pay",
        "Lease payment (first day of the payment month)",
        "",
        "money",
        f'=IF({timing}="arrears",{P}{fees},{C}{fees})',
        payments,
        start=1,
        bold=True,
    )
    pay = s.r(key + "pay")
    fmt = formats.get(num_format=s.num_formats["money"], bold=True)
    ws.write_formula(
        pay - 1, FIRST_COL, f'=IF({timing}="arrears",0,{first}{fees})', fmt, payments[0]
    )
    s.series(
        key + "df",
        "Discount factor 1 / (1 + r)^k",
        "x",
        "factor",
        f"=POWER(1+{r},-{C}{k})",
        np.power(1.0 + lease.monthly_rate, -np.arange(count, dtype=np.float64)),
    )
    df = s.r(key + "df")
    l0 = f"$B${l0_row + 1}"
    total = f"$B${total_row + 1}"
    opening = _padded(lease.opening, count)
    s.series(
        key + "open",
        "Opening liability",
        "",
        "money",
        f"={P}{s.row + 3}",  # the closing row, two rows below
        opening,
        start=1,
    )
    open_row = s.r(key + "open")
    ws.write_formula(
        open_row - 1,
        FIRST_COL,
        f"={l0}",
        formats.get(num_format=s.num_formats["money"]),
        opening[0],
    )
    s.series(
        key + "interest",
        "Interest: (opening - payment) x r",
        "",
        "money",
        f"=IF({short}=1,0,({C}{open_row}-{C}{pay})*{r})",
        _padded(lease.interest, count),
    )
    interest = s.r(key + "interest")
    s.series(
        key + "close",
        "Closing liability: (opening - payment) x (1 + r)",
        "",
        "money",
        f"=IF({short}=1,0,({C}{open_row}-{C}{pay})*(1+{r}))",
        _padded(lease.closing, count),
        bold=True,
    )
    close = s.r(key + "close")
    assert close == open_row + 2
    closing_span = f"${first}${close}:${last_col}${close}"
    s.series(
        key + "current",
        "Current: closing - the closing 12 months later",
        "",
        "money",
        f"={C}{close}-IF({C}{k}+13<={count},INDEX({closing_span},1,{C}{k}+13),0)",
        _padded(lease.current, count),
    )
    current = s.r(key + "current")
    s.series(
        key + "noncurrent",
        "Non-current",
        "",
        "money",
        f"={C}{close}-{C}{current}",
        _padded(lease.noncurrent, count),
    )
    share = f"{C}{tdays}/{term_days}"
    if lease.standard == "asc842":
        s.series(
            key + "cost",
            "Lease cost: payments x term days / days in term",
            "",
            "money",
            f"=IF({short}=1,{C}{incurred},{total}*{share})",
            _padded(lease.lease_cost, count),
            bold=True,
        )
        cost = s.r(key + "cost")
        s.series(
            key + "rou",
            "ROU asset: closing + paid to date - cost to date",
            "",
            "money",
            f"=IF({short}=1,0,{C}{close}+SUM(${first}{pay}:{C}{pay})"
            f"-SUM(${first}{cost}:{C}{cost}))",
            _padded(lease.rou, count),
            bold=True,
        )
    else:
        s.series(
            key + "dep",
            "Depreciation: L0 x term days / days in term",
            "",
            "money",
            f"=IF({short}=1,0,{l0}*{share})",
            _padded(lease.depreciation, count),
        )
        dep = s.r(key + "dep")
        s.series(
            key + "cost",
            "Expense: depreciation + interest",
            "",
            "money",
            f"=IF({short}=1,{C}{incurred},{C}{dep}+{C}{interest})",
            _padded(lease.lease_cost, count),
            bold=True,
        )
        s.series(
            key + "rou",
            "ROU asset: L0 - depreciation to date",
            "",
            "money",
            f"=IF({short}=1,0,{l0}-SUM(${first}{dep}:{C}{dep}))",
            _padded(lease.rou, count),
            bold=True,
        )
    cost = s.r(key + "cost")
    s.series(
        key + "change",
        "Lease cost less the fees for the term (to the P&L)",
        "",
        "money",
        f"={C}{cost}-{C}{incurred}",
        _padded(lease.lease_cost - lease.fees_incurred, count),
    )
    # the two scalars over the rows
    money_fmt = formats.get(num_format=s.num_formats["money"], bold=True)
    pay_span = f"${first}${pay}:${last_col}${pay}"
    ws.write_string(l0_row, 0, "Liability at commencement L0 (payments discounted)")
    ws.write_formula(
        l0_row,
        1,
        f"=IF({short}=1,0,SUMPRODUCT({pay_span},${first}${df}:${last_col}${df}))",
        money_fmt,
        lease.initial_liability,
    )
    ws.write_string(total_row, 0, "Total lease payments (undiscounted)")
    ws.write_formula(total_row, 1, f"=SUM({pay_span})", money_fmt, lease.total_payments)
    return _LeaseCells(lease, s, {"l0": l0, "short": short})


def _service_stop(contract: Any) -> Any:
    """The first day without service as the engine has it (the scenario's notice applied)."""
    import datetime as dt

    end_stop = contract.end + dt.timedelta(days=1)
    term = contract.termination
    if term is None or term.notice_given is None:
        return end_stop
    window = term.notice_given + dt.timedelta(days=term.notice_days)
    return window if window <= contract.end else end_stop


MATURITY = (
    *YEAR_LABELS,
    "Total undiscounted",
    "Less imputed interest",
    "Lease liability",
    "  of which current",
    "  of which non-current",
    "ROU asset",
)


def _maturity(
    ws: Any,
    formats: Formats,
    report: LeaseAccounting,
    a: Inputs,
    cells: list[_LeaseCells],
    money: str,
    row: int,
) -> int:
    """The maturity analysis as of the horizon's start: one column per lease, then the total."""
    as_of = a["horizon.start"]
    ws.write_string(
        row, 0, f"Maturity analysis as of the horizon's start ({report.as_of})", formats.section()
    )
    ws.write_blank(row, 1, None, formats.section())
    row += 1
    header = formats.header(text_wrap=True, align="center")
    ws.write_string(row, 0, "Undiscounted payments by year from that date", formats.subtitle())
    for n, cell in enumerate(cells):
        ws.write_string(row, FIRST_COL + n, cell.lease.name, header)
    total_col = FIRST_COL + len(cells)
    ws.write_string(row, total_col, "Total", header)
    ws.set_row(row, 30)  # a lease's name on two lines
    row += 1
    fmt = formats.get(num_format=money)
    bold = formats.get(num_format=money, bold=True)
    by_name = {m.name: m for m in report.maturity}
    first_row = row
    for line, label in enumerate(MATURITY):
        strong = label in ("Total undiscounted", "Lease liability")
        ws.write_string(row, 0, label, formats.text(bold=strong))
        for n, cell in enumerate(cells):
            lease, s = cell.lease, cell.s
            count = lease.grid.count
            short = cell.refs["short"]
            j = f"((YEAR({as_of})-YEAR({a[f'contracts[{lease.index}].start']}))*12+MONTH({as_of})"
            j += f"-MONTH({a[f'contracts[{lease.index}].start']}))"
            k, pay = s.span("lease.k"), s.span("lease.pay")
            opening, rou = s.span("lease.open"), s.span("lease.rou")
            here = col_name(FIRST_COL + n)
            ahead = f"({k}-{j})"
            if line < 5:
                inside = f"({ahead}>={12 * line})*({ahead}<{12 * (line + 1)})"
            elif line == 5:
                inside = f"({ahead}>=60)"
            else:
                inside = ""
            if inside:
                formula = f"=IF({short}=1,0,IF({j}<0,0,SUMPRODUCT({inside}*{pay})))"
            elif label == "Total undiscounted":
                formula = f"=SUM({here}{first_row + 1}:{here}{first_row + 6})"
            elif label == "Less imputed interest":
                formula = f"={here}{row}-{here}{row + 2}"
            elif label == "Lease liability":
                opening_now = f"INDEX({opening},1,{j}+1)"
                formula = f"=IF({short}=1,0,IF({j}<0,0,IF({j}>={count},0,{opening_now})))"
            elif label == "  of which current":
                later = f"IF({j}+12>={count},0,INDEX({opening},1,{j}+13))"
                formula = f"={here}{row}-IF({short}=1,0,IF({j}<0,0,{later}))"
            elif label == "  of which non-current":
                formula = f"={here}{row - 1}-{here}{row}"
            else:  # ROU asset
                formula = (
                    f"=IF({short}=1,0,IF({j}<0,0,IF({j}=0,{cell.refs['l0']},"
                    f"IF({j}>{count},0,INDEX({rou},1,{j})))))"
                )
            value = _maturity_value(by_name.get(lease.name), line)
            ws.write_formula(row, FIRST_COL + n, formula, bold if strong else fmt, value)
        left, right = col_name(FIRST_COL), col_name(total_col - 1)
        ws.write_formula(
            row,
            total_col,
            f"=SUM({left}{row + 1}:{right}{row + 1})",
            bold if strong else fmt,
            _maturity_value(report.maturity_total, line),
        )
        row += 1
    return row


def _maturity_value(row: Any, line: int) -> float:
    if row is None:
        return 0.0
    if line < 6:
        return float(row.years[line])
    return float(
        (
            row.total,
            row.imputed_interest,
            row.liability,
            row.current,
            row.noncurrent,
            row.rou,
        )[line - 6]
    )


def _pnl(
    s: SeriesSheet,
    formats: Formats,
    result: Projection,
    report: LeaseAccounting,
    calc: CalcSheet,
    cells: list[_LeaseCells],
) -> None:
    """The horizon's months, in the calculation sheet's columns."""
    pnl = report.pnl
    c = sheet_ref(calc.name)

    def there(key: str) -> str:
        return f"={c}!{C}{calc.sheet.r(key)}"

    s.section("Accounting P&L beside the management one (the horizon's months)")
    s.series("pnl.ms", "Month", "", "month", there("ms"), calc.sheet.values["ms"], bold=True)
    s.series("pnl.revenue", "Revenue", "", "money", there("revenue"), pnl.revenue)
    s.series(
        "pnl.share", "Training share", "", "ratio", there("training_share"), pnl.training_share
    )
    t = f"{c}!{C}{calc.sheet.r('t')}"
    horizon = month_number(result.scenario.horizon.start)
    change_rows = []
    for n, cell in enumerate(cells):
        lease = cell.lease
        offset = horizon - lease.first_month + 1
        count = lease.grid.count
        values = np.zeros(result.scenario.months)
        if not lease.short_term:
            for m in range(result.scenario.months):
                j = horizon + m - lease.first_month
                if 0 <= j < len(lease.months):
                    values[m] = lease.lease_cost[j] - lease.fees_incurred[j]
        s.series(
            f"pnl.change{n}",
            f"{lease.name}: lease cost less fees",
            "",
            "money",
            f"=IF({t}+{offset}<1,0,IF({t}+{offset}>{count},0,"
            f"INDEX({cell.span('lease.change')},1,{t}+{offset})))",
            values,
        )
        change_rows.append(s.r(f"pnl.change{n}"))
    change = "+".join(f"{C}{r}" for r in change_rows)
    share = f"{C}{s.r('pnl.share')}"
    s.series(
        "pnl.mgmt_cost",
        "Cost of revenue, management (fees as incurred)",
        "",
        "money",
        there("inference_cost"),
        pnl.management_inference_cost,
    )
    s.series(
        "pnl.acct_cost",
        "Cost of revenue, accounting: + change x (1 - share)",
        "",
        "money",
        f"={C}{s.r('pnl.mgmt_cost')}+({change})*(1-{share})",
        pnl.accounting_inference_cost,
        bold=True,
    )
    s.series(
        "pnl.mgmt_training",
        "Training cost, management",
        "",
        "money",
        there("training_cost"),
        pnl.management_training_cost,
    )
    s.series(
        "pnl.acct_training",
        "Training cost, accounting: + change x share",
        "",
        "money",
        f"={C}{s.r('pnl.mgmt_training')}+({change})*{share}",
        pnl.accounting_training_cost,
    )
    s.series(
        "pnl.mgmt_gm",
        "Gross margin, management",
        "",
        "money",
        there("gross_margin"),
        pnl.management_gross_margin,
    )
    s.series(
        "pnl.acct_gm",
        "Gross margin, accounting",
        "",
        "money",
        f"={C}{s.r('pnl.revenue')}-{C}{s.r('pnl.acct_cost')}",
        pnl.accounting_gross_margin,
        bold=True,
    )
    s.series(
        "pnl.diff",
        "Difference: accounting - management",
        "",
        "money",
        f"={C}{s.r('pnl.acct_gm')}-{C}{s.r('pnl.mgmt_gm')}",
        pnl.difference,
    )
