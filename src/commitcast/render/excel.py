"""Board-ready workbooks: a live model of one or more scenarios, not a dump of numbers.

    from commitcast.render.excel import write_workbook
    write_workbook("board.xlsx", [base, downside], command_line="commitcast export ...")

Sheets: Summary (one column per scenario, differences to the first), Assumptions (every input,
styled as an input), one calculation sheet per scenario (one formula per row, months across,
yearly totals at the right), Contracts (each contract month by month, to its end),
Obligations (what the contracts commit each scenario to pay, and when), Accounting (only when a
contract is accounted for as a lease: its schedule, maturity analysis and accounting P&L),
Charts and Audit.
Every formula cell stores the engine's value, so the workbook shows the CLI's figures before any
recalculation, and a spreadsheet that recalculates arrives at the same figures.
Text from a scenario is only ever written as text. With SOURCE_DATE_EPOCH set, two exports of
the same inputs are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commitcast.core.errors import CommitcastError
from commitcast.engine.overflow import check_contracts
from commitcast.engine.projection import Projection, projection
from commitcast.model.actuals import Actuals
from commitcast.model.scenario import Scenario
from commitcast.render.excel_accounting import SHEET as ACCOUNTING
from commitcast.render.excel_accounting import has_leases, write_accounting
from commitcast.render.excel_calc import CalcSheet, write_calc
from commitcast.render.excel_contracts import SHEET as CONTRACTS
from commitcast.render.excel_contracts import ContractCells, write_contracts
from commitcast.render.excel_inputs import SHEET as ASSUMPTIONS
from commitcast.render.excel_inputs import Inputs, write_assumptions
from commitcast.render.excel_obligations import SHEET as OBLIGATIONS
from commitcast.render.excel_obligations import write_obligations
from commitcast.render.excel_print import wrapped_height
from commitcast.render.excel_style import (
    Formats,
    blank_undefined,
    cell_value,
    distinct_sheet_names,
    money_format,
    money_scale,
    utc_now,
)
from commitcast.render.files import atomic_path, scratch_folder
from commitcast.render.limits import early_date_problems, estimate_workbook, schedule_problems
from commitcast.variants.batch import Batch

if TYPE_CHECKING:
    from commitcast.render.excel_actuals import Close

SUMMARY = "Summary"
CHARTS = "Charts"
AUDIT = "Audit"
VARIANCE = "Variance"
ACTUALS = "Actuals"
RESERVED = {
    SUMMARY,
    VARIANCE,
    ASSUMPTIONS,
    ACTUALS,
    CONTRACTS,
    OBLIGATIONS,
    ACCOUNTING,
    CHARTS,
    AUDIT,
}

CONVENTIONS = (
    "Fees and capacity are prorated by days of service in each calendar month.",
    "Contract month k counts calendar months from the contract's start month (k = 0 there); "
    "the escalator multiplies the fee by (1 + rate)^INT(k / step); ramp steps follow one "
    "another from k = 0 and scale fee and capacity.",
    "Notice on day D with N days' notice makes D + N the first day without service, unless "
    "that reaches the contract's end; the termination fee belongs to the last month of service.",
    "advance: a month's fees are paid in that month; arrears: in the month after (so the first "
    "month pays for the month before the horizon).",
    "Revenue is collected collection_lag months after it is earned; cash outside the horizon is "
    "outside the projection.",
    "Remaining obligation at a month's end: what is owed if notice were given on the first day "
    "of the next month (or the earliest notice day if later), including fees after the horizon.",
    "NPV discounts month t = 1..N at the monthly rate (1 + annual)^(1/12) - 1, as the "
    "spreadsheet function NPV over the monthly net cash flow row.",
    "Capacity given in GPUs: GPUs x tokens per GPU-second x 86,400 x days of service x ramp; "
    "GPU-hours: GPUs x 24 x days of service x ramp.",
    "Available capacity = capacity x uptime; training (the steady share plus the training runs "
    "running that month, at most 100%) and inference split the available capacity.",
    "SLA credit rate: the largest credit among the tiers whose bound is strictly above the "
    "uptime, at most the cap, times the month's service fees. Credits reduce the fees booked as "
    "inference and training cost that month and the payment of the month after.",
    "Peak-hour queue wait (Allen-Cunneen / Sakasegawa): (ca^2 + cs^2) / 2 x rho^(sqrt(2(c + 1)) - "
    "1) / (c (1 - rho)) x request time, rho = utilization x peak-to-average, c = slots per pool; "
    "empty when rho >= 1 (saturated). With a wait target, the usable capacity is the inference "
    "capacity x min(1, rho* / peak-to-average), rho* found by the engine (bisection).",
    "Leases (Accounting sheet, a stated policy): payments discounted by 1 / (1 + r)^k, r = "
    "(1 + borrowing rate)^(1/12) - 1; closing liability = (opening - payment) x (1 + r); "
    "ASC 842 lease cost = total payments x days of the term in the month / days in the term; "
    "IFRS 16 expense = depreciation by day + interest; a term of 12 months or less is exempt.",
    "Money is never rounded; the formats round for display only.",
)


def write_workbook(
    path: str | os.PathLike[str],
    scenarios: Sequence[Scenario],
    *,
    command_line: str = "",
    projections: Sequence[Projection] | None = None,
    actuals: Actuals | None = None,
    keep_plan: bool = False,
    variance: bool = False,
) -> Path:
    """Write the workbook for `scenarios` to `path` atomically; returns the path.

    With `actuals` (one scenario, the plan): the plan and its re-forecast side by side, the
    actuals as input cells on an "Actuals" sheet, the re-forecast's closed months laid over
    with them (render.excel_actuals); with `variance` too, a "Variance" sheet of plan against
    actual (render.excel_variance)."""
    if not scenarios:
        raise ValueError("a workbook needs at least one scenario")
    close = None
    if actuals is not None:
        from commitcast.render.excel_actuals import close_of

        close = close_of(list(scenarios), actuals, keep_plan, variance)
        projections = close.projections
        scenarios = [result.scenario for result in projections]
    problems = early_date_problems(scenarios) + schedule_problems(scenarios)
    if problems:
        raise CommitcastError(problems)
    results = list(projections) if projections is not None else [projection(s) for s in scenarios]
    for result in results:
        # the Contracts and Obligations sheets run to each contract's end, past the horizon
        check_contracts(Batch(result.scenario), result.result)
    target = Path(path)
    in_memory = estimate_workbook(scenarios).bytes <= IN_MEMORY_LIMIT
    with atomic_path(target) as temp:
        if in_memory:
            _build(temp, results, command_line, None, close)
        else:
            with scratch_folder(temp) as scratch:
                _build(temp, results, command_line, scratch, close)
    return target


# Books of up to this much sheet XML (render.limits' estimate) are put together in memory;
# larger ones in a folder beside the target (render.files.scratch_folder), never in $TMPDIR.
IN_MEMORY_LIMIT = 64 << 20


def _build(
    path: Path,
    results: list[Projection],
    command_line: str,
    scratch: Path | None,
    close: Close | None = None,
) -> None:
    """The workbook, zipped in memory and written to `path` at once: a full disk fails in that
    one write (a clean refusal), never inside XlsxWriter's ZipFile, whose clean-up would fail
    again on the full disk. The sheets' XML is held in memory, or with `scratch` as files there."""
    import xlsxwriter

    now = utc_now()
    zipped = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        zipped,
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd",
            "in_memory": scratch is None,
            **({"tmpdir": str(scratch)} if scratch is not None else {}),
        },
    )
    # the created date is part of the file: fixed by SOURCE_DATE_EPOCH for identical exports
    workbook.set_properties(
        {
            "title": "commitcast workbook",
            "subject": ", ".join(r.scenario.name for r in results)[:250],
            "author": "commitcast",
            "created": now.replace(tzinfo=None),
            "comments": "Generated by commitcast; formulas are live.",
        }
    )
    workbook.set_calc_mode("auto")
    workbook.set_size(1600, 1000)
    formats = Formats(workbook)
    scenarios = [r.scenario for r in results]
    names = calc_sheet_names([s.label or s.name for s in scenarios])
    summary_ws = workbook.add_worksheet(SUMMARY)
    variance_ws = workbook.add_worksheet(VARIANCE) if close and close.variance else None
    charts_ws = workbook.add_worksheet(CHARTS)
    assumptions_ws = workbook.add_worksheet(ASSUMPTIONS)
    calc_ws = [workbook.add_worksheet(name) for name in names]
    actuals_ws = workbook.add_worksheet(ACTUALS) if close is not None else None
    contracts_ws = workbook.add_worksheet(CONTRACTS)
    obligations_ws = workbook.add_worksheet(OBLIGATIONS)
    accounting_ws = workbook.add_worksheet(ACCOUNTING) if has_leases(results) else None
    audit_ws = workbook.add_worksheet(AUDIT)

    summary_money = _summary_money(results)
    monthly_money = [money_format(r.scenario.currency, *_monthly_scale(r)) for r in results]
    inputs = write_assumptions(assumptions_ws, workbook, formats, scenarios)
    contract_cells = write_contracts(contracts_ws, formats, results, inputs, monthly_money)
    write_obligations(obligations_ws, formats, results, inputs, contract_cells, monthly_money)
    calcs = [
        write_calc(ws, name, formats, result, cells, contracts, money)
        for ws, name, result, cells, contracts, money in zip(
            calc_ws, names, results, inputs, contract_cells, monthly_money, strict=True
        )
    ]
    if close is not None and actuals_ws is not None:
        from commitcast.render.excel_actuals import lay_over, write_actuals

        write_actuals(actuals_ws, formats, close, monthly_money[0])
        lay_over(close, calcs[0], calcs[1], inputs[1], contract_cells[0], formats)
        if variance_ws is not None:
            from commitcast.render.excel_variance import write_variance

            write_variance(variance_ws, formats, close, calcs, inputs[0], contract_cells[0])
    if accounting_ws is not None:
        write_accounting(accounting_ws, formats, results, inputs, calcs, monthly_money)
    rows = _summary(summary_ws, formats, results, calcs, inputs, contract_cells, summary_money)
    _charts(workbook, charts_ws, formats, results, calcs, rows)
    _audit(audit_ws, formats, results, command_line, now)
    summary_ws.activate()
    blank_undefined(workbook)  # the one rule, for any figure a sheet passed on unchecked
    workbook.close()
    path.write_bytes(zipped.getvalue())


def calc_sheet_names(names: Sequence[str]) -> list[str]:
    """Sheet names from scenario names (render.excel_style.distinct_sheet_names): plain
    characters, at most 31 UTF-16 units, shortened at a word boundary, distinct from each other
    and from the workbook's own sheets ("History" is reserved by Excel)."""
    return distinct_sheet_names(names, [*RESERVED, "history"])


def _monthly_scale(result: Projection) -> tuple[int, str, int]:
    largest = max(abs(float(v)) for v in result.columns["committed_fees"].tolist() + [0.0])
    largest = max(largest, *(abs(float(v)) for v in result.columns["revenue"]))
    return money_scale(largest)


def _summary_money(results: list[Projection]) -> list[str]:
    largest = max(
        abs(value)
        for r in results
        for value in (r.summary["total_committed_fees"], r.summary["total_revenue"], 0.0)
    )
    divisors, suffix, decimals = money_scale(largest)
    return [money_format(r.scenario.currency, divisors, suffix, decimals) for r in results]


# label, key, kind, how the formula is built
SUMMARY_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("Commitment", "", "section", ""),
    ("Total committed fees", "total_committed_fees", "money", "sum:committed_fees"),
    ("Exit cost now", "exit_cost_now", "money", "exit"),
    ("Average utilization", "average_utilization", "ratio", "util"),
    ("Idle capacity cost", "total_idle_capacity_cost", "money", "sum:idle_capacity_cost"),
    # only when a scenario of the workbook has a take-or-pay commit (0 for those without)
    (
        "Idle commitment cost (commit shortfall)",
        "total_commit_shortfall",
        "money",
        "sum:commit_shortfall",
    ),
    ("Revenue and margin", "", "section", ""),
    ("Total revenue", "total_revenue", "money", "sum:revenue"),
    ("Total inference cost", "total_inference_cost", "money", "sum:inference_cost"),
    ("Gross margin", "gross_margin", "money", "sum:gross_margin"),
    ("Gross margin %", "gross_margin_pct", "ratio", "gm"),
    ("Total training cost", "total_training_cost", "money", "sum:training_cost"),
    ("On-demand overflow cost", "total_overflow_cost", "money", "sum:overflow_cost"),
    ("Cash and funding", "", "section", ""),
    ("Cash in", "total_cash_in", "money", "sum:cash_in"),
    ("Cash out", "total_cash_out", "money", "sum:cash_out"),
    ("Ending cumulative cash", "ending_cash", "money", "ending"),
    ("NPV of net cash flow", "npv", "money", "npv"),
    ("Peak funding need", "peak_funding_need", "money", "peak"),
    ("Peak funding month", "peak_funding_month", "month", "peak_month"),
    ("Payback month", "payback_month", "month", "payback"),
    ("Operations", "", "section", ""),
    ("SLA credits earned", "total_sla_credits", "money", "sum:sla_credits"),
    ("Peak training share", "peak_training_share", "ratio", "max:training_share"),
    ("Cost per GPU-hour", "cost_per_gpu_hour", "unit_money", "gpu_hour"),
    ("Premium over the market GPU-hour", "premium_over_market", "ratio", "premium"),
    (
        "Fees per million tokens served",
        "average_cost_per_million_tokens",
        "unit_money",
        "per_million",
    ),
    ("Months saturated at peak", "months_saturated_at_peak", "count", "saturated"),
    ("Longest peak-hour queue wait", "max_queue_wait_seconds", "seconds", "wait"),
)
# kinds whose figure may be undefined (an empty cell): their differences are empty there too
MAYBE_EMPTY = ("ratio", "unit_money", "count", "seconds")
CHART_FIGURES = ("total_revenue", "total_inference_cost", "gross_margin", "npv")


def _summary(
    ws: Any,
    formats: Formats,
    results: list[Projection],
    calcs: list[CalcSheet],
    inputs: list[Inputs],
    contract_cells: list[list[ContractCells]],
    money: list[str],
) -> dict[str, int]:
    """The Summary sheet; returns the 0-based row of each figure."""
    count = len(results)
    unit_money = [money_format(r.scenario.currency, 0, "", 2) for r in results]
    diff_cols = list(range(1 + count, 2 * count)) if count > 1 else []
    ws.set_column(0, 0, 34)
    ws.set_column(1, 2 * count, 21)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)  # the board's page: one sheet of paper
    ws.hide_gridlines(2)
    first_name = results[0].scenario.name
    ws.write_string(0, 0, "Compute commitment: board summary", formats.title())
    unit = {"T": "trillions", "B": "billions", "M": "millions", "K": "thousands"}[
        money[0].split('"')[3] if money[0].count('"') >= 4 else "M"
    ]
    width = 2 * count - 1
    ws.set_row(1, 45 if count > 1 else 30)  # three lines with the differences' note
    note_format = formats.get(italic=True, font_color="#595959", text_wrap=True, valign="top")
    # merge_range writes with the generic writer: merge empty, then write the text as text
    ws.merge_range(1, 0, 1, width, "", note_format)
    ws.write_string(
        1,
        0,
        f"Totals over each scenario's horizon; money in {unit}, negatives in parentheses"
        + (
            f"; Δ: each scenario minus {first_name}, ratios in percentage points (-7.5pt)"
            if count > 1
            else ""
        )
        + ". Every figure is a live formula over the calculation sheets.",
        note_format,
    )
    header = formats.header(align="center", text_wrap=True, valign="vcenter")
    ws.set_row(3, 48)
    ws.write_string(3, 0, "", header)
    for i, r in enumerate(results):
        ws.write_string(3, 1 + i, r.scenario.name, header)
    for n, col in enumerate(diff_cols, start=1):
        ws.write_string(3, col, f"Δ {results[n].scenario.name}", header)
    label = formats.get(indent=1)
    plain = formats.get(align="right", indent=1, font_color="#595959")
    ws.write_string(4, 0, "Horizon", label)
    ws.write_string(5, 0, "Discount rate (annual)", label)
    for i, r in enumerate(results):
        labels = r.labels
        ws.write_string(
            4,
            1 + i,
            f"{_month_text(labels[0])} – {_month_text(labels[-1])}",
            plain,
        )
        ws.write_formula(
            5,
            1 + i,
            f"={inputs[i]['discount_rate']}",
            formats.get(num_format="0.0%_)", align="right", font_color="#595959"),
            r.scenario.discount_rate,
        )
    ws.freeze_panes(4, 1)
    rows: dict[str, int] = {}
    row = 6
    commits = any(c.kind == "commit" for r in results for c in r.scenario.contracts)
    for text, key, kind, how in SUMMARY_ROWS:
        if key == "total_commit_shortfall" and not commits:
            continue
        if kind == "section":
            row += 1 if row > 6 else 0
            fmt = formats.section()
            for col in range(0, 1 + count + len(diff_cols)):
                ws.write_blank(row, col, None, fmt)
            ws.write_string(row, 0, text, fmt)
            row += 1
            continue
        strong = key in ("gross_margin", "npv", "total_committed_fees", "ending_cash")
        ws.write_string(row, 0, text, formats.get(indent=1, bold=strong))
        rows[key] = row
        for i, r in enumerate(results):
            formula = _summary_formula(how, calcs[i], inputs[i], contract_cells[i], 1 + i, rows)
            value = _summary_value(r, key)
            # per GPU-hour and per million tokens: in the currency's units, not in billions
            shown = unit_money[i] if kind == "unit_money" else money[i]
            fmt = _summary_format(formats, kind, shown, strong)
            ws.write_formula(
                row, 1 + i, formula, fmt, cell_value(value, "date" if kind == "month" else "")
            )
        for n, col in enumerate(diff_cols, start=1):
            base, other = _col(1), _col(1 + n)
            a, b = f"{base}{row + 1}", f"{other}{row + 1}"
            if kind == "month":
                ws.write_blank(row, col, None)
                continue
            va, vb = _summary_value(results[0], key), _summary_value(results[n], key)
            if kind in MAYBE_EMPTY:
                # a ratio's difference in percentage points, as the terminal writes it
                points = "*100" if kind == "ratio" else ""
                formula = f'=IF({a}="","",IF({b}="","",({b}-{a}){points}))'
                value = "" if va is None or vb is None else (vb - va) * (100 if points else 1)
                fmt = formats.get(num_format=DIFF_FORMATS.get(kind, ""), italic=True)
                if kind == "unit_money":
                    fmt = _summary_format(formats, kind, unit_money[0], strong, italic=True)
            else:
                formula = f"={b}-{a}"
                value = vb - va
                fmt = _summary_format(formats, kind, money[0], strong, italic=True)
            ws.write_formula(row, col, formula, fmt, value)
        row += 1
    note = row + 1
    notes = [
        "Exit cost now: what is owed if notice were given at the start of the horizon "
        "(termination fee included, capped at the fees left). Payback: first month cumulative "
        "cash is back at or above zero after its first dip. Empty: undefined (a cost per "
        "GPU-hour without GPUs, a premium without a market price, queue figures without "
        "serving inputs, a wait when every peak is saturated).",
        *(
            central_values_note(r.scenario, listed=False)
            for r in results
            if r.scenario.uncertainty.inputs
        ),
    ]
    # the notes' merged cells span the label column and the 21-wide columns beside it
    span = 34 + 21 * width
    for offset, text in enumerate(notes):
        ws.set_row(note + offset, wrapped_height(text, span) or 15)
        ws.merge_range(note + offset, 0, note + offset, width, "", note_format)
        ws.write_string(note + offset, 0, text, note_format)
    return rows


def central_values_note(scenario: Scenario, listed: bool = True) -> str:
    """What the Summary and the Audit say of a scenario with distributions: the workbook holds
    each uncertain input at its central value (what `project` uses), one path, not the spread;
    `listed`: each input with its distribution and central value (the Audit's)."""
    items = scenario.uncertainty.inputs
    said = (
        f"Central values: {scenario.name} gives {len(items)} input(s) as distributions; this "
        "workbook holds each at its central value (as commitcast project does), one path and "
        "not the spread: commitcast simulate gives the percentiles. "
    )
    if not listed:
        return said + "The Audit sheet lists them."
    return (
        said
        + "; ".join(
            f"{item.label}: {item.spec.describe()}, central {item.spec.central():g}"
            for item in (items[key] for key in scenario.uncertainty.keys())  # noqa: SIM118
        )
        + "."
    )


DIFF_FORMATS = {
    # as the terminal's compare writes them (core.display: format_points with its sign,
    # format_figure): +1.2pt, -7.5pt; 3, -3; 1.20 s, -1.20 s
    "ratio": '+0.0"pt";-0.0"pt";+0.0"pt"',
    "count": "#,##0;-#,##0;0",
    "seconds": '#,##0.00" s";-#,##0.00" s";0.00" s"',
}


def _summary_formula(
    how: str,
    calc: CalcSheet,
    inputs: Inputs,
    contracts: list[ContractCells],
    col: int,
    rows: dict[str, int],
) -> str:
    here = _col(col)
    if how == "sum:commit_shortfall" and "commit_shortfall" not in calc.sheet.rows:
        return "=0"  # no take-or-pay commit in this scenario: no shortfall row
    if how.startswith("sum:"):
        return f"=SUM({calc.ref(how[4:])})"
    if how.startswith("max:"):
        return f"=MAX({calc.ref(how[4:])})"
    if how == "gpu_hour":
        hours = calc.ref("gpu_hours")
        return f'=IF(SUM({hours})>0,SUM({calc.ref("gpu_fees")})/SUM({hours}),"")'
    if how == "premium":
        market = inputs["benchmarks.market_price_per_gpu_hour"]
        cost = f"{here}{rows['cost_per_gpu_hour'] + 1}"
        return f'=IF({market}="","",IF({cost}="","",{cost}/{market}-1))'
    if how == "per_million":
        srv = calc.ref("served_tokens")
        fees = calc.ref("inference_fees")
        return f'=IF(SUM({srv})>0,SUM({fees})/SUM({srv})*{inputs["million"]},"")'
    if how in ("saturated", "wait") and "peak_utilization" not in calc.sheet.rows:
        return '=""'  # no serving inputs: the queue is not modelled
    if how == "saturated":
        return f'=COUNTIF({calc.ref("peak_utilization")},">=1")'
    if how == "wait":
        wait = calc.ref("queue_wait_seconds")
        return f'=IF(COUNT({wait})>0,MAX({wait}),"")'

    if how == "exit":
        return "=" + ("+".join(c.exit_now for c in contracts) if contracts else "0")
    if how == "util":
        inf, srv = calc.ref("inference_capacity_tokens"), calc.ref("served_tokens")
        return f'=IF(SUM({inf})>0,SUM({srv})/SUM({inf}),"")'
    if how == "gm":
        rev, gm = f"{here}{rows['total_revenue'] + 1}", f"{here}{rows['gross_margin'] + 1}"
        return f'=IF({rev}<>0,{gm}/{rev},"")'
    if how == "ending":
        return f"={calc.last('cumulative_cash')}"
    if how == "npv":
        return f"=NPV((1+{inputs['discount_rate']})^(1/12)-1,{calc.ref('net_cash_flow')})"
    cum = calc.ref("cumulative_cash")
    if how == "peak":
        return f"=IF(MIN({cum})<0,-MIN({cum}),0)"
    if how == "peak_month":
        return f'=IF(MIN({cum})<0,INDEX({calc.ref("ms")},1,MATCH(MIN({cum}),{cum},0)),"")'
    if how == "payback":
        payback = calc.ref("payback")
        return f'=IF(SUM({payback})>0,INDEX({calc.ref("ms")},1,MATCH(1,{payback},0)),"")'
    raise ValueError(how)


def _summary_value(result: Projection, key: str) -> Any:
    value = result.summary[key]
    if isinstance(value, str):  # a month label YYYY-MM
        from commitcast.core.calendar import day_number

        return float(day_number(dt.date(int(value[:4]), int(value[5:7]), 1)))
    return value


def _summary_format(
    formats: Formats, kind: str, money: str, strong: bool, italic: bool = False
) -> Any:
    extra: dict[str, Any] = {"bold": True} if strong else {}
    if italic:
        extra["italic"] = True
    if kind == "ratio":  # core.display.format_percent: 37.7%, (7.5%)
        return formats.get(num_format="0.0%_);(0.0%)", **extra)
    if kind == "count":
        return formats.get(num_format="0_)", **extra)
    if kind == "seconds":
        return formats.get(num_format='0.00" s"_)', **extra)
    if kind == "month":
        return formats.get(num_format="mmm yyyy_)", align="right", **extra)
    return formats.get(num_format=money, **extra)


def _col(index: int) -> str:
    from commitcast.render.excel_style import col_name

    return col_name(index)


def _month_text(label: str) -> str:
    return dt.date(int(label[:4]), int(label[5:7]), 1).strftime("%b %Y")


def _charts(
    workbook: Any,
    ws: Any,
    formats: Formats,
    results: list[Projection],
    calcs: list[CalcSheet],
    rows: dict[str, int],
) -> None:
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_column(0, 0, 16)
    ws.set_column(1, len(results), 14)
    ws.write_string(0, 0, "Charts", formats.title())
    ws.write_string(
        1,
        0,
        "Native charts over the calculation sheets: they follow any change.",
        formats.subtitle(),
    )
    row = 3
    if len(results) > 1:
        row = _comparison(workbook, ws, formats, results, rows, row)
    for result, calc in zip(results, calcs, strict=True):
        ws.write_string(row, 0, result.scenario.name, formats.get(bold=True, font_size=12))
        row += 1
        series = functools.partial(_line, calc)
        money = calc.sheet.num_formats["money"]
        margin = workbook.add_chart({"type": "line"})
        margin.add_series(series("revenue", "#1F3864"))
        margin.add_series(series("inference_cost", "#C00000"))
        margin.add_series(series("gross_margin", "#70AD47"))
        _style(margin, "Revenue, inference cost and gross margin", money)
        utilization = workbook.add_chart({"type": "line"})
        # every month of the horizon: a notice date edited or cleared in the workbook moves the
        # end of service, so the exported one cannot bound the chart. A chart draws an empty
        # text (utilization without capacity) as zero, hence the title's note.
        utilization.add_series(series("utilization", "#2E75B6"))
        _style(
            utilization,
            "Utilization of inference capacity (0% where there is none)",
            "0%",
            legend=False,
        )
        utilization.set_y_axis(
            {
                "min": 0,
                "max": 1,
                "num_format": "0%",
                "major_gridlines": {"visible": True, "line": {"color": "#E7E6E6"}},
            }
        )
        cash = workbook.add_chart({"type": "area"})
        cash.add_series(
            {
                **series("cumulative_cash", "#2E75B6"),
                "fill": {"color": "#9DC3E6"},
                "line": {"color": "#2E75B6"},
            }
        )
        _style(cash, "Cumulative cash", money, legend=False)
        for n, chart in enumerate((margin, utilization, cash)):
            chart.set_size({"width": 560, "height": 320})
            ws.insert_chart(row, 0, chart, {"x_offset": n * 580, "y_offset": 4})
        row += 18


def _line(calc: CalcSheet, key: str, color: str, months: int | None = None) -> dict[str, Any]:
    """A chart series over one row of a calculation sheet (its first `months` months), months
    as categories."""
    s = calc.sheet
    first, last = s.first_col, s.first_col + (months or s.count) - 1
    ms, row = s.r("ms") - 1, s.r(key) - 1
    return {
        "name": [calc.name, row, 0],
        "categories": [calc.name, ms, first, ms, last],
        "values": [calc.name, row, first, row, last],
        "line": {"color": color, "width": 2.0},
    }


def _comparison(
    workbook: Any,
    ws: Any,
    formats: Formats,
    results: list[Projection],
    rows: dict[str, int],
    row: int,
) -> int:
    """A small table of the main figures (formulas over the Summary) and a side-by-side chart."""
    labels = {
        "total_revenue": "Revenue",
        "total_inference_cost": "Inference cost",
        "gross_margin": "Gross margin",
        "npv": "NPV",
    }
    ws.write_string(row, 0, "Scenarios side by side", formats.get(bold=True, font_size=12))
    top = row + 1
    ws.set_row(top, 30)
    for i, r in enumerate(results):
        ws.write_string(top, 1 + i, r.scenario.name, formats.header(text_wrap=True))
    for n, key in enumerate(CHART_FIGURES, start=1):
        ws.write_string(top + n, 0, labels[key])
        for i, r in enumerate(results):
            cell = f"{SUMMARY}!{_col(1 + i)}{rows[key] + 1}"
            money = formats.get(num_format='#,##0.0,,,"B";(#,##0.0,,,"B")')
            ws.write_formula(top + n, 1 + i, f"={cell}", money, float(r.summary[key] or 0.0))
    chart = workbook.add_chart({"type": "column"})
    palette = ["#1F3864", "#2E75B6", "#9DC3E6", "#C55A11", "#70AD47", "#7F7F7F"]
    for i in range(len(results)):
        chart.add_series(
            {
                "name": [CHARTS, top, 1 + i],
                "categories": [CHARTS, top + 1, 0, top + len(CHART_FIGURES), 0],
                "values": [CHARTS, top + 1, 1 + i, top + len(CHART_FIGURES), 1 + i],
                "fill": {"color": palette[i % len(palette)]},
            }
        )
    _style(chart, "Main figures by scenario", '#,##0,,,"B"')
    chart.set_x_axis({"num_font": {"rotation": 0}, "label_position": "low"})
    chart.set_size({"width": 720, "height": 340})
    ws.insert_chart(top, 2 + len(results), chart)
    return top + 19


def _style(chart: Any, title: str, num_format: str, legend: bool = True) -> None:
    chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
    chart.set_y_axis(
        {
            "num_format": num_format,
            "major_gridlines": {"visible": True, "line": {"color": "#E7E6E6"}},
        }
    )
    chart.set_x_axis(
        {
            "date_axis": True,
            "num_format": "mmm yy",
            "major_unit": 6,
            "major_unit_type": "months",
            "num_font": {"rotation": -45},
            "label_position": "low",
        }
    )
    chart.set_legend({"position": "bottom"} if legend else {"none": True})
    chart.set_chartarea({"border": {"none": True}})


def _audit(
    ws: Any, formats: Formats, results: list[Projection], command_line: str, now: dt.datetime
) -> None:
    from commitcast import __version__

    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 110)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, "Audit", formats.title())
    label = formats.get(bold=True, valign="top")
    wrap = formats.get(text_wrap=True, valign="top")
    row = 2

    def line(key: str, value: str) -> None:
        nonlocal row
        # a row as tall as its wrapped text (else the text runs over the rows below)
        height = wrapped_height(value, 110)
        if height:
            ws.set_row(row, height)
        ws.write_string(row, 0, key, label)
        ws.write_string(row, 1, value, wrap)
        row += 1

    line("Tool", f"commitcast {__version__}")
    line("Command line", command_line or "(library call)")
    line("Run at (UTC)", now.strftime("%Y-%m-%d %H:%M:%S UTC"))
    for number, result in enumerate(results, start=1):
        scenario = result.scenario
        source = scenario.provenance
        row += 1
        ws.write_string(row, 0, f"Scenario {number}", formats.section())
        ws.write_string(row, 1, scenario.name, formats.section())
        row += 1
        line("Input file", source.file or "(built in Python, no file)")
        line("SHA-256", source.sha256 or "")
        overrides = list(scenario.provenance.overrides)
        if overrides:
            for assignment in overrides:
                line("Override (--set)", assignment)
        else:
            line("Overrides (--set)", "none")
        if scenario.uncertainty.inputs:
            line("Distributions", central_values_note(scenario))
        else:
            line("Distributions", "none: every input is a single value")
    row += 1
    ws.write_string(row, 0, "Conventions", formats.section())
    ws.write_blank(row, 1, None, formats.section())
    row += 1
    for number, text in enumerate(CONVENTIONS, start=1):
        line(f"{number}.", text)
    row += 1
    line(
        "Formulas",
        "Only SUM, SUMPRODUCT, INDEX, MATCH, MIN, MAX, IF, COUNT, COUNTIF, EOMONTH, DATE, YEAR, "
        "MONTH, INT, MOD, POWER, SQRT and NPV, so Excel, LibreOffice and Google Sheets compute "
        "the same figures. One row is values, not formulas: with a wait target, the highest peak "
        "utilization within it (a bisection in the engine); export again after changing the "
        "inputs it depends on.",
    )
