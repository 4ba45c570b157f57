"""commitcast: model large multi-year compute commitments from plain YAML scenario files.

Public API (everything a command does, a Python caller can do):

    import commitcast
    scenario = commitcast.load_scenario("scenarios/colossus-base.yaml")
    table = commitcast.project(scenario)        # pandas DataFrame, one row a month
    table.attrs["summary"]["npv"]               # the summary figures

Names are imported on first use, so `commitcast --help` does not pay for numpy and pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "CommitcastError": "errors",
    "Problem": "errors",
    "Scenario": "model",
    "apply_overrides": "overrides",
    "Projection": "projections",
    "aggregate": "projections",
    "project": "projections",
    "projection": "projections",
    "load_scenario": "validation",
    "scenario_from_text": "validation",
    "scenario_warnings": "validation",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'commitcast' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports
    from .errors import CommitcastError, Problem  # noqa: F401
    from .model import Scenario  # noqa: F401
    from .overrides import apply_overrides  # noqa: F401
    from .projections import Projection, aggregate, project, projection  # noqa: F401
    from .validation import load_scenario, scenario_from_text, scenario_warnings  # noqa: F401
