"""One calculation sheet per scenario: line items down the rows, months across.

Every row of the projection table is computed here by one formula repeated across the months,
referring only to the Assumptions sheet, the Contracts sheet and rows above; yearly totals sit
at the right. One row is values, and says so: with a wait target, the highest peak utilization
within it, which the engine finds by bisection (`engine.run.highest_load`) and no spreadsheet
formula can; the usable capacity is a formula over it.

The arithmetic is the engine's (see `engine.run`), in the same order, so a recalculation
reproduces the stored figures to the cent; the figures stored beside the formulas are the
engine's own (its columns and revenue streams), not worked out again here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from commitcast.core.calendar import day_number, fiscal_year, month_number
from commitcast.core.measures import MILLION
from commitcast.engine.projection import Projection
from commitcast.engine.run import highest_load
from commitcast.render.excel_contracts import SHEET as CONTRACTS
from commitcast.render.excel_contracts import ContractCells
from commitcast.render.excel_inputs import Inputs
from commitcast.render.excel_print import months_across
from commitcast.render.excel_style import (
    C,
    Formats,
    N,
    P,
    SeriesSheet,
    cell_value,
    col_name,
    money_format,
    money_in,
    serial,
    sheet_ref,
)

FIRST_COL = 2


@dataclass
class CalcSheet:
    """What the Summary and the charts need from a calculation sheet."""

    name: str
    sheet: SeriesSheet
    months: int
    year_cols: list[int] = field(default_factory=list)

    def ref(self, key: str, absolute: bool = True) -> str:
        return f"{sheet_ref(self.name)}!{self.sheet.span(key, absolute)}"

    def last(self, key: str) -> str:
        return f"{sheet_ref(self.name)}!{self.sheet.last(key)}"


def calc_formats(money: str, currency: str = "USD") -> dict[str, str]:
    return {
        "money": money,
        "unit_money": money_format(currency, 0, "", 2),  # per million tokens, unscaled
        "count": "#,##0.0",
        "seconds": '0.00" s"',
        "tokens": '#,##0.0,,,,"T"',
        "ratio": "0.0%",
        "price": "#,##0.00",
        "month": "mmm yyyy",
        "int": "0",
        "flag": "0",
        "factor": "0.0000",
    }


def quantity_format(largest: float) -> str:
    """A format for GPU-hours up to `largest`: millions, thousands or units."""
    if largest >= 1e6:
        return '#,##0.00,,"M"'
    if largest >= 1e4:
        return '#,##0.0,"K"'
    return "#,##0.0"


def write_calc(
    ws: Any,
    name: str,
    formats: Formats,
    result: Projection,
    a: Inputs,
    contracts: list[ContractCells],
    money: str,
) -> CalcSheet:
    scenario = result.scenario
    months = scenario.months
    cols = result.columns
    s = SeriesSheet(ws, formats, FIRST_COL, months, calc_formats(money, scenario.currency))
    calc = CalcSheet(name, s, months)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 7)
    ws.set_column(FIRST_COL, FIRST_COL + months - 1, 10)
    ws.write_string(0, 0, scenario.name, formats.title())
    ws.write_string(
        1,
        0,
        f"Monthly projection in {scenario.currency}; money in the unit shown, tokens in "
        "trillions. Formulas only: inputs are on the Assumptions sheet.",
        formats.subtitle(),
    )
    s.row = 3
    start = a["horizon.start"]
    grid_starts = result.result.grid.starts.astype(np.float64)
    s.series(
        "ms",
        "Month",
        "",
        "month",
        f"=EOMONTH({{p}}{s.row + 1},0)+1",
        grid_starts[:-1],
        anchor=(f"=EOMONTH({start},-1)", serial(grid_starts[0] - 1)),
        bold=True,
    )
    ms = s.r("ms")
    ws.freeze_panes(ms, FIRST_COL)
    t = np.arange(months, dtype=np.float64)
    s.series(
        "t",
        "Month number t",
        "t",
        "int",
        f"=(YEAR({C}{ms})-YEAR({start}))*12+MONTH({C}{ms})-MONTH({start})",
        t,
    )
    tr = s.r("t")
    million = a["million"]
    # the rate of each currency a stream or a commit is in (contracts: the Contracts sheet)
    fx_rows: dict[str, int] = {}
    used = [scenario.currency_of(x) for x in scenario.revenue] + [
        scenario.currency_of(c) for c in scenario.contracts if c.kind == "commit"
    ]
    for code in dict.fromkeys(used):
        if code == scenario.currency:
            continue
        rate, change = scenario.fx[code].rate, scenario.fx[code].change
        ra, ch = a[f"fx.{code}.rate"], a[f"fx.{code}.change"]
        s.series(
            f"fx.{code}",
            f"Exchange rate ({scenario.currency} per {code})",
            "",
            "factor",
            f"={ra}*(1+{ch})^{C}{tr}",
            rate * np.power(1.0 + change, t),
            anchor=(f"={ra}*(1+{ch})^-1", rate / (1.0 + change)),
        )
        fx_rows[code] = s.r(f"fx.{code}")

    s.section("Demand and revenue by stream")
    streams = result.result.streams  # a batch of one: row 0 of each
    first_month = int(result.result.grid.months[0])
    ms_ref = f"{C}${ms}"
    token_rows, usage_rows, flat_rows = [], [], []
    for j, (stream, values) in enumerate(zip(scenario.revenue, streams, strict=True)):
        p = f"revenue[{j}]"
        growth = a[f"{p}.growth"]
        key = f"s{j}."
        code = scenario.currency_of(stream)
        fx_mul = f"*{C}{fx_rows[code]}" if code in fx_rows else ""
        in_code = f" ({code})" if code in fx_rows else ""
        # the stream's own months (engine.run._stream_time): t counted from its start (empty:
        # the horizon's start), running from its start to its end (empty: no end)
        start_cell, end_cell = a[f"{p}.start"], a[f"{p}.end"]
        offset = 0 if stream.start is None else month_number(stream.start) - first_month
        since = t - offset
        last = np.inf if stream.end is None else month_number(stream.end) - first_month
        on = ((since >= 0) & (t <= last)).astype(np.float64)
        s.series(
            key + "since",
            f"{stream.name}: months since the stream's start",
            "#",
            "int",
            f'=IF({start_cell}="",{C}{tr},'
            f"(YEAR({ms_ref})-YEAR({start_cell}))*12+MONTH({ms_ref})-MONTH({start_cell}))",
            since,
        )
        since_ref = f"{C}{s.r(key + 'since')}"
        s.series(
            key + "on",
            f"{stream.name}: running (1 = yes)",
            "flag",
            "flag",
            f'=IF({since_ref}<0,0,IF({end_cell}="",1,IF((YEAR({ms_ref})-YEAR({end_cell}))*12'
            f"+MONTH({ms_ref})-MONTH({end_cell})>0,0,1)))",
            on,
        )
        on_ref = f"{C}{s.r(key + 'on')}"
        s.series(
            key + "tokens",
            f"{stream.name}: tokens demanded",
            "tokens",
            "tokens",
            f"=IF({on_ref}>0,{a[f'{p}.tokens_per_month']}*(1+{growth})^{since_ref},0)",
            values.tokens[0],
        )
        s.series(
            key + "price",
            f"{stream.name}: price per million tokens{in_code}",
            "price",
            "price",
            f"={a[f'{p}.price_per_million_tokens']}*(1+{a[f'{p}.price_change']})^{since_ref}",
            values.price[0],
        )
        s.series(
            key + "usage",
            f"{stream.name}: usage revenue if fully served{in_code}",
            "",
            money_in(s.num_formats, scenario.currency, code),
            f"={C}{s.r(key + 'tokens')}*{C}{s.r(key + 'price')}/{million}",
            values.usage_revenue[0],
        )
        s.series(
            key + "flat",
            f"{stream.name}: flat revenue{in_code}",
            "",
            money_in(s.num_formats, scenario.currency, code),
            f"=IF({on_ref}>0,{a[f'{p}.revenue_per_month']}*(1+{growth})^{since_ref},0)",
            values.flat_revenue[0],
        )
        token_rows.append(s.r(key + "tokens"))
        usage_rows.append(f"{s.r(key + 'usage')}{fx_mul}")
        flat_rows.append(f"{s.r(key + 'flat')}{fx_mul}")

    def total(rows: list[Any]) -> str:
        return "=" + ("+".join(f"{C}{r}" for r in rows) if rows else f"0*{C}{tr}")

    def contract_sum(attribute: str) -> str:
        """The sum of a row over the contracts that have it (none: 0)."""
        rows = [getattr(c, attribute) for c in contracts]
        refs = [f"{sheet_ref(CONTRACTS)}!{N}{row}" for row in rows if row is not None]
        return "=" + ("+".join(refs) if refs else f"0*{C}{tr}")

    share = a["costs.training_share"]
    policy = a["costs.overflow.policy"]
    serving = scenario.serving
    s.section("Capacity and usage")
    s.series(
        "committed_fees",
        "Committed fees",
        "",
        "money",
        contract_sum("committed"),
        cols["committed_fees"],
    )
    s.series(
        "sla_credits",
        "SLA credits earned",
        "",
        "money",
        contract_sum("credits"),
        cols["sla_credits"],
    )
    credits = s.r("sla_credits")
    s.series(
        "fees_paid",
        "Fees paid (less the month before's SLA credits)",
        "",
        "money",
        contract_sum("paid"),
        cols["fees_paid"],
    )
    s.series(
        "capacity_tokens",
        "Capacity",
        "tokens",
        "tokens",
        contract_sum("capacity"),
        cols["capacity_tokens"],
    )
    s.series(
        "available_tokens",
        "Available capacity (after uptime)",
        "tokens",
        "tokens",
        contract_sum("available"),
        cols["available_tokens"],
    )
    available = s.r("available_tokens")

    def per_contract(term: Any) -> str:
        terms = [term(i, c) for i, c in enumerate(contracts)]
        return "=" + ("+".join(terms) if terms else f"0*{C}{tr}")

    def at(row: int | None) -> str:
        return f"*{sheet_ref(CONTRACTS)}!{N}{row}" if row is not None else ""

    def gpu_days(i: int, c: ContractCells) -> str:
        return f"{a[f'contracts[{i}].capacity.gpus']}{at(c.days)}{at(c.ramp)}"

    s.num_formats["hours"] = quantity_format(float(np.max(cols["gpu_hours"], initial=0.0)))
    s.series(
        "gpu_hours",
        "GPU-hours",
        "hours",
        "hours",
        per_contract(lambda i, c: f"{gpu_days(i, c)}*{a['hours_a_day']}"),
        cols["gpu_hours"],
    )

    def gpu_fees(i: int, c: ContractCells) -> str:
        fees = f"{sheet_ref(CONTRACTS)}!{N}{c.committed}"
        if c.credits is not None:
            fees += f"-{sheet_ref(CONTRACTS)}!{N}{c.credits}"
        return f"IF({a[f'contracts[{i}].capacity.gpus']}>0,{fees},0)"

    s.series(
        "gpu_fees",
        "Fees of GPU contracts, less SLA credits",
        "",
        "money",
        per_contract(gpu_fees),
        cols["gpu_fees"],
    )
    runs = []
    for j, run in enumerate(scenario.training_runs):
        p = f"training_runs[{j}]"
        first = a[f"{p}.start"]
        since = result.result.grid.months.astype(np.float64) - month_number(run.start)
        every = run.repeat_every_months or 0
        into = np.mod(since, every) if every > 0 else since
        active = ((since >= 0) & (into < run.months)).astype(np.float64)
        s.series(
            f"run{j}.since",
            f"{run.name}: months since its first start",
            "#",
            "int",
            f"=(YEAR({ms_ref})-YEAR({first}))*12+MONTH({ms_ref})-MONTH({first})",
            since,
        )
        since_ref = f"{C}{s.r(f'run{j}.since')}"
        every_ref = a[f"{p}.repeat_every_months"]
        s.series(
            f"run{j}.active",
            f"{run.name}: running (1 = yes)",
            "flag",
            "flag",
            f"=IF({since_ref}<0,0,IF(IF({every_ref}>0,MOD({since_ref},{every_ref}),{since_ref})"
            f"<{a[f'{p}.months']},1,0))",
            active,
        )
        runs.append(f"{C}{s.r(f'run{j}.active')}*{a[f'{p}.share']}")
    s.series(
        "training_share",
        "Training share",
        "%",
        "ratio",
        f"=MIN(1,{'+'.join([share, *runs])})" if runs else f"={share}",
        cols["training_share"],
    )
    share_t = f"{C}{s.r('training_share')}"
    s.series(
        "training_tokens",
        "Training capacity",
        "tokens",
        "tokens",
        f"={C}{available}*{share_t}",
        cols["training_tokens"],
    )
    s.series(
        "inference_capacity_tokens",
        "Inference capacity",
        "tokens",
        "tokens",
        f"={C}{available}-{C}{s.r('training_tokens')}",
        cols["inference_capacity_tokens"],
    )
    inf = s.r("inference_capacity_tokens")
    usable_formula = f"={C}{inf}"
    if serving is not None:
        s.series(
            "available_gpus",
            "GPUs available (average over the month)",
            "GPUs",
            "count",
            per_contract(
                lambda i, c: (
                    f"{gpu_days(i, c)}/{sheet_ref(CONTRACTS)}!{N}{c.dim}"
                    f"*{a[f'contracts[{i}].uptime']}"
                )
            ),
            cols["available_gpus"],
        )
        s.series(
            "serving_slots",
            "Serving slots per pool at inference",
            "slots",
            "count",
            f"={C}{s.r('available_gpus')}*(1-{share_t})*{a['serving.slots_per_gpu']}"
            f"/{a['serving.pools']}",
            cols["serving_slots"],
        )
        target = serving.wait_target_seconds
        if target is not None:
            # rho*: a bisection in the engine (engine.run.highest_load), not a formula
            slots = np.asarray(cols["serving_slots"], dtype=np.float64)
            load = highest_load(
                slots,
                np.full_like(slots, target / serving.request_seconds),
                np.full_like(slots, serving.arrival_cv),
                np.full_like(slots, serving.service_cv),
            )
            s.numbers(
                "highest_load",
                "Highest peak utilization within the wait target",
                "%",
                "ratio",
                load,
            )
            s.note(
                "The row above holds the engine's values, not formulas: the highest peak "
                "utilization whose queue wait is within the target is found by bisection. "
                "Export again after changing the serving inputs, GPUs, uptime or training."
            )
            usable_formula = (
                f"={C}{inf}*MIN({C}{s.r('highest_load')}/{a['serving.peak_to_average']},1)"
            )
    s.series(
        "usable_capacity_tokens",
        "Usable inference capacity",
        "tokens",
        "tokens",
        usable_formula,
        cols["usable_capacity_tokens"],
    )
    usable = s.r("usable_capacity_tokens")
    s.series(
        "demand_tokens", "Demand", "tokens", "tokens", total(token_rows), cols["demand_tokens"]
    )
    dem = s.r("demand_tokens")
    s.series(
        "served_tokens",
        "Served on committed capacity",
        "tokens",
        "tokens",
        f"=MIN({C}{dem},{C}{usable})",
        cols["served_tokens"],
    )
    srv = s.r("served_tokens")
    bought = _commits(s, a, result, contracts, fx_rows, dem, srv)
    left = f"{C}{dem}-{C}{srv}" + (f"-{C}{s.r('commit_tokens')}" if bought else "")
    # what met the demand where some is left unserved (no overflow there): served, and bought
    met = f"({C}{srv}+{C}{s.r('commit_tokens')})" if bought else f"{C}{srv}"
    s.series(
        "overflow_tokens",
        "Overflow bought on demand",
        "tokens",
        "tokens",
        f'=IF({policy}="on_demand",{left},0)',
        cols["overflow_tokens"],
    )
    s.series(
        "unserved_tokens",
        "Demand left unserved",
        "tokens",
        "tokens",
        f'=IF({policy}="on_demand",0,{left})',
        cols["unserved_tokens"],
    )
    s.series(
        "utilization",
        "Utilization of inference capacity",
        "%",
        "ratio",
        f'=IF({C}{inf}>0,{C}{srv}/{C}{inf},"")',
        cols["utilization"],
        bold=True,
    )
    if serving is not None:
        util = s.r("utilization")
        s.series(
            "peak_utilization",
            "Peak-hour utilization",
            "%",
            "ratio",
            f'=IF({C}{util}="","",{C}{util}*{a["serving.peak_to_average"]})',
            cols["peak_utilization"],
        )
        peak, slots_ref = f"{C}{s.r('peak_utilization')}", f"{C}{s.r('serving_slots')}"
        ca, cs = a["serving.arrival_cv"], a["serving.service_cv"]
        # Allen-Cunneen / Sakasegawa: (ca^2 + cs^2) / 2 x rho^(sqrt(2(c + 1)) - 1)
        # / (c (1 - rho)) x request time; empty when the peak is saturated or c < 1
        s.series(
            "queue_wait_seconds",
            "Peak-hour queue wait (empty: saturated)",
            "s",
            "seconds",
            f'=IF({peak}="","",IF({peak}<1,IF({slots_ref}>=1,({ca}*{ca}+{cs}*{cs})/2'
            f"*POWER({peak},SQRT(2*({slots_ref}+1))-1)/({slots_ref}*(1-{peak}))"
            f'*{a["serving.request_seconds"]},""),""))',
            cols["queue_wait_seconds"],
        )

    s.section("Revenue and margin")
    s.series(
        "usage",
        "Usage revenue if fully served",
        "",
        "money",
        total(usage_rows),
        cols["usage_revenue"],
    )
    s.series("flat", "Flat revenue", "", "money", total(flat_rows), cols["flat_revenue"])
    s.series(
        "served_share",
        "Share of demand served",
        "%",
        "ratio",
        # as the engine: what met the demand over it, where some is left unserved
        f"=IF({C}{s.r('unserved_tokens')}>0,{met}/{C}{dem},1)",
        cols["served_share"],
    )
    s.series(
        "revenue",
        "Revenue",
        "",
        "money",
        f"={C}{s.r('usage')}*{C}{s.r('served_share')}+{C}{s.r('flat')}",
        cols["revenue"],
        bold=True,
    )
    rev = s.r("revenue")
    fees = s.r("committed_fees")
    s.series(
        "inference_fees",
        "Inference fees (net of SLA credits)",
        "",
        "money",
        f"=({C}{fees}-{C}{credits})*(1-{share_t})",
        cols["inference_fees"],
    )
    inf_fees = s.r("inference_fees")
    s.series(
        "cost_per_million_tokens",
        "Fees per million tokens served",
        "",
        "unit_money",
        f'=IF({C}{srv}>0,{C}{inf_fees}/{C}{srv}*{million},"")',
        cols["cost_per_million_tokens"],
    )
    s.series(
        "overflow_cost",
        "On-demand overflow cost",
        "",
        "money",
        f"={C}{s.r('overflow_tokens')}*{a['costs.overflow.cost_per_million_tokens']}/{million}",
        cols["overflow_cost"],
    )
    s.series(
        "serving_cost",
        "Serving cost",
        "",
        "money",
        f"=({C}{srv}+{C}{s.r('overflow_tokens')}"
        + (f"+{C}{s.r('commit_tokens')}" if bought else "")
        + f")*{a['costs.serving_cost_per_million_tokens']}/{million}",
        cols["serving_cost"],
    )
    s.series(
        "inference_cost",
        "Inference cost",
        "",
        "money",
        f"={C}{inf_fees}+{C}{s.r('overflow_cost')}+{C}{s.r('serving_cost')}"
        + (
            "".join(f"+{C}{s.r(k)}" for k in ("commit_spend", "commit_shortfall", "commit_fees"))
            if bought
            else ""
        ),
        cols["inference_cost"],
        bold=True,
    )
    s.series(
        "training_cost",
        "Training cost",
        "",
        "money",
        f"=({C}{fees}-{C}{credits})*{share_t}",
        cols["training_cost"],
    )
    s.series(
        "idle_capacity_cost",
        "Idle capacity cost",
        "",
        "money",
        f"={C}{inf_fees}*(1-IF({C}{inf}>0,{C}{srv}/{C}{inf},0))",
        cols["idle_capacity_cost"],
    )
    s.series(
        "gross_margin",
        "Gross margin",
        "",
        "money",
        f"={C}{rev}-{C}{s.r('inference_cost')}",
        cols["gross_margin"],
        bold=True,
    )
    s.series(
        "gross_margin_pct",
        "Gross margin %",
        "%",
        "ratio",
        f'=IF({C}{rev}<>0,{C}{s.r("gross_margin")}/{C}{rev},"")',
        cols["gross_margin_pct"],
    )

    lag = a["costs.collection_lag_months"]
    share_row = s.r("served_share")
    foreign = [
        (j, stream, scenario.currency_of(stream))
        for j, stream in enumerate(scenario.revenue)
        if scenario.currency_of(stream) in fx_rows
    ]
    moved, losses = [], []
    lag_n = scenario.costs.collection_lag_months
    for j, stream, code in foreign:
        key, values = f"s{j}.", streams[j]
        native = values.usage_revenue[0] * cols["served_share"] + values.flat_revenue[0]
        s.series(
            key + "native",
            f"{stream.name}: revenue ({code})",
            "",
            money_in(s.num_formats, scenario.currency, code),
            f"={C}{s.r(key + 'usage')}*{C}{share_row}+{C}{s.r(key + 'flat')}",
            native,
        )
        nat = s.r(key + "native")
        fx = fx_rows[code]
        # collected at the rate of the month it is collected in
        moved.append(
            f"+INDEX({s.span(key + 'native')},1,{C}{tr}-{lag}+1)*({C}{fx}"
            f"-INDEX({s.span(f'fx.{code}')},1,{C}{tr}-{lag}+1))"
        )
        owed = np.array([native[max(0, m - lag_n + 1) : m + 1].sum() for m in range(months)])
        if lag_n == 0:
            owed = np.zeros(months)
        s.series(
            key + "owed",
            f"{stream.name}: receivable ({code})",
            "",
            money_in(s.num_formats, scenario.currency, code),
            f"=SUMPRODUCT(({s.span('t')}>{C}{tr}-{lag})*({s.span('t')}<={C}{tr})"
            f"*{s.span(key + 'native')})",
            owed,
            anchor=("=0", 0.0),
        )
        ow = s.r(key + "owed")
        rate = s.values[f"fx.{code}"]
        loss = -np.concatenate([[0.0], owed[:-1] * np.diff(rate)])
        s.series(
            key + "loss",
            f"{stream.name}: fx loss on its receivable ({scenario.currency})",
            "",
            "money",
            f"=-{P}{ow}*({C}{fx}-{P}{fx})",
            loss,
        )
        losses.append(s.r(key + "loss"))
        del nat

    s.section("Cash")
    s.series(
        "cash_in",
        "Cash in (revenue collected)",
        "",
        "money",
        f"=IF({C}{tr}>={lag},INDEX({s.span('revenue')},1,{C}{tr}-{lag}+1){''.join(moved)},0)",
        cols["cash_in"],
    )
    s.series(
        "cash_out",
        "Cash out (fees paid, commits, overflow, serving)"
        if bought
        else "Cash out (fees paid, overflow, serving)",
        "",
        "money",
        f"={C}{s.r('fees_paid')}+{C}{s.r('overflow_cost')}+{C}{s.r('serving_cost')}"
        + (f"+{C}{s.r('commit_paid')}" if bought else ""),
        cols["cash_out"],
    )
    s.series(
        "net_cash_flow",
        "Net cash flow",
        "",
        "money",
        f"={C}{s.r('cash_in')}-{C}{s.r('cash_out')}",
        cols["net_cash_flow"],
        bold=True,
    )
    net = s.r("net_cash_flow")
    s.series(
        "cumulative_cash",
        "Cumulative cash",
        "",
        "money",
        f"=SUM({s.first('net_cash_flow')}:{C}{net})",
        cols["cumulative_cash"],
        bold=True,
    )
    cum = s.r("cumulative_cash")
    s.series(
        "receivables",
        "Receivables: revenue earned, not yet collected",
        "",
        "money",
        f"=SUM({s.first('revenue')}:{C}{rev})-SUM({s.first('cash_in')}:{C}{s.r('cash_in')})"
        + "".join(
            f"-SUM({s.first(f's{j}.loss')}:{C}{row})"
            for (j, _, _), row in zip(foreign, losses, strict=True)
        ),
        cols["receivables"],
    )
    payable = [
        f"{sheet_ref(CONTRACTS)}!{N}{c.payable}"
        if c.payable is not None
        else f'IF({a[f"contracts[{i}].payment.timing"]}="arrears",'
        f"{sheet_ref(CONTRACTS)}!{N}{c.committed},0)"
        for i, c in enumerate(contracts)
    ]
    if bought:
        payable.append(f"{C}{s.r('commit_payable')}")
    s.series(
        "fees_payable",
        "Fees payable: fees incurred, not yet paid",
        "",
        "money",
        "=" + ("+".join(payable) if payable else f"0*{C}{tr}"),
        cols["fees_payable"],
    )
    s.series(
        "sla_credits_receivable",
        "SLA credits earned, not yet deducted",
        "",
        "money",
        f"={C}{credits}",
        cols["sla_credits_receivable"],
    )
    s.series(
        "prepaid_fees",
        "Prepaid fees: paid ahead, not yet credited",
        "",
        "money",
        contract_sum("prepaid"),
        cols["prepaid_fees"],
    )
    loss_terms = [f"{sheet_ref(CONTRACTS)}!{N}{c.fx_loss}" for c in contracts if c.fx_loss]
    loss_terms += [f"{C}{row}" for row in bought.get("losses", [])]
    loss_terms += [f"{C}{row}" for row in losses]
    s.series(
        "fx_loss",
        "Loss from exchange rates on balances in other currencies",
        "",
        "money",
        "=" + ("+".join(loss_terms) if loss_terms else f"0*{C}{tr}"),
        cols["fx_loss"],
    )
    s.series(
        "remaining_obligation",
        "Remaining obligation at month end",
        "",
        "money",
        contract_sum("obligation") + "".join(f"+{C}{row}" for row in bought.get("obligations", [])),
        cols["remaining_obligation"],
    )

    s.section("Funding checks")
    cumulative = cols["cumulative_cash"]
    below = (cumulative < 0).astype(np.float64)
    before = np.cumsum(below) - below
    s.series(
        "below",
        "Cumulative cash below zero (1 = yes)",
        "flag",
        "flag",
        f"=IF({C}{cum}<0,1,0)",
        below,
    )
    s.series(
        "below_before",
        "Months below zero before this one",
        "#",
        "int",
        f"=SUM({s.first('below')}:{C}{s.r('below')})-{C}{s.r('below')}",
        before,
    )
    s.series(
        "payback",
        "Back at or above zero after a dip (1 = yes)",
        "flag",
        "flag",
        f"=IF({C}{s.r('below_before')}>0,IF({C}{cum}>=0,1,0),0)",
        ((before > 0) & (cumulative >= 0)).astype(np.float64),
    )
    _years(calc, formats, result, start, million, a["fiscal_year_start_month"])
    # printed: a (fiscal) year of months a page, then the year totals, the labels on each page
    fiscal_start = scenario.fiscal_year_start_month
    year_starts = [
        FIRST_COL + m for m, label in enumerate(result.labels) if int(label[5:7]) == fiscal_start
    ]
    spacer = FIRST_COL + months
    months_across(
        ws,
        label_widths=[44, 7],
        widths=[10] * months + [2] + [11] * len(calc.year_cols),
        page_starts=[*year_starts, spacer],
        header_rows=(ms - 1, ms - 1),
    )
    return calc


FLOWS = (
    "committed_fees",
    "sla_credits",
    "fees_paid",
    "capacity_tokens",
    "available_tokens",
    "gpu_hours",
    "gpu_fees",
    "training_tokens",
    "inference_capacity_tokens",
    "usable_capacity_tokens",
    "demand_tokens",
    "served_tokens",
    "overflow_tokens",
    "unserved_tokens",
    "usage",
    "flat",
    "revenue",
    "inference_fees",
    "overflow_cost",
    "serving_cost",
    "inference_cost",
    "training_cost",
    "idle_capacity_cost",
    "gross_margin",
    "cash_in",
    "cash_out",
    "net_cash_flow",
    "commit_tokens",
    "commit_spend",
    "commit_shortfall",
    "commit_fees",
    "commit_paid",
    "fx_loss",
)
BALANCES = (
    "cumulative_cash",
    "receivables",
    "fees_payable",
    "sla_credits_receivable",
    "prepaid_fees",
    "remaining_obligation",
)
# ratio rows: (numerator, denominator, scaled by the tokens-per-million cell)
RATIOS = {
    "training_share": ("training_tokens", "available_tokens", False),
    "utilization": ("served_tokens", "inference_capacity_tokens", False),
    "cost_per_million_tokens": ("inference_fees", "served_tokens", True),
    "gross_margin_pct": ("gross_margin", "revenue", False),
}


def _years(
    calc: CalcSheet,
    formats: Formats,
    result: Projection,
    start: str,
    million: str,
    fiscal_start: str,
) -> None:
    """Totals by year at the right of the months: calendar years (2026) when the fiscal year
    starts in January, else fiscal years (FY2027, named by the year they end in; the header
    cells hold the year's number, shown with "FY"), whose months are those whose calendar year
    plus 1 if the month is on or after the start month (`fiscal_start`, a cell) is that number.
    Flows are summed, balances taken at the year's last month, ratios from the totals."""
    s, ws = calc.sheet, calc.sheet.ws
    labels = result.labels
    start_month = result.scenario.fiscal_year_start_month
    calendar = start_month == 1
    year_of = np.array([fiscal_year(int(x[:4]), int(x[5:7]), start_month) for x in labels])
    years = sorted(set(year_of.tolist()))
    spacer = FIRST_COL + s.count
    first = spacer + 1
    ms_row = s.r("ms") - 1
    letters = [col_name(spacer + i) for i in range(len(years) + 1)]
    months_span = s.span("ms")
    if calendar:
        before = f"=YEAR({start})-1"
        title = "Year totals (balances at year end)"
        shown = "0"
    else:
        before = f"=YEAR({start})+IF(MONTH({start})>={fiscal_start},1,0)-1"
        title = f"Fiscal years from {calendar_month_name(start_month)} (balances at year end)"
        shown = '"FY"0'
    ws.set_column(spacer, spacer, 2)
    ws.set_column(first, first + len(years) - 1, 11)
    ws.write_formula(ms_row, spacer, before, formats.hidden(), years[0] - 1)
    header = formats.get(bold=True, num_format=shown, align="right", bottom=1)
    for i, year in enumerate(years):
        ws.write_formula(ms_row, first + i, f"={letters[i]}{ms_row + 1}+1", header, year)
    ws.write_string(ms_row - 1, first, title, formats.subtitle())
    for key, row in s.rows.items():
        kind = s.kinds[key]
        if key in FLOWS:
            mode = "flow"
        elif key in BALANCES:
            mode = "balance"
        elif key in RATIOS:
            mode = "ratio"
        else:
            continue
        fmt = formats.get(num_format=s.num_formats[kind], bold=key in ("revenue", "gross_margin"))
        span = s.span(key, absolute=False)
        for i, year in enumerate(years):
            y = f"{letters[i + 1]}${s.r('ms')}"
            mask = year_of == year
            # the year's last month: December, or the month before the fiscal year's start
            last = f"DATE({y},12,1)" if calendar else f"DATE({y},{fiscal_start}-1,1)"
            # the year's months by their dates, not YEAR() of the range (which only Excel and
            # LibreOffice read element-wise inside SUMPRODUCT; Gnumeric gives #VALUE!)
            if calendar:
                bounds = f"DATE({y},1,1)", f"DATE({y}+1,1,1)"
            else:
                bounds = f"DATE({y}-1,{fiscal_start},1)", f"DATE({y},{fiscal_start},1)"
            year_in = f"({months_span}>={bounds[0]})*({months_span}<{bounds[1]})"
            if mode == "flow":
                formula = f"=SUMPRODUCT({year_in}*{span})"
                value = s.values[key][mask].sum()
            elif mode == "balance":
                formula = f"=INDEX({span},1,MATCH({last},{months_span},1))"
                value = s.values[key][mask][-1]
            else:
                top, bottom, scaled = RATIOS[key]
                num = f"SUMPRODUCT({year_in}*{s.span(top)})"
                den = f"SUMPRODUCT({year_in}*{s.span(bottom)})"
                scale = f"*{million}" if scaled else ""
                formula = f'=IF({den}<>0,{num}/{den}{scale},"")'
                n = s.values[top][mask].sum()
                d = s.values[bottom][mask].sum()
                with np.errstate(over="ignore"):  # past 1e308: undefined, stored empty
                    value = n / d * (MILLION if scaled else 1.0) if d != 0 else np.nan
            ws.write_formula(row - 1, first + i, formula, fmt, cell_value(value, kind))
    calc.year_cols = list(range(first, first + len(years)))


def calendar_month_name(month: int) -> str:
    import calendar

    return calendar.month_name[month]


def _commits(
    s: SeriesSheet,
    a: Inputs,
    result: Projection,
    contracts: list[ContractCells],
    fx_rows: dict[str, int],
    dem: int,
    srv: int,
) -> dict[str, Any]:
    """Take-or-pay commits (engine.commits): demand above the reserved capacity bought on each
    commit in its order, its spend, period minimum and shortfall, fee, payments, payable and
    remaining obligation; then their totals (rows commit_tokens, ...). Empty without commits."""
    scenario = result.scenario
    schedules = result.result.commits
    indexes = [i for i, c in enumerate(scenario.contracts) if c.kind == "commit"]
    if not indexes:
        return {}
    s.section("Take-or-pay commits: demand above reserved capacity")
    ms, tr = s.r("ms"), s.r("t")
    m = f"{C}{ms}"
    dim = f"(EOMONTH({m},0)+1-{m})"
    hs = a["horizon.start"]
    months = scenario.months
    grid = result.result.grid
    starts = grid.starts.astype(np.float64)
    ms_v = starts[:-1]
    t = np.arange(months)
    zero = ("=0", 0.0)
    excess = np.asarray(result.columns["demand_tokens"]) - result.columns["served_tokens"]
    taken = f"{C}{dem}-{C}{srv}"
    totals: dict[str, list[str]] = {name: [] for name in ("tokens", "spend", "short", "fee")}
    totals |= {"paid": [], "payable": []}
    losses, obligations = [], []
    for i, schedule in zip(indexes, schedules, strict=True):
        contract = scenario.contracts[i]
        p, key = f"contracts[{i}]", f"k{i}."
        cells = contracts[i].scalars
        start, end = a[f"{p}.start"], a[f"{p}.end"]
        price, amount = a[f"{p}.price_per_million_tokens"], a[f"{p}.minimum.amount"]
        every, most = a[f"{p}.minimum.every_months"], a[f"{p}.max_tokens_per_month"]
        timing, fee = a[f"{p}.payment.timing"], a[f"{p}.termination.fee"]
        allowed, notice = a[f"{p}.termination.allowed"], a[f"{p}.termination.notice_given"]
        days_n, earliest = a[f"{p}.termination.notice_days"], a[f"{p}.termination.earliest_notice"]
        stop, given, terminated = cells["stop"], cells["given"], cells["terminated"]
        code = scenario.currency_of(contract)
        rate = schedule.fx_rate[0]
        name = contract.name
        native = f" ({code})" if code in fx_rows else ""
        fx = f"*{C}{fx_rows[code]}" if code in fx_rows else ""

        native_money = money_in(s.num_formats, scenario.currency, code)

        def row(
            k: str,
            label: str,
            kind: str,
            formula: str,
            values: Any,
            key=key,
            name=name,
            native=native,
            native_money=native_money,
            **kw: Any,
        ) -> int:
            if kind == "money" and native and label.endswith(native):
                kind = native_money  # its own currency's amounts, before conversion
            s.series(key + k, f"{name}: {label}", "", kind, formula, values, **kw)
            return s.r(key + k)

        stop_v = float(result.result.contracts[i].first_day_without_service[0])
        start_v = float(day_number(contract.start))
        days_v = np.clip(np.minimum(stop_v, starts[1:]) - np.maximum(start_v, ms_v), 0, None)
        days = row(
            "days",
            "days of service",
            "int",
            f"=MAX(MIN({stop},{m}+{dim})-MAX({start},{m}),0)",
            days_v,
        )
        tokens = row(
            "tokens",
            "tokens bought",
            "tokens",
            f'=IF({C}{days}>0,IF({most}="",{taken},MIN({taken},{most}*{C}{days}/{dim})),0)',
            schedule.tokens[0],
        )
        excess = excess - schedule.tokens[0]
        taken += f"-{C}{tokens}"
        spend_v = schedule.spend[0] / rate
        spend = row(
            "spend",
            f"usage spend{native}",
            "money",
            f"={C}{tokens}*{price}/{a['million']}",
            spend_v,
        )
        k_v = t + (grid.months[0] - month_number(contract.start))
        k = row("k", "contract month", "int", f"={_between(m, start)}", k_v.astype(float))
        every_v = float(contract.minimum.every_months if contract.minimum else 12)
        amount_v = float(contract.minimum.amount if contract.minimum else 0.0)
        new = np.mod(k_v, every_v) == 0
        to_date_v = np.zeros(months)
        count_v = np.zeros(months)
        for j in range(months):
            keep = j > 0 and not new[j]
            to_date_v[j] = (to_date_v[j - 1] if keep else 0.0) + spend_v[j]
            count_v[j] = (count_v[j - 1] if keep else 0.0) + float(days_v[j] > 0)
        to_date = row(
            "to_date",
            f"period's spend to date{native}",
            "money",
            f"=IF(MOD({C}{k},{every})=0,0,{P}{s.row + 1})+{C}{spend}",
            to_date_v,
            anchor=zero,
        )
        counted = row(
            "counted",
            "months of its period in service",
            "int",
            f"=IF(MOD({C}{k},{every})=0,0,{P}{s.row + 1})+IF({C}{days}>0,1,0)",
            count_v,
            anchor=zero,
        )
        last_k = _between(f"({stop}-1)", start)
        last_kv = float(result.result.contracts[i].last_service_day[0])
        from commitcast.core.calendar import date_from_day

        last_d = date_from_day(last_kv)
        last_kn = (last_d.year - contract.start.year) * 12 + last_d.month - contract.start.month
        period_end_v = np.minimum(np.floor(k_v / every_v) * every_v + every_v - 1, last_kn)
        bills_v = (days_v > 0) & (k_v == period_end_v)
        short_v = schedule.shortfall[0] / rate
        short = row(
            "short",
            f"shortfall{native}",
            "money",
            f"=IF(({C}{days}>0)*({C}{k}=MIN(INT({C}{k}/{every})*{every}+{every}-1,{last_k}))=1,"
            f"MAX({amount}*{C}{counted}/{every}-{C}{to_date},0),0)",
            short_v,
        )
        del bills_v
        fee_v = schedule.termination_fee[0] / rate
        tfee = row(
            "fee",
            f"termination fee{native}",
            "money",
            f"=IF({terminated}*({m}<={stop}-1)*({stop}-1<{m}+{dim})=1,{fee},0)",
            fee_v,
        )
        incurred_v = spend_v + short_v + fee_v
        incurred = row(
            "incurred",
            f"incurred{native}",
            "money",
            f"={C}{spend}+{C}{short}+{C}{tfee}",
            incurred_v,
            anchor=zero,
        )
        arrears = contract.payment.timing == "arrears"
        paid_v = np.concatenate([[0.0], incurred_v[:-1]]) if arrears else incurred_v
        paid = row(
            "paid",
            f"paid{native}",
            "money",
            f'=IF({timing}="arrears",{P}{incurred},{C}{incurred})',
            paid_v,
        )
        payable_v = incurred_v if arrears else 0.0 * incurred_v
        payable = row(
            "payable",
            f"incurred, not yet paid{native}",
            "money",
            f'=IF({timing}="arrears",{C}{incurred},0)',
            payable_v,
            anchor=zero,
        )
        # the remaining obligation at the month's end (engine.commits._billing's `owed`)
        k0 = f"{_between(hs, start)}"
        current_v = np.floor(np.maximum(k_v + 1, 0) / every_v)
        k0_v = grid.months[0] - month_number(contract.start)
        first_v = np.maximum(np.maximum(current_v * every_v, k0_v), 0)
        cont_v = ((k_v >= 0) & (np.floor(np.maximum(k_v, 0) / every_v) == current_v)) * 1.0
        current = row(
            "current",
            "period of the next month",
            "int",
            f"=INT(MAX({C}{k}+1,0)/{every})",
            current_v,
        )
        first_owed = row(
            "first_owed",
            "first contract month still owed",
            "int",
            f"=MAX({C}{current}*{every},{k0},0)",
            first_v,
        )
        continues = row(
            "continues",
            "next month in this period (1 = yes)",
            "flag",
            f"=IF(({C}{k}>=0)*(INT(MAX({C}{k},0)/{every})={C}{current})=1,1,0)",
            cont_v,
        )

        def owed(
            last: str,
            current=current,
            every=every,
            first_owed=first_owed,
            amount=amount,
            continues=continues,
            to_date=to_date,
            k=k,
        ) -> str:
            # nothing once no month of service is left after this one (a shortfall billed in
            # the last month of service is incurred, not an obligation)
            in_current = f"MAX(MIN({C}{current}*{every}+{every}-1,{last})-{C}{first_owed}+1,0)"
            return (
                f"IF({last}>=MAX({C}{k}+1,0),{amount}*MAX({last}-{C}{first_owed}+1,0)/{every}"
                f"-IF({C}{continues}=1,MIN({C}{to_date},{amount}*{in_current}/{every}),0),0)"
            )

        def owed_v(
            last: np.ndarray | float,
            current_v=current_v,
            every_v=every_v,
            first_v=first_v,
            cont_v=cont_v,
            to_date_v=to_date_v,
            amount_v=amount_v,
            k_v=k_v,
        ) -> np.ndarray:
            in_current = np.maximum(
                np.minimum(current_v * every_v + every_v - 1, last) - first_v + 1, 0
            )
            credit = np.where(cont_v > 0, np.minimum(to_date_v, amount_v * in_current / every_v), 0)
            owed = amount_v * np.maximum(last - first_v + 1, 0) / every_v - credit
            return np.where(last >= np.maximum(k_v + 1, 0), owed, 0.0)

        d = f"MAX({m}+{dim},{earliest})"
        ends = f"MIN({d}+{days_n},{end}+1)"
        end_k = (contract.end.year - contract.start.year) * 12 + (
            contract.end.month - contract.start.month
        )
        run_out_v = owed_v(float(end_k))
        run_out = row(
            "run_out",
            f"owed running to the end{native}",
            "money",
            f"={owed(_between(end, start))}",
            run_out_v,
        )
        term = contract.termination
        notice_days, notice_fee = (term.notice_days, term.fee) if term else (0, 0.0)
        end_day = float(day_number(contract.end))
        dd = np.maximum(starts[1:], float(day_number(contract.earliest_notice)))
        e = np.minimum(dd + notice_days, end_day + 1)
        e_k = np.array(
            [
                (x.year - contract.start.year) * 12 + x.month - contract.start.month
                for x in (date_from_day(v - 1) for v in e)
            ],
            dtype=float,
        )
        exit_v = owed_v(e_k) + np.where(dd + notice_days <= end_day, notice_fee, 0.0)
        exit_now = row(
            "exit",
            f"owed on notice at month end{native}",
            "money",
            f"={owed(_between(f'({ends}-1)', start))}+IF({d}+{days_n}<={end},{fee},0)",
            exit_v,
        )
        obligation = row(
            "obligation",
            f"remaining obligation ({scenario.currency})",
            "money",
            f"=IF({given}*({notice}<{m}+{dim})=1,{owed(last_k)}"
            f"+IF({terminated}*({stop}-1>={m}+{dim})=1,{fee},0),"
            f'IF({allowed}="yes",MIN({C}{exit_now},{C}{run_out}),{C}{run_out})){fx}',
            schedule.obligation[0],
            bold=True,
        )
        obligations.append(obligation)
        totals["tokens"].append(f"{C}{tokens}")
        totals["spend"].append(f"{C}{spend}{fx}")
        totals["short"].append(f"{C}{short}{fx}")
        totals["fee"].append(f"{C}{tfee}{fx}")
        totals["paid"].append(f"{C}{paid}{fx}")
        totals["payable"].append(f"{C}{payable}{fx}")
        if fx:
            fxr = fx_rows[code]
            loss_v = np.concatenate([[0.0], payable_v[:-1] * np.diff(rate)])
            losses.append(
                row(
                    "loss",
                    f"fx loss on its payable ({scenario.currency})",
                    "money",
                    f"={P}{payable}*({C}{fxr}-{P}{fxr})",
                    loss_v,
                )
            )
    cols = result.columns
    for name, parts, label, kind in (
        ("commit_tokens", totals["tokens"], "Bought under commits", "tokens"),
        ("commit_spend", totals["spend"], "Commit usage spend", "money"),
        ("commit_shortfall", totals["short"], "Commit shortfall (minimum not spent)", "money"),
        ("commit_fees", totals["fee"], "Commit termination fees", "money"),
        ("commit_paid", totals["paid"], "Paid under commits", "money"),
        ("commit_payable", totals["payable"], "Commits: incurred, not yet paid", "money"),
    ):
        s.series(
            name,
            label,
            "tokens" if kind == "tokens" else "",
            kind,
            "=" + "+".join(parts),
            cols[name],
        )
    del tr
    return {"losses": losses, "obligations": obligations}


def _between(later: str, earlier: str) -> str:
    """Whole calendar months from `earlier`'s month to `later`'s."""
    return f"(YEAR({later})-YEAR({earlier}))*12+MONTH({later})-MONTH({earlier})"
