"""How large a workbook will be, worked out before anything is written, and the most `export`
(and `project --xlsx`) will write.

A workbook grows with each scenario's horizon (its calculation sheet: a row of formulas a month)
and with each contract's month grid (the Contracts sheet: a block of rows a contract, a column a
month, from the month before the horizon to the last contract's end), and a contract's formulas
grow with its ramp steps. The sizes below were measured on exported workbooks (the XML of their
sheets, which XlsxWriter holds and zips; its memory and time follow it): 1 contract x 120 months
is 0.86 MB, each further contract 3.4 KB a grid month, each ramp step ~47 bytes + 10 x steps a
grid month. Past WORKBOOK_LIMIT, 1,000 contracts x 1,200 months (4 GB of XML, 7 GiB of memory
and a ZIP64 error after three minutes) or 1,000 ramp steps (11 GiB) are refused at once with the
estimate, rather than left to run out of memory. When the workbook's layout changes, measure
again (`estimate_workbook` against the sheets' XML of a few exports) and update the constants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commitcast.core.calendar import month_number
from commitcast.core.errors import Problem

if TYPE_CHECKING:
    from commitcast.model.scenario import Scenario

MiB = 1 << 20
WORKBOOK_LIMIT = 512 * MiB  # of sheet XML: about 40 s and 1.7 GiB of memory to write
# bytes and cells of sheet XML: per scenario, per horizon month, per contract grid month
FIXED_BYTES, FIXED_CELLS = 70_000, 1_000
MONTH_BYTES, MONTH_CELLS = 3_200, 51
CONTRACT_MONTH_BYTES, CONTRACT_MONTH_CELLS = 3_400, 33
# a contract's ramp: its formulas hold every step, nested (bytes a grid month)
RAMP_STEP_BYTES, RAMP_STEP_SQUARED_BYTES = 47, 10


@dataclass(frozen=True)
class WorkbookSize:
    cells: int
    bytes: int  # of the sheets' XML, before zipping


def estimate_workbook(scenarios: Sequence[Scenario]) -> WorkbookSize:
    """The cells and sheet data a workbook of `scenarios` will hold (an upper estimate)."""
    cells = size = 0
    for scenario in scenarios:
        first = month_number(scenario.horizon.start)
        last = max(
            [first + scenario.months - 1, *(month_number(c.end) for c in scenario.contracts)]
        )
        grid = last - first + 2  # the month before the horizon .. the last month of any contract
        cells += FIXED_CELLS + MONTH_CELLS * scenario.months
        size += FIXED_BYTES + MONTH_BYTES * scenario.months
        for contract in scenario.contracts:
            steps = len(contract.ramp)
            per_month = (
                CONTRACT_MONTH_BYTES + RAMP_STEP_BYTES * steps + RAMP_STEP_SQUARED_BYTES * steps**2
            )
            cells += CONTRACT_MONTH_CELLS * grid
            size += per_month * grid
    return WorkbookSize(cells, size)


def workbook_problem(scenarios: Sequence[Scenario]) -> Problem | None:
    """Why the workbook of `scenarios` cannot be written (past WORKBOOK_LIMIT), else None; the
    problem is at the file of the scenario that weighs most."""
    size = estimate_workbook(scenarios)
    if size.bytes <= WORKBOOK_LIMIT:
        return None
    heaviest = max(scenarios, key=lambda s: estimate_workbook([s]).bytes)
    contracts = sum(len(s.contracts) for s in scenarios)
    months = max(s.months for s in scenarios)
    steps = max((len(c.ramp) for s in scenarios for c in s.contracts), default=0)
    shape = f"{contracts:,} contract(s), horizons up to {months:,} months"
    if steps > 1:
        shape += f", ramps up to {steps:,} steps"
    return Problem(
        f"the workbook would be too large to write: {shape} make about {_count(size.cells)} "
        f"cells and {_megabytes(size.bytes)} of sheet data, more than the "
        f"{_megabytes(WORKBOOK_LIMIT)} a workbook may hold here",
        file=heaviest.provenance.file or "command line",
        hint="export fewer contracts or scenarios, a shorter horizon (--set horizon.months=...) "
        "or fewer ramp steps; `project` and `--format csv` have no such limit",
    )


def _count(value: int) -> str:
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{value / size:,.1f}{unit}"
    return f"{value:,}"


def _megabytes(value: int) -> str:
    return f"{value / MiB:,.0f} MiB"
