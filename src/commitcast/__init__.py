"""commitcast: model large multi-year compute commitments from plain YAML scenario files.

Public API (everything a command does, a Python caller can do):

    import commitcast
    scenario = commitcast.load_scenario("scenarios/colossus-base.yaml")
    table = commitcast.project(scenario)        # pandas DataFrame, one row a month
    table.attrs["summary"]["npv"]               # the summary figures

    result = commitcast.projection(scenario)    # the same figures without pandas:
    result.columns_by("quarter")["revenue"]     # numpy arrays by month, quarter or year
    result.table("year")                        # (header, rows) of plain Python values

Names are imported on first use, so `commitcast --help` does not pay for numpy, and pandas is
imported only by what returns a DataFrame (`project`, `Projection.frame`, `aggregate`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "CommitcastError": "core.errors",
    "Problem": "core.errors",
    "Scenario": "model.scenario",
    "apply_overrides": "load.overrides",
    "Projection": "engine.projection",
    "aggregate": "engine.projection",
    "project": "engine.projection",
    "projection": "engine.projection",
    "load_scenario": "load.validation",
    "obligations": "analysis.obligations",
    "scenario_from_text": "load.validation",
    "scenario_warnings": "load.validation",
    "lease_accounting": "analysis.accounting",
    "Actuals": "model.actuals",
    "read_actuals": "load.actuals",
    "reforecast": "engine.actuals",
    "ReforecastProjection": "engine.actuals",
    "variance": "analysis.variance",
    "report_html": "render.html",
    "write_report": "render.html",
    "chart": "render.charts",
    "Variance": "analysis.variance",
}

__all__ = ["__version__", *_EXPORTS]


def __dir__() -> list[str]:
    # the lazy names too: dir(commitcast) and help(commitcast) list the public API
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'commitcast' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports
    from commitcast.analysis.accounting import lease_accounting  # noqa: F401
    from commitcast.analysis.obligations import obligations  # noqa: F401
    from commitcast.analysis.variance import Variance, variance  # noqa: F401
    from commitcast.core.errors import CommitcastError, Problem  # noqa: F401
    from commitcast.engine.actuals import ReforecastProjection, reforecast  # noqa: F401
    from commitcast.engine.projection import Projection, aggregate, project, projection  # noqa: F401
    from commitcast.load.actuals import read_actuals  # noqa: F401
    from commitcast.load.overrides import apply_overrides  # noqa: F401
    from commitcast.load.validation import load_scenario, scenario_from_text, scenario_warnings  # noqa: F401
    from commitcast.model.actuals import Actuals  # noqa: F401
    from commitcast.model.scenario import Scenario  # noqa: F401
    from commitcast.render.charts import chart  # noqa: F401
    from commitcast.render.html import report_html, write_report  # noqa: F401
