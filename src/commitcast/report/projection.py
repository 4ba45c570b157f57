"""A projection as a neutral table: the JSON document `project --format json` writes.

The report layer turns results into plain dicts and rows (numbers unrounded, months as
YYYY-MM, None where undefined); render only writes them out in a format.
"""

from __future__ import annotations

from typing import Any

from commitcast.engine.actuals import ReforecastProjection
from commitcast.engine.projection import Period, Projection
from commitcast.model.scenario import Scenario


def scenario_header(scenario: Scenario, labels: list[str]) -> dict[str, Any]:
    """Which scenario, from which file (and its hash), over which months."""
    source = scenario.provenance
    return {
        "name": scenario.name,
        "currency": scenario.currency,
        "file": source.file,
        "sha256": source.sha256,
        "horizon": {"start": labels[0], "months": len(labels)},
    }


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


def projection_dict(result: Projection, by: Period = "month") -> dict[str, Any]:
    document: dict[str, Any] = {
        "scenario": scenario_header(result.scenario, result.labels),
        "overrides": list(result.overrides),
    }
    if isinstance(result, ReforecastProjection):
        document["actuals"] = actuals_header(result)
    return document | {"period": by, "monthly": result.records(by), "summary": result.summary}
