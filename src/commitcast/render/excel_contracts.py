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

import datetime as _dt
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
    col_name,
    escalation_row,
    money_in,
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
    payable: int | None = None  # fees payable (converted); None: the engine's arrears rule
    prepaid: int | None = None  # prepayment not yet credited (converted)
    fx_loss: int | None = None  # remeasurement of its balances (another currency only)
    # the contract's scalars (column B, absolute with the sheet): given, terminated, stop, last
    scalars: dict[str, str] = field(default_factory=dict)
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
        out.append(_contract(s, scenario, a, grid, index, schedule, horizon_end))
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
    scenario: Scenario,
    a: Inputs,
    grid: MonthGrid,
    index: int,
    schedule: ContractSchedule,
    horizon_end: int,
) -> ContractCells:
    """One contract's block; the schedule is the projection's (one run: row 0 of each)."""
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
    commit = contract.kind == "commit"
    commit_fee = tfee
    reporting = s.num_formats
    if not commit:
        # its own amounts in its own currency (€4.0M), its converted rows below in the
        # scenario's
        s.num_formats = dict(reporting)
        s.num_formats["money"] = s.num_formats[
            money_in(s.num_formats, scenario.currency, scenario.currency_of(contract))
        ]
    if commit:
        tfee = "0"  # a commit's termination fee is on the calculation sheet (bought tokens)

    s.skip()
    s.section(contract.name + (f" ({contract.counterparty})" if contract.counterparty else ""))

    given = s.scalar(
        "Notice given (1 = yes)",
        f'=IF({allowed}="yes",IF({notice}="",0,1),0)',
        float(schedule.notice_given[0]),
        "flag",
    )
    terminated = s.scalar(
        "Service ends early by that notice (1 = yes)",
        f"=IF({given}=1,IF({notice}+{days}<={end},1,0),0)",
        float(schedule.ends_early[0]),
        "flag",
    )
    stop = s.scalar(
        "First day without service",
        f"=IF({terminated}=1,{notice}+{days},{end}+1)",
        schedule.first_day_without_service[0],
        "date",
    )
    last = s.scalar("Last day of service", f"={stop}-1", schedule.last_service_day[0], "date")
    tiers = len(contract.sla.credits) if contract.sla else 0
    credit_rate = None
    if tiers:
        # the largest credit among the tiers whose bound is above the uptime, at most the cap
        applies = ",".join(
            f"IF({a[f'{p}.sla.credits[{j}].below']}>{uptime},{a[f'{p}.sla.credits[{j}].credit']},0)"
            for j in range(tiers)
        )
        credit_rate = s.scalar(
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
    zero = ("=0", 0.0)  # column B of a row read by the next month: 0 before the grid
    s.series(
        key + "tfee",
        "Termination fee",
        "",
        "money",
        f"=IF({terminated}=1,IF({C}{ms}<={last},IF({last}<{C}{ms}+{C}{dim},{tfee},0),0),0)",
        full.termination_fee[0],
        anchor=zero,
    )
    tfee_row = s.r(key + "tfee")
    first = col_name(FIRST_COL)
    last_col = col_name(FIRST_COL + grid.count - 1)
    billing = None
    if not commit and (contract.payment.every_months > 1 or contract.prepayment is not None):
        billing = _billing(
            s,
            contract,
            grid,
            float(schedule.last_service_day[0]),
            a,
            p,
            key,
            full,
            service,
            tfee_row,
            last,
            zero,
            first,
            last_col,
        )
    forfeit = f"+{C}{billing['forfeit']}" if billing else ""
    s.series(
        key + "committed",
        "Committed fees",
        "",
        "money",
        f"={C}{service}+{C}{tfee_row}{forfeit}",
        full.fees[0],
        bold=True,
    )
    committed = s.r(key + "committed")
    simple = f'IF({timing}="arrears",{P}{committed},{C}{committed})'
    if billing:
        settle = f'IF({timing}="arrears",{P}{billing["forfeit"]},{C}{billing["forfeit"]})'
        general = (
            f"({C}{billing['bill']}+{settle})-({C}{billing['applied']}+{settle})"
            f"+{C}{billing['prepay']}-{C}{billing['refund']}"
        )
        simple = f"IF({billing['simple']}=1,{simple},{general})"
    s.series(
        key + "paid",
        "Fees paid" + (" (less the month before's SLA credits)" if credits else ""),
        "",
        "money",
        f"={simple}" + (f"-{P}{credits}" if credits else ""),
        full.fees_paid[0],
        start=1,
    )
    payable_row = prepaid_row = None
    if billing:
        b = billing

        def to_date(row: int) -> str:
            return f"SUM(${first}{row}:{C}{row})"

        settled_to_date = (
            f'IF({timing}="arrears",SUM(${first}{b["forfeit"]}:{P}{b["forfeit"]}),'
            f"{to_date(b['forfeit'])})"
        )
        s.series(
            key + "payable",
            "Fees payable: incurred less paid (negative: paid ahead)",
            "",
            "money",
            f'=IF({b["simple"]}=1,IF({timing}="arrears",{C}{committed},0),'
            f"{to_date(committed)}-{to_date(b['bill'])}-{settled_to_date})",
            full.fees_payable[0],
        )
        payable_row = s.r(key + "payable")
        s.series(
            key + "prepaid",
            "Prepaid: paid ahead, not yet credited",
            "",
            "money",
            f"=IF({b['simple']}=1,0,{to_date(b['prepay'])}-{to_date(b['applied'])}"
            f"-{to_date(b['refund'])}-{settled_to_date})",
            full.prepaid_fees[0],
        )
        prepaid_row = s.r(key + "prepaid")
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
    # notice counts from the end of the month it is given in
    owed = (
        f"IF({given}*({C}{ms}+{C}{dim}>{notice})=1,{C}{left}+{C}{s.r(key + 'pending')},"
        f'IF({allowed}="yes",{C}{s.r(key + "exit")},{C}{left}))'
    )
    if billing:
        # billed ahead or prepaid: less what is already paid for it (engine.contracts.
        # _still_to_pay): fees billed ahead (a negative payable), then the prepayment not yet
        # credited; below 0 only when an unused prepayment is refundable
        refundable = a[f"{p}.prepayment.refundable"]
        left_to_pay = f"MAX({owed}-MAX(-{C}{payable_row},0),0)-{C}{prepaid_row}"
        owed = (
            f"IF({billing['simple']}=1,{owed},"
            f'IF({refundable}="yes",{left_to_pay},MAX({left_to_pay},0)))'
        )
    s.series(
        key + "obligation",
        "Remaining obligation at this month's end" + (", less paid ahead" if billing else ""),
        "",
        "money",
        f"={owed}",
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
    after = s.scalar(
        "Committed fees after the horizon",
        f"=SUM(${first}{committed}:${last_col}{committed})"
        f"-SUM(${first}{committed}:${horizon_last}{committed})",
        float(np.sum(full.fees[0][horizon_end:])),  # native (converted below if foreign)
        "money",
    )
    if commit:
        formula, value = _commit_exit_now(scenario, a, p, given, terminated, stop, commit_fee)
        exit_now = s.scalar(
            f"Exit cost at the start of the horizon ({scenario.currency}): unmet minimums and fee",
            formula,
            value,
            "money",
        )
    else:
        exit_now = s.scalar(
            "Exit cost at the start of the horizon",
            f"=${first}{obligation}",
            float(full.obligation[0][0]),
            "money",
        )
    s.num_formats = reporting
    ref = sheet_ref(SHEET)
    converted = _converted(
        s, scenario, a, key, full, committed, credits, payable_row, prepaid_row, obligation
    )
    if converted:
        after = s.scalar(
            f"Committed fees after the horizon ({scenario.currency})",
            f"=SUMPRODUCT(${first}{converted['committed']}:${last_col}{converted['committed']},"
            f"(${first}{ms}:${last_col}{ms}>INDEX(${first}{ms}:${last_col}{ms},1,"
            f"{horizon_end}))*1)",
            schedule.fees_after_horizon[0],
            "money",
        )
        exit_now = s.scalar(
            f"Exit cost at the start of the horizon ({scenario.currency})",
            f"=${first}{converted['obligation']}",
            schedule.exit_cost_now[0],
            "money",
        )
        committed, obligation = converted["committed"], converted["obligation"]
        credits = converted.get("credits")
        payable_row, prepaid_row = converted.get("payable"), converted.get("prepaid")
    paid = converted["paid"] if converted else s.r(key + "paid")
    return ContractCells(
        committed=committed,
        paid=paid,
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
        payable=payable_row,
        prepaid=prepaid_row,
        fx_loss=converted.get("fx_loss") if converted else None,
        scalars={
            name: f"{ref}!{cell}"
            for name, cell in (
                ("given", given),
                ("terminated", terminated),
                ("stop", stop),
                ("last", last),
            )
        },
    )


def _billing(
    s: SeriesSheet,
    contract: Contract,
    grid: MonthGrid,
    last_day: float,
    a: Inputs,
    p: str,
    key: str,
    full: FullSchedule,
    service: int,
    tfee: int,
    last: str,
    zero: tuple[str, float],
    first: str,
    last_col: str,
) -> dict[str, Any]:
    """A reserved contract's billing periods and prepayment (engine.contracts._payments):
    rows by key, and the `simple` flag cell (billed monthly, no prepayment: the rule of the
    Fees paid row without them)."""
    every, timing = a[f"{p}.payment.every_months"], a[f"{p}.payment.timing"]
    amount, paid_on = a[f"{p}.prepayment.amount"], a[f"{p}.prepayment.paid"]
    applied, refundable = a[f"{p}.prepayment.applied"], a[f"{p}.prepayment.refundable"]
    ms, dim, k = s.r("ms"), s.r("dim"), s.r(key + "k")
    values = _billing_values(contract, full, grid, last_day)
    out: dict[str, Any] = {}

    def row(name: str, label: str, kind: str, formula: str, anchored: bool = False) -> int:
        s.series(
            key + name,
            label,
            "",
            kind,
            formula,
            values[name],
            anchor=zero if anchored else None,
        )
        out[name] = s.r(key + name)
        return out[name]

    out["simple"] = s.scalar(
        "Billed monthly without a prepayment (1 = yes)",
        f"=IF(({every}=1)*({amount}<=0)=1,1,0)",
        values["simple"],
        "flag",
    )
    month = f"MAX({C}{k},0)"
    offset = row(
        "offset", "Month of its billing period (0 = its first)", "int", f"=MOD({month},{every})"
    )
    period = row("period", "Billing period", "int", f"=INT({month}/{every})")
    term = row(
        "term",
        "In the term (1 = yes)",
        "flag",
        f"=IF(({C}{k}>=0)*({C}{ms}<={last})=1,1,0)",
        anchored=True,
    )
    at_end = row(
        "atend",
        "Last month of service (1 = yes)",
        "flag",
        f"=IF(({C}{ms}<={last})*({last}<{C}{ms}+{C}{dim})=1,1,0)",
        anchored=True,
    )
    ends = row(
        "ends",
        "Last month of its billing period in service (1 = yes)",
        "flag",
        f"=IF({C}{term}*(({C}{offset}={every}-1)+{C}{at_end})>0,1,0)",
        anchored=True,
    )
    pfees = row(
        "pfees",
        "Service fees of its billing period",
        "money",
        f"=SUMPRODUCT((${first}{period}:${last_col}{period}={C}{period})"
        f"*${first}{service}:${last_col}{service})",
        anchored=True,
    )
    row(
        "bill",
        "Billed (advance: in a period's first month; arrears: the month after its last)",
        "money",
        f'=IF({timing}="arrears",{P}{ends}*{P}{pfees}+{P}{tfee},'
        f"{C}{term}*({C}{offset}=0)*{C}{pfees}+{C}{tfee})",
    )
    bill = out["bill"]
    day = f'IF({paid_on}="",${first}${ms},{paid_on})'
    row(
        "prepay",
        "Prepayment paid",
        "money",
        f"=IF(({amount}>0)*({C}{ms}<={day})*({day}<{C}{ms}+{C}{dim})=1,{amount},0)",
    )
    eligible = row(
        "eligible",
        "Billed from the month it is paid",
        "money",
        f"=IF({C}{ms}+{C}{dim}>{day},{C}{bill},0)",
    )
    total = f"SUM(${first}{eligible}:${last_col}{eligible})"
    covered = row(
        "covered",
        "... covered to date (first)",
        "money",
        f"=MIN({amount},SUM(${first}{eligible}:{C}{eligible}))",
        anchored=True,
    )
    row(
        "applied",
        "Credited from the prepayment",
        "money",
        f'=IF({applied}="pro_rata",IF({total}>0,{C}{eligible}*MIN({amount},{total})/{total},0),'
        f"{C}{covered}-{P}{covered})",
    )
    unused = s.scalar(
        "Prepayment unused at the end of service",
        f"=MAX({amount}-SUM(${first}{out['applied']}:${last_col}{out['applied']}),0)",
        values["unused"],
        "money",
    )
    row(
        "forfeit",
        "Prepayment forfeited (a charge, settled from the prepayment)",
        "money",
        f'=IF({refundable}="yes",0,{C}{at_end}*{unused})',
        anchored=True,
    )
    row(
        "refund",
        "Prepayment refunded",
        "money",
        f'=IF({refundable}="yes",IF({timing}="arrears",{P}{at_end},{C}{at_end})*{unused},0)',
    )
    return out


def _billing_values(
    contract: Contract, full: FullSchedule, grid: MonthGrid, last: float
) -> dict[str, Any]:
    """What the billing rows hold: engine.contracts._payments' steps for run 0, over the
    contract grid (a contract billed or prepaid from before it is not shown from its start)."""
    k = full.contract_month[0].astype(np.float64)
    month = np.maximum(k, 0.0)
    every = float(contract.payment.every_months)
    offset, period = np.mod(month, every), np.floor(month / every)
    starts = grid.starts.astype(np.float64)
    ms, dim = starts[:-1], np.diff(starts)
    term = (k >= 0) & (ms <= last)
    at_end = (ms <= last) & (last < ms + dim)
    ends = term & ((offset == every - 1) | at_end)
    service = full.service_fees[0]
    pfees = np.array([service[period == x].sum() for x in period])
    tfee = full.termination_fee[0]
    arrears = contract.payment.timing == "arrears"

    def prev(values: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], values[:-1]])

    bill = prev(ends * pfees + tfee) if arrears else term * (offset == 0) * pfees + tfee
    pre = contract.prepayment
    amount = pre.amount if pre else 0.0
    day = float(day_number(pre.paid)) if pre and pre.paid else ms[0]
    prepay = np.where((amount > 0) & (ms <= day) & (day < ms + dim), amount, 0.0)
    eligible = np.where(ms + dim > day, bill, 0.0)
    covered = np.minimum(amount, np.cumsum(eligible))
    total = eligible.sum()
    if pre and pre.applied == "pro_rata":
        applied = eligible * min(amount, total) / total if total > 0 else 0.0 * eligible
    else:
        applied = np.diff(covered, prepend=0.0)
    unused = max(amount - applied.sum(), 0.0)
    refundable = bool(pre and pre.refundable)
    forfeit = np.where(refundable, 0.0, at_end * unused)
    refund = (prev(at_end) if arrears else at_end) * unused if refundable else 0.0 * bill
    return {
        "simple": float(every == 1 and amount <= 0),
        "offset": offset,
        "period": period,
        "term": term.astype(np.float64),
        "atend": at_end.astype(np.float64),
        "ends": ends.astype(np.float64),
        "pfees": pfees,
        "bill": bill,
        "prepay": prepay,
        "eligible": eligible,
        "covered": covered,
        "applied": applied,
        "unused": unused,
        "forfeit": forfeit,
        "refund": refund,
    }


def _credit_rate(contract: Contract) -> float:
    """The SLA credit rate the sheet's formula gives: the largest credit among the tiers whose
    bound is above the uptime (none: 0), at most the cap (the engine's rule, engine.contracts)."""
    sla = contract.sla
    if sla is None:
        return 0.0
    rate = max([0.0, *(t.credit for t in sla.credits if t.below > contract.uptime)])
    return min(rate, sla.cap)


def _converted(
    s: SeriesSheet,
    scenario: Scenario,
    a: Inputs,
    key: str,
    full: FullSchedule,
    committed: int,
    credits: int | None,
    payable: int | None,
    prepaid: int | None,
    obligation: int,
) -> dict[str, int]:
    """A contract in another currency: its rate by month and its amounts converted at the rate
    of the month they fall in (rows by key); empty in the reporting currency."""
    index = int(key[1:-1])
    code = scenario.currency_of(scenario.contracts[index])
    if code == scenario.currency or scenario.contracts[index].kind == "commit":
        return {}
    ms, start = s.r("ms"), a["horizon.start"]
    if payable is None:  # billed monthly: an arrears month's fees, paid the month after
        timing = a[f"contracts[{index}].payment.timing"]
        s.series(
            key + "payable",
            "Fees payable: incurred, not yet paid",
            "",
            money_in(s.num_formats, scenario.currency, code),
            f'=IF({timing}="arrears",{C}{committed},0)',
            full.fees_payable[0],
            anchor=("=0", 0.0),
        )
        payable = s.r(key + "payable")
    rate = full.fx_rate[0]
    s.series(
        key + "fx",
        f"Exchange rate ({scenario.currency} per {code})",
        "rate",
        "factor",
        f"={a[f'fx.{code}.rate']}*(1+{a[f'fx.{code}.change']})"
        f"^((YEAR({C}{ms})-YEAR({start}))*12+MONTH({C}{ms})-MONTH({start}))",
        rate,
    )
    fx = s.r(key + "fx")
    out = {}

    def converted(name: str, label: str, row: int, values: np.ndarray, start: int = 0) -> None:
        s.series(
            key + name + "_x",
            f"{label} ({scenario.currency})",
            "",
            "money",
            f"={C}{row}*{C}{fx}",
            values * rate,
            start=start,
            bold=name in ("committed", "obligation"),
        )
        out[name] = s.r(key + name + "_x")

    converted("committed", "Committed fees", committed, full.fees[0])
    if credits is not None:
        converted("credits", "SLA credits earned", credits, full.sla_credits[0])
    converted("paid", "Fees paid", s.r(key + "paid"), full.fees_paid[0], start=1)
    converted("payable", "Fees payable", payable, full.fees_payable[0])
    if prepaid is not None:
        converted("prepaid", "Prepaid", prepaid, full.prepaid_fees[0])
    converted("obligation", "Remaining obligation", obligation, full.obligation[0])
    exposure = full.fees_payable[0] - full.sla_credits[0] - full.prepaid_fees[0]
    loss = np.concatenate([[0.0], exposure[:-1] * np.diff(rate)])
    less_credits = f"-{P}{credits}" if credits is not None else ""
    s.series(
        key + "fx_loss",
        f"Loss on its balances from the rate's move ({scenario.currency})",
        "",
        "money",
        f"=({P}{payable}{less_credits}"
        + (f"-{P}{prepaid}" if prepaid is not None else "")
        + f")*({C}{fx}-{P}{fx})",
        loss,
        start=1,
    )
    out["fx_loss"] = s.r(key + "fx_loss")
    return out


def _months_between(later: str, earlier: str) -> str:
    return f"((YEAR({later})-YEAR({earlier}))*12+MONTH({later})-MONTH({earlier}))"


def _commit_exit_now(
    scenario: Scenario,
    a: Inputs,
    p: str,
    given: str,
    terminated: str,
    stop: str,
    fee: str,
) -> tuple[str, float]:
    """A commit's remaining obligation at the end of the month before the horizon (nothing
    spent in the horizon yet): the minimums of the periods a notice on the horizon's first day
    (or the earliest notice day) does not avoid, prorated by months from the horizon's first,
    plus the fee if that ends it early, at most running to the end (engine.commits)."""
    from commitcast.core.calendar import day_number as day

    contract = scenario.contracts[int(p[len("contracts[") : -1])]
    start, end = a[f"{p}.start"], a[f"{p}.end"]
    amount, every = a[f"{p}.minimum.amount"], a[f"{p}.minimum.every_months"]
    days, earliest = a[f"{p}.termination.notice_days"], a[f"{p}.termination.earliest_notice"]
    allowed, notice = a[f"{p}.termination.allowed"], a[f"{p}.termination.notice_given"]
    hs = a["horizon.start"]
    first = f"MAX({_months_between(hs, start)},0)"

    def owed(last: str) -> str:
        return f"{amount}*MAX({last}-{first}+1,0)/{every}"

    d = f"MAX({hs},{earliest})"
    ends = f"MIN({d}+{days},{end}+1)"
    exit_now = f"{owed(_months_between(f'({ends}-1)', start))}+IF({d}+{days}<={end},{fee},0)"
    run_out = owed(_months_between(end, start))
    as_given = (
        f"{owed(_months_between(f'({stop}-1)', start))}+IF({terminated}*({stop}-1>={hs})=1,{fee},0)"
    )
    code = scenario.currency_of(contract)
    rate = "1"
    factor = 1.0
    if code != scenario.currency:
        rate = f"{a[f'fx.{code}.rate']}*(1+{a[f'fx.{code}.change']})^-1"
        factor = scenario.fx[code].rate / (1.0 + scenario.fx[code].change)
    formula = (
        f'=IF({given}*({notice}<{hs})=1,{as_given},IF({allowed}="yes",MIN({exit_now},'
        f"{run_out}),{run_out}))*{rate}"
    )
    # the value: the same arithmetic on the scenario's numbers
    term = contract.termination
    m = contract.minimum
    amt, ev = (m.amount, m.every_months) if m else (0.0, 12)
    h = scenario.horizon.start

    def months(later: _dt.date, earlier: _dt.date) -> int:
        return (later.year - earlier.year) * 12 + later.month - earlier.month

    f0 = max(months(h, contract.start), 0)

    def owed_v(last: int) -> float:
        return amt * max(last - f0 + 1, 0) / ev

    from commitcast.core.calendar import date_from_day as date

    run_v = owed_v(months(contract.end, contract.start))
    value = run_v
    if term is not None:
        nd, tf = term.notice_days, term.fee
        dd = max(day(h), day(contract.earliest_notice))
        e = min(dd + nd, day(contract.end) + 1)
        exit_v = owed_v(months(date(e - 1), contract.start)) + (
            tf if dd + nd <= day(contract.end) else 0.0
        )
        value = min(exit_v, run_v)
        if term.notice_given is not None and day(term.notice_given) < day(h):
            st = day(term.notice_given) + nd
            ended = st <= day(contract.end)
            st = st if ended else day(contract.end) + 1
            value = owed_v(months(date(st - 1), contract.start)) + (
                tf if ended and st - 1 >= day(h) else 0.0
            )
    return formula, value * factor
