"""The Variance sheet: plan against actual for each closed month, year to date and fiscal year
to date, as live formulas (what `commitcast variance` prints, analysis.variance).

One block per closed month, then year to date (and fiscal year to date when its months differ);
in each, a row per figure the actuals give or move (analysis.variance's figures, in its order):

- plan: a reference to the plan's calculation sheet (a stream's revenue: its usage revenue x
  the month's share of demand served + its flat revenue; a contract's fees: its Contracts row);
- actual: the Actuals sheet's input cell for a figure given (empty where the month leaves it
  blank), the re-forecast's closed month for a figure recomputed from the month's figures;
- variance = actual - plan; variance % = variance / |plan| (empty where the plan shows as 0);
- F or U by the figure's sense (core.measures; empty: on plan within half a cent, half a token
  or 1e-9, or a neutral figure).

Under the figures, each stream whose revenue is given: its variance split into volume = (actual
tokens billed - plan tokens billed) x plan price / 1e6, price = actual usage revenue - actual
tokens billed x plan price / 1e6, and flat = actual flat revenue - plan flat revenue (the flat
fee taken as planned for a stream with usage: 0), tokens billed = tokens demanded x the month's
share of demand served. Year to date sums the months' flows (a balance: the last month's; a
ratio: from the period's totals on the calculation sheets).
"""

from __future__ import annotations

from typing import Any

from commitcast.analysis.variance import (
    ON_PLAN,
    ON_PLAN_OTHER,
    Comparison,
    FigureVariance,
    RevenueSplit,
    Variance,
    variance,
)
from commitcast.core.display import near_zero_precision
from commitcast.core.measures import MONTHLY
from commitcast.render.excel_actuals import Close, month_text
from commitcast.render.excel_calc import FIRST_COL, CalcSheet
from commitcast.render.excel_contracts import SHEET as CONTRACTS
from commitcast.render.excel_contracts import ContractCells
from commitcast.render.excel_inputs import Inputs
from commitcast.render.excel_style import Formats, cell_value, col_name, money_format, sheet_ref

MEASURES = {m.name: m for m in MONTHLY}
PLAN, ACTUAL, DIFF, PCT, SENSE = 2, 3, 4, 5, 6  # columns C to G


def _letter(col: int) -> str:
    return col_name(col)


def write_variance(
    ws: Any,
    formats: Formats,
    close: Close,
    calcs: list[CalcSheet],
    inputs: Inputs,
    contracts: list[ContractCells],
) -> Variance:
    """The Variance sheet (see the module); returns the analysis whose figures it stores."""
    plan_scenario = close.plan.scenario
    report = variance(plan_scenario, close.actuals, "month")
    plan_calc, rf_calc = calcs
    # millions with one decimal: a month's variance of a few million reads, not $0.00B
    money = money_format(plan_scenario.currency, 2, "M", 1)
    number_formats = {
        "money": money,
        "tokens": '#,##0.0,,,,"T";(#,##0.0,,,,"T")',
        "ratio": "0.0%",
    }
    k = close.closed
    streams = {s.name: i for i, s in enumerate(plan_scenario.revenue)}
    contract_index = {c.name: i for i, c in enumerate(plan_scenario.contracts)}
    usage_priced = {s.name: s.price_per_million_tokens is not None for s in plan_scenario.revenue}
    million = inputs["million"]
    cells = close.cells

    ws.set_column(0, 0, 38)
    ws.set_column(1, 1, 11)
    ws.set_column(PLAN, DIFF, 15)
    ws.set_column(PCT, PCT, 10)
    ws.set_column(SENSE, SENSE, 5)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(2)
    ws.write_string(0, 0, "Variance: plan against actual", formats.title())
    ws.write_string(
        1,
        0,
        f"{plan_scenario.name.removeprefix('Plan: ')}, {k} closed months; money in millions. "
        "Plan: formulas over the plan's sheet; actual: the Actuals sheet's input cells (given) "
        "or the re-forecast's closed months (recomputed).",
        formats.subtitle(),
    )
    ws.write_string(
        2,
        0,
        "Variance = actual - plan; % of |plan|; F favourable, U unfavourable by the figure's "
        "sense (empty: on plan or neutral). Split: a stream's revenue variance = volume + price "
        "+ flat.",
        formats.subtitle(),
    )
    header = formats.header(align="center")
    section = formats.section()
    label_fmt = formats.get(indent=1)
    kind_fmt = formats.text(font_color="#7F7F7F")
    pct_fmt = formats.get(num_format='0.0%;(0.0%);"–"')
    sense_fmt = formats.get(align="center", bold=True)

    def p(key: str, j: int) -> str:
        return f"{sheet_ref(plan_calc.name)}!{col_name(FIRST_COL + j)}{plan_calc.sheet.r(key)}"

    def r(key: str, j: int) -> str:
        return f"{sheet_ref(rf_calc.name)}!{col_name(FIRST_COL + j)}{rf_calc.sheet.r(key)}"

    def plan_formula(line: FigureVariance, j: int) -> str:
        if line.item is None:
            return p(line.key, j)
        if line.key.startswith("contracts."):
            c = contracts[contract_index[line.item]]
            return f"{sheet_ref(CONTRACTS)}!{col_name(FIRST_COL + j + 1)}{c.committed}"
        key = f"s{streams[line.item]}."
        if line.key.endswith(".tokens"):
            return p(key + "tokens", j)
        return f"{p(key + 'usage', j)}*{p('served_share', j)}+{p(key + 'flat', j)}"

    def plan_value(line: FigureVariance, j: int) -> float:
        result = close.plan.result
        if line.item is None:
            return float(close.plan.columns[line.key][j])
        if line.key.startswith("contracts."):
            return float(result.contracts[contract_index[line.item]].fees[0][j])
        stream = result.streams[streams[line.item]]
        if line.key.endswith(".tokens"):
            return float(stream.tokens[0][j])
        share = float(close.plan.columns["served_share"][j])
        return float(stream.usage_revenue[0][j]) * share + float(stream.flat_revenue[0][j])

    def actual_formula(line: FigureVariance, j: int) -> str:
        if line.kind == "given":
            ref = cells[line.key][j]
            return f'IF({ref}="","",{ref})'
        return r(line.key, j)

    def tolerance(unit: str) -> float:
        return ON_PLAN.get(unit, ON_PLAN_OTHER)

    def assess_formula(row: int, line_sense: str, unit: str) -> str:
        e = f"{_letter(DIFF)}{row + 1}"
        tol = repr(tolerance(unit))
        if line_sense == "neutral":
            return '=""'
        good, bad = ('"F"', '"U"') if line_sense == "higher" else ('"U"', '"F"')
        return f'=IF({e}="","",IF({e}>{tol},{good},IF({e}<-{tol},{bad},"")))'

    def letter_of(comparison_variance: float | None, sense: str, unit: str) -> str:
        if comparison_variance is None or sense == "neutral":
            return ""
        if abs(comparison_variance) <= tolerance(unit):
            return ""
        better = comparison_variance > 0 if sense == "higher" else comparison_variance < 0
        return "F" if better else "U"

    def figure_row(
        row: int,
        line: FigureVariance,
        plan_f: str,
        actual_f: str,
        compared: Comparison | None,
        plan_v: float | None,
    ) -> None:
        fmt = formats.get(num_format=number_formats.get(line.unit, money))
        diff_fmt = formats.get(num_format=number_formats.get(line.unit, money), italic=True)
        ws.write_string(row, 0, line.label, label_fmt)
        ws.write_string(row, 1, line.kind, kind_fmt)
        c, d, e = (f"{_letter(col)}{row + 1}" for col in (PLAN, ACTUAL, DIFF))
        plan_stored = compared.plan if compared is not None else plan_v
        ws.write_formula(row, PLAN, "=" + plan_f, fmt, cell_value(plan_stored, line.unit))
        actual = compared.actual if compared is not None else None
        ws.write_formula(row, ACTUAL, "=" + actual_f, fmt, cell_value(actual, line.unit))
        diff = compared.variance if compared is not None else None
        ws.write_formula(
            row,
            DIFF,
            f'=IF({d}="","",IF({c}="","",{d}-{c}))',
            diff_fmt,
            cell_value(diff, line.unit),
        )
        pct = compared.variance_pct if compared is not None else None
        ws.write_formula(
            row,
            PCT,
            percent_formula(e, c, line.unit),
            pct_fmt,
            cell_value(pct, ""),
        )
        ws.write_formula(
            row,
            SENSE,
            assess_formula(row, line.sense, line.unit),
            sense_fmt,
            letter_of(diff, line.sense, line.unit),
        )

    def split_rows(
        row: int, name: str, parts: list[tuple[str, str, float | None]]
    ) -> tuple[int, dict[str, int]]:
        where = {}
        diff_fmt = formats.get(num_format=money, italic=True)
        for part, formula, value in parts:
            ws.write_string(
                row,
                0,
                f"{name}: {part} effect" if part != "flat" else f"{name}: flat",
                formats.get(indent=2, italic=True),
            )
            ws.write_string(row, 1, "split", kind_fmt)
            ws.write_formula(row, DIFF, formula, diff_fmt, cell_value(value, "money"))
            ws.write_formula(
                row,
                SENSE,
                assess_formula(row, "higher", "money"),
                sense_fmt,
                letter_of(value, "higher", "money"),
            )
            where[part] = row
            row += 1
        return row, where

    def block_header(row: int, title: str) -> int:
        for col in range(0, SENSE + 1):
            ws.write_blank(row, col, None, section)
        ws.write_string(row, 0, title, section)
        row += 1
        for col, text in (
            (0, "figure"),
            (1, "source"),
            (PLAN, "plan"),
            (ACTUAL, "actual"),
            (DIFF, "variance"),
            (PCT, "%"),
            (SENSE, "F/U"),
        ):
            ws.write_string(row, col, text, header)
        return row + 1

    row = 4
    # where each month's figures and split parts are: for the year-to-date sums
    month_rows: list[dict[str, int]] = []
    split_where: list[dict[str, dict[str, int]]] = []
    for j, month in enumerate(close.actuals.months):
        row = block_header(row, month_text(month))
        rows: dict[str, int] = {}
        for line in report.figures:
            figure_row(
                row,
                line,
                plan_formula(line, j),
                actual_formula(line, j),
                line.periods[j],
                plan_value(line, j),
            )
            rows[line.key] = row
            row += 1
        month_rows.append(rows)
        where_parts: dict[str, dict[str, int]] = {}
        for split in report.splits:
            name = split.name
            i = streams[name]
            key = f"s{i}."
            earned = cells[_revenue_key(report, name)][j]
            tokens_ref = cells.get(_tokens_key(report, name))
            tokens = p(key + "tokens", j)
            if tokens_ref is not None:
                tokens = f'IF({tokens_ref[j]}="",{tokens},{tokens_ref[j]})'
            share = (
                f"IF({r('demand_tokens', j)}>0,1-{r('unserved_tokens', j)}/"
                f"{r('demand_tokens', j)},1)"
            )
            billed = f"({tokens})*{share}"
            plan_billed = f"{p(key + 'tokens', j)}*{p('served_share', j)}"
            price = p(key + "price", j)
            part: RevenueSplit | None = split.periods[j]
            if usage_priced[name]:
                parts = [
                    (
                        "volume",
                        f'=IF({earned}="","",({billed}-{plan_billed})*{price}/{million})',
                        part.volume if part else None,
                    ),
                    (
                        "price",
                        f'=IF({earned}="","",({earned}-{p(key + "flat", j)})-{billed}*{price}'
                        f"/{million})",
                        part.price if part else None,
                    ),
                    ("flat", f'=IF({earned}="","",0)', part.flat if part else None),
                ]
            else:
                parts = [
                    ("volume", f'=IF({earned}="","",0)', part.volume if part else None),
                    ("price", f'=IF({earned}="","",0)', part.price if part else None),
                    (
                        "flat",
                        f'=IF({earned}="","",{earned}-{p(key + "flat", j)})',
                        part.flat if part else None,
                    ),
                ]
            row, where_parts[name] = split_rows(row, name, parts)
        split_where.append(where_parts)
        row += 1

    def to_date(row: int, title: str, months: int, attr: str) -> int:
        first = k - months
        row = block_header(row, title)
        for line in report.figures:
            compared: Comparison | None = getattr(line, attr)
            m = MEASURES.get(line.key)
            aggregation = m.aggregation if (m is not None and line.item is None) else "flow"
            cells_of = [month_rows[j][line.key] + 1 for j in range(first, k)]
            plan_cells = [f"{_letter(PLAN)}{x}" for x in cells_of]
            actual_cells = [f"{_letter(ACTUAL)}{x}" for x in cells_of]
            count = f"COUNT({','.join(actual_cells)})"
            if aggregation == "balance":
                # the last closed month (a balance recomputed every closed month)
                plan_f, actual_f = plan_cells[-1], actual_cells[-1]
            elif aggregation == "ratio" and m is not None and m.ratio_of is not None:
                top, bottom = m.ratio_of
                scale = f"*{million}" if m.scale != 1 else ""
                lo, hi = col_name(FIRST_COL + first), col_name(FIRST_COL + k - 1)

                def ratio(
                    calc: CalcSheet,
                    top: str = top,
                    bottom: str = bottom,
                    lo: str = lo,
                    hi: str = hi,
                    scale: str = scale,
                ) -> str:
                    sheet = sheet_ref(calc.name)
                    num = f"SUM({sheet}!{lo}{calc.sheet.r(top)}:{hi}{calc.sheet.r(top)})"
                    den = f"SUM({sheet}!{lo}{calc.sheet.r(bottom)}:{hi}{calc.sheet.r(bottom)})"
                    return f'IF({den}<>0,{num}/{den}{scale},"")'

                plan_f, actual_f = ratio(plan_calc), ratio(rf_calc)
            else:
                terms = "+".join(
                    f'IF({a}="",0,{pc})' for pc, a in zip(plan_cells, actual_cells, strict=True)
                )
                plan_f = f'IF({count}=0,"",{terms})'
                actual_f = f'IF({count}=0,"",SUM({",".join(actual_cells)}))'
            figure_row(row, line, plan_f, actual_f, compared, None)
            row += 1
        for split in report.splits:
            total: RevenueSplit | None = getattr(split, attr)
            parts = []
            for part in ("volume", "price", "flat"):
                refs = [
                    f"{_letter(DIFF)}{split_where[j][split.name][part] + 1}"
                    for j in range(first, k)
                ]
                joined = ",".join(refs)
                value = getattr(total, part) if total is not None else None
                parts.append((part, f'=IF(COUNT({joined})=0,"",SUM({joined}))', value))
            row, _ = split_rows(row, split.name, parts)
        return row + 1

    row = to_date(
        row,
        f"Year to date {report.ytd_label} ({report.ytd_months} months)",
        report.ytd_months,
        "ytd",
    )
    if plan_scenario.fiscal_year_start_month != 1:
        row = to_date(
            row,
            f"Fiscal year to date {report.fytd_label} ({report.fytd_months} months)",
            report.fytd_months,
            "fytd",
        )
    ws.freeze_panes(4, 1)
    return report


def _revenue_key(report: Variance, stream: str) -> str:
    return next(
        line.key
        for line in report.figures
        if line.item == stream and line.key.endswith(".revenue") and line.key.startswith("revenue.")
    )


def _tokens_key(report: Variance, stream: str) -> str:
    for line in report.figures:
        if line.item == stream and line.key.endswith(".tokens") and line.key.startswith("revenue."):
            return line.key
    return "\0none"


def percent_formula(variance: str, plan: str, unit: str) -> str:
    """variance / |plan|, empty where the plan shows as zero in `unit` (as
    analysis.variance's Comparison.variance_pct: core.display.shows_as_zero)."""
    scale, decimals = near_zero_precision(unit)
    shown = f"ROUND(ABS({plan}){'' if scale == 1 else f'*{scale:g}'},{decimals})"
    return f'=IF({variance}="","",IF({shown}<>0,{variance}/MAX({plan},-{plan}),""))'
