"""How large a workbook will be, worked out before anything is written, and the most `export`
(and `project --xlsx`) will write.

A workbook grows with each scenario's horizon (its calculation sheet: a row of formulas a month)
and with each contract's month grid (the Contracts sheet: a block of rows a contract, a column a
month, from the month before the horizon to the last contract's end), and a contract grows with
its ramp steps (the ramp's table: its formulas look a month up in it, the same length for any
number of steps). The sizes below were measured on exported workbooks (the XML of their sheets,
which XlsxWriter holds and zips; its memory and time follow it): 1 contract x 120 months is
0.86 MB, each further contract 3.4 KB a grid month, each ramp step ~640 bytes. Past
WORKBOOK_LIMIT, 1,000 contracts x 1,200 months (4 GB of XML, 7 GiB of memory and a ZIP64 error
after three minutes) are refused at once with the estimate, rather than left to run out of
memory (1,000 ramp steps, 11 GiB when each month's formula held every step, are now 9 MB).
When the workbook's layout changes, measure again (`estimate_workbook` against the sheets' XML
of a few exports) and update the constants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commitcast.core.calendar import month_number, month_start
from commitcast.core.errors import Problem
from commitcast.core.paths import Path_, format_path

if TYPE_CHECKING:
    from commitcast.model.scenario import Scenario

MiB = 1 << 20
WORKBOOK_LIMIT = 512 * MiB  # of sheet XML: about 40 s and 1.7 GiB of memory to write
# bytes and cells of sheet XML: per scenario, per horizon month, per contract grid month
FIXED_BYTES, FIXED_CELLS = 70_000, 1_000
MONTH_BYTES, MONTH_CELLS = 3_200, 51
CONTRACT_MONTH_BYTES, CONTRACT_MONTH_CELLS = 3_400, 33
# a contract's ramp step: its two input rows and two cells of the ramp's table
RAMP_STEP_BYTES, RAMP_STEP_CELLS = 700, 8


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
            cells += CONTRACT_MONTH_CELLS * grid + RAMP_STEP_CELLS * steps
            size += CONTRACT_MONTH_BYTES * grid + RAMP_STEP_BYTES * steps
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


# Spreadsheets count days from 1900, and Excel counts a 29 February 1900 that never was (Lotus
# 1-2-3's leap-year bug, kept for compatibility); LibreOffice does not. A date before 1 March
# 1900 is a different serial number in each, and February 1900 has 29 days in Excel's EOMONTH:
# no serial can make both agree with each other and with the engine, so such dates are refused
# in workbooks (and only there: project, CSV and JSON take them). The Contracts sheet starts a
# month before the horizon, so the horizon may start in April 1900 at the earliest.
EARLIEST_DAY = dt.date(1900, 3, 1)
EARLIEST_HORIZON = dt.date(1900, 4, 1)


def _dates(value: Any, path: Path_) -> Iterator[tuple[Path_, dt.date]]:
    from pydantic import BaseModel

    if isinstance(value, dt.date):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _dates(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _dates(item, (*path, index))


def early_date_problems(scenarios: Sequence[Scenario]) -> list[Problem]:
    """Every date of `scenarios` a workbook cannot hold (before EARLIEST_DAY; a horizon
    before EARLIEST_HORIZON), at its line."""
    problems = []
    for scenario in scenarios:
        source = scenario.provenance
        for path, day in _dates(scenario, ()):
            horizon = path == ("horizon", "start")
            if day >= (EARLIEST_HORIZON if horizon else EARLIEST_DAY):
                continue
            mark = source.document.mark_for(path) if source.document is not None else None
            shown = day.strftime("%Y-%m") if horizon else day.isoformat()
            why = (
                "its Contracts sheet starts a month earlier, in February 1900 or before"
                if horizon
                else "a workbook cannot hold a date before 1 March 1900"
            )
            problems.append(
                Problem(
                    f"{shown} cannot be written to a workbook: {why} (Excel counts a 29 "
                    "February 1900 that never was and LibreOffice does not, so the workbook "
                    "would disagree with itself and with commitcast)",
                    file=source.file or "command line",
                    line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    field=format_path(path),
                    hint="start the horizon in April 1900 or later and give dates from 1 March "
                    "1900; project, --format csv and --format json take earlier dates",
                )
            )
    return problems


def workbook_problems(scenarios: Sequence[Scenario]) -> list[Problem]:
    """Why a workbook of `scenarios` cannot be written: dates it cannot hold, schedules that
    begin before its Contracts sheet, or its size."""
    problems = early_date_problems(scenarios) + schedule_problems(scenarios)
    size = workbook_problem(scenarios)
    return [*problems, *([size] if size is not None else []), *lease_problems(scenarios)]


def lease_problems(scenarios: Sequence[Scenario]) -> list[Problem]:
    """What the Accounting sheet would refuse (analysis.accounting.leases_of): found before
    `project --xlsx` writes its table, so that neither output is written."""
    from commitcast.analysis.accounting import leases_of
    from commitcast.variants.inputs import attempt

    problems: list[Problem] = []
    # (a workbook of a plan and its re-forecast holds one scenario twice: said once)
    for scenario in {id(s): s for s in scenarios}.values():
        attempt(problems, leases_of, scenario)
    return problems


def schedule_problems(scenarios: Sequence[Scenario]) -> list[Problem]:
    """A contract billed over several months or prepaid whose schedule begins before the
    Contracts sheet's first column (the month before the horizon), at its line.

    The engine then works the schedule out from the contract's start or prepayment (the
    `_lead` of engine.contracts: an advance quarter billed before the sheet, an arrears
    quarter whose first months are not on it), which the sheet's columns cannot hold: its
    formulas would not give the figures it stores. Refused rather than shown wrong."""
    problems = []
    for scenario in scenarios:
        source = scenario.provenance
        first = month_number(scenario.horizon.start) - 1  # the sheet's first column
        for index, contract in enumerate(scenario.contracts):
            prepaid = contract.prepayment is not None and contract.prepayment.amount > 0
            if contract.kind == "commit" or not (contract.payment.every_months > 1 or prepaid):
                continue
            field = "start"
            begins = month_number(contract.start)
            if prepaid and month_number(contract.prepayment.paid) < begins:  # type: ignore[union-attr]
                field, begins = "prepayment.paid", month_number(contract.prepayment.paid)  # type: ignore[union-attr]
            if begins >= first:
                continue
            path = ("contracts", index, *field.split("."))
            mark = source.document.mark_for(path) if source.document is not None else None
            what = (
                f"billed every {contract.payment.every_months} months"
                if contract.payment.every_months > 1
                else "prepaid"
            )
            sheet_first = month_start(first).strftime("%Y-%m")
            problems.append(
                Problem(
                    f"{contract.name!r} is {what} from {month_start(begins).strftime('%Y-%m')}, "
                    f"before the workbook's Contracts sheet begins ({sheet_first}, the month "
                    "before the horizon): its payments there depend on months the sheet does not "
                    "hold, so its formulas would not give commitcast's figures",
                    file=source.file or "command line",
                    line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    field=format_path(path),
                    hint=f"start the horizon in {month_start(begins + 1).strftime('%Y-%m')} or "
                    "earlier for the workbook; project, --format csv and --format json work the "
                    "schedule out from the contract's start",
                )
            )
    return problems
