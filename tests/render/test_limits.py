"""How large a workbook will be, before it is written (render/limits.py).

Through export and project --xlsx: tests/test_bad_inputs_commands.py.
"""

from __future__ import annotations

from commitcast.load.validation import scenario_from_text
from commitcast.render.limits import WORKBOOK_LIMIT, estimate_workbook, workbook_problem


def _scenario(contracts: int, months: int, steps: int = 0, end: str = "2037-05-31"):
    ramp = ", ".join("{months: 1, fraction: 0.5}" for _ in range(steps))
    lines = ["name: W", f"horizon: {{start: 2026-06, months: {months}}}", "contracts:"]
    for i in range(contracts):
        extra = f", ramp: [{ramp}]" if steps else ""
        lines.append(f"  - {{name: C{i}, monthly_fee: 1000, start: 2026-06-01, end: {end}{extra}}}")
    return scenario_from_text("\n".join(lines) + "\n", "w.yaml")


def test_the_estimate_is_above_the_measured_workbooks():
    # sheet XML of exports measured when the constants were set (contracts to 2037-05: a grid
    # of 133 months): 1 x 120 months 0.86 MB, 2 x 120 1.27 MB, 1 x 120 with 80 steps 0.91 MB
    # (9.1 MB while each month's ramp formula held every step, nested)
    for shape, measured in (((1, 120), 861_691), ((2, 120), 1_271_755), ((1, 120, 80), 906_033)):
        size = estimate_workbook([_scenario(*shape)])
        assert measured <= size.bytes <= 1.2 * measured


def test_the_estimate_grows_with_scenarios_contracts_months_and_steps():
    one = estimate_workbook([_scenario(1, 120)])
    assert estimate_workbook([_scenario(1, 120)] * 2).bytes == 2 * one.bytes
    assert estimate_workbook([_scenario(2, 120)]).cells > one.cells
    assert estimate_workbook([_scenario(1, 240)]).bytes > one.bytes
    assert estimate_workbook([_scenario(1, 120, 10)]).bytes > one.bytes


def test_what_fits_is_written_and_what_does_not_is_refused_at_its_file():
    assert workbook_problem([_scenario(20, 1200, end="2126-05-31")]) is None
    big = _scenario(1000, 1200, end="2126-05-31")
    assert estimate_workbook([big]).bytes > WORKBOOK_LIMIT
    problem = workbook_problem([_scenario(1, 12), big])
    assert problem is not None and problem.file == "w.yaml"
    assert "1,001 contract(s), horizons up to 1,200 months make about" in problem.message
    assert "no such limit" in (problem.hint or "")
