"""The Contracts sheet: each contract month by month, as formulas over its inputs.

The columns run from the month before the horizon (fees paid in arrears in the first month) to
the last contract's end, beyond the horizon, because an obligation does not stop at the edge of
the projection. These rows follow the engine's contract schedule step by step (see
`engine.contracts`): proration by days, contract-month escalator and ramp, the stop day of a
notice, the termination fee in the last month of service, and what would be owed if notice
were given at each month's end. Each formula cell stores the engine's figure for it (the
schedule's `full` rows); nothing is worked out here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from commitcast.core.calendar import MonthGrid, day_number
from commitcast.engine.contracts import ContractSchedule, FullSchedule
from commitcast.engine.projection import Projection
from commitcast.model.scenario import Contract, Scenario
from commitcast.render.excel_inputs import Inputs
from commitcast.render.excel_print import months_across
from commitcast.render.excel_style import (
    C,
    Formats,
    P,
    SeriesSheet,
    cell_value,
    col_name,
    escalation_row,
    ramp_lookup,
    serial,
    sheet_ref,
)

SHEET = "Contracts"
FIRST_COL = 2


@dataclass
class ContractCells:
    """Where the calc sheet finds a contract's rows (1-based rows on the Contracts sheet)."""

    committed: int
    paid: int
    capacity: int
    available: int
    credits: int | None  # the SLA credits row; None without credit tiers
    days: int  # days of service
    dim: int  # days in the month (the scenario's row)
    ramp: int | None  # the ramp fraction row; None without a ramp
    obligation: int
    exit_now: str  # absolute reference with the sheet
    after: str
    month: int = 0  # the month row (first day of each month; the scenario's row)
    # every row of the contract's block by its key (`service`, `through`, `fb`, `runout`, ...:
    # see `_contract`), for sheets that read further rows of it (Obligations)
    rows: dict[str, int] = field(default_factory=dict)


def num_formats(money: str) -> dict[str, str]:
    return {
        "money": money,
        "date": "d mmm yyyy",
        "month": "mmm yyyy",
        "int": "0",
        "factor": "0.0000",
        "ratio": "0.0%",
        "tokens": '#,##0.0,,,,"T"',
        "flag": "0",
    }


def write_contracts(
    ws: Any,
    formats: Formats,
    results: list[Projection],
    inputs: list[Inputs],
    money_formats: list[str],
) -> list[list[ContractCells]]:
    ws.set_column(0, 0, 50)
    ws.set_column(1, 1, 13)
    ws.freeze_panes(2, FIRST_COL)
    ws.write_string(
        0, 0, "Contracts: fees, capacity, notice and exit cost by month", formats.title()
    )
    ws.write_string(
        1,
        0,
        "Formulas only: inputs are on the Assumptions sheet. Columns run from the month before "
        "the horizon to the last contract's end.",
        formats.subtitle(),
    )
    # the engine's contract grids: the month before the horizon through the last end
    width = max((r.result.contract_grid.count for r in results), default=1)
    ws.set_column(FIRST_COL, FIRST_COL + width - 1, 11.5)
    # printed: twelve months a page (from the month before the horizon), labels on each page
    months_across(
        ws,
        label_widths=[50, 13],
        widths=[11.5] * width,
        page_starts=range(FIRST_COL + 12, FIRST_COL + width, 12),
    )
    row = 3
    out = []
    for result, cells, money in zip(results, inputs, money_formats, strict=True):
        grid = result.result.contract_grid
        sheet = SeriesSheet(ws, formats, FIRST_COL, grid.count, num_formats(money))
        sheet.row = row
        out.append(_scenario(sheet, formats, result, cells, grid))
        row = sheet.row + 2
    return out


def _scenario(
    s: SeriesSheet, formats: Formats, result: Projection, a: Inputs, grid: MonthGrid
) -> list[ContractCells]:
    scenario = result.scenario
    ws = s.ws
    ws.write_string(s.row, 0, scenario.name, formats.header())
    for col in range(1, FIRST_COL + grid.count):
        ws.write_blank(s.row, col, None, formats.header())
    s.row += 1
    starts = grid.starts.astype(np.float64)
    start = a["horizon.start"]
    s.series(
        "ms",
        "Month",
        "",
        "month",
        f"=EOMONTH({P}{s.row + 1},0)+1",
        starts[:-1],
        anchor=(f"=EOMONTH({start},-2)", serial(starts[0] - 1)),
        bold=True,
    )
    ms = s.r("ms")
    s.series("dim", "Days in month", "days", "int", f"=EOMONTH({C}{ms},0)+1-{C}{ms}", grid.days)
    out = []
    horizon_end = scenario.months + 1  # grid index after the horizon's last month
    for index, schedule in enumerate(result.result.contracts):
        out.append(_contract(s, formats, scenario, a, grid, index, schedule, horizon_end))
    return out


def _term_days(contract: Contract, grid: MonthGrid) -> np.ndarray:
    """Service days of each grid month if the contract ran to its end (no notice planned)."""
    starts = grid.starts.astype(np.float64)
    first, stop = day_number(contract.start), day_number(contract.end) + 1
    return np.clip(np.minimum(stop, starts[1:]) - np.maximum(first, starts[:-1]), 0, None)


def _run_out(full: FullSchedule, contract: Contract, grid: MonthGrid) -> np.ndarray:
    """The fees for service after each month as if no notice were planned (run 0)."""
    whole = float(np.sum(full.daily_fee[0] * _term_days(contract, grid)))
    return whole - full.service_fees_to_date[0]


def _contract(
    s: SeriesSheet,
    formats: Formats,
    scenario: Scenario,
    a: Inputs,
    grid: MonthGrid,
    index: int,
    schedule: ContractSchedule,
    horizon_end: int,
) -> ContractCells:
    """One contract's block; the schedule is the projection's (one run: row 0 of each)."""
    ws = s.ws
    contract = scenario.contracts[index]
    full = schedule.full
    p = f"contracts[{index}]"
    fee, start, end = a[f"{p}.monthly_fee"], a[f"{p}.start"], a[f"{p}.end"]
    rate, every = a[f"{p}.escalator.rate"], a[f"{p}.escalator.every_months"]
    tokens, timing = a[f"{p}.capacity.tokens_per_month"], a[f"{p}.payment.timing"]
    gpus, throughput = a[f"{p}.capacity.gpus"], a[f"{p}.capacity.tokens_per_gpu_second"]
    uptime = a[f"{p}.uptime"]
    allowed, days = a[f"{p}.termination.allowed"], a[f"{p}.termination.notice_days"]
    tfee, earliest = a[f"{p}.termination.fee"], a[f"{p}.termination.earliest_notice"]
    notice = a[f"{p}.termination.notice_given"]

    s.row += 1
    title = contract.name + (f" ({contract.counterparty})" if contract.counterparty else "")
    ws.write_string(s.row, 0, title, formats.section())
    ws.write_blank(s.row, 1, None, formats.section())
    s.row += 1

    def scalar(key: str, label: str, formula: str, value: float, kind: str) -> str:
        fmt = formats.get(num_format=s.num_formats[kind], bold=True)
        ws.write_string(s.row, 0, label)
        ws.write_formula(
            s.row, 1, formula, fmt, cell_value(value, "date" if kind == "date" else "")
        )
        ref = f"$B${s.row + 1}"
        s.row += 1
        return ref

    given = scalar(
        "given",
        "Notice given (1 = yes)",
        f'=IF({allowed}="yes",IF({notice}="",0,1),0)',
        float(schedule.notice_given[0]),
        "flag",
    )
    terminated = scalar(
        "terminated",
        "Service ends early by that notice (1 = yes)",
        f"=IF({given}=1,IF({notice}+{days}<={end},1,0),0)",
        float(schedule.ends_early[0]),
        "flag",
    )
    stop = scalar(
        "stop",
        "First day without service",
        f"=IF({terminated}=1,{notice}+{days},{end}+1)",
        schedule.first_day_without_service[0],
        "date",
    )
    last = scalar("last", "Last day of service", f"={stop}-1", schedule.last_service_day[0], "date")
    tiers = len(contract.sla.credits) if contract.sla else 0
    credit_rate = None
    if tiers:
        # the largest credit among the tiers whose bound is above the uptime, at most the cap
        applies = ",".join(
            f"IF({a[f'{p}.sla.credits[{j}].below']}>{uptime},{a[f'{p}.sla.credits[{j}].credit']},0)"
            for j in range(tiers)
        )
        credit_rate = scalar(
            "rate",
            "SLA credit rate (share of the service fees)",
            f"=MIN(MAX(0,{applies}),{a[f'{p}.sla.cap']})",
            _credit_rate(contract),
            "ratio",
        )

    ms, dim = s.r("ms"), s.r("dim")
    key = f"c{index}."
    k = key + "k"
    s.series(
        k,
        "Contract month",
        "k",
        "int",
        f"=(YEAR({C}{ms})-YEAR({start}))*12+MONTH({C}{ms})-MONTH({start})",
        full.contract_month[0],
    )
    kr = s.r(k)
    escalation_row(s, key + "esc", rate, every, kr, full.escalation[0])
    ramp_ref = None
    if contract.ramp:
        formula = ramp_lookup(s, p, a, contract.ramp, f"{C}{kr}")
        s.series(key + "ramp", "Ramp fraction", "x", "factor", formula, full.ramp[0])
        ramp_ref = f"{C}{s.r(key + 'ramp')}"
    ramp_mul = f"*{ramp_ref}" if ramp_ref else ""
    s.series(
        key + "full",
        "Fee for a full month",
        "",
        "money",
        f"={fee}*{C}{s.r(key + 'esc')}{ramp_mul}",
        full.full_month_fee[0],
    )
    s.series(
        key + "days",
        "Days of service",
        "days",
        "int",
        f"=MAX(MIN({stop},{C}{ms}+{C}{dim})-MAX({start},{C}{ms}),0)",
        full.service_days[0],
    )
    daysr = s.r(key + "days")
    s.series(
        key + "daily",
        "Fee per day",
        "",
        "money",
        f"={C}{s.r(key + 'full')}/{C}{dim}",
        full.daily_fee[0],
    )
    daily = s.r(key + "daily")
    s.series(
        key + "service",
        "Service fees (prorated by days)",
        "",
        "money",
        f"={C}{daily}*{C}{daysr}",
        full.service_fees[0],
    )
    service = s.r(key + "service")
    cap_ramp = f"*{ramp_ref}" if ramp_ref else ""
    # tokens per month prorated by days, plus GPUs x throughput x seconds of service (one of
    # the two is 0)
    s.series(
        key + "capacity",
        "Capacity",
        "tokens",
        "tokens",
        f"={tokens}{cap_ramp}*{C}{daysr}/{C}{dim}"
        f"+{gpus}*{throughput}*{a['seconds_a_day']}*{C}{daysr}{cap_ramp}",
        full.capacity_tokens[0],
    )
    s.series(
        key + "available",
        "Available capacity (after uptime)",
        "tokens",
        "tokens",
        f"={C}{s.r(key + 'capacity')}*{uptime}",
        full.available_tokens[0],
    )
    credits = None
    if credit_rate is not None:
        s.series(
            key + "credits",
            "SLA credits earned",
            "",
            "money",
            f"={credit_rate}*{C}{service}",
            full.sla_credits[0],
        )
        credits = s.r(key + "credits")
    s.series(
        key + "tfee",
        "Termination fee",
        "",
        "money",
        f"=IF({terminated}=1,IF({C}{ms}<={last},IF({last}<{C}{ms}+{C}{dim},{tfee},0),0),0)",
        full.termination_fee[0],
    )
    s.series(
        key + "committed",
        "Committed fees",
        "",
        "money",
        f"={C}{service}+{C}{s.r(key + 'tfee')}",
        full.fees[0],
        bold=True,
    )
    committed = s.r(key + "committed")
    s.series(
        key + "paid",
        "Fees paid" + (" (less the month before's SLA credits)" if credits else ""),
        "",
        "money",
        f'=IF({timing}="arrears",{P}{committed},{C}{committed})'
        + (f"-{P}{credits}" if credits else ""),
        full.fees_paid[0],
        start=1,
    )
    first = col_name(FIRST_COL)
    last_col = col_name(FIRST_COL + grid.count - 1)
    s.series(
        key + "through",
        "Service fees to this month's end",
        "",
        "money",
        f"=SUM(${first}{service}:{C}{service})",
        full.service_fees_to_date[0],
    )
    through = s.r(key + "through")
    s.series(
        key + "a",
        "Notice at this month's end: given on",
        "",
        "date",
        f"={C}{ms}+{C}{dim}",
        full.notice_day[0],
    )
    ar = s.r(key + "a")
    s.series(
        key + "d",
        "... or on the earliest notice day, if later",
        "",
        "date",
        f"=MAX({C}{ar},{earliest})",
        full.notice_from[0],
    )
    dr = s.r(key + "d")
    s.series(
        key + "x",
        "... service would end before",
        "",
        "date",
        f"=MIN({C}{dr}+{days},{end}+1)",
        full.service_ends[0],
    )
    xr = s.r(key + "x")
    months_row = f"${first}${ms}:${last_col}${ms}"
    s.series(
        key + "m",
        "... which falls in column",
        "#",
        "int",
        f"=MATCH({C}{xr},{months_row},1)",
        full.service_end_month[0] + 1,  # a grid column, counted from 1 as MATCH does
    )
    mr = s.r(key + "m")

    def at(row: int) -> str:
        return f"INDEX(${first}${row}:${last_col}${row},1,{C}{mr})"

    s.series(
        key + "fb",
        "... fees for service before that day",
        "",
        "money",
        f"={at(through)}-{at(service)}+{at(daily)}*MAX(MIN({C}{xr},{stop})-MAX({start},"
        f"{at(ms)}),0)",
        full.fees_before_service_ends[0],
    )
    s.series(
        key + "left",
        "Fees for service after this month",
        "",
        "money",
        f"=${last_col}{through}-{C}{through}",
        full.fees_left[0],
    )
    left = s.r(key + "left")
    # Before the month a notice is given in, the exit cost is capped by running out as if no
    # notice were planned: the fees for service through `end`
    s.series(
        key + "termdays",
        "Service days if no notice were planned",
        "days",
        "int",
        f"=MAX(MIN({end}+1,{C}{ms}+{C}{dim})-MAX({start},{C}{ms}),0)",
        _term_days(contract, grid),
    )
    whole = (
        f"SUMPRODUCT(${first}{daily}:${last_col}{daily},"
        f"${first}{s.r(key + 'termdays')}:${last_col}{s.r(key + 'termdays')})"
    )
    s.series(
        key + "runout",
        "Fees for service after this month if no notice were planned",
        "",
        "money",
        f"={whole}-{C}{through}",
        _run_out(full, contract, grid),
    )
    s.series(
        key + "exit",
        "Exit cost if notice is given at this month's end",
        "",
        "money",
        f"=MIN({C}{s.r(key + 'fb')}-{C}{through}+IF({C}{dr}+{days}<={end},{tfee},0),"
        f"{C}{s.r(key + 'runout')})",
        full.exit_cost[0],
        bold=True,
    )
    s.series(
        key + "pending",
        "Termination fee still to come",
        "",
        "money",
        f"=IF({terminated}=1,IF({last}>={C}{ar},{tfee},0),0)",
        full.termination_fee_to_come[0],
    )
    s.series(
        key + "obligation",
        "Remaining obligation at this month's end",
        "",
        "money",
        # notice counts from the end of the month it is given in
        f"=IF({given}*({C}{ms}+{C}{dim}>{notice})=1,{C}{left}+{C}{s.r(key + 'pending')},"
        f'IF({allowed}="yes",{C}{s.r(key + "exit")},{C}{left}))',
        full.obligation[0],
        bold=True,
    )
    obligation = s.r(key + "obligation")
    s.series(
        key + "deadline",
        "Latest notice for service to end with this month",
        "",
        "date",
        f'=IF({allowed}="yes",IF({C}{ar}-{days}>={earliest},{C}{ar}-{days},""),"")',
        full.notice_deadline[0],
    )
    horizon_last = col_name(FIRST_COL + horizon_end - 1)
    after = scalar(
        "after",
        "Committed fees after the horizon",
        f"=SUM(${first}{committed}:${last_col}{committed})"
        f"-SUM(${first}{committed}:${horizon_last}{committed})",
        schedule.fees_after_horizon[0],
        "money",
    )
    exit_now = scalar(
        "exit_now",
        "Exit cost at the start of the horizon",
        f"=${first}{obligation}",
        schedule.exit_cost_now[0],
        "money",
    )
    ref = sheet_ref(SHEET)
    return ContractCells(
        committed=committed,
        paid=s.r(key + "paid"),
        capacity=s.r(key + "capacity"),
        available=s.r(key + "available"),
        credits=credits,
        days=daysr,
        dim=dim,
        ramp=s.r(key + "ramp") if ramp_ref else None,
        obligation=obligation,
        exit_now=f"{ref}!{exit_now}",
        after=f"{ref}!{after}",
        month=ms,
        rows={name[len(key) :]: row for name, row in s.rows.items() if name.startswith(key)},
    )


def _credit_rate(contract: Contract) -> float:
    """The SLA credit rate the sheet's formula gives: the largest credit among the tiers whose
    bound is above the uptime (none: 0), at most the cap (the engine's rule, engine.contracts)."""
    sla = contract.sla
    if sla is None:
        return 0.0
    rate = max([0.0, *(t.credit for t in sla.credits if t.below > contract.uptime)])
    return min(rate, sla.cap)
