"""The command line: parse arguments, call the library, render. Nothing else lives here.

Each group of commands is a module of its own that registers on `app`.
"""

from __future__ import annotations

from commitcast.cli import (
    accounting,  # noqa: F401  (registers accounting)
    core,  # noqa: F401  (registers validate, project, init, schema)
    export,  # noqa: F401  (registers export)
    obligations,  # noqa: F401  (registers obligations)
    report,  # noqa: F401  (registers report, chart)
    simulate,  # noqa: F401  (registers simulate)
    variance,  # noqa: F401  (registers variance)
    whatif,  # noqa: F401  (registers compare, sensitivity, solve, exit)
)
from commitcast.cli.app import app, main

__all__ = ["app", "main"]
