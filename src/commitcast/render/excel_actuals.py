"""The workbook of a re-forecast: the plan, its re-forecast and the actuals as input cells.

`write_workbook(path, [plan], actuals=...)` (render.excel) writes two scenarios side by side:
the plan, and the re-forecast, whose forecast months are the re-based scenario's
(variants.rebase; the plan's own path with keep_plan) and whose closed months are laid over
with the actuals, as engine.actuals does it. The Summary's Δ column is then the re-forecast
minus the plan.

- An "Actuals" sheet holds every figure of the actuals file as an input cell (blue on yellow,
  one row per column of the file, the closed months in the calculation sheets' columns); an
  empty cell is a figure not given that month.
- On the re-forecast's calculation sheet, a basis row above the months says `actual` or
  `forecast`, and the closed months are shaded (a conditional format on that row). In the
  closed months each figure the engine takes from the actuals is a formula: the actual where
  the cell is given, else the plan's figure (a reference to the plan's calculation sheet);
  company sums move by the per-item actuals' differences, served, overflow and unserved tokens
  follow from the month's demand by the usual rules, and every derived figure (inference
  capacity, utilization, inference fees, margin, net and cumulative cash, ...) stays the same
  formula as in any other month. The first forecast month pays an arrears contract's actual
  fee of the last closed month; the forecast months collect the closed months' revenue by the
  collection lag, as the cash-in formula always does.

The stored values are the re-forecast's own (engine.actuals.reforecast), so LibreOffice
recalculates every formula cell to them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from commitcast.core.calendar import day_number
from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.paths import format_path
from commitcast.engine.actuals import ACTUAL, ReforecastProjection, reforecast
from commitcast.engine.projection import Projection, projection
from commitcast.load.actuals import column_name
from commitcast.model.actuals import COMPANY_FIGURES, Actuals
from commitcast.model.scenario import Scenario
from commitcast.render.excel_calc import FIRST_COL, CalcSheet
from commitcast.render.excel_contracts import SHEET as CONTRACTS
from commitcast.render.excel_contracts import ContractCells
from commitcast.render.excel_inputs import Inputs
from commitcast.render.excel_style import Formats, col_name, serial, sheet_ref

SHEET = "Actuals"
PLAN_PREFIX = "Plan: "
REFORECAST_PREFIX = "Re-forecast: "
BASIS_ROW = 2  # 0-based: the row above the months on a calculation sheet
SHADE = "#E2EFDA"  # closed months


@dataclass
class Close:
    """What a workbook of the monthly close holds: the plan's and the re-forecast's
    projections (named "Plan: ..." and "Re-forecast: ..."), the actuals, and whether to add
    the Variance sheet."""

    plan: Projection
    reforecast: ReforecastProjection
    actuals: Actuals
    keep_plan: bool = False
    variance: bool = False
    # filled in by write_actuals: the input cell of each figure by closed month
    cells: dict[str, list[str]] = field(default_factory=dict)

    @property
    def projections(self) -> list[Projection]:
        return [self.plan, self.reforecast]

    @property
    def closed(self) -> int:
        return self.actuals.closed


def _named(scenario: Scenario, name: str) -> Scenario:
    named = scenario.model_copy(update={"name": name})
    named.provenance = scenario.provenance
    named.uncertainty = scenario.uncertainty
    return named


def unfollowed(scenario: Scenario) -> list[Problem]:
    """Terms the re-forecast's closed months do not follow yet on the calculation sheet, each
    at its line: a take-or-pay commit (what it buys in a closed month whose demand moved, and
    its rows there, are not the engine's yet) and a revenue stream in another currency (its
    actual revenue is not laid over its own rows). Refused rather than written with formulas
    that disagree with the figures they store."""
    found = [
        (("contracts", i, "kind"), f"a take-or-pay commit ({c.name!r})")
        for i, c in enumerate(scenario.contracts)
        if c.kind == "commit"
    ]
    found += [
        (("revenue", i, "currency"), f"a revenue stream in another currency ({st.name!r})")
        for i, st in enumerate(scenario.revenue)
        if scenario.currency_of(st) != scenario.currency
    ]
    source = scenario.provenance
    problems = []
    for path, what in found:
        mark = source.document.mark_for(path) if source.document is not None else None
        problems.append(
            Problem(
                f"the workbook of a re-forecast (--actuals) does not follow {what} in its "
                "closed months yet",
                file=source.file or "command line",
                line=mark.line if mark else None,
                column=mark.column if mark else None,
                field=format_path(path),
                hint="commitcast project --actuals shows the re-forecast; export the plan "
                "without --actuals for its workbook",
            )
        )
    return problems


def close_of(
    scenarios: list[Scenario], actuals: Actuals, keep_plan: bool = False, variance: bool = False
) -> Close:
    """The plan (the one scenario given) and its re-forecast on `actuals`, named for the
    workbook."""
    if len(scenarios) != 1:
        raise ValueError("a workbook with actuals holds one plan and its re-forecast")
    plan = scenarios[0]
    problems = unfollowed(plan)
    if problems:
        raise CommitcastError(problems)
    planned = projection(plan)
    result = reforecast(plan, actuals, keep_plan)
    planned = dataclasses.replace(planned, scenario=_named(plan, PLAN_PREFIX + plan.name))
    result = dataclasses.replace(
        result, scenario=_named(result.scenario, REFORECAST_PREFIX + plan.name)
    )
    return Close(planned, result, actuals, keep_plan, variance)


def figures_of(actuals: Actuals, scenario: Scenario) -> list[tuple[str, list[float | None]]]:
    """Every figure of the actuals file as (column, values by closed month): company figures
    in the registry's order, then each stream's tokens and revenue, then each contract's fees
    (in the plan's order)."""
    out: list[tuple[str, list[float | None]]] = []
    for name in COMPANY_FIGURES:
        if name in actuals.company:
            out.append((name, list(actuals.company[name])))
    for stream in scenario.revenue:
        for figure in ("tokens", "revenue"):
            values = actuals.streams.get(stream.name, {}).get(figure)
            if values is not None:
                out.append((column_name("revenue", stream.name, figure), list(values)))
    for contract in scenario.contracts:
        values = actuals.contracts.get(contract.name, {}).get("fees")
        if values is not None:
            out.append((column_name("contracts", contract.name, "fees"), list(values)))
    return out


def write_actuals(ws: Any, formats: Formats, close: Close, money: str) -> None:
    """The Actuals sheet: one row per column of the actuals file, the closed months across in
    the calculation sheets' columns, every figure an input cell. Fills `close.cells`."""
    actuals, k = close.actuals, close.closed
    scenario = close.plan.scenario
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 7)
    ws.set_column(FIRST_COL, FIRST_COL + k - 1, 12)
    ws.write_string(0, 0, "Actuals of the closed months", formats.title())
    ws.write_string(
        1,
        0,
        f"From {actuals.file or 'the actuals'}: input cells, as in the actuals file (an empty "
        "cell: not given that month, the plan's figure is used). The re-forecast's closed "
        "months and the Variance sheet follow any change.",
        formats.subtitle(),
    )
    header = formats.get(bold=True, num_format="mmm yyyy", align="right", bottom=1)
    ws.write_string(3, 0, "Month", formats.text(bold=True))
    for j, month in enumerate(actuals.months):
        ws.write_number(3, FIRST_COL + j, serial(day_number(month)), header)
    ws.freeze_panes(4, FIRST_COL)
    fmts = {
        "tokens": formats.input('#,##0.0,,,,"T"'),
        "money": formats.input(money),
    }
    row = 4
    for key, values in figures_of(actuals, scenario):
        unit = "tokens" if key.endswith("tokens") or key == "capacity_tokens" else "money"
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, "tokens" if unit == "tokens" else "", formats.text())
        refs = []
        for j in range(k):
            value = values[j] if j < len(values) else None
            if value is None:
                ws.write_blank(row, FIRST_COL + j, None, fmts[unit])
            else:
                ws.write_number(row, FIRST_COL + j, float(value), fmts[unit])
            refs.append(f"{sheet_ref(SHEET)}!${col_name(FIRST_COL + j)}${row + 1}")
        close.cells[key] = refs
        row += 1
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def lay_over(
    close: Close,
    plan: CalcSheet,
    rf: CalcSheet,
    inputs: Inputs,
    contracts: list[ContractCells],
    formats: Formats,
) -> None:
    """The re-forecast's closed months as formulas over the actuals (see the module), its basis
    row and the closed months' shading."""
    k, s = close.closed, rf.sheet
    ws = s.ws
    scenario = close.plan.scenario
    cells = close.cells
    months = s.count
    million = inputs["million"]
    # the basis row, and the closed months shaded by it
    basis = close.reforecast.basis
    ws.write_string(BASIS_ROW, 0, "Basis (closed months shaded: actual)", formats.text(bold=True))
    for j in range(months):
        ws.write_string(BASIS_ROW, FIRST_COL + j, basis[j], formats.get(align="right"))
    last_row = max(s.rows.values())
    first_letter = col_name(FIRST_COL)
    ws.conditional_format(
        BASIS_ROW,
        FIRST_COL,
        last_row - 1,
        FIRST_COL + months - 1,
        {
            "type": "formula",
            "criteria": f'={first_letter}${BASIS_ROW + 1}="{ACTUAL}"',
            "format": formats.get(bg_color=SHADE),
        },
    )

    plan_sheet = sheet_ref(plan.name)
    contracts_sheet = sheet_ref(CONTRACTS)
    streams = list(scenario.revenue)
    stream_tokens = {
        i: cells.get(column_name("revenue", st.name, "tokens")) for i, st in enumerate(streams)
    }
    stream_revenue = {
        i: cells.get(column_name("revenue", st.name, "revenue")) for i, st in enumerate(streams)
    }
    contract_fees = {
        i: cells.get(column_name("contracts", c.name, "fees"))
        for i, c in enumerate(scenario.contracts)
    }

    def write(key: str, j: int, formula: str) -> None:
        if key not in s.rows:
            return
        value = s.values[key][j]
        from commitcast.render.excel_style import cell_value

        kind = s.kinds[key]
        # the row's own look (its figures in bold where the calculation sheet has them so)
        fmt = formats.get(num_format=s.num_formats[kind], **({"bold": True} if key in BOLD else {}))
        ws.write_formula(s.r(key) - 1, FIRST_COL + j, formula, fmt, cell_value(value, kind))

    derived = {
        "ms",
        "t",
        "inference_capacity_tokens",
        "utilization",
        "inference_fees",
        "cost_per_million_tokens",
        "idle_capacity_cost",
        "gross_margin",
        "gross_margin_pct",
        "net_cash_flow",
        "cumulative_cash",
        "receivables",
        "below",
        "below_before",
        "payback",
        "highest_load",  # a row of values
    }
    policy = inputs["costs.overflow.policy"]
    for j in range(k):
        letter = col_name(FIRST_COL + j)

        def p(key: str, letter: str = letter) -> str:
            return f"{plan_sheet}!{letter}{plan.sheet.r(key)}"

        def r(key: str, letter: str = letter) -> str:
            return f"{letter}{s.r(key)}"

        def given(refs: list[str] | None, j: int = j) -> str | None:
            return None if refs is None else refs[j]

        def either(actual: str | None, otherwise: str) -> str:
            return otherwise if actual is None else f'IF({actual}="",{otherwise},{actual})'

        handled: set[str] = set()
        # each stream: its tokens, revenue (the plan's split, scaled to the actual) and price
        for i in range(len(streams)):
            key = f"s{i}."
            tokens, earned = given(stream_tokens[i]), given(stream_revenue[i])
            write(key + "tokens", j, "=" + either(tokens, p(key + "tokens")))
            planned = f"({p(key + 'usage')}*{p('served_share')}+{p(key + 'flat')})"
            for part in ("usage", "flat"):
                plain = p(key + part)
                formula = (
                    plain
                    if earned is None
                    else f'IF({earned}="",{plain},IF({planned}<>0,{plain}*({earned}/{planned}),'
                    f"{plain}))"
                )
                write(key + part, j, "=" + formula)
            price = f"{r(key + 'usage')}/{r(key + 'tokens')}*{million}"
            plain_price = p(key + "price")
            moved = plain_price
            if earned is not None:
                moved = f'IF({earned}<>"",IF({planned}<>0,{price},{plain_price}),{plain_price})'
            if tokens is not None:
                moved = f'IF({tokens}<>"",{price},{moved})'
            write(key + "price", j, f"=IF({r(key + 'tokens')}>0,{moved},{plain_price})")
            handled |= {key + x for x in ("tokens", "usage", "flat", "price")}

        def company(name: str) -> str | None:
            return given(cells.get(name))

        # committed fees: the plan's plus each contract's actual fees less its scheduled ones
        terms = [p("committed_fees")]
        for i, c in enumerate(contracts):
            fee = given(contract_fees[i])
            if fee is not None:
                scheduled = f"{contracts_sheet}!{col_name(FIRST_COL + j + 1)}{c.committed}"
                terms.append(f'IF({fee}="",0,{fee}-{scheduled})')
        write("committed_fees", j, "=" + either(company("committed_fees"), "+".join(terms)))
        # demand and revenue: the plan's plus each stream's differences
        terms = [p("demand_tokens")]
        for i in range(len(streams)):
            tokens = given(stream_tokens[i])
            if tokens is not None:
                terms.append(f'IF({tokens}="",0,{tokens}-{p(f"s{i}.tokens")})')
        write("demand_tokens", j, "=" + either(company("demand_tokens"), "+".join(terms)))
        terms = [p("revenue")]
        for i in range(len(streams)):
            earned = given(stream_revenue[i])
            if earned is not None:
                key = f"s{i}."
                planned = f"({p(key + 'usage')}*{p('served_share')}+{p(key + 'flat')})"
                terms.append(f'IF({earned}="",0,{earned}-{planned})')
        write("revenue", j, "=" + either(company("revenue"), "+".join(terms)))
        handled |= {"committed_fees", "demand_tokens", "revenue"}

        # served, overflow and unserved: the usual rules where the month's demand moved
        moves = [given(stream_tokens[i]) for i in range(len(streams))]
        moves += [company(n) for n in ("demand_tokens", *SPLIT)]
        moves = [m for m in moves if m is not None]
        if moves:
            changed = "+".join(f'IF({m}<>"",1,0)' for m in moves) + ">0"
            served, overflow, unserved = (company(n) for n in SPLIT)
            excess = f"({r('demand_tokens')}-{r('served_tokens')})"
            served_f = either(served, f"MIN({r('demand_tokens')},{p('usable_capacity_tokens')})")
            rule = f'{excess}*IF({policy}="on_demand",1,0)'
            if unserved is not None:
                rule = f'IF({unserved}<>"",{excess}-{unserved},{rule})'
            overflow_f = either(overflow, rule)
            unserved_f = either(unserved, f"{excess}-{r('overflow_tokens')}")
            for name, formula in zip(SPLIT, (served_f, overflow_f, unserved_f), strict=True):
                write(name, j, f"=IF({changed},{formula},{p(name)})")
        else:
            for name in SPLIT:
                write(name, j, f"={p(name)}")
        handled |= set(SPLIT)

        # capacity given: the capacity available after uptime moves with it
        capacity = company("capacity_tokens")
        if capacity is not None:
            write(
                "available_tokens",
                j,
                f'=IF({capacity}="",{p("available_tokens")},IF({p("capacity_tokens")}>0,'
                f"{p('available_tokens')}*{capacity}/{p('capacity_tokens')},{capacity}))",
            )
            handled.add("available_tokens")
        # every other figure: the actual where given, else the plan's
        for key in s.rows:
            if key in handled or key in derived:
                continue
            if key.startswith("s") and key.split(".")[-1] in ("since", "on"):
                continue
            if key.startswith("run") or key == "gpu_hours" or key == "gpu_fees":
                write(key, j, f"={p(key)}")
                continue
            write(key, j, "=" + either(company(key), p(key)))

    # the first forecast month's stream rows in closed form, from the Assumptions: a row that
    # compounds from the month before (a factor below 1, render.excel_style.compounded) must
    # not compound from a closed month, which holds the actual
    if 0 < k < months:
        letter = col_name(FIRST_COL + k)
        for i in range(len(streams)):
            key, q = f"s{i}.", f"revenue[{i}]"
            since, on = f"{letter}{s.r(key + 'since')}", f"{letter}{s.r(key + 'on')}"
            growth, change = inputs[f"{q}.growth"], inputs[f"{q}.price_change"]
            write(
                key + "tokens",
                k,
                f"=IF({on}>0,{inputs[f'{q}.tokens_per_month']}*(1+{growth})^{since},0)",
            )
            write(
                key + "price",
                k,
                f"={inputs[f'{q}.price_per_million_tokens']}*(1+{change})^{since}",
            )
            write(
                key + "flat",
                k,
                f"=IF({on}>0,{inputs[f'{q}.revenue_per_month']}*(1+{growth})^{since},0)",
            )
    # the first forecast month pays an arrears contract's actual fee of the last closed month
    if 0 < k < months:
        arrears = []
        for i, c in enumerate(contracts):
            fee = given_at(contract_fees[i], k - 1)
            if fee is None:
                continue
            timing = inputs[f"contracts[{i}].payment.timing"]
            scheduled = f"{contracts_sheet}!{col_name(FIRST_COL + k)}{c.committed}"
            arrears.append(f'IF({timing}="arrears",IF({fee}="",0,{fee}-{scheduled}),0)')
        if arrears:
            paid = [f"{contracts_sheet}!{col_name(FIRST_COL + k + 1)}{c.paid}" for c in contracts]
            write("fees_paid", k, "=" + "+".join(paid + arrears))


SPLIT = ("served_tokens", "overflow_tokens", "unserved_tokens")
# rows render.excel_calc writes in bold
BOLD = {"revenue", "utilization", "inference_cost", "gross_margin", "net_cash_flow"}


def given_at(refs: list[str] | None, j: int) -> str | None:
    return None if refs is None else refs[j]


def month_text(month: dt.date) -> str:
    return f"{month:%b %Y}"
