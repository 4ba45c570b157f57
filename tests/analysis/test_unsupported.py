"""Views that do not follow a contract term yet refuse it at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from commitcast.analysis.accounting import lease_accounting
from commitcast.analysis.obligations import obligations
from commitcast.core.errors import CommitcastError
from commitcast.load.validation import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_obligations_refuse_billing_periods_and_prepayments_at_their_lines():
    scenario = load_scenario(ROOT / "scenarios" / "cover-demand.yaml")
    with pytest.raises(CommitcastError) as caught:
        obligations(scenario)
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "contracts[0].payment.every_months",
        "contracts[0].prepayment",
    ]
    assert all(p.line is not None for p in caught.value.problems)


def test_lease_accounting_only_refuses_the_terms_of_its_leases():
    # cover-demand has no lease: nothing to refuse, the report is made
    report = lease_accounting(load_scenario(ROOT / "scenarios" / "cover-demand.yaml"))
    assert report.leases == []
