"""Actuals: the figures of closed months, as a finance team records them after the close.

The form the variance report and the rolling re-forecast work on; `load.actuals` reads it from
a CSV file (one row per closed month) and checks it against the plan. Every figure is optional:
a figure not given stays as planned (see docs/conventions.md, "Actuals in closed months").

- `company`: projection columns by name (`revenue`, `committed_fees`, `served_tokens`, ...);
- `streams`: per revenue stream (by name) its `tokens` and `revenue`;
- `contracts`: per contract (by name) its `fees` (committed fees, with any termination fee).

Each figure is a tuple with one value per closed month, in month order; None where a month
leaves it blank. The closed months are consecutive, from the horizon's first month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Company figures an actuals file may give: the projection's flows and balances that a ledger
# records. Ratios and the derived figures (margin, utilization, idle cost, net and cumulative
# cash) are recomputed from the month's figures, never given.
COMPANY_FIGURES = (
    "committed_fees",
    "sla_credits",
    "capacity_tokens",
    "training_tokens",
    "demand_tokens",
    "served_tokens",
    "overflow_tokens",
    "unserved_tokens",
    "revenue",
    "inference_cost",
    "training_cost",
    "cash_in",
    "cash_out",
)
DERIVED_FIGURES = (
    "gross_margin",
    "gross_margin_pct",
    "utilization",
    "idle_capacity_cost",
    "net_cash_flow",
    "cumulative_cash",
)
STREAM_FIGURES = ("tokens", "revenue")
CONTRACT_FIGURES = ("fees",)

Values = tuple[float | None, ...]


@dataclass(frozen=True)
class Actuals:
    """The closed months' figures (see the module). `file` names where they came from, for
    messages and the audit trail; `sha256` is that file's hash."""

    months: tuple[dt.date, ...]  # first day of each closed month, consecutive
    company: dict[str, Values] = field(default_factory=dict)
    streams: dict[str, dict[str, Values]] = field(default_factory=dict)
    contracts: dict[str, dict[str, Values]] = field(default_factory=dict)
    file: str | None = None
    sha256: str | None = None

    @property
    def closed(self) -> int:
        """How many months are closed (the horizon's first `closed` months)."""
        return len(self.months)

    @property
    def last(self) -> dt.date | None:
        """The last closed month's first day (None when no month is closed)."""
        return self.months[-1] if self.months else None
