"""The accounting command's output (render/accounting.py): the terminal at 80 and 100 columns
(nothing cut, every schedule figure shown whole, the exemption said), CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rich.cells import cell_len
from rich.console import Console

from commitcast.analysis.accounting import lease_accounting
from commitcast.core.display import format_money
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from commitcast.render.accounting import accounting_csv, accounting_json, print_accounting
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module", params=["asc842", "ifrs16"])
def report(request):
    scenario = load_scenario(SCENARIOS / "portfolio.yaml")
    scenario = apply_overrides(scenario, [f"contracts[1].accounting.standard={request.param}"])
    return lease_accounting(scenario, "2027-06")


def shown(report, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), no_color=True, highlight=False)
    print_accounting(console, report)
    return console.file.getvalue()


@pytest.mark.parametrize("width", [80, 100])
def test_the_terminal_fits_and_shows_every_figure_whole(report, width):
    text = shown(report, width)
    assert "…" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= width
    lease = next(lease for lease in report.leases if not lease.short_term)
    for value in (*lease.closing, *lease.lease_cost, *lease.rou, *lease.payments):
        assert format_money(float(value)) in text
    assert "short-term exemption" in text  # Colossus 1's 90-day term
    assert "judgment" in text
    assert format_money(report.maturity_total.liability) in text
    assert format_money(float(report.pnl.difference.sum())) in text


def test_csv_is_one_tidy_table(report):
    rows = list(csv.DictReader(io.StringIO(accounting_csv(report))))
    assert {r["section"] for r in rows} == {"schedule", "maturity", "pnl"}
    lease = report.leases[1]
    closing = [
        float(r["value"])
        for r in rows
        if r["section"] == "schedule" and r["contract"] == lease.name and r["figure"] == "closing"
    ]
    assert closing == pytest.approx(list(lease.closing), abs=0.005)
    total = {r["figure"]: float(r["value"]) for r in rows if r["contract"] == "Total"}
    assert total["total"] - total["imputed_interest"] == pytest.approx(
        total["liability"], abs=0.005
    )


def test_json_carries_the_policy_and_the_notes(report):
    data = json.loads(accounting_json(report))
    assert data["as_of"] == "2027-06"
    first, second = data["leases"]
    assert first["short_term_exemption"] is True and first["initial_liability"] == 0
    assert second["term"] == "full" and second["borrowing_rate"] == 0.08
    assert len(second["schedule"]) == len(report.leases[1].months)
    assert data["maturity"]["total"]["liability"] == pytest.approx(
        report.maturity_total.liability, abs=0.005
    )
    assert any("short-term exemption" in note for note in data["notes"])
    assert data["pnl_totals"]["difference"] == pytest.approx(
        float(report.pnl.difference.sum()), abs=0.005
    )
