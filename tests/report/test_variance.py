"""The variance report as JSON and CSV rows: unrounded, periods then YTD and FYTD."""

from __future__ import annotations

import pytest

from commitcast.analysis.variance import variance
from commitcast.load.actuals import actuals_from_text
from commitcast.load.validation import scenario_from_text
from commitcast.report.variance import CSV_HEADER, spans, variance_dict, variance_rows
from tests.analysis.test_variance import MONTHS, PLAN, _actuals


@pytest.fixture(scope="module")
def result():
    plan = scenario_from_text(PLAN, "plan.yaml")
    return variance(plan, actuals_from_text(_actuals(MONTHS[:3]), plan, "a.csv"), "quarter")


def test_spans_are_the_periods_then_ytd_and_fytd(result):
    assert spans(result) == ["2026-Q1", "YTD 2026", "FYTD FY2027"]


def test_json_document(result):
    data = variance_dict(result)
    assert data["as_of"] == "2026-03" and data["by"] == "quarter"
    assert data["actuals"]["closed_months"] == ["2026-01", "2026-02", "2026-03"]
    assert data["periods"] == [{"period": "2026-Q1", "closed_months": 3, "months": 3}]
    api = next(f for f in data["figures"] if f["figure"] == "revenue.API.revenue")
    q1 = api["periods"]["2026-Q1"]
    # 210 + 190 + 190 = 590 against 600
    assert q1["actual"] == pytest.approx(590, abs=0.005)
    assert q1["variance_pct"] == pytest.approx(-10 / 600, abs=1e-9)
    assert q1["assessment"] == "unfavourable"
    # FYTD FY2027: February and March: 380 against 400
    assert api["fytd"]["actual"] == pytest.approx(380, abs=0.005)
    split = data["revenue_split"][0]
    assert split["stream"] == "API"
    part = split["periods"]["2026-Q1"]
    assert part["volume"] + part["price_effect"] + part["flat"] == pytest.approx(
        part["variance"], abs=0.005
    )


def test_csv_rows(result):
    rows = variance_rows(result)
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    keyed = {(row[0], row[1]): row for row in rows}
    volume = keyed[("2026-Q1", "revenue.API.volume")]
    # three months of (0.9e8 - 1e8) x 2 / 1e6 = -20
    assert volume[6] == pytest.approx(-60, abs=0.005) and volume[8] == "unfavourable"
    price = keyed[("YTD 2026", "revenue.API.price_per_million_tokens")]
    assert price[4] == pytest.approx(2.0, rel=1e-9)
    assert price[5] == pytest.approx(590 / 2.7e8 * 1e6, rel=1e-9)
    assert keyed[("FYTD FY2027", "contracts.C.fees")][3] == 2  # months
