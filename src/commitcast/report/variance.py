"""The variance report as neutral tables: the JSON document and the CSV rows of
`commitcast variance`.

Numbers are unrounded; a ratio's variance is in points as a fraction (0.02 is 2 points);
`variance_pct` is the variance over |plan| (null where the plan shows as zero). The CSV is one
tidy table: a row per period (then `YTD <year>` and `FYTD FY<year>`) and figure; each stream's
revenue split follows its figures as rows `revenue.<name>.price_per_million_tokens` (plan and
actual price) and `revenue.<name>.volume`, `.price_effect` and `.flat` (variance only: the
parts, which add up to the stream's revenue variance).
"""

from __future__ import annotations

from typing import Any

from commitcast.analysis.variance import Comparison, RevenueSplit, Variance
from commitcast.load.actuals import column_name
from commitcast.report.projection import scenario_source

CSV_HEADER = (
    "period",
    "figure",
    "kind",
    "months",
    "plan",
    "actual",
    "variance",
    "variance_pct",
    "assessment",
)
SPLIT_PARTS = ("volume", "price_effect", "flat")


def comparison_dict(c: Comparison | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "plan": c.plan,
        "actual": c.actual,
        "variance": c.variance,
        "variance_pct": c.variance_pct,
        "assessment": c.assessment,
        "months": c.months,
    }


def split_dict(s: RevenueSplit | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "plan_tokens": s.plan_tokens,
        "actual_tokens": s.actual_tokens,
        "plan_price_per_million_tokens": s.plan_price,
        "actual_price_per_million_tokens": s.actual_price,
        "plan_usage_revenue": s.plan_usage,
        "actual_usage_revenue": s.actual_usage,
        "plan_flat_revenue": s.plan_flat,
        "actual_flat_revenue": s.actual_flat,
        "plan_revenue": s.plan_revenue,
        "actual_revenue": s.actual_revenue,
        "volume": s.volume,
        "price_effect": s.price,
        "flat": s.flat,
        "variance": s.variance,
        "months": s.months,
    }


def spans(result: Variance) -> list[str]:
    """The labels of the periods, then year to date and fiscal year to date."""
    return [*result.periods, f"YTD {result.ytd_label}", f"FYTD {result.fytd_label}"]


def variance_dict(result: Variance) -> dict[str, Any]:
    scenario, actuals = result.scenario, result.actuals
    source = scenario.provenance
    return {
        "scenario": scenario_source(scenario, fiscal_year=True),
        "overrides": list(source.overrides),
        "actuals": {
            "file": actuals.file,
            "sha256": actuals.sha256,
            "closed_months": [f"{m:%Y-%m}" for m in actuals.months],
        },
        "as_of": result.as_of,
        "by": result.by,
        "periods": [
            {"period": p, "closed_months": c, "months": m}
            for p, c, m in zip(result.periods, result.closed_in, result.months_in, strict=True)
        ],
        "ytd": result.ytd_label,
        "fytd": result.fytd_label,
        "figures": [
            {
                "figure": f.key,
                "label": f.label,
                "unit": f.unit,
                "sense": f.sense,
                "kind": f.kind,
                "item": f.item,
                "periods": {
                    p: comparison_dict(c) for p, c in zip(result.periods, f.periods, strict=True)
                },
                "ytd": comparison_dict(f.ytd),
                "fytd": comparison_dict(f.fytd),
            }
            for f in result.figures
        ],
        "revenue_split": [
            {
                "stream": s.name,
                "periods": {
                    p: split_dict(x) for p, x in zip(result.periods, s.periods, strict=True)
                },
                "ytd": split_dict(s.ytd),
                "fytd": split_dict(s.fytd),
            }
            for s in result.splits
        ],
    }


def _comparison_row(span: str, key: str, kind: str, c: Comparison) -> list[Any]:
    return [
        span,
        key,
        kind,
        c.months,
        c.plan,
        c.actual,
        c.variance,
        c.variance_pct,
        c.assessment,
    ]


def _split_rows(span: str, name: str, s: RevenueSplit) -> list[list[Any]]:
    price = column_name("revenue", name, "price_per_million_tokens")
    rows: list[list[Any]] = []
    if s.plan_price is not None or s.actual_price is not None:
        rows.append(
            [span, price, "split", s.months, s.plan_price, s.actual_price]
            + [s.price_change, s.price_change_pct, ""]
        )
    for part, value in zip(SPLIT_PARTS, (s.volume, s.price, s.flat), strict=True):
        c = Comparison(0.0, value, "higher", s.months)
        key = column_name("revenue", name, part)
        rows.append([span, key, "split", s.months, None, None, value, None, c.assessment])
    return rows


def variance_rows(result: Variance) -> list[list[Any]]:
    """Under CSV_HEADER: each period's figures and revenue splits, then year to date and
    fiscal year to date."""
    rows: list[list[Any]] = []
    labels = spans(result)
    count = len(result.periods)
    for index, span in enumerate(labels):
        for f in result.figures:
            c = f.periods[index] if index < count else (f.ytd if index == count else f.fytd)
            if c is not None:
                rows.append(_comparison_row(span, f.key, f.kind, c))
        for s in result.splits:
            x = s.periods[index] if index < count else (s.ytd if index == count else s.fytd)
            if x is not None:
                rows += _split_rows(span, s.name, x)
    return rows
