"""report/obligations.py: the JSON document and CSV rows of `commitcast obligations`."""

from __future__ import annotations

import datetime as dt

import pytest

from commitcast.analysis.obligations import obligations
from commitcast.report.obligations import CSV_HEADER, obligation_rows, obligations_dict
from tests.analysis.test_obligations import notice_scenario


@pytest.fixture(scope="module")
def result():
    # $3,000 a month for 2026, 60 days' notice, a $500 fee, as of 1 April
    return obligations(notice_scenario(), dt.date(2026, 4, 1))


def test_the_document_keys_each_period_and_the_total(result):
    data = obligations_dict(result)
    assert data["as_of"] == "2026-04-01" and data["by"] == "bucket"
    assert data["periods"] == ["within 1 year", "1–3 years", "3–5 years", "after 5 years"]
    assert data["scenario"]["fiscal_year_start_month"] == 1
    [contract] = data["contracts"]
    assert contract["name"] == "Sixty days"
    assert contract["payment_timing"] == "advance"
    assert contract["termination"] is True and contract["notice_applied"] is False
    # 9 x 3,000 scheduled; 3,000 + 2,903.23 + 500 noncancelable; the rest cancelable
    assert contract["scheduled"]["within 1 year"] == pytest.approx(27_000.0, abs=0.005)
    assert contract["noncancelable"]["total"] == pytest.approx(6_403.23, abs=0.005)
    assert contract["cancelable"]["total"] == pytest.approx(20_596.77, abs=0.005)
    assert data["total"]["cancelable"]["after 5 years"] == 0.0


def test_csv_rows_per_contract_and_period_then_all_contracts(result):
    rows = obligation_rows(result)
    assert CSV_HEADER == ("contract", "period", "scheduled", "noncancelable", "cancelable")
    # one contract: its 4 periods and total, then the same for all contracts (no name)
    assert [row[:2] for row in rows[:5]] == [
        ["Sixty days", "within 1 year"],
        ["Sixty days", "1–3 years"],
        ["Sixty days", "3–5 years"],
        ["Sixty days", "after 5 years"],
        ["Sixty days", "total"],
    ]
    assert [row[:2] for row in rows[5:]][-1] == ["", "total"]
    assert rows[4][2:] == pytest.approx([27_000.0, 6_403.23, 20_596.77], abs=0.005)
    assert rows[-1][2:] == pytest.approx(rows[4][2:], abs=1e-9)
