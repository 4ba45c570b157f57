"""Obligations as neutral tables: the JSON document and the CSV rows of `commitcast obligations`.

Numbers are unrounded; a period's figures are keyed by its label, and `total` is the sum of
the periods. The contracts added up carry no contract name (an empty cell in CSV).
"""

from __future__ import annotations

from typing import Any

from commitcast.analysis.obligations import FIGURES, Line, Obligations
from commitcast.report.projection import scenario_source

TOTAL = "total"
CSV_HEADER = ("contract", "period", *FIGURES)


def _figures(line: Line, periods: list[str]) -> dict[str, dict[str, float]]:
    return {
        figure: {
            **{p: float(v) for p, v in zip(periods, line.figure(figure), strict=True)},
            TOTAL: line.total(figure),
        }
        for figure in FIGURES
    }


def obligations_dict(result: Obligations) -> dict[str, Any]:
    periods = result.periods
    return {
        "scenario": scenario_source(result.scenario, fiscal_year=True),
        "overrides": list(result.scenario.provenance.overrides),
        "as_of": result.as_of.isoformat(),
        "by": result.by,
        "periods": periods,
        "contracts": [
            {
                "name": c.name,
                "payment_timing": c.timing,
                "termination": c.terminable,
                "notice_applied": c.notice_applied,
                **_figures(c, periods),
            }
            for c in result.contracts
        ],
        "total": _figures(result.total, periods),
    }


def obligation_rows(result: Obligations) -> list[list[Any]]:
    """Under CSV_HEADER: each contract's periods and its total, then the contracts added up
    (no contract name)."""
    rows: list[list[Any]] = []
    lines: list[tuple[str, Line]] = [(c.name, c) for c in result.contracts]
    lines.append(("", result.total))
    for name, line in lines:
        columns = [line.figure(f) for f in FIGURES]
        for index, period in enumerate(result.periods):
            rows.append([name, period, *(float(values[index]) for values in columns)])
        rows.append([name, TOTAL, *(line.total(f) for f in FIGURES)])
    return rows
