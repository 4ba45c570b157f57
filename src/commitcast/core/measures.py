"""The measures registry: every monthly column and summary figure, declared once.

A measure has a name (the key in CSV, JSON and the Python API), a label for people, a unit
(how it is displayed), how it aggregates over a quarter or a year, and its sense (whether more
is better, for colouring differences). The terminal, CSV, JSON, `--by` views, compare, simulate
and the workbook read this table; the engine computes each measure under its name. Adding a
figure means one declaration here plus its computation in the engine.

Aggregation:
- `flow`: the period's months add up (fees, revenue, tokens, cash flows);
- `balance`: the value at the period's last month (cumulative cash, remaining obligation);
- `ratio`: recomputed from the period's totals of `ratio_of` (numerator, denominator), never an
  average of monthly ratios: utilization = served / inference capacity over the period;
- `peak`: the period's highest month, undefined if any month of it is (a quarter with a
  month whose serving peak is saturated has no finite peak wait);
- `position`: a month label (peak funding month, payback month), not an amount.

Units: `money` (also a unit cost such as $1.52 per million tokens), `tokens`, `ratio`, `month`,
`quantity` (GPU-hours: shown like tokens, 1.23M), `count` (months) and `seconds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["money", "tokens", "ratio", "month", "quantity", "count", "seconds"]
Aggregation = Literal["flow", "balance", "ratio", "peak", "position"]
Sense = Literal["higher", "lower", "neutral"]


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    unit: Unit
    aggregation: Aggregation
    sense: Sense = "neutral"  # is a higher value better ("higher") or worse ("lower")?
    ratio_of: tuple[str, str] | None = None  # (numerator, denominator) for ratios
    scale: float = 1.0  # a ratio is numerator / denominator x scale (per million tokens: 1e6)


def _m(
    name: str,
    label: str,
    unit: Unit,
    aggregation: Aggregation = "flow",
    sense: Sense = "neutral",
    ratio_of: tuple[str, str] | None = None,
    scale: float = 1.0,
) -> Measure:
    return Measure(name, label, unit, aggregation, sense, ratio_of, scale)


# The monthly table's columns, in the order every output shows them.
MONTHLY: tuple[Measure, ...] = (
    _m("committed_fees", "Committed fees", "money", sense="lower"),
    _m("sla_credits", "SLA credits earned", "money"),
    _m("capacity_tokens", "Capacity", "tokens"),
    _m("available_tokens", "Available capacity (after uptime)", "tokens", sense="higher"),
    _m("gpu_hours", "GPU-hours", "quantity"),
    _m(
        "training_share",
        "Training share",
        "ratio",
        "ratio",
        ratio_of=("training_tokens", "available_tokens"),
    ),
    _m("training_tokens", "Training capacity", "tokens"),
    _m("usable_capacity_tokens", "Usable inference capacity", "tokens", sense="higher"),
    _m("demand_tokens", "Demand", "tokens", sense="higher"),
    _m("served_tokens", "Served on committed capacity", "tokens", sense="higher"),
    _m("commit_tokens", "Bought on commits", "tokens"),
    _m("overflow_tokens", "Overflow bought on demand", "tokens"),
    _m("unserved_tokens", "Demand left unserved", "tokens", sense="lower"),
    _m(
        "utilization",
        "Utilization of inference capacity",
        "ratio",
        "ratio",
        "higher",
        ("served_tokens", "inference_capacity_tokens"),
    ),
    _m("peak_utilization", "Peak-hour utilization", "ratio", "peak"),
    _m("queue_wait_seconds", "Peak-hour queue wait", "seconds", "peak", "lower"),
    _m("revenue", "Revenue", "money", sense="higher"),
    _m("inference_fees", "Inference fees (net of SLA credits)", "money", sense="lower"),
    _m(
        "cost_per_million_tokens",
        "Fees per million tokens served",
        "money",
        "ratio",
        "lower",
        ("inference_fees", "served_tokens"),
        scale=1e6,
    ),
    _m("inference_cost", "Inference cost", "money", sense="lower"),
    _m("training_cost", "Training cost", "money", sense="lower"),
    _m("idle_capacity_cost", "Idle capacity cost", "money", sense="lower"),
    _m("commit_spend", "Commit usage spend", "money", sense="lower"),
    _m("commit_shortfall", "Commit shortfall (idle commitment cost)", "money", sense="lower"),
    _m("gross_margin", "Gross margin", "money", sense="higher"),
    _m(
        "gross_margin_pct",
        "Gross margin %",
        "ratio",
        "ratio",
        "higher",
        ("gross_margin", "revenue"),
    ),
    _m("cash_in", "Cash in", "money", sense="higher"),
    _m("cash_out", "Cash out", "money", sense="lower"),
    _m("net_cash_flow", "Net cash flow", "money", sense="higher"),
    _m("cumulative_cash", "Cumulative cash", "money", "balance", "higher"),
    _m("receivables", "Receivables (revenue not yet collected)", "money", "balance"),
    _m("fees_payable", "Fees payable (incurred, not yet paid)", "money", "balance"),
    _m("sla_credits_receivable", "SLA credits not yet deducted", "money", "balance"),
    _m("prepaid_fees", "Prepaid fees (prepayment not yet credited)", "money", "balance"),
    _m("fx_loss", "FX remeasurement loss on balances", "money", sense="lower"),
    _m("remaining_obligation", "Remaining obligation", "money", "balance", "lower"),
)

# Monthly figures the engine also computes for summaries and the workbook, not table columns.
SUPPORTING: tuple[Measure, ...] = (
    _m("overflow_cost", "On-demand overflow cost", "money", sense="lower"),
    _m("serving_cost", "Serving cost", "money", sense="lower"),
    _m("fees_paid", "Fees paid", "money", sense="lower"),
    _m("inference_capacity_tokens", "Inference capacity", "tokens"),
    _m("usage_revenue", "Usage revenue before unserved demand", "money", sense="higher"),
    _m("flat_revenue", "Flat revenue", "money", sense="higher"),
    _m("served_share", "Share of demand served", "ratio", "ratio", "higher"),
    _m("available_gpus", "GPUs available (average over the month)", "quantity"),
    _m("serving_slots", "Serving slots per pool at inference", "quantity"),
    _m("gpu_fees", "Fees of GPU contracts, less credits", "money", sense="lower"),
    _m("commit_fees", "Commits' termination fees", "money", sense="lower"),
    _m("commit_paid", "Paid to commits", "money", sense="lower"),
    _m("commit_payable", "Owed to commits, not yet paid", "money", "balance"),
)

# Summary figures, in the order every output shows them.
SUMMARY: tuple[Measure, ...] = (
    _m("total_committed_fees", "Total committed fees", "money", sense="lower"),
    _m("total_revenue", "Total revenue", "money", sense="higher"),
    _m("total_inference_cost", "Total inference cost", "money", sense="lower"),
    _m("total_training_cost", "Total training cost", "money", sense="lower"),
    _m("gross_margin", "Gross margin", "money", sense="higher"),
    _m("gross_margin_pct", "Gross margin %", "ratio", "ratio", "higher"),
    _m("npv", "NPV of net cash flow", "money", sense="higher"),
    _m("peak_funding_need", "Peak funding need", "money", "balance", "lower"),
    _m("peak_funding_month", "Peak funding month", "month", "position"),
    _m("payback_month", "Payback month", "month", "position"),
    _m("average_utilization", "Average utilization", "ratio", "ratio", "higher"),
    _m("total_idle_capacity_cost", "Idle capacity cost", "money", sense="lower"),
    _m("total_commit_shortfall", "Idle commitment cost (commit shortfall)", "money", sense="lower"),
    _m("total_overflow_cost", "On-demand overflow cost", "money", sense="lower"),
    _m("total_sla_credits", "SLA credits earned", "money"),
    _m("peak_training_share", "Peak training share", "ratio", "ratio"),
    _m("months_saturated_at_peak", "Months saturated at peak", "count", sense="lower"),
    _m("max_queue_wait_seconds", "Longest peak-hour queue wait", "seconds", sense="lower"),
    _m("cost_per_gpu_hour", "Cost per GPU-hour", "money", "ratio", "lower"),
    _m(
        "average_cost_per_million_tokens",
        "Fees per million tokens served",
        "money",
        "ratio",
        "lower",
    ),
    _m("premium_over_market", "Premium over the market GPU-hour", "ratio", "ratio", "lower"),
    _m("exit_cost_now", "Exit cost now", "money", "balance", "lower"),
    _m("total_cash_in", "Cash in", "money", sense="higher"),
    _m("total_cash_out", "Cash out", "money", sense="lower"),
    _m("ending_cash", "Ending cumulative cash", "money", "balance", "higher"),
)

MONTHLY_COLUMNS = tuple(m.name for m in MONTHLY)
SUMMARY_KEYS = tuple(m.name for m in SUMMARY)
BALANCE_COLUMNS = tuple(m.name for m in MONTHLY if m.aggregation == "balance")
RATIO_COLUMNS = tuple(m.name for m in MONTHLY if m.aggregation == "ratio")
MONTH_FIGURES = tuple(m.name for m in SUMMARY if m.unit == "month")
# Summary figures a what-if command can measure: months are positions, not amounts, and have
# no meaningful difference or root.
MEASURABLE_FIGURES = tuple(m.name for m in SUMMARY if m.unit != "month")
RATIO_FIGURES = tuple(m.name for m in SUMMARY if m.unit == "ratio")

_BY_NAME = {m.name: m for m in (*SUMMARY, *SUPPORTING, *MONTHLY)}  # monthly wins a shared name


def measure(name: str) -> Measure:
    """The declaration of a monthly column or summary figure (KeyError if there is none).

    `gross_margin` and `gross_margin_pct` name both a monthly column and a summary figure; they
    share unit and aggregation, so either declaration serves for display."""
    return _BY_NAME[name]


def unit_of(name: str) -> Unit:
    """The unit of a measure; a name that is no measure (an input path) counts as money."""
    found = _BY_NAME.get(name)
    return found.unit if found else "money"


MILLION = 1e6  # prices are per million tokens
