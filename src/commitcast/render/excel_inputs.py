"""The Assumptions sheet: every input of every scenario as a labelled, styled input cell.

Formulas elsewhere refer to these cells (and only to these) for inputs, so changing one
recalculates the whole workbook. Text from a scenario is written as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from commitcast.core.display import currency_symbol
from commitcast.model.scenario import Scenario
from commitcast.render.excel_style import Formats, sheet_ref

SHEET = "Assumptions"

INPUT_FORMATS = {
    "money": "#,##0.00",
    "rate": "0.00%",
    "share": "0.0%",
    "date": "yyyy-mm-dd",
    "int": "0",
    "count": "#,##0.##",
    "uptime": "0.000%",
    "seconds": '0.00" s"',
    "tokens": "#,##0",
    "price": "#,##0.00##",
    "factor": "0.00##",
    "month": "yyyy-mm",
    "choice": "@",
    "text": "@",
}


@dataclass
class Inputs:
    """Where one scenario's inputs sit: key -> absolute reference (with the sheet)."""

    refs: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # key -> defined name

    def __getitem__(self, key: str) -> str:
        return self.refs[key]


def _name_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text.title()) or "X"


def write_assumptions(
    ws: Any, workbook: Any, formats: Formats, scenarios: list[Scenario]
) -> list[Inputs]:
    ws.set_column(0, 0, 46)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 70)
    ws.freeze_panes(2, 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, "Assumptions", formats.title())
    ws.write_string(
        0,
        2,
        "Blue cells on yellow are inputs: change them and every sheet follows.",
        formats.subtitle(),
    )
    ws.write_string(1, 0, "Input", formats.header())
    ws.write_string(1, 1, "Value", formats.header())
    ws.write_string(1, 2, "Unit and meaning", formats.header())
    row = 3
    out = []
    for number, scenario in enumerate(scenarios, start=1):
        writer = _Block(ws, workbook, formats, row, f"S{number}", scenario.currency)
        _scenario_block(writer, scenario, number)
        out.append(writer.inputs)
        row = writer.row + 1
    return out


class _Block:
    def __init__(
        self, ws: Any, workbook: Any, formats: Formats, row: int, prefix: str, currency: str
    ) -> None:
        self.ws = ws
        self.workbook = workbook
        self.formats = formats
        self.row = row
        self.prefix = prefix
        self.currency = currency
        self.inputs = Inputs()

    def heading(self, text: str, big: bool = False) -> None:
        fmt = self.formats.header() if big else self.formats.section()
        for col in range(3):
            self.ws.write_blank(self.row, col, None, fmt)
        self.ws.write_string(self.row, 0, text, fmt)
        self.row += 1

    def text(self, label: str, value: str, note: str = "") -> None:
        self.ws.write_string(self.row, 0, label)
        self.ws.write_string(self.row, 1, value, self.formats.text(bold=True))
        if note:
            self.ws.write_string(self.row, 2, note, self.formats.subtitle())
        self.row += 1

    def value(
        self,
        label: str,
        key: str,
        value: Any,
        kind: str,
        note: str = "",
        *,
        name: str | None = None,
        editable: bool = True,
        choices: list[str] | None = None,
    ) -> None:
        ws, row = self.ws, self.row
        num_format = INPUT_FORMATS[kind]
        fmt = (
            self.formats.input(num_format)
            if editable
            else self.formats.get(num_format=num_format, bg_color="#EDEDED")
        )
        ws.write_string(row, 0, label)
        if value is None:
            ws.write_blank(row, 1, None, fmt)
        elif isinstance(value, dt.date):
            ws.write_datetime(row, 1, dt.datetime(value.year, value.month, value.day), fmt)
        elif isinstance(value, str):
            ws.write_string(row, 1, value, fmt)
        else:
            ws.write_number(row, 1, float(value), fmt)
        if choices:
            ws.data_validation(
                row, 1, row, 1, {"validate": "list", "source": choices, "ignore_blank": True}
            )
        if note:
            ws.write_string(row, 2, note, self.formats.subtitle())
        ref = f"{sheet_ref(SHEET)}!$B${row + 1}"
        self.inputs.refs[key] = ref
        if name:
            defined = f"{self.prefix}_{name}"
            self.workbook.define_name(defined, f"={ref}")
            self.inputs.names[key] = defined
        self.row += 1


def _scenario_block(b: _Block, scenario: Scenario, number: int) -> None:
    money = currency_symbol(scenario.currency).strip()
    b.heading(f"Scenario {number}: {scenario.name}", big=True)
    b.text("Scenario", scenario.name)
    b.text("Currency", scenario.currency, "every amount below is in this currency")
    b.value(
        "Horizon start",
        "horizon.start",
        scenario.horizon.start,
        "date",
        "first month projected (fixes the month columns; export again to change it)",
        editable=False,
    )
    b.value(
        "Horizon months",
        "horizon.months",
        scenario.months,
        "int",
        "months projected (fixes the month columns; export again to change it)",
        editable=False,
    )
    b.value(
        "Fiscal year starts (month)",
        "fiscal_year_start_month",
        scenario.fiscal_year_start_month,
        "int",
        "1 = January; FY2027 ends in 2027 (fixes the year totals; export again to change it)",
        editable=False,
    )
    b.value(
        "Discount rate (annual)",
        "discount_rate",
        scenario.discount_rate,
        "rate",
        "NPV discounts month t = 1..N at (1 + rate)^(1/12) - 1",
        name="DiscountRate",
    )
    b.value(
        "Tokens per million",
        "million",
        1_000_000,
        "tokens",
        "unit constant: prices are per million tokens",
        editable=False,
    )
    b.value(
        "Seconds per day",
        "seconds_a_day",
        86_400,
        "int",
        "unit constant: GPU capacity is tokens per GPU-second x seconds of service",
        editable=False,
    )
    b.value(
        "Hours per day",
        "hours_a_day",
        24,
        "int",
        "unit constant: GPU-hours are GPUs x hours of service",
        editable=False,
    )
    if scenario.fx:
        b.heading("Exchange rates")
        for code, fx in scenario.fx.items():
            b.value(
                f"{code}: rate",
                f"fx.{code}.rate",
                fx.rate,
                "factor",
                f"{scenario.currency} per {code} in the horizon's first month",
                name=f"FX_{_name_part(code)}_Rate",
            )
            b.value(
                f"{code}: change per month",
                f"fx.{code}.change",
                fx.change,
                "rate",
                "the rate of month t is rate x (1 + change)^t (t = -1: the month before)",
                name=f"FX_{_name_part(code)}_Change",
            )
    for i, c in enumerate(scenario.contracts, start=0):
        tag = f"C{i + 1}"
        p = f"contracts[{i}]"
        term = c.termination
        commit = c.kind == "commit"
        code = scenario.currency_of(c)
        sym = currency_symbol(code).strip()
        b.heading(f"Contract {i + 1}: {c.name}")
        if c.counterparty:
            b.text("Counterparty", c.counterparty)
        b.text(
            "Kind",
            c.kind,
            "commit: tokens bought at a price with a minimum spend; reserved: capacity for a "
            "fee (export again to change it)",
        )
        b.text("Currency", code, "the contract's amounts below are in this currency")
        if commit:
            _commit_inputs(b, p, tag, c, sym)
        # a commit's reserved inputs are not used by it (grey): fee 0, no capacity
        reserved = not commit
        b.value(
            "Monthly fee",
            f"{p}.monthly_fee",
            c.monthly_fee,
            "money",
            f"{sym} per full month of service, before escalator and ramp",
            name=f"{tag}_MonthlyFee",
            editable=reserved,
        )
        b.value("Start", f"{p}.start", c.start, "date", "first day of service", name=f"{tag}_Start")
        b.value(
            "End",
            f"{p}.end",
            c.end,
            "date",
            "last day of service, inclusive (a later end needs a new export: the month "
            "columns stop at this end)",
            name=f"{tag}_End",
        )
        b.value(
            "Escalator rate",
            f"{p}.escalator.rate",
            c.escalator.rate if c.escalator else 0.0,
            "rate",
            "fee increase per step",
            name=f"{tag}_EscalatorRate",
            editable=reserved,
        )
        b.value(
            "Escalator step (contract months)",
            f"{p}.escalator.every_months",
            c.escalator.every_months if c.escalator else 12,
            "int",
            "the fee steps up from contract month n, 2n, ...",
            editable=reserved,
        )
        for j, step in enumerate(c.ramp):
            b.value(
                f"Ramp step {j + 1}: months",
                f"{p}.ramp[{j}].months",
                step.months,
                "int",
                "contract months the step lasts; steps follow one another from month 0",
            )
            b.value(
                f"Ramp step {j + 1}: fraction",
                f"{p}.ramp[{j}].fraction",
                step.fraction,
                "share",
                "share of fee and capacity in those months",
            )
        capacity = c.capacity
        b.value(
            "Capacity (tokens per month)",
            f"{p}.capacity.tokens_per_month",
            capacity.tokens_per_month or 0.0,
            "tokens",
            "tokens per full month of service (0: capacity given in GPUs)",
            name=f"{tag}_TokensPerMonth",
            editable=reserved,
        )
        b.value(
            "GPUs",
            f"{p}.capacity.gpus",
            capacity.gpus or 0.0,
            "count",
            "GPUs reserved (0: capacity given in tokens per month)",
            name=f"{tag}_Gpus",
            editable=reserved,
        )
        b.value(
            "Tokens per GPU-second",
            f"{p}.capacity.tokens_per_gpu_second",
            capacity.tokens_per_gpu_second or 0.0,
            "tokens",
            "sustained serving throughput of one GPU, in tokens per second",
            name=f"{tag}_TokensPerGpuSecond",
            editable=reserved,
        )
        b.value(
            "Uptime",
            f"{p}.uptime",
            c.uptime,
            "uptime",
            "share of the time the capacity is available (fees do not change)",
            name=f"{tag}_Uptime",
            editable=reserved,
        )
        tiers = c.sla.credits if c.sla else []
        for j, tier in enumerate(tiers):
            b.value(
                f"SLA tier {j + 1}: uptime below",
                f"{p}.sla.credits[{j}].below",
                tier.below,
                "uptime",
                "the tier applies when uptime is strictly below this share",
            )
            b.value(
                f"SLA tier {j + 1}: credit",
                f"{p}.sla.credits[{j}].credit",
                tier.credit,
                "share",
                "credit as a share of the month's service fees",
            )
        b.value(
            "SLA credit cap",
            f"{p}.sla.cap",
            c.sla.cap if c.sla else 1.0,
            "share",
            "credit at most this share of the month's service fees"
            + ("" if tiers else " (no credit tiers: no credits)"),
            editable=reserved,
        )
        b.value(
            "Payment timing",
            f"{p}.payment.timing",
            c.payment.timing,
            "choice",
            "advance: paid in the month of service; arrears: the month after",
            choices=["advance", "arrears"],
        )
        b.value(
            "Termination allowed",
            f"{p}.termination.allowed",
            "yes" if term else "no",
            "choice",
            "no: every fee to the end is owed",
            choices=["yes", "no"],
        )
        b.value(
            "Notice period (days)",
            f"{p}.termination.notice_days",
            term.notice_days if term else 0,
            "int",
            "notice on day D makes D + days the first day without service",
            name=f"{tag}_NoticeDays",
        )
        b.value(
            "Termination fee",
            f"{p}.termination.fee",
            term.fee if term else 0.0,
            "money",
            f"{sym}, charged in the last month of service",
            name=f"{tag}_TerminationFee",
        )
        b.value(
            "Earliest notice",
            f"{p}.termination.earliest_notice",
            c.earliest_notice,
            "date",
            "first day notice may be given",
        )
        b.value(
            "Notice given on",
            f"{p}.termination.notice_given",
            term.notice_given if term else None,
            "date",
            "empty: no notice given",
            name=f"{tag}_NoticeGiven",
        )
        if not commit:
            _billing_inputs(b, p, tag, c, sym)
        policy = c.accounting
        if policy.treatment == "lease":
            # the lease view (Accounting sheet); the standard and the term choose its rows
            standard = {"asc842": "ASC 842 operating lease", "ifrs16": "IFRS 16"}
            b.text(
                "Accounting",
                f"lease, {standard[policy.standard]}",
                f"{policy.term} term; a stated policy, your judgment (export again to change "
                "the treatment, the standard or the term)",
            )
            b.value(
                "Borrowing rate (annual)",
                f"{p}.accounting.borrowing_rate",
                policy.borrowing_rate,
                "rate",
                "incremental borrowing rate: discounts the lease payments at "
                "(1 + rate)^(1/12) - 1 a month",
                name=f"{tag}_BorrowingRate",
            )
            b.value(
                "Short-term exemption",
                f"{p}.accounting.short_term_exemption",
                "yes" if policy.short_term_exemption else "no",
                "choice",
                "yes: a lease term of 12 months or less stays off the balance sheet",
                choices=["yes", "no"],
            )
    for j, s in enumerate(scenario.revenue):
        tag = f"R{j + 1}"
        p = f"revenue[{j}]"
        b.heading(f"Revenue stream {j + 1}: {s.name}")
        b.text("Currency", scenario.currency_of(s), "the stream's amounts are in this currency")
        b.value(
            "Tokens demanded (first month)",
            f"{p}.tokens_per_month",
            s.tokens_per_month,
            "tokens",
            "token demand in the horizon's first month"
            if s.start is None
            else "token demand in the stream's first month (its start)",
        )
        b.value(
            "Growth per month",
            f"{p}.growth",
            s.growth,
            "rate",
            "monthly growth of demand and of flat revenue",
            name=f"{tag}_Growth",
        )
        b.value(
            "Price per million tokens",
            f"{p}.price_per_million_tokens",
            s.price_per_million_tokens or 0.0,
            "price",
            f"{currency_symbol(scenario.currency_of(s)).strip()} per million tokens served, "
            "first month",
            name=f"{tag}_Price",
        )
        b.value(
            "Price change per month",
            f"{p}.price_change",
            s.price_change,
            "rate",
            "monthly change of the token price",
        )
        b.value(
            "Flat revenue (first month)",
            f"{p}.revenue_per_month",
            s.revenue_per_month or 0.0,
            "money",
            f"{currency_symbol(scenario.currency_of(s)).strip()} per month, not tied to tokens "
            "served; grows with demand",
        )
        b.value(
            "Stream starts (month)",
            f"{p}.start",
            s.start,
            "month",
            "growth and price change count from it; empty: the horizon's start",
            name=f"{tag}_Start",
        )
        b.value(
            "Stream ends (month)",
            f"{p}.end",
            s.end,
            "month",
            "last month with demand and revenue; empty: the horizon's end",
            name=f"{tag}_End",
        )
    costs = scenario.costs
    b.heading("Costs and collection")
    b.value(
        "Training share",
        "costs.training_share",
        costs.training_share,
        "share",
        "share of available capacity and of fees (net of credits) used for training",
        name="TrainingShare",
    )
    b.value(
        "Serving cost per million tokens",
        "costs.serving_cost_per_million_tokens",
        costs.serving_cost_per_million_tokens,
        "price",
        f"{money} per million tokens served (committed or on demand)",
        name="ServingCost",
    )
    b.value(
        "Overflow policy",
        "costs.overflow.policy",
        costs.overflow.policy,
        "choice",
        "on_demand: demand over capacity is bought on demand; unserved: it is lost",
        choices=["on_demand", "unserved"],
    )
    b.value(
        "On-demand price per million tokens",
        "costs.overflow.cost_per_million_tokens",
        costs.overflow.cost_per_million_tokens or 0.0,
        "price",
        f"{money} per million tokens bought on demand",
        name="OverflowCost",
    )
    b.value(
        "Collection lag (months)",
        "costs.collection_lag_months",
        costs.collection_lag_months,
        "int",
        "months between earning revenue and collecting the cash",
        name="CollectionLag",
    )
    for j, run in enumerate(scenario.training_runs):
        tag = f"T{j + 1}"
        p = f"training_runs[{j}]"
        b.heading(f"Training run {j + 1}: {run.name}")
        b.value(
            "First month",
            f"{p}.start",
            run.start,
            "month",
            "the run is active from this month",
            name=f"{tag}_Start",
        )
        b.value("Months", f"{p}.months", run.months, "int", "months each run lasts")
        b.value(
            "Share of available capacity",
            f"{p}.share",
            run.share,
            "share",
            "added to the training share while the run is active (at most 100% in all)",
            name=f"{tag}_Share",
        )
        b.value(
            "Repeats every (months)",
            f"{p}.repeat_every_months",
            run.repeat_every_months or 0,
            "int",
            "months from one run's start to the next's; 0: runs once",
        )
    serving = scenario.serving
    if serving is not None:
        b.heading("Serving (queue latency)")
        b.value(
            "Request time (seconds)",
            "serving.request_seconds",
            serving.request_seconds,
            "seconds",
            "mean time one request holds a serving slot",
            name="RequestSeconds",
        )
        b.value(
            "Slots per GPU",
            "serving.slots_per_gpu",
            serving.slots_per_gpu,
            "count",
            "requests one GPU serves at once",
            name="SlotsPerGpu",
        )
        b.value(
            "Serving pools",
            "serving.pools",
            serving.pools,
            "int",
            "independent pools the GPUs are split into",
            name="Pools",
        )
        b.value(
            "Peak to average",
            "serving.peak_to_average",
            serving.peak_to_average,
            "factor",
            "busiest hour's demand / the month's average",
            name="PeakToAverage",
        )
        b.value(
            "Arrival variability (CV)",
            "serving.arrival_cv",
            serving.arrival_cv,
            "factor",
            "coefficient of variation of the time between arrivals (1: Poisson)",
        )
        b.value(
            "Service variability (CV)",
            "serving.service_cv",
            serving.service_cv,
            "factor",
            "coefficient of variation of request times",
        )
        b.value(
            "Wait target (seconds)",
            "serving.wait_target_seconds",
            serving.wait_target_seconds,
            "seconds",
            "cap on the peak-hour mean wait (empty: none; export again to change it)",
            editable=False,
        )
    b.heading("Benchmarks")
    b.value(
        "Market price per GPU-hour",
        "benchmarks.market_price_per_gpu_hour",
        scenario.benchmarks.market_price_per_gpu_hour,
        "price",
        f"{money} per GPU-hour for the same GPUs on the market; empty: no comparison",
        name="MarketGpuHour",
    )


def _commit_inputs(b: _Block, p: str, tag: str, c: Any, sym: str) -> None:
    """A take-or-pay commit's price, minimum and monthly limit."""
    b.value(
        "Price per million tokens",
        f"{p}.price_per_million_tokens",
        c.price_per_million_tokens or 0.0,
        "price",
        f"{sym} per million tokens bought under the commit",
        name=f"{tag}_Price",
    )
    b.value(
        "Minimum spend per period",
        f"{p}.minimum.amount",
        c.minimum.amount if c.minimum else 0.0,
        "money",
        f"{sym} a period; a period in service or in the horizon for fewer months is prorated",
        name=f"{tag}_Minimum",
    )
    b.value(
        "Minimum period (contract months)",
        f"{p}.minimum.every_months",
        c.minimum.every_months if c.minimum else 12,
        "int",
        "periods run this many months from the start month; the shortfall is billed in the "
        "period's last month",
        name=f"{tag}_MinimumMonths",
    )
    b.value(
        "Most tokens per month",
        f"{p}.max_tokens_per_month",
        c.max_tokens_per_month,
        "tokens",
        "tokens a full month of service may buy (empty: no limit)",
        name=f"{tag}_MaxTokens",
    )


def _billing_inputs(b: _Block, p: str, tag: str, c: Any, sym: str) -> None:
    """A reserved contract's billing period and prepayment."""
    pre = c.prepayment
    # the Contracts sheet has billing and prepayment rows only for a contract that uses them
    live = c.payment.every_months > 1 or pre is not None
    again = "" if live else " (export again to bill over several months or add a prepayment)"
    b.value(
        "Billing period (contract months)",
        f"{p}.payment.every_months",
        c.payment.every_months,
        "int",
        "fees of each period of this many months are paid in its first month (advance) or "
        "the month after its last (arrears)" + again,
        name=f"{tag}_BillingMonths",
        editable=live,
    )
    b.value(
        "Prepayment",
        f"{p}.prepayment.amount",
        pre.amount if pre else 0.0,
        "money",
        f"{sym} paid ahead, credited against the payments from the month it is paid (0: none)",
        name=f"{tag}_Prepayment",
        editable=live,
    )
    b.value(
        "Prepayment paid on",
        f"{p}.prepayment.paid",
        pre.paid if pre else None,
        "date",
        "cash out in this month",
        name=f"{tag}_PrepaymentPaid",
        editable=live,
    )
    b.value(
        "Prepayment applied",
        f"{p}.prepayment.applied",
        pre.applied if pre else "first",
        "choice",
        "first: each payment is covered until it is used up; pro_rata: each payment x "
        "min(1, prepayment / their total)",
        choices=["first", "pro_rata"],
        editable=live,
    )
    b.value(
        "Prepayment refundable",
        f"{p}.prepayment.refundable",
        "yes" if pre and pre.refundable else "no",
        "choice",
        "yes: an unused remainder is refunded at the end of service; no: it is forfeited",
        choices=["yes", "no"],
        editable=live,
    )
