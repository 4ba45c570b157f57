"""The projection table and its quarterly and yearly views."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import commitcast
from commitcast.core.measures import BALANCE_COLUMNS, MONTHLY_COLUMNS, measure, unit_of
from commitcast.engine.projection import aggregate_columns, period_label, projection
from commitcast.model.scenario import Scenario
from tests.conftest import FIXTURES

CENT = 0.005


def close(value: float, name: str):
    """Money to the cent; token counts (1e16 and more) to float precision."""
    if name.endswith("_tokens"):
        return pytest.approx(value, rel=1e-12)
    return pytest.approx(value, abs=CENT)


FLOWS = [c for c in MONTHLY_COLUMNS if measure(c).aggregation == "flow"]


@pytest.fixture(scope="module")
def base():
    return projection(commitcast.load_scenario(FIXTURES / "colossus-base.yaml"))


def test_monthly_table_columns_in_order_and_labels(base):
    frame = base.frame()
    assert list(frame.columns) == ["month", *MONTHLY_COLUMNS]
    # the column list, spelled out so a rename cannot slip through
    assert MONTHLY_COLUMNS == (
        "committed_fees", "sla_credits", "capacity_tokens", "available_tokens", "gpu_hours",
        "training_share", "training_tokens", "usable_capacity_tokens", "demand_tokens",
        "served_tokens", "commit_tokens", "overflow_tokens", "unserved_tokens", "utilization",
        "peak_utilization", "queue_wait_seconds", "revenue", "inference_fees",
        "cost_per_million_tokens", "inference_cost", "training_cost", "idle_capacity_cost",
        "commit_spend", "commit_shortfall",
        "gross_margin", "gross_margin_pct", "cash_in", "cash_out", "net_cash_flow",
        "cumulative_cash", "receivables", "fees_payable", "sla_credits_receivable",
        "prepaid_fees", "fx_loss", "remaining_obligation",
    )  # fmt: skip
    assert frame["month"].iloc[0] == "2026-06"
    assert frame["month"].iloc[-1] == "2030-05"
    assert len(frame) == 48


def test_period_labels():
    assert period_label("2026-06", "quarter") == "2026-Q2"
    assert period_label("2026-07", "quarter") == "2026-Q3"
    assert period_label("2026-12", "quarter") == "2026-Q4"
    assert period_label("2026-06", "year") == "2026"
    assert period_label("2026-06", "month") == "2026-06"


def test_fiscal_period_labels():
    # a February start: FY2027 runs Feb 2026 .. Jan 2027 (named by the year it ends in), its Q1
    # is Feb-Apr 2026, its Q4 Nov 2026 - Jan 2027
    feb = [period_label(m, "fiscal-quarter", 2) for m in ("2026-11", "2026-12", "2027-01")]
    assert feb == ["FY2027-Q4"] * 3
    feb = [period_label(m, "fiscal-quarter", 2) for m in ("2027-02", "2027-03", "2027-04")]
    assert feb == ["FY2028-Q1"] * 3
    assert period_label("2027-01", "fiscal-year", 2) == "FY2027"
    assert period_label("2027-02", "fiscal-year", 2) == "FY2028"
    # July (a common US fiscal year): Jul-Sep 2026 is FY2027-Q1, Apr-Jun 2027 FY2027-Q4
    assert period_label("2026-07", "fiscal-quarter", 7) == "FY2027-Q1"
    assert period_label("2026-06", "fiscal-quarter", 7) == "FY2026-Q4"
    assert period_label("2027-06", "fiscal-year", 7) == "FY2027"
    # a January start: the calendar's quarters and years under FY names
    assert period_label("2026-06", "fiscal-quarter") == "FY2026-Q2"
    assert period_label("2026-12", "fiscal-year") == "FY2026"
    # the calendar views ignore the fiscal year
    assert period_label("2027-01", "quarter", 2) == "2027-Q1"
    assert period_label("2027-01", "year", 2) == "2027"
    with pytest.raises(ValueError, match="not a period"):
        period_label("2026-06", "week")  # type: ignore[arg-type]


WINTER = {
    "name": "Winter",
    "horizon": {"start": "2026-11", "months": 6},
    "fiscal_year_start_month": 2,
    "contracts": [
        {
            "name": "rack",
            "monthly_fee": 1000,
            "start": "2026-11-01",
            "end": "2027-04-30",
            "capacity": {"tokens_per_month": 1000},
        }
    ],
    "revenue": [
        {
            "name": "API",
            "tokens_per_month": 500,
            "price_per_million_tokens": 1_000_000,  # $1 a token: usage revenue = tokens
            "revenue_per_month": 100,
            "growth": 0.1,
        }
    ],
}


def test_fiscal_quarters_across_a_calendar_year_by_hand():
    result = projection(Scenario.model_validate(WINTER))
    # months t = 0..5 (Nov 2026 .. Apr 2027): tokens 500 x 1.1^t = 500, 550, 605, 665.5,
    # 732.05, 805.255 (all under the 1,000 of capacity: all served); revenue = tokens + flat
    # 100 x 1.1^t = 600 x 1.1^t = 600, 660, 726, 798.6, 878.46, 966.306; fees 1,000 a month
    table = result.records("fiscal-quarter")
    assert [row["period"] for row in table] == ["FY2027-Q4", "FY2028-Q1"]
    q4, q1 = table
    # FY2027-Q4 = Nov, Dec, Jan: revenue 600 + 660 + 726 = 1,986; fees 3,000
    assert q4["revenue"] == pytest.approx(1_986.0, abs=CENT)
    assert q4["committed_fees"] == pytest.approx(3_000.0, abs=CENT)
    # served 500 + 550 + 605 = 1,655 of 3,000: utilization 55.1667%
    assert q4["served_tokens"] == pytest.approx(1_655.0)
    assert q4["utilization"] == pytest.approx(1_655 / 3_000)
    # margin 1,986 - 3,000 = -1,014; margin % -1,014 / 1,986 = -51.06%
    assert q4["gross_margin"] == pytest.approx(-1_014.0, abs=CENT)
    assert q4["gross_margin_pct"] == pytest.approx(-1_014 / 1_986)
    # balances at the quarter's last month (January): cash -1,014 (no collection lag);
    # February to April's fees still owed, 3,000
    assert q4["cumulative_cash"] == pytest.approx(-1_014.0, abs=CENT)
    assert q4["remaining_obligation"] == pytest.approx(3_000.0, abs=CENT)
    # FY2028-Q1 = Feb, Mar, Apr: revenue 798.6 + 878.46 + 966.306 = 2,643.366; served
    # 665.5 + 732.05 + 805.255 = 2,202.805; margin 2,643.366 - 3,000 = -356.634; cash
    # -1,014 - 356.634 = -1,370.634; nothing left owed
    assert q1["revenue"] == pytest.approx(2_643.366, abs=CENT)
    assert q1["utilization"] == pytest.approx(2_202.805 / 3_000)
    assert q1["gross_margin"] == pytest.approx(-356.634, abs=CENT)
    assert q1["cumulative_cash"] == pytest.approx(-1_370.634, abs=CENT)
    assert q1["remaining_obligation"] == pytest.approx(0.0, abs=CENT)
    # the fiscal years are the same two groups here; the calendar quarters are not: 2026-Q4
    # Nov, Dec (600 + 660 = 1,260), 2027-Q1 Jan-Mar (726 + 798.6 + 878.46 = 2,403.06), 2027-Q2
    # Apr (966.306)
    years = result.records("fiscal-year")
    assert [(r["period"], round(r["revenue"], 3)) for r in years] == [
        ("FY2027", 1_986.0),
        ("FY2028", 2_643.366),
    ]
    calendar = result.records("quarter")
    assert [(r["period"], round(r["revenue"], 3)) for r in calendar] == [
        ("2026-Q4", 1_260.0),
        ("2027-Q1", 2_403.06),
        ("2027-Q2", 966.306),
    ]


def test_a_january_fiscal_year_is_the_calendar_year_named_fy():
    scenario = Scenario.model_validate({**WINTER, "fiscal_year_start_month": 1})
    result = projection(scenario)
    # 2026: Nov, Dec = 600 + 660 = 1,260; 2027: Jan-Apr = 726 + 798.6 + 878.46 + 966.306
    # = 3,369.366
    fiscal, calendar = result.frame("fiscal-year"), result.frame("year")
    assert list(fiscal["period"]) == ["FY2026", "FY2027"]
    assert list(calendar["period"]) == ["2026", "2027"]
    assert list(fiscal["revenue"].round(3)) == [1_260.0, 3_369.366]
    for name in MONTHLY_COLUMNS:
        np.testing.assert_array_equal(fiscal[name], calendar[name])


@pytest.fixture(scope="module")
def july():
    """The base case with a fiscal year from July (FY2027 = Jul 2026 .. Jun 2027)."""
    scenario = commitcast.load_scenario(FIXTURES / "colossus-base.yaml")
    return projection(commitcast.apply_overrides(scenario, ["fiscal_year_start_month=7"]))


@pytest.mark.parametrize("by", ["quarter", "year", "fiscal-quarter", "fiscal-year"])
def test_aggregation_sums_flows_takes_balances_at_period_end_weights_ratios(july, by):
    base = july
    rows = base.records()
    table = base.records(by)

    # independent route: group the monthly records by hand, the fiscal year by its months
    # (July to June, named by the year of its June; Q1 July to September)
    def label(month: str) -> str:
        year, number = int(month[:4]), int(month[5:])
        fiscal = year + 1 if number >= 7 else year
        if by == "fiscal-year":
            return f"FY{fiscal}"
        if by == "fiscal-quarter":
            return f"FY{fiscal}-Q{((number - 7) % 12) // 3 + 1}"
        return period_label(month, by)

    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(label(row["month"]), []).append(row)
    assert [r["period"] for r in table] == list(groups)
    for out in table:
        months = groups[out["period"]]
        for name in FLOWS:
            assert out[name] == close(sum(m[name] for m in months), name), name
        for name in BALANCE_COLUMNS:
            assert out[name] == months[-1][name]
        served = sum(m["served_tokens"] for m in months)
        capacity = sum(m["available_tokens"] - m["training_tokens"] for m in months)
        # the base case's contract ends in May 2029; the horizon runs a year longer
        expected = served / capacity if capacity > 0 else None
        assert out["utilization"] == (pytest.approx(expected) if expected is not None else None)
        margin = sum(m["gross_margin"] for m in months)
        revenue = sum(m["revenue"] for m in months)
        assert out["gross_margin_pct"] == pytest.approx(margin / revenue)
        if served > 0:  # no unit cost after the contract: nothing served on it
            fees = sum(m["inference_fees"] for m in months)
            expected = fees / served * 1e6
            assert out["cost_per_million_tokens"] == pytest.approx(expected, rel=1e-9)
            share = sum(m["training_tokens"] for m in months) / sum(
                m["available_tokens"] for m in months
            )
            assert out["training_share"] == pytest.approx(share, rel=1e-9)


def test_first_and_last_periods_are_partial(base):
    # June 2026 start: 2026-Q2 holds one month, 2026 seven months; May 2030 end: 2030-Q2 two
    quarters = base.frame("quarter")
    years = base.frame("year")
    assert quarters["period"].iloc[0] == "2026-Q2"
    assert quarters["committed_fees"].iloc[0] == base.columns["committed_fees"][0]
    assert list(years["period"]) == ["2026", "2027", "2028", "2029", "2030"]
    assert years["committed_fees"].iloc[0] == pytest.approx(
        sum(base.columns["committed_fees"][:7]), abs=CENT
    )


def test_monthly_quarterly_yearly_totals_agree_to_the_cent(base):
    month, quarter, year = base.frame(), base.frame("quarter"), base.frame("year")
    for name in FLOWS:
        assert quarter[name].sum() == close(month[name].sum(), name), name
        assert year[name].sum() == close(month[name].sum(), name), name
    assert year["cumulative_cash"].iloc[-1] == month["cumulative_cash"].iloc[-1]


def test_fiscal_year_totals_are_the_monthly_sums_to_the_cent(july):
    # June 2026 to May 2030 with a July year: FY2026 is June 2026 alone, FY2027 to FY2029
    # twelve months each, FY2030 July 2029 to May 2030 (eleven)
    month = july.frame()
    years = july.frame("fiscal-year")
    assert list(years["period"]) == ["FY2026", "FY2027", "FY2028", "FY2029", "FY2030"]
    bounds = [(0, 1), (1, 13), (13, 25), (25, 37), (37, 48)]
    for name in FLOWS:
        for row, (first, last) in enumerate(bounds):
            expected = math.fsum(month[name].iloc[first:last])
            assert years[name].iloc[row] == close(expected, name), name
        assert years[name].sum() == close(month[name].sum(), name), name
    quarters = july.frame("fiscal-quarter")
    assert quarters["period"].iloc[0] == "FY2026-Q4"  # June 2026 alone
    assert quarters["period"].iloc[1] == "FY2027-Q1"  # July to September 2026
    assert quarters["period"].iloc[-1] == "FY2030-Q4"  # April and May 2030
    for name in FLOWS:
        assert quarters[name].sum() == close(month[name].sum(), name), name
    assert years["cumulative_cash"].iloc[-1] == month["cumulative_cash"].iloc[-1]


def test_utilization_empty_in_a_period_without_capacity():
    s = Scenario.model_validate(
        {
            "name": "x",
            "horizon": {"start": "2026-01", "months": 6},
            "contracts": [
                {
                    "name": "A",
                    "monthly_fee": 1,
                    "start": "2026-04-01",
                    "end": "2026-06-30",
                    "capacity": {"tokens_per_month": 10},
                }
            ],
            "revenue": [{"name": "API", "tokens_per_month": 5}],
        }
    )
    table = projection(s).records("quarter")
    assert table[0]["utilization"] is None  # Q1: no capacity
    assert table[0]["gross_margin_pct"] is None  # and no revenue
    assert table[1]["utilization"] == pytest.approx(0.5)  # 15 served / 30 capacity


def test_records_use_none_for_undefined(base):
    for row in base.records():
        for value in row.values():
            assert not (isinstance(value, float) and math.isnan(value))


def test_public_api_project_returns_frame_with_summary():
    scenario = commitcast.load_scenario(FIXTURES / "colossus-base.yaml")
    frame = commitcast.project(scenario)
    assert list(frame.columns) == ["month", *MONTHLY_COLUMNS]
    summary = frame.attrs["summary"]
    assert summary["total_committed_fees"] == pytest.approx(frame["committed_fees"].sum(), abs=CENT)
    assert frame.attrs["scenario"] == "Colossus reservation, base case"


def test_projection_keeps_overrides():
    scenario = commitcast.load_scenario(FIXTURES / "colossus-base.yaml")
    changed = commitcast.apply_overrides(scenario, ["revenue.API.growth=0.02"])
    result = projection(changed)
    assert result.overrides == ["revenue.API.growth=0.02"]
    # demand in month 1: API 3.0e15 * 1.02 + Subscriptions 0.8e15 * 1.03 (a stream's growth
    # applies to its tokens too) = 3.06e15 + 0.824e15
    assert result.columns["demand_tokens"][1] == pytest.approx(3.06e15 + 0.824e15)


@pytest.mark.parametrize("share", [0.3, 0.7, 0.99, 0.9999])
@pytest.mark.parametrize("by", ["quarter", "year"])
def test_full_capacity_is_exactly_100_percent_in_every_period(share, by):
    # Every month is fully used (demand far above capacity), so each month's utilization is
    # exactly 1 and so must each period's be: not 1.0000000000000002 from subtracting two
    # large sums (capacity - training) that each carry rounding.
    s = Scenario.model_validate(
        {
            "name": "x",
            "horizon": {"start": "2026-01", "months": 12},
            "contracts": [
                {
                    "name": "A",
                    "monthly_fee": 1,
                    "start": "2026-01-10",
                    "end": "2026-12-31",
                    "capacity": {"tokens_per_month": 3.3e15},
                    "ramp": [{"months": 1, "fraction": 0.37}],
                }
            ],
            "revenue": [{"name": "API", "tokens_per_month": 1e17}],
            "costs": {"training_share": share},
        }
    )
    result = projection(s)
    assert list(result.columns["utilization"]) == [1.0] * 12
    assert list(result.frame(by)["utilization"]) == [1.0] * len(result.frame(by))


def same_figure(name: str, got, expected) -> bool:
    """Money to the cent, tokens to float precision, ratios to 1e-9; undefined alike."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return got is None or (isinstance(got, float) and math.isnan(got))
    if unit_of(name) == "ratio":
        return got == pytest.approx(expected, abs=1e-9)
    return got == close(expected, name)


@pytest.mark.parametrize("by", ["month", "quarter", "year", "fiscal-quarter", "fiscal-year"])
def test_table_records_and_frame_are_one_view(july, by):
    base = july
    # the CLI reads table() and records(), Python callers frame(): the same rows and figures
    header, rows = base.table(by)
    first = "month" if by == "month" else "period"
    assert header == [first, *MONTHLY_COLUMNS]
    assert [row[0] for row in rows] == base.periods(by)
    frame = base.frame(by)
    assert list(frame.columns) == header
    assert list(frame[first]) == base.periods(by)
    records = base.records(by)
    columns = base.columns_by(by)
    for index, row in enumerate(rows):
        assert records[index] == dict(zip(header, row, strict=True))
        for name, value in zip(header[1:], row[1:], strict=True):
            # plain Python values: a float, or None where undefined (never NaN, never numpy)
            assert value is None or type(value) is float
            assert same_figure(name, value, float(frame[name].iloc[index]))
            assert same_figure(name, value, float(columns[name][index]))


def test_monthly_view_is_the_engine_columns(base):
    columns = base.columns_by("month")
    for name in MONTHLY_COLUMNS:
        np.testing.assert_array_equal(columns[name], base.columns[name])
    assert base.periods() == base.labels


@pytest.mark.parametrize("by", ["quarter", "year", "fiscal-quarter", "fiscal-year"])
def test_public_aggregate_of_a_monthly_frame_matches_the_projection_view(july, by):
    base = july
    out = commitcast.aggregate(base.frame(), by, 7)
    expected = base.frame(by)
    assert list(out.columns) == list(expected.columns)
    assert list(out["period"]) == list(expected["period"])
    for name in MONTHLY_COLUMNS:
        for got, want in zip(out[name], expected[name], strict=True):
            assert same_figure(name, float(got), float(want)), name


def test_aggregation_agrees_with_pandas_groupby_on_awkward_data():
    # Months out of order, a missing flow, a period without inference capacity: checked
    # against pandas' groupby as an independent route (sum skips NaN, last is the last
    # defined value).
    months = ["2026-02", "2026-01", "2026-04", "2026-03", "2026-05", "2026-06", "2027-01"]
    rng = np.random.default_rng(3)
    columns = {name: rng.uniform(0, 1e9, len(months)) for name in MONTHLY_COLUMNS}
    columns["revenue"][1] = np.nan
    columns["cumulative_cash"][5] = np.nan
    columns["training_tokens"][2:6] = columns["available_tokens"][2:6]  # Q2: all training
    columns["queue_wait_seconds"][4] = np.nan  # a saturated month in Q2
    periods, out = aggregate_columns(months, columns, "quarter")
    assert periods == ["2026-Q1", "2026-Q2", "2027-Q1"]
    frame = pd.DataFrame(columns)
    frame["inference"] = frame["available_tokens"] - frame["training_tokens"]
    grouped = frame.groupby([period_label(m, "quarter") for m in months], sort=False)
    sums, last = grouped.sum(), grouped.last()
    for index, period in enumerate(periods):
        assert out["revenue"][index] == pytest.approx(sums.loc[period, "revenue"])
        assert out["cumulative_cash"][index] == last.loc[period, "cumulative_cash"]
        inference = sums.loc[period, "inference"]
        utilization = out["utilization"][index]
        if inference == 0:
            assert math.isnan(utilization)
        else:
            expected = sums.loc[period, "served_tokens"] / inference
            assert utilization == pytest.approx(expected, rel=1e-9)
        margin = sums.loc[period, "gross_margin"] / sums.loc[period, "revenue"]
        assert out["gross_margin_pct"][index] == pytest.approx(margin, rel=1e-9)
    assert math.isnan(out["utilization"][1])  # Q2 had no inference capacity
    # a peak is the period's highest month, undefined with a saturated month in it
    assert out["queue_wait_seconds"][0] == max(columns["queue_wait_seconds"][[0, 1, 3]])
    assert math.isnan(out["queue_wait_seconds"][1])
