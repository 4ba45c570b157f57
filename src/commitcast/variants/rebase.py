"""Re-basing a plan on its actuals: the scenario a rolling re-forecast projects after the close.

After the last closed month L each revenue stream goes on from where it actually was in L: its
tokens at month t are the actual tokens in L x (1 + growth)^(t - L), its usage price the actual
price in L x (1 + price_change)^(t - L), its flat revenue the actual revenue in L x (1 +
growth)^(t - L). Growth already counts from a stream's own start (`revenue[].start`), so this
is the same stream with `start` = L and its first-month figures the actual ones of L: a scenario
the one engine projects like any other (`--set`, sensitivity drivers and simulated
distributions then apply from L). The closed months themselves show the actuals
(`engine.actuals`), so what this scenario says before L is never shown.

What a stream re-bases from, in L (docs/conventions.md, "Rolling re-forecast"):

- tokens: its own actual tokens; else, when the company's `demand_tokens` is given and no
  stream's tokens are, the plan's tokens scaled by actual / planned demand; else the plan's;
- revenue: its own actual revenue, split between usage and flat revenue as the plan splits it
  at the actual tokens (a usage stream's actual price is its actual revenue / actual tokens x
  1e6); else the plan's price and flat revenue in L.

A stream not running in L (launched later, or ended) keeps the plan's path, and so does every
stream with `keep_plan`. Contracts, costs and the rest of the scenario are the plan's.
"""

from __future__ import annotations

import math
from typing import Any

from commitcast.core.calendar import month_number
from commitcast.model.actuals import Actuals
from commitcast.model.scenario import RevenueStream, Scenario

MILLION = 1e6


def rebase(scenario: Scenario, actuals: Actuals, keep_plan: bool = False) -> Scenario:
    """The scenario whose streams go on from the last closed month's actuals (see the module);
    `scenario` itself when nothing is closed, nothing in L re-bases a stream, or `keep_plan`."""
    last = actuals.last
    if keep_plan or last is None or not scenario.revenue:
        return scenario
    k = actuals.closed - 1
    demand = _given(actuals.company.get("demand_tokens"), k)
    any_stream_tokens = any(
        _given(actuals.streams.get(s.name, {}).get("tokens"), k) is not None
        for s in scenario.revenue
    )
    planned = {s.name: _plan_in(scenario, s, last) for s in scenario.revenue}
    planned_demand = sum(p[0] for p in planned.values() if p is not None)
    streams: list[RevenueStream] = []
    changed = False
    for stream in scenario.revenue:
        plan = planned[stream.name]
        if plan is None:  # not running in L: nothing to go on from
            streams.append(stream)
            continue
        tokens, price, flat = plan
        figures = actuals.streams.get(stream.name, {})
        actual_tokens = _given(figures.get("tokens"), k)
        scaled = demand is not None and not any_stream_tokens and planned_demand > 0
        if actual_tokens is None and scaled:
            assert demand is not None
            actual_tokens = tokens * demand / planned_demand
        new_tokens = tokens if actual_tokens is None else actual_tokens
        new_price, new_flat = price, flat
        revenue = _given(figures.get("revenue"), k)
        if revenue is not None:
            # the plan's revenue at the actual tokens, usage and flat: the actual revenue is
            # split between them in that proportion
            usage = new_tokens * price / MILLION
            whole = usage + flat
            if whole > 0:
                new_price, new_flat = price * revenue / whole, flat * revenue / whole
            elif new_tokens > 0:
                new_price = revenue / new_tokens * MILLION
            else:
                new_flat = revenue
        if actual_tokens is None and revenue is None:
            streams.append(stream)
            continue
        update: dict[str, Any] = {"start": last, "tokens_per_month": new_tokens}
        if stream.price_per_million_tokens is not None or new_price != price:
            update["price_per_million_tokens"] = new_price
        if stream.revenue_per_month is not None or new_flat != flat:
            update["revenue_per_month"] = new_flat
        streams.append(stream.model_copy(update=update))
        changed = True
    if not changed:
        return scenario
    rebased = scenario.model_copy(update={"revenue": streams})
    rebased.provenance = scenario.provenance
    rebased.uncertainty = scenario.uncertainty
    return rebased


def _given(values: tuple[float | None, ...] | None, index: int) -> float | None:
    """The figure of closed month `index`, None if blank or not in the file."""
    if values is None or index >= len(values):
        return None
    value = values[index]
    return None if value is None or math.isnan(value) else float(value)


def _plan_in(
    scenario: Scenario, stream: RevenueStream, month: Any
) -> tuple[float, float, float] | None:
    """The plan's tokens, price per million and flat revenue of `stream` in `month` (the
    engine's formulas: t counts from the stream's start); None if it is not running then."""
    start = stream.start or scenario.horizon.start
    if month < start or (stream.end is not None and month > stream.end):
        return None
    t = month_number(month) - month_number(start)
    grown = (1.0 + stream.growth) ** t
    price = (stream.price_per_million_tokens or 0.0) * (1.0 + stream.price_change) ** t
    return stream.tokens_per_month * grown, price, (stream.revenue_per_month or 0.0) * grown
