"""The Obligations sheet: what the contracts commit each scenario to pay, and when, as formulas
over the Contracts sheet (`commitcast obligations` as of the horizon's start, by bucket).

For each scenario: a table of scheduled, noncancelable and cancelable payments per contract and
for all contracts, within 1 year, 1–3 years, 3–5 years, after 5 years of the horizon's first
month, and their total; under it, each contract month by month. The month columns are the
Contracts sheet's (the same letter is the same month), from the horizon's first month to one
month after the last contract's end (an arrears contract pays its last month then).

Noncancelable follows the engine's remaining obligation at the end of the month before the
horizon (the Contracts sheet's first column): notice on the horizon's first day (or the
earliest notice day) ends service before that column's "service would end before" day; the
fees of service before it are the Contracts sheet's service fees, and in the month it falls in,
its "fees for service before that day" less the service fees to the month's start; the
termination fee, if that ends service before `end`, in the month of its last day of service;
and if running out costs less (that column's run-out is below the window's fees plus the fee),
every fee left as if no notice were planned. Without termination terms, or with a notice
given before the horizon, noncancelable is the schedule itself. Payments are in the month of
service (advance) or the month after (arrears). A take-or-pay commit owes each period's minimum
(prorated by its months from the as-of month) with the period's last month of service, and the
fee of a notice ending it early (see `_commit`). A contract in another currency is converted at
the rate of the month before the as-of month, as the command does. A contract billed over
several months or prepaid shows its payments as billed (see `_billed`); a scenario with one
given notice after the as-of day is named with the reason instead (not followed yet).
Each formula cell stores the figure of `analysis.obligations` (what the command prints);
nothing is worked out here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from commitcast.analysis.obligations import (
    BUCKETS,
    FIGURES,
    ContractObligations,
    Obligations,
    obligations,
)
from commitcast.core.calendar import MonthGrid, day_number, month_number, month_start
from commitcast.core.errors import CommitcastError, Problem
from commitcast.engine.projection import Projection
from commitcast.model.scenario import Contract
from commitcast.render.excel_contracts import SHEET as CONTRACTS
from commitcast.render.excel_contracts import ContractCells, num_formats
from commitcast.render.excel_inputs import Inputs
from commitcast.render.excel_print import wrapped_height
from commitcast.render.excel_style import (
    SECTION_FILL,
    C,
    Formats,
    P,
    SeriesSheet,
    col_name,
    serial,
    sheet_ref,
)

SHEET = "Obligations"
FIRST_COL = 2  # the Contracts sheet's first month column: column letters agree


def write_obligations(
    ws: Any,
    formats: Formats,
    results: list[Projection],
    inputs: list[Inputs],
    contract_cells: list[list[ContractCells]],
    money_formats: list[str],
) -> list[Obligations]:
    """The sheet for every scenario of the workbook; returns what it shows."""
    ws.set_column(0, 0, 50)
    ws.set_column(1, 1, 15)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.freeze_panes(2, 0)
    ws.write_string(
        0, 0, "Obligations: what the contracts commit us to pay, and when", formats.title()
    )
    ws.write_string(
        1,
        0,
        "As of each horizon's first day, by the month a payment is made; formulas over the "
        "Contracts sheet. SLA credits and fees for service before the horizon are left out.",
        formats.subtitle(),
    )
    width = max((r.result.contract_grid.count for r in results), default=1)
    ws.set_column(FIRST_COL, FIRST_COL + width, 12.5)
    row = 3
    shown = []
    for result, a, cells, money in zip(results, inputs, contract_cells, money_formats, strict=True):
        try:
            table = obligations(result.scenario)
            billed = [
                c.name
                for c in result.scenario.contracts
                if c.kind != "commit"
                and (c.payment.every_months > 1 or c.prepayment is not None)
                and c.termination is not None
                and c.termination.notice_given is not None
                and c.termination.notice_given >= result.scenario.horizon.start
            ]
            if billed:
                # noncancelable then reads the payments as if no notice were planned, which
                # the Contracts sheet does not hold for a contract billed ahead or prepaid
                raise CommitcastError(
                    [
                        Problem(
                            "the workbook's obligations by maturity do not follow a contract "
                            "billed over several months or prepaid with a notice given after "
                            f"the as-of day yet ({', '.join(map(repr, billed))}); commitcast "
                            "obligations shows them"
                        )
                    ]
                )
        except CommitcastError as refused:
            # a term the maturity view does not follow yet: said, not shown wrong
            header = formats.header()
            for col in range(0, FIRST_COL + len(BUCKETS) + 1):
                ws.write_blank(row, col, None, header)
            ws.write_string(row, 0, result.scenario.name, header)
            # wrapped across the printed columns (the label, the figure and the buckets' columns)
            span = 50 + 15 + 12.5 * (len(BUCKETS) + 1)
            note = formats.get(italic=True, font_color="#595959", text_wrap=True, valign="top")
            for problem in refused.problems:
                row += 1
                text = f"Not shown: {problem.message}."
                ws.set_row(row, wrapped_height(text, span) or 15)
                ws.merge_range(row, 0, row, FIRST_COL + len(BUCKETS), "", note)
                ws.write_string(row, 0, text, note)
            row += 3
            continue
        shown.append(table)
        row = _scenario(ws, formats, result, a, cells, money, table, row) + 2
    # printed: the summaries one page wide, readable (all the months would shrink them to
    # nothing; they are for the screen)
    ws.print_area(0, 0, max(row - 2, 1), FIRST_COL + len(BUCKETS))
    return shown


def _scenario(
    ws: Any,
    formats: Formats,
    result: Projection,
    a: Inputs,
    cells: list[ContractCells],
    money: str,
    table: Obligations,
    row: int,
) -> int:
    """One scenario's block from `row` (0-based): the summary, then the months under it (written
    first, so the summary knows their rows). Returns the row after the block."""
    scenario = result.scenario
    grid = result.result.contract_grid
    header = formats.header()
    last_col = FIRST_COL + len(BUCKETS)
    for col in range(0, last_col + 1):
        ws.write_blank(row, col, None, header)
    ws.write_string(row, 0, scenario.name, header)
    ws.write_string(row + 1, 0, "As of (the horizon's first day)")
    as_of = f"$B${row + 2}"
    ws.write_formula(
        row + 1,
        1,
        f"={a['horizon.start']}",
        formats.get(num_format="d mmm yyyy", bold=True),
        serial(float(day_number(table.as_of))),
    )
    summary = row + 3  # the summary's header row
    lines = len(table.contracts) + (1 if len(table.contracts) != 1 else 0)
    detail = summary + 1 + len(FIGURES) * lines + 1
    pay_rows = _months(ws, formats, result, a, cells, money, table, detail, as_of)

    section = formats.section()
    ws.write_string(summary, 0, "Payments", section)
    ws.write_string(summary, 1, "", section)
    right = formats.get(bold=True, bg_color=SECTION_FILL, align="right")
    for j, (label, _, _) in enumerate(BUCKETS):
        ws.write_string(summary, FIRST_COL + j, label, right)
    ws.write_string(summary, last_col, "Total", right)
    money_fmt = formats.get(num_format=money)
    bold_money = formats.get(num_format=money, bold=True)
    first, last = col_name(FIRST_COL), col_name(last_col - 1)
    row = summary + 1
    rows: dict[str, list[int]] = {figure: [] for figure in FIGURES}
    for index, line in enumerate(table.contracts):
        for k, figure in enumerate(FIGURES):
            ws.write_string(row, 0, line.name if k == 0 else "")
            ws.write_string(row, 1, figure)
            values = line.figure(figure)
            payments = _span(pay_rows[index][figure], grid.count)
            months = _span(pay_rows[index]["k"], grid.count)
            for j, (_, low, high) in enumerate(BUCKETS):
                test = f"({months}>={low})" + (f"*({months}<={high})" if high is not None else "")
                ws.write_formula(
                    # the test multiplied in: a lone comparison is an array of TRUE/FALSE,
                    # which SUMPRODUCT counts as 0 in Excel and Gnumeric (1 in LibreOffice)
                    row,
                    FIRST_COL + j,
                    f"=SUMPRODUCT({test}*{payments})",
                    money_fmt,
                    values[j],
                )
            ws.write_formula(
                row,
                last_col,
                f"=SUM({first}{row + 1}:{last}{row + 1})",
                bold_money,
                line.total(figure),
            )
            rows[figure].append(row + 1)
            row += 1
    if len(table.contracts) != 1:
        bold = formats.get(bold=True)
        for k, figure in enumerate(FIGURES):
            ws.write_string(row, 0, "All contracts" if k == 0 else "", bold)
            ws.write_string(row, 1, figure, bold)
            values = table.total.figure(figure)
            for j in range(len(BUCKETS) + 1):
                col = col_name(FIRST_COL + j)
                refs = "+".join(f"{col}{r}" for r in rows[figure]) or "0"
                value = values[j] if j < len(BUCKETS) else table.total.total(figure)
                ws.write_formula(row, FIRST_COL + j, f"={refs}", bold_money, value)
            row += 1
    assert row + 1 == detail, (row, detail)
    return pay_rows[-1]["end"] if pay_rows else detail


def _span(row: int, count: int) -> str:
    """The month columns of a 1-based row: the grid's from the horizon's, and one after."""
    first, last = col_name(FIRST_COL + 1), col_name(FIRST_COL + count)
    return f"${first}${row}:${last}${row}"


def _months(
    ws: Any,
    formats: Formats,
    result: Projection,
    a: Inputs,
    cells: list[ContractCells],
    money: str,
    table: Obligations,
    row: int,
    as_of: str,
) -> list[dict[str, int]]:
    """The month-by-month rows from `row`: for each contract its 1-based rows by key (`k`: the
    months from the as-of month; the figures' payment rows; `end`: the row after the block)."""
    if not table.contracts:
        return []
    grid = result.result.contract_grid
    ws.write_string(
        row, 0, "Month by month (the columns of the Contracts sheet)", formats.section()
    )
    ws.write_blank(row, 1, None, formats.section())
    # the horizon's first month (the grid's second) through one month after the grid's last
    s = SeriesSheet(ws, formats, FIRST_COL + 1, grid.count, num_formats(money))
    s.row = row + 1
    starts = grid.starts.astype(np.float64)
    month_row = s.series("ms", "Month", "", "month", f"=EOMONTH({P}{s.row + 1},0)+1", starts[1:])
    # the month before the as-of month's last day, in the column before the first: hidden
    ws.write_formula(
        month_row, FIRST_COL, f"=EOMONTH({as_of},-1)", formats.hidden(), serial(starts[1] - 1)
    )
    ms = s.r("ms")
    after = MonthGrid(grid.first + grid.count, 1).days
    s.series(
        "dim",
        "Days in month",
        "days",
        "int",
        f"=EOMONTH({C}{ms},0)+1-{C}{ms}",
        np.append(grid.days[1:], after),
    )
    s.series(
        "k",
        "Months from the as-of month",
        "months",
        "int",
        f"=(YEAR({C}{ms})-YEAR({as_of}))*12+MONTH({C}{ms})-MONTH({as_of})",
        np.arange(grid.count, dtype=np.float64),
    )
    out = []
    for index, (line, c) in enumerate(zip(table.contracts, cells, strict=True)):
        rows = _contract(s, result, a, index, line, c, as_of)
        out.append({"k": s.r("k"), **rows, "end": s.row})
    return out


def _contract(
    s: SeriesSheet,
    result: Projection,
    a: Inputs,
    index: int,
    line: ContractObligations,
    cells: ContractCells,
    as_of: str,
) -> dict[str, int]:
    """One contract's rows; returns the 1-based rows of its scheduled, noncancelable and
    cancelable payments."""
    contract = result.scenario.contracts[index]
    if contract.kind == "commit":
        return _commit(s, result, a, index, line, cells, as_of)
    if contract.payment.every_months > 1 or contract.prepayment is not None:
        return _billed(s, result, a, index, line, cells, as_of)
    full = result.result.contracts[index].full
    ms, dim = s.r("ms"), s.r("dim")
    p = f"contracts[{index}]"
    end, timing = a[f"{p}.end"], a[f"{p}.payment.timing"]
    allowed = a[f"{p}.termination.allowed"]
    tfee, notice = a[f"{p}.termination.fee"], a[f"{p}.termination.notice_given"]
    rows = cells.rows
    contracts = sheet_ref(CONTRACTS)
    first = col_name(FIRST_COL)  # the Contracts sheet's month before the horizon

    def at(key: str, column: str = C) -> str:
        return f"{contracts}!{column}{rows[key]}"

    def before(key: str) -> str:
        """The Contracts row `key` at the end of the month before the horizon: notice on A."""
        return f"{contracts}!${first}${rows[key]}"

    s.skip()
    s.section(contract.name)

    rate, x = _rate(s, result, index, as_of, a)
    ends = s.scalar(
        "Notice on the as-of day: service would end before",
        f"={before('x')}",
        float(full.service_ends[0, 0]),
        "date",
    )
    early = s.scalar(
        "... which ends service before the contract's end (1 = yes)",
        f'=IF({allowed}="yes",IF({ends}<={end},1,0),0)',
        float(line.ends_early),
        "flag",
    )
    window = s.scalar(
        "... fees for service before that day" + _in(result, contract),
        f"=({before('fb')}-{before('through')}){x}",
        line.window_fees,
        "money",
    )
    runs_out = s.scalar(
        "Cheaper to let it run out (1 = yes)",
        f'=IF({allowed}="yes",IF({before("runout")}{x}<{window}+IF({early}=1,{tfee}{x},0),1,0),0)',
        float(line.runs_out),
        "flag",
    )
    given = s.scalar(
        "Notice given before the as-of day (1 = yes)",
        f'=IF({allowed}="yes",IF({notice}="",0,IF({notice}<{as_of},1,0)),0)',
        float(line.notice_applied),
        "flag",
    )
    window_part = (
        f"IF({C}{ms}+{C}{dim}<={ends},{at('service')},"
        f"IF({C}{ms}<{ends},{before('fb')}-{at('through')}+{at('service')},0))"
    )
    fee_part = f"IF({early}=1,IF({C}{ms}<={ends}-1,IF({ends}-1<{C}{ms}+{C}{dim},{tfee},0),0),0)"
    return _payment_rows(
        s,
        line,
        f"c{index}.",
        _in(result, contract),
        timing,
        ms,
        as_of,
        f'=IF({allowed}<>"yes",{at("committed")},IF({given}=1,{at("committed")},'
        f"IF({runs_out}=1,{at('daily')}*{at('termdays')},{window_part}+{fee_part}))){x}",
        f'=IF({timing}="arrears",IF({P}{ms}>={as_of},{at("committed", P)},0),{at("committed")}){x}',
    )


def _payment_rows(
    s: SeriesSheet,
    line: ContractObligations,
    key: str,
    label_in: str,
    timing: str,
    ms: int,
    as_of: str,
    service_formula: str,
    scheduled_formula: str,
) -> dict[str, int]:
    """A contract's noncancelable payments by month of service (its `service` row, by
    `service_formula`), then its scheduled, noncancelable and cancelable payments by month
    (the rows of FIGURES): scheduled by `scheduled_formula`, noncancelable the `service` row
    paid with its timing, cancelable the difference."""
    count = s.count
    scheduled = np.asarray(line.monthly_scheduled, dtype=np.float64)[:count]
    noncancelable = np.asarray(line.monthly_noncancelable, dtype=np.float64)
    s.series(
        key + "service",
        "Noncancelable, by month of service" + label_in,
        "",
        "money",
        service_formula,
        _by_service(line, noncancelable)[:count],
    )
    service = s.r(key + "service")
    s.series(key + "scheduled", "Scheduled payment", "", "money", scheduled_formula, scheduled)
    return _settled_rows(
        s,
        key,
        f'=IF({timing}="arrears",IF({P}{ms}>={as_of},{P}{service},0),{C}{service})',
        scheduled,
        noncancelable[:count],
    )


def _by_service(line: ContractObligations, values: np.ndarray) -> np.ndarray:
    """Monthly payments by month of service: paid in arrears, a month earlier."""
    shift = 1 if line.timing == "arrears" else 0
    return np.append(values[shift:], np.zeros(shift))


def _settled_rows(
    s: SeriesSheet,
    key: str,
    noncancelable_formula: str,
    scheduled: np.ndarray,
    noncancelable: np.ndarray,
) -> dict[str, int]:
    """After a contract's scheduled row: its noncancelable payments by `noncancelable_formula`
    and its cancelable payments, the difference; returns the rows of FIGURES."""
    s.series(
        key + "noncancelable",
        "Noncancelable payment",
        "",
        "money",
        noncancelable_formula,
        noncancelable,
        bold=True,
    )
    s.series(
        key + "cancelable",
        "Cancelable payment",
        "",
        "money",
        f"={C}{s.r(key + 'scheduled')}-{C}{s.r(key + 'noncancelable')}",
        scheduled - noncancelable,
    )
    return {figure: s.r(key + figure) for figure in FIGURES}


def _in(result: Projection, contract: Contract) -> str:
    """' (USD)' after a label of a contract in another currency: converted figures."""
    scenario = result.scenario
    return f" ({scenario.currency})" if scenario.currency_of(contract) != scenario.currency else ""


def _rate(
    s: SeriesSheet, result: Projection, index: int, as_of: str, a: Inputs
) -> tuple[float, str]:
    """A contract in another currency: a scalar with the rate of the month before the as-of
    month (what `commitcast obligations` converts at), and '*' and its cell to multiply a
    native amount by; (1, '') in the reporting currency."""
    scenario = result.scenario
    code = scenario.currency_of(scenario.contracts[index])
    if code == scenario.currency:
        return 1.0, ""
    fx, start = scenario.fx[code], a["horizon.start"]
    t = -1  # the month before the as-of month, which is the horizon's first
    rate = float(fx.rate * (1.0 + fx.change) ** t)
    cell = s.scalar(
        f"Rate of the month before as-of ({scenario.currency} per {code})",
        f"={a[f'fx.{code}.rate']}*(1+{a[f'fx.{code}.change']})"
        f"^((YEAR({as_of})-YEAR({start}))*12+MONTH({as_of})-MONTH({start})-1)",
        rate,
        "factor",
    )
    return rate, f"*{cell}"


def _commit(
    s: SeriesSheet,
    result: Projection,
    a: Inputs,
    index: int,
    line: ContractObligations,
    cells: ContractCells,
    as_of: str,
) -> dict[str, int]:
    """A take-or-pay commit's rows (analysis.obligations._commit_obligations): the minimum of
    each period with months from the as-of month on, prorated by its months from then (its
    spend before the as-of month, before the horizon, is not known: none), billed with the
    period's last month in service; the termination fee of a notice that ends it early.
    Scheduled: through the last month of service as given; noncancelable: through the month
    before the day a notice on the as-of day ends service, plus the fee, unless running to the
    end costs less (or as scheduled without termination terms or with a notice already
    counting). Returns the rows of its scheduled, noncancelable and cancelable payments."""
    scenario = result.scenario
    contract = scenario.contracts[index]
    full = result.result.contracts[index].full
    ms, dim = s.r("ms"), s.r("dim")
    p = f"contracts[{index}]"
    start, end, timing = a[f"{p}.start"], a[f"{p}.end"], a[f"{p}.payment.timing"]
    allowed, fee = a[f"{p}.termination.allowed"], a[f"{p}.termination.fee"]
    notice = a[f"{p}.termination.notice_given"]
    amount, every = a[f"{p}.minimum.amount"], a[f"{p}.minimum.every_months"]
    contracts = sheet_ref(CONTRACTS)
    first = col_name(FIRST_COL)
    last_day = cells.scalars["last"]  # the last day of service as given (Contracts sheet)
    terminated = cells.scalars["terminated"]
    s.skip()
    s.section(f"{contract.name} (take-or-pay commit)")

    rate, x = _rate(s, result, index, as_of, a)
    term = contract.termination
    minimum = contract.minimum
    e = minimum.every_months if minimum is not None else 12
    m_amount = minimum.amount if minimum is not None else 0.0
    fee_value = term.fee if term is not None else 0.0
    c_end = day_number(contract.end)
    grid = result.result.contract_grid
    # the sheet's months: the horizon's first through one after the grid's last
    month_numbers = grid.first + 1 + np.arange(s.count)
    first_days = np.array([day_number(month_start(int(m))) for m in month_numbers], dtype=float)
    next_days = np.array([day_number(month_start(int(m) + 1)) for m in month_numbers], dtype=float)
    kk = month_numbers - month_number(contract.start)
    k_a = month_number(scenario.horizon.start) - month_number(contract.start)

    ends = s.scalar(
        "Notice on the as-of day: service would end before",
        f"={contracts}!${first}${cells.rows['x']}",
        float(full.service_ends[0, 0]),
        "date",
    )
    early_value = bool(term is not None and full.service_ends[0, 0] <= c_end)
    early = s.scalar(
        "... which ends service before the contract's end (1 = yes)",
        f'=IF({allowed}="yes",IF({ends}<={end},1,0),0)',
        float(early_value),
        "flag",
    )
    notice_applied = s.scalar(
        "Notice given before the as-of day (1 = yes)",
        f'=IF({allowed}="yes",IF({notice}="",0,IF({notice}<{as_of},1,0)),0)',
        float(line.notice_applied),
        "flag",
    )
    key = f"c{index}."
    s.series(
        key + "ck",
        "Contract month",
        "k",
        "int",
        f"=(YEAR({C}{ms})-YEAR({start}))*12+MONTH({C}{ms})-MONTH({start})",
        kk.astype(np.float64),
    )
    ck = s.r(key + "ck")
    k_as_of = f"((YEAR({as_of})-YEAR({start}))*12+MONTH({as_of})-MONTH({start}))"

    def dues(name: str, label: str, last: str, last_value: float) -> int:
        """Each period's minimum by its last month of service through the day `last`,
        prorated by its months from the as-of month (native)."""
        in_service = (kk >= 0) & (first_days <= last_value)
        closes = in_service & (((kk % e) == e - 1) | (last_value < next_days))
        counted = kk - np.maximum(e * np.floor_divide(kk, e), k_a) + 1
        values = np.where(closes, m_amount * counted / e, 0.0)
        s.series(
            key + name,
            label,
            "",
            "money",
            f"=IF(({C}{ck}>=0)*({C}{ms}<={last})*((MOD({C}{ck},{every})={every}-1)"
            f"+({last}<{C}{ms}+{C}{dim}))>0,"
            f"{amount}*({C}{ck}-MAX({every}*INT({C}{ck}/{every}),{k_as_of})+1)/{every},0)",
            values,
        )
        return s.r(key + name)

    def fee_row(name: str, label: str, last: str, last_value: float, charged: str, on: bool):
        values = np.where(
            (first_days <= last_value) & (last_value < next_days) & on, fee_value, 0.0
        )
        s.series(
            key + name,
            label,
            "",
            "money",
            f"=IF({charged}=1,IF({C}{ms}<={last},IF({last}<{C}{ms}+{C}{dim},{fee},0),0),0)",
            values,
        )
        return s.r(key + name)

    given_last = float(result.result.contracts[index].last_service_day[0])
    sched_dues = dues(
        "sched_dues", "Minimum billed as scheduled, by month of service", last_day, given_last
    )
    sched_fee = fee_row(
        "sched_fee",
        "Termination fee as scheduled",
        last_day,
        given_last,
        terminated,
        bool(result.result.contracts[index].ends_early[0]),
    )
    notice_last = float(full.service_ends[0, 0]) - 1
    notice_dues = dues(
        "notice_dues",
        "Minimum billed if notice is given on the as-of day",
        f"({ends}-1)",
        notice_last,
    )
    notice_fee = fee_row(
        "notice_fee",
        "... and its termination fee",
        f"({ends}-1)",
        notice_last,
        early,
        early_value,
    )
    run_dues = dues("run_dues", "Minimum billed if it runs to its end", end, float(c_end))

    def total(row: int) -> str:
        return f"SUM({_span(row, s.count)})"

    window = s.scalar(
        "Minimums a notice on the as-of day leaves" + _in(result, contract),
        f"={total(notice_dues)}{x}",
        line.window_fees,
        "money",
    )
    runs_out = s.scalar(
        "Cheaper to let it run out (1 = yes)",
        f'=IF({allowed}="yes",IF({total(run_dues)}{x}<{window}+{total(notice_fee)}{x},1,0),0)',
        float(line.runs_out),
        "flag",
    )
    scheduled = np.asarray(line.monthly_scheduled, dtype=np.float64)
    s.series(
        key + "sched_service",
        "Scheduled, by month of service" + _in(result, contract),
        "",
        "money",
        f"=({C}{sched_dues}+{C}{sched_fee}){x}",
        _by_service(line, scheduled)[: s.count],
    )
    sched_row = s.r(key + "sched_service")
    return _payment_rows(
        s,
        line,
        key,
        _in(result, contract),
        timing,
        ms,
        as_of,
        f'=IF({allowed}<>"yes",{C}{sched_row},IF({notice_applied}=1,{C}{sched_row},'
        f"IF({runs_out}=1,{C}{run_dues}{x},({C}{notice_dues}+{C}{notice_fee}){x})))",
        f'=IF({timing}="arrears",IF({P}{ms}>={as_of},{P}{sched_row},0),{C}{sched_row})',
    )


def _billed(
    s: SeriesSheet,
    result: Projection,
    a: Inputs,
    index: int,
    line: ContractObligations,
    cells: ContractCells,
    as_of: str,
) -> dict[str, int]:
    """A reserved contract billed over several months or prepaid (analysis.obligations.
    _payments_from and _earliest): its payments as billed from the as-of month (SLA credits
    left out; what is left to pay, or to refund, after the Contracts sheet's last month in the
    column after it), less the fees payable at the end of the month before, settled from the
    first payments; noncancelable: the first of them up to its remaining obligation at the
    end of the month before (the rest, if any, with the last payment). Returns the rows of
    its scheduled, noncancelable and cancelable payments."""
    ws = s.ws
    scenario = result.scenario
    contract = scenario.contracts[index]
    full = result.result.contracts[index].full
    refundable = a[f"contracts[{index}].prepayment.refundable"]
    rows = cells.rows
    contracts = sheet_ref(CONTRACTS)
    first = col_name(FIRST_COL)  # the Contracts sheet's month before the horizon
    count = s.count
    last = col_name(FIRST_COL + count - 1)  # the Contracts sheet's last month
    kr = s.r("k")
    in_code = _in(result, contract)

    def at(key: str, column: str = C) -> str:
        return f"{contracts}!{column}{rows[key]}"

    s.skip()
    s.section(f"{contract.name} (billed ahead or prepaid)")

    rate, x = _rate(s, result, index, as_of, a)
    owed_v = max(float(full.fees_payable[0, 0]), 0.0) * rate
    owed = s.scalar(
        "Payable before as-of (settled first)" + in_code,
        f"=MAX({contracts}!${first}${rows['payable']},0){x}",
        owed_v,
        "money",
    )
    total_v = float(full.obligation[0, 0]) * rate
    total = s.scalar(
        "Remaining obligation before as-of" + in_code,
        f"={contracts}!${first}${rows['obligation']}{x}",
        total_v,
        "money",
    )
    # the payments by month from the as-of month, and what is left after the last month
    credits = full.sla_credits[0] if "credits" in rows else np.zeros(count)
    pay_v = np.zeros(count)
    pay_v[: count - 1] = full.fees_paid[0, 1:] + credits[:-1]
    left_v = float(full.fees_payable[0, -1] - full.prepaid_fees[0, -1])
    refund = contract.prepayment is not None and contract.prepayment.refundable
    pay_v[count - 1] = left_v if refund else max(left_v, 0.0)
    pay_v = pay_v * rate
    key = f"c{index}."
    with_credits = f"+{at('credits', P)}" if "credits" in rows else ""
    s.series(
        key + "pay",
        "Payments as billed (SLA credits left out)" + in_code,
        "",
        "money",
        f"=({at('paid')}{with_credits}){x}",
        pay_v,
    )
    pay = s.r(key + "pay")
    # the column after the Contracts sheet's last: what is left to pay, or to refund
    left = f"{contracts}!${last}${rows['payable']}-{contracts}!${last}${rows['prepaid']}"
    ws.write_formula(
        pay - 1,
        FIRST_COL + count,
        f'=IF({refundable}="yes",{left},MAX({left},0)){x}',
        s.formats.get(num_format=s.num_formats["money"]),
        pay_v[count - 1],
    )

    def positive_to_date(name: str, row: int, values: np.ndarray) -> int:
        span = f"${col_name(FIRST_COL + 1)}{row}:{C}{row}"
        s.series(
            key + name,
            "... the positive ones to date",
            "",
            "money",
            f"=SUMPRODUCT(({span}>0)*{span})",
            np.cumsum(np.maximum(values, 0.0)),
        )
        return s.r(key + name)

    paid_to_date = positive_to_date("paidcum", pay, pay_v)
    scheduled = np.asarray(line.monthly_scheduled, dtype=np.float64)[:count]
    noncancelable = np.asarray(line.monthly_noncancelable, dtype=np.float64)[:count]
    s.series(
        key + "scheduled",
        "Scheduled payment",
        "",
        "money",
        # (+0: MIN skips an empty cell, the one before the first month)
        f"={C}{pay}-(MIN({owed},{C}{paid_to_date})-MIN({owed},{P}{paid_to_date}+0))",
        scheduled,
    )
    sched = s.r(key + "scheduled")
    sched_to_date = positive_to_date("schedcum", sched, scheduled)
    this = s.row + 1  # the next row's number: a running value reads its own previous column
    # a payment of a cent or more: a rounding's residue is not a payment (and is 0 in a
    # spreadsheet's 15 digits)
    last_v = np.maximum.accumulate(np.where(np.abs(scheduled) >= 0.005, np.arange(count), 0))
    s.series(
        key + "lastpaid",
        "Last month with a payment so far",
        "months",
        "int",
        f"=IF(MAX({C}{sched},-{C}{sched})>=0.005,{C}{kr},{P}{this}+0)",
        last_v.astype(np.float64),
    )
    final = col_name(FIRST_COL + count)
    assigned_v = max(0.0, min(total_v, float(np.sum(np.maximum(scheduled, 0.0)))))
    rest = s.scalar(
        "Left beyond the payments (with the last)" + in_code,
        f"={total}-MAX(0,MIN({total},${final}${sched_to_date}))",
        total_v - assigned_v,
        "money",
    )
    return _settled_rows(
        s,
        key,
        f"=MIN({total},{C}{sched_to_date})-MIN({total},{P}{sched_to_date}+0)"
        f"+IF({C}{kr}=${final}${s.r(key + 'lastpaid')},{rest},0)",
        scheduled,
        noncancelable,
    )
