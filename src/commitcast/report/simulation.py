"""A simulation as neutral tables: the JSON document and the long CSV rows."""

from __future__ import annotations

from typing import Any

from commitcast.analysis.simulate import UTILIZATION_THRESHOLD, Simulation
from commitcast.report.projection import scenario_header


def simulation_dict(result: Simulation) -> dict[str, Any]:
    """The JSON form (docs/simulate.md)."""
    scenario = result.scenario
    return {
        "scenario": scenario_header(scenario, result.labels),
        "overrides": list(scenario.provenance.overrides),
        "runs": result.runs,
        "seed": result.seed,
        "percentile_method": "linear",
        "inputs": [
            {
                "path": item.label,
                "key": key,
                "distribution": item.spec.model_dump(exclude_none=True),
                "central_value": item.spec.central(),
                "sample_mean": result.input_means.get(key),
            }
            for key, item in sorted(result.uncertainty.inputs.items())
        ],
        "correlations": [
            {
                "between": [
                    result.uncertainty.inputs[a].label,
                    result.uncertainty.inputs[b].label,
                ],
                "rho": rho,
            }
            for a, b, rho in result.uncertainty.correlations
        ],
        "figures": result.statistics,
        "probabilities": {
            **result.probabilities,
            "funding_limit": result.funding_limit,
            "utilization_threshold": UTILIZATION_THRESHOLD,
        },
        "fan": {"months": result.labels, **result.fan},
        # only when some percentiles are sketched: every run fits, no key (docs/simulate.md)
        **({"sketch": sketch_dict(result)} if result.sketch is not None else {}),
    }


def sketch_dict(result: Simulation) -> dict[str, Any]:
    """Which percentiles are estimated, why, and each one's error bound."""
    sketch = result.sketch
    assert sketch is not None
    return {
        "method": "histogram",
        "reason": sketch.reason,
        "note": "each sketched percentile is within its error_bound of the exact one",
        "figures": None
        if sketch.figure_bins is None
        else {"bins": sketch.figure_bins, "error_bound": sketch.figure_bound},
        "fan": None
        if sketch.fan_bins is None
        else {"bins": sketch.fan_bins, "error_bound": sketch.fan_bound},
    }


Row = tuple[str, str, str, str, float | int | None]


def simulation_rows(result: Simulation) -> list[Row]:
    """Long rows (section, name, month, statistic, value) for CSV."""
    rows: list[Row] = []
    for name, stats in result.statistics.items():
        rows += [("figure", name, "", stat, value) for stat, value in stats.items()]
    for name, value in result.probabilities.items():
        rows.append(("probability", name, "", "share_of_runs", value))
    for name, levels in result.fan.items():
        for index, month in enumerate(result.labels):
            rows += [("fan", name, month, level, values[index]) for level, values in levels.items()]
    # sketched percentiles only: how far each may be from the exact one
    sketch = result.sketch
    if sketch is not None and sketch.figure_bound is not None:
        for name, bound in sketch.figure_bound.items():
            rows.append(("error_bound", name, "", "percentiles", bound))
    if sketch is not None and sketch.fan_bound is not None:
        for name, bounds in sketch.fan_bound.items():
            rows += [
                ("error_bound", name, month, "percentiles", bound)
                for month, bound in zip(result.labels, bounds, strict=True)
            ]
    return rows
