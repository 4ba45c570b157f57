"""Output of `commitcast accounting`: Rich tables for people, CSV and JSON for machines.

Per lease contract its policy and schedule (opening, payment, interest, closing liability,
current and non-current, ROU asset, lease cost or depreciation + interest), the maturity
analysis as of a month, and the accounting P&L beside the management one. Machine formats carry
unrounded figures; tables round for display only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from commitcast.core.display import format_money, format_percent
from commitcast.render.tables import csv_rows, to_json
from commitcast.render.terminal import figure_table, fits, phrase, print_prose
from commitcast.render.whatif import overrides_line, scenario_info

if TYPE_CHECKING:
    from commitcast.analysis.accounting import LeaseAccounting, LeaseSchedule, MaturityRow

STANDARDS = {"asc842": "ASC 842 operating lease", "ifrs16": "IFRS 16"}
CAVEAT = (
    "The treatment is the policy stated in the scenario (accounting: in each contract): "
    "commitcast computes it; whether a contract is a lease is your judgment."
)

# schedule columns: key, header, shown for (asc842, ifrs16)
LIABILITY = (
    ("opening", "opening\nliability"),
    ("payment", "\npayment"),
    ("interest", "\ninterest"),
    ("closing", "closing\nliability"),
    ("current", "\ncurrent"),
    ("noncurrent", "non-\ncurrent"),
)
COST = {
    "asc842": (("rou", "ROU\nasset"), ("lease_cost", "lease\ncost")),
    "ifrs16": (
        ("rou", "ROU\nasset"),
        ("depreciation", "depre-\nciation"),
        ("lease_cost", "\nexpense"),
    ),
}
PNL = (
    ("revenue", "\nrevenue"),
    ("management_inference_cost", "cost of revenue\nmanagement"),
    ("accounting_inference_cost", "cost of revenue\naccounting"),
    ("management_gross_margin", "gross margin\nmanagement"),
    ("accounting_gross_margin", "gross margin\naccounting"),
    ("difference", "\ndifference"),
)
PNL_NARROW = {
    "management_inference_cost": "cost of\nrevenue\nmanagement",
    "accounting_inference_cost": "cost of\nrevenue\naccounting",
    "management_gross_margin": "gross\nmargin\nmanagement",
    "accounting_gross_margin": "gross\nmargin\naccounting",
}
MATURITY_LINES = (
    ("Year 1", "year_1"),
    ("Year 2", "year_2"),
    ("Year 3", "year_3"),
    ("Year 4", "year_4"),
    ("Year 5", "year_5"),
    ("Thereafter", "thereafter"),
    ("Total undiscounted payments", "total"),
    ("Less imputed interest", "imputed_interest"),
    ("Lease liability", "liability"),
    ("  of which current", "current"),
    ("  of which non-current", "noncurrent"),
    ("ROU asset", "rou"),
)
PNL_FIGURES = (
    "revenue",
    "lease_fees",
    "lease_cost",
    "training_share",
    "management_inference_cost",
    "accounting_inference_cost",
    "management_training_cost",
    "accounting_training_cost",
    "management_gross_margin",
    "accounting_gross_margin",
    "difference",
)


# ---- records (JSON and CSV) ----------------------------------------------------------------


def schedule_records(lease: LeaseSchedule) -> list[dict[str, Any]]:
    rows = []
    for j, month in enumerate(lease.months):
        rows.append(
            {
                "month": month,
                "term_days": float(lease.term_days_in_month[j]),
                "fees": float(lease.fees[j]),
                "payment": float(lease.payments[j]),
                "opening": float(lease.opening[j]),
                "interest": float(lease.interest[j]),
                "closing": float(lease.closing[j]),
                "current": float(lease.current[j]),
                "noncurrent": float(lease.noncurrent[j]),
                "rou": float(lease.rou[j]),
                "depreciation": float(lease.depreciation[j]),
                "lease_cost": float(lease.lease_cost[j]),
            }
        )
    return rows


def lease_record(lease: LeaseSchedule) -> dict[str, Any]:
    return {
        "contract": lease.name,
        "standard": lease.standard,
        "term": lease.term,
        "commencement": lease.commencement.isoformat(),
        "term_end": lease.term_end.isoformat(),
        "term_days": lease.term_days,
        "short_term_exemption": lease.short_term,
        "payment_timing": lease.contract.payment.timing,
        "borrowing_rate": lease.borrowing_rate,
        "monthly_rate": lease.monthly_rate,
        "termination_fee_in_payments": lease.termination_fee,
        "total_payments": lease.total_payments,
        "initial_liability": lease.initial_liability,
        "schedule": schedule_records(lease),
    }


def maturity_record(row: MaturityRow) -> dict[str, Any]:
    from commitcast.analysis.accounting import YEARS

    return {
        "contract": row.name,
        **dict(zip(YEARS, row.years, strict=True)),
        "total": row.total,
        "imputed_interest": row.imputed_interest,
        "liability": row.liability,
        "current": row.current,
        "noncurrent": row.noncurrent,
        "rou": row.rou,
    }


def pnl_records(report: LeaseAccounting) -> list[dict[str, Any]]:
    pnl = report.pnl
    values = {name: getattr(pnl, name) for name in PNL_FIGURES}
    return [
        {"month": month, **{name: float(values[name][t]) for name in PNL_FIGURES}}
        for t, month in enumerate(pnl.months)
    ]


def accounting_json(report: LeaseAccounting) -> str:
    return to_json(
        {
            "scenario": scenario_info(report.scenario),
            "overrides": list(report.scenario.provenance.overrides),
            "as_of": report.as_of_label,
            "leases": [lease_record(lease) for lease in report.leases],
            "maturity": {
                "as_of": report.as_of_label,
                "leases": [maturity_record(row) for row in report.maturity],
                "total": maturity_record(report.maturity_total),
            },
            "pnl": pnl_records(report),
            "pnl_totals": {
                name: float(getattr(report.pnl, name).sum())
                for name in PNL_FIGURES
                if name != "training_share"
            },
            "notes": report.notes,
        }
    )


def accounting_csv(report: LeaseAccounting) -> str:
    """One tidy table: section (schedule, maturity, pnl), contract, period, figure, value."""
    rows: list[list[Any]] = []
    for lease in report.leases:
        for record in schedule_records(lease):
            month = record.pop("month")
            rows += [["schedule", lease.name, month, k, v] for k, v in record.items()]
    for row in [*report.maturity, report.maturity_total]:
        record = maturity_record(row)
        name = record.pop("contract")
        rows += [["maturity", name, report.as_of_label, k, v] for k, v in record.items()]
    for record in pnl_records(report):
        month = record.pop("month")
        rows += [["pnl", "", month, k, v] for k, v in record.items()]
    return csv_rows(["section", "contract", "period", "figure", "value"], rows)


# ---- terminal ------------------------------------------------------------------------------


def _table(title: str | None, headers: Sequence[tuple[str, bool]]) -> Table:
    table = figure_table(title)
    for head, left in headers:
        table.add_column(head, justify="left" if left else "right", no_wrap=True)
    return table


def _print_fitting(console: Console, layouts: Sequence[Sequence[Table]]) -> None:
    """The first layout whose tables all fit the console (else the last one)."""
    for tables in layouts:
        if fits(console, tables):
            break
    for table in tables:
        console.print(table)


def policy_line(lease: LeaseSchedule, currency: str) -> str:
    money = lambda value: format_money(value, currency)  # noqa: E731
    term = "non-cancelable term" if lease.term == "noncancelable" else "full term"
    parts = [
        f"{lease.name}:",
        phrase(STANDARDS[lease.standard] + ","),
        phrase(f"{term} {lease.commencement} to {lease.term_end}"),
        phrase(f"({lease.term_days:,} days),"),
        phrase(f"payments in {lease.contract.payment.timing}"),
        phrase(f"{money(lease.total_payments)}" + ("" if lease.short_term else ",")),
    ]
    if lease.ends_early and lease.termination_fee:
        parts.append(phrase(f"termination fee {money(lease.termination_fee)} included,"))
    if not lease.short_term:
        parts += [
            phrase(f"borrowing rate {format_percent(lease.borrowing_rate)} a year"),
            phrase(f"({lease.monthly_rate * 100:.4f}% a month)"),
        ]
    return " ".join(parts)


def print_schedule(console: Console, lease: LeaseSchedule, currency: str) -> None:
    print_prose(console, policy_line(lease, currency), style="bold")
    if lease.short_term:
        print_prose(
            console,
            "  short-term exemption: a lease term of 12 months or less; nothing on the balance "
            "sheet, the fees are expensed as incurred",
        )
        return
    print_prose(
        console,
        "  "
        + phrase(f"liability at commencement {format_money(lease.initial_liability, currency)}")
        + " "
        + phrase("(payments discounted at the borrowing rate)")
        + ("; expense = depreciation + interest" if lease.standard == "ifrs16" else ""),
    )
    records = schedule_records(lease)
    cost = COST[lease.standard]

    def build(keys: Sequence[tuple[str, str]], title: str | None) -> Table:
        table = _table(title, [("\nmonth", True), *((head, False) for _, head in keys)])
        for record in records:
            table.add_row(record["month"], *(format_money(record[k], currency) for k, _ in keys))
        totals = {
            "payment": lease.payments.sum(),
            "interest": lease.interest.sum(),
            "depreciation": lease.depreciation.sum(),
            "lease_cost": lease.lease_cost.sum(),
        }
        table.add_section()
        table.add_row(
            "total",
            *(format_money(totals[k], currency) if k in totals else "" for k, _ in keys),
        )
        return table

    # narrower: without the opening liability (each row's is the row above's closing one),
    # then the liability and the asset in two tables
    _print_fitting(
        console,
        [
            [build((*LIABILITY, *cost), None)],
            [build((*LIABILITY[1:], *cost), None)],
            [build(LIABILITY, "Liability"), build(cost, "Asset and cost")],
        ],
    )


MATURITY_MONEY = {"total", "imputed_interest", "liability", "current", "noncurrent", "rou"}


def print_maturity(console: Console, report: LeaseAccounting) -> None:
    from commitcast.analysis.accounting import YEARS

    currency = report.scenario.currency
    if not report.maturity:
        print_prose(
            console,
            f"Maturity analysis at {report.as_of}: no lease on the balance sheet",
            style="bold",
        )
        return
    print_prose(
        console,
        f"Maturity analysis at {report.as_of}: the payments still to make, undiscounted, by "
        "year from that date; less the interest they include, they are the liability.",
    )
    rows = [maturity_record(r) for r in report.maturity]
    total = maturity_record(report.maturity_total)
    columns = [*rows, total] if len(rows) > 1 else rows
    names = [r["contract"] for r in columns]

    def build(heads: list[str]) -> Table:
        table = _table(
            None,
            [("", True), *((head, False) for head in heads)],
        )
        for label, key in MATURITY_LINES:
            table.add_row(
                label,
                *(format_money(r[key], currency) for r in columns),
                end_section=key in ("thereafter", "imputed_interest", "noncurrent"),
            )
        return table

    assert set(YEARS) <= set(rows[0])
    _print_fitting(
        console,
        [
            [build(names)],
            [build([_broken(name, 14) for name in names])],
            [build([_broken(name, 10) for name in names])],
        ],
    )


def _broken(name: str, width: int) -> str:
    from commitcast.render.terminal import break_label

    return break_label(name, width)


def print_pnl(console: Console, report: LeaseAccounting) -> None:
    currency = report.scenario.currency
    records = pnl_records(report)
    pnl = report.pnl

    def build(heads: dict[str, str]) -> Table:
        table = _table(
            "Accounting P&L beside the management one",
            [("\nmonth", True), *((heads.get(k, h), False) for k, h in PNL)],
        )
        for record in records:
            table.add_row(record["month"], *(format_money(record[k], currency) for k, _ in PNL))
        table.add_section()
        table.add_row(
            "total",
            *(format_money(float(getattr(pnl, k).sum()), currency) for k, _ in PNL),
        )
        return table

    _print_fitting(console, [[build({})], [build(PNL_NARROW)]])
    print_prose(
        console,
        "Cost of revenue is inference cost: the lease contracts' fees for their terms are "
        "replaced by their "
        + ("lease cost" if _all_asc(report) else "lease cost (or depreciation + interest)")
        + ", split between inference and training cost by the month's training share, as "
        "the fees are. Training cost changes too "
        + phrase(
            f"({format_money(float(pnl.management_training_cost.sum()), currency)} management,"
        )
        + " "
        + phrase(f"{format_money(float(pnl.accounting_training_cost.sum()), currency)}")
        + " accounting).",
    )


def _all_asc(report: LeaseAccounting) -> bool:
    return all(lease.standard == "asc842" for lease in report.leases)


def print_accounting(console: Console, report: LeaseAccounting) -> None:
    scenario = report.scenario
    print_prose(
        console,
        f"lease accounting for {scenario.name} ({scenario.currency}), "
        + phrase(f"as of {report.as_of_label}"),
        style="bold",
    )
    print_prose(console, overrides_line([scenario]) or "overrides: none")
    print_prose(console, CAVEAT)
    if not report.leases:
        for note in report.notes:
            print_prose(console, "note: " + note)
        return
    for lease in report.leases:
        console.print()
        print_schedule(console, lease, scenario.currency)
    console.print()
    print_maturity(console, report)
    console.print()
    print_pnl(console, report)
    for note in report.notes:
        print_prose(console, "note: " + note)
