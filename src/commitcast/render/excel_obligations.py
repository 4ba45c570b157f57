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
service (advance) or the month after (arrears). Each formula cell stores the figure of
`analysis.obligations` (what the command prints); nothing is worked out here.
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
from commitcast.core.calendar import MonthGrid, day_number
from commitcast.core.errors import CommitcastError, Problem
from commitcast.engine.projection import Projection
from commitcast.render.excel_contracts import SHEET as CONTRACTS
from commitcast.render.excel_contracts import ContractCells, num_formats
from commitcast.render.excel_inputs import Inputs
from commitcast.render.excel_style import (
    SECTION_FILL,
    C,
    Formats,
    P,
    SeriesSheet,
    cell_value,
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
            foreign = [
                c.name
                for c in result.scenario.contracts
                if result.scenario.currency_of(c) != result.scenario.currency
            ]
            if foreign:
                # the sheet's formulas read the Contracts sheet's native rows: not converted yet
                raise CommitcastError(
                    [
                        Problem(
                            "the workbook's obligations by maturity do not convert a contract "
                            f"in another currency yet ({', '.join(map(repr, foreign))}); "
                            "commitcast obligations shows them"
                        )
                    ]
                )
        except CommitcastError as refused:
            # a term the maturity view does not follow yet: said, not shown wrong
            header = formats.header()
            for col in range(0, FIRST_COL + len(BUCKETS) + 1):
                ws.write_blank(row, col, None, header)
            ws.write_string(row, 0, result.scenario.name, header)
            for problem in refused.problems:
                row += 1
                ws.write_string(row, 0, f"Not shown: {problem.message}.", formats.subtitle())
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
        rows = _contract(s, formats, result, a, index, line, c, as_of)
        out.append({"k": s.r("k"), **rows, "end": s.row})
    return out


def _contract(
    s: SeriesSheet,
    formats: Formats,
    result: Projection,
    a: Inputs,
    index: int,
    line: ContractObligations,
    cells: ContractCells,
    as_of: str,
) -> dict[str, int]:
    """One contract's rows; returns the 1-based rows of its scheduled, noncancelable and
    cancelable payments."""
    ws = s.ws
    contract = result.scenario.contracts[index]
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

    s.row += 1
    ws.write_string(s.row, 0, contract.name, formats.section())
    ws.write_blank(s.row, 1, None, formats.section())
    s.row += 1

    def scalar(label: str, formula: str, value: float, kind: str) -> str:
        fmt = formats.get(num_format=s.num_formats[kind], bold=True)
        ws.write_string(s.row, 0, label)
        ws.write_formula(s.row, 1, formula, fmt, cell_value(value, kind))
        ref = f"$B${s.row + 1}"
        s.row += 1
        return ref

    ends = scalar(
        "Notice on the as-of day: service would end before",
        f"={before('x')}",
        float(full.service_ends[0, 0]),
        "date",
    )
    early = scalar(
        "... which ends service before the contract's end (1 = yes)",
        f'=IF({allowed}="yes",IF({ends}<={end},1,0),0)',
        float(line.ends_early),
        "flag",
    )
    window = scalar(
        "... fees for service before that day",
        f"={before('fb')}-{before('through')}",
        line.window_fees,
        "money",
    )
    runs_out = scalar(
        "Cheaper to let it run out (1 = yes)",
        f'=IF({allowed}="yes",IF({before("runout")}<{window}+IF({early}=1,{tfee},0),1,0),0)',
        float(line.runs_out),
        "flag",
    )
    given = scalar(
        "Notice given before the as-of day (1 = yes)",
        f'=IF({allowed}="yes",IF({notice}="",0,IF({notice}<{as_of},1,0)),0)',
        float(line.notice_applied),
        "flag",
    )
    shift = 1 if line.timing == "arrears" else 0
    count = s.count
    scheduled = np.asarray(line.monthly_scheduled, dtype=np.float64)
    noncancelable = np.asarray(line.monthly_noncancelable, dtype=np.float64)
    by_service = np.append(noncancelable[shift:], np.zeros(shift))
    window_part = (
        f"IF({C}{ms}+{C}{dim}<={ends},{at('service')},"
        f"IF({C}{ms}<{ends},{before('fb')}-{at('through')}+{at('service')},0))"
    )
    fee_part = f"IF({early}=1,IF({C}{ms}<={ends}-1,IF({ends}-1<{C}{ms}+{C}{dim},{tfee},0),0),0)"
    key = f"c{index}."
    s.series(
        key + "service",
        "Noncancelable, by month of service",
        "",
        "money",
        f'=IF({allowed}<>"yes",{at("committed")},IF({given}=1,{at("committed")},'
        f"IF({runs_out}=1,{at('daily')}*{at('termdays')},{window_part}+{fee_part})))",
        by_service[:count],
    )
    service = s.r(key + "service")
    s.series(
        key + "scheduled",
        "Scheduled payment",
        "",
        "money",
        f'=IF({timing}="arrears",IF({P}{ms}>={as_of},{at("committed", P)},0),{at("committed")})',
        scheduled[:count],
    )
    s.series(
        key + "noncancelable",
        "Noncancelable payment",
        "",
        "money",
        f'=IF({timing}="arrears",IF({P}{ms}>={as_of},{P}{service},0),{C}{service})',
        noncancelable[:count],
        bold=True,
    )
    s.series(
        key + "cancelable",
        "Cancelable payment",
        "",
        "money",
        f"={C}{s.r(key + 'scheduled')}-{C}{s.r(key + 'noncancelable')}",
        scheduled[:count] - noncancelable[:count],
    )
    return {figure: s.r(key + figure) for figure in FIGURES}
