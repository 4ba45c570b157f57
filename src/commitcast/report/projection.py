"""A projection as a neutral table: the JSON document `project --format json` writes.

The report layer turns results into plain dicts and rows (numbers unrounded, months as
YYYY-MM, None where undefined); render only writes them out in a format.
"""

from __future__ import annotations

from typing import Any

from commitcast.engine.actuals import ReforecastProjection
from commitcast.engine.projection import Period, Projection
from commitcast.model.scenario import Scenario


def scenario_source(scenario: Scenario, *, fiscal_year: bool = False) -> dict[str, Any]:
    """Which scenario, in which currency, from which file (and its hash): the head of every
    JSON document's `scenario`; with `fiscal_year`, the month its fiscal year starts too (for
    documents by fiscal period)."""
    source = scenario.provenance
    head = {
        "name": scenario.name,
        "currency": scenario.currency,
        "file": source.file,
        "sha256": source.sha256,
    }
    if fiscal_year:
        head["fiscal_year_start_month"] = scenario.fiscal_year_start_month
    return head


def scenario_header(scenario: Scenario, labels: list[str]) -> dict[str, Any]:
    """Which scenario, from which file (and its hash), over which months."""
    return scenario_source(scenario) | {"horizon": {"start": labels[0], "months": len(labels)}}


def actuals_header(result: ReforecastProjection) -> dict[str, Any]:
    """A re-forecast's actuals: which file (and its hash), how many months are closed, the
    last one, and whether the forecast keeps the plan's path."""
    actuals = result.actuals
    last = actuals.last if actuals is not None else None
    return {
        "file": actuals.file if actuals is not None else None,
        "sha256": actuals.sha256 if actuals is not None else None,
        "closed_months": result.closed,
        "last_closed": None if last is None else f"{last:%Y-%m}",
        "keep_plan": result.keep_plan,
    }


def projection_dict(
    result: Projection, by: Period = "month", *, contracts: bool = False
) -> dict[str, Any]:
    """The JSON document of a projection; with `contracts`, each contract month by month too
    (`contract_records`: a portfolio of thousands of contracts makes millions of figures, so
    only when asked)."""
    document: dict[str, Any] = {
        "scenario": scenario_header(result.scenario, result.labels),
        "overrides": list(result.overrides),
    }
    if isinstance(result, ReforecastProjection):
        document["actuals"] = actuals_header(result)
    document |= {"period": by, "monthly": result.records(by), "summary": result.summary}
    if contracts:
        document["contracts"] = contract_records(result)
    return document


# A reserved contract's monthly figures, each in its own currency and converted (FullSchedule
# row, ContractSchedule property): what the Contracts sheet shows
RESERVED_FIGURES = (
    ("fees", "fees", "fees"),
    ("fees_paid", "fees_paid", "fees_paid"),
    ("sla_credits", "sla_credits", "sla_credits"),
    ("remaining_obligation", "obligation", "remaining_obligation"),
)
COMMIT_FIGURES = ("spend", "shortfall", "termination_fee", "paid", "obligation")


def contract_records(result: Projection) -> list[dict[str, Any]]:
    """Each contract month by month over the horizon: its money in its own currency
    (`native`), the rate, and the same in the reporting currency, unrounded. A commit adds
    the tokens bought under it."""
    scenario = result.scenario
    batch = result.result
    commits = {c.name: c for c in batch.commits}
    records = []
    months = scenario.months
    for contract, schedule in zip(scenario.contracts, batch.contracts, strict=True):
        rows: list[dict[str, Any]] = []
        if contract.kind == "commit" and contract.name in commits:
            commit = commits[contract.name]
            rate = commit.fx_rate[0]
            for t, label in enumerate(result.labels):
                row: dict[str, Any] = {"month": label, "fx_rate": float(rate[t])}
                row["tokens"] = float(commit.tokens[0, t])
                for name in COMMIT_FIGURES:
                    value = float(getattr(commit, name)[0, t])
                    key = "remaining_obligation" if name == "obligation" else name
                    row[key] = value
                    row[f"{key}_native"] = value / float(rate[t])
                rows.append(row)
        else:
            full = schedule.full
            rate = full.fx_rate[0, 1 : months + 1]
            for t, label in enumerate(result.labels):
                row = {"month": label, "fx_rate": float(rate[t])}
                for key, native, converted in RESERVED_FIGURES:
                    row[key] = float(getattr(schedule, converted)[0, t])
                    row[f"{key}_native"] = float(getattr(full, native)[0, t + 1])
                rows.append(row)
        records.append(
            {
                "name": contract.name,
                "kind": contract.kind,
                "currency": scenario.currency_of(contract),
                "monthly": rows,
            }
        )
    return records
