"""Lease accounting refuses, at their lines, the terms it does not follow yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from commitcast.analysis.accounting import lease_accounting
from commitcast.core.errors import CommitcastError
from commitcast.load.validation import load_scenario, scenario_from_text

ROOT = Path(__file__).resolve().parents[2]

LEASE = """name: lease
horizon: {start: 2026-01, months: 12}
fx: {EUR: {rate: 1.1}}
contracts:
  - name: L
    monthly_fee: 1000
    currency: EUR
    start: 2026-01-01
    end: 2027-12-31
    payment: {every_months: 3}
    accounting: {treatment: lease, borrowing_rate: 0.08}
"""


def test_a_lease_billed_by_quarter_in_another_currency_is_refused_at_its_lines():
    with pytest.raises(CommitcastError) as caught:
        lease_accounting(scenario_from_text(LEASE, "lease.yaml"))
    problems = caught.value.problems
    assert [p.field for p in problems] == [
        "contracts[0].payment.every_months",
        "contracts[0].currency",
    ]
    # payment: {every_months: 3} is on line 10, currency on line 7
    assert [p.line for p in problems] == [10, 7]
    assert all(p.file == "lease.yaml" for p in problems)


def test_lease_accounting_only_refuses_the_terms_of_its_leases():
    # cover-demand has no lease: nothing to refuse, the report is made
    report = lease_accounting(load_scenario(ROOT / "scenarios" / "cover-demand.yaml"))
    assert report.leases == []
