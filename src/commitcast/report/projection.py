"""A projection as a neutral table: the JSON document `project --format json` writes.

The report layer turns results into plain dicts and rows (numbers unrounded, months as
YYYY-MM, None where undefined); render only writes them out in a format.
"""

from __future__ import annotations

from typing import Any

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


def projection_dict(result: Projection, by: Period = "month") -> dict[str, Any]:
    return {
        "scenario": scenario_header(result.scenario, result.labels),
        "overrides": list(result.overrides),
        "period": by,
        "monthly": result.records(by),
        "summary": result.summary,
    }
