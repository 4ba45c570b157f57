"""compare: each difference checked against two separate projections made in the test."""

from __future__ import annotations

import math

import pytest

from commitcast.analysis.compare import compare, delta, metric_over_time
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from tests.conftest import FIXTURES, SCENARIOS


@pytest.fixture(scope="module")
def pair():
    return (
        load_scenario(FIXTURES / "colossus-base.yaml"),
        load_scenario(FIXTURES / "colossus-downside.yaml"),
    )


def test_deltas_match_two_separate_projections(pair):
    base, other = pair
    result = compare([base, other])
    a, b = projection(base).summary, projection(other).summary
    for figure in ("npv", "gross_margin", "total_revenue", "peak_funding_need", "ending_cash"):
        expected = b[figure] - a[figure]
        assert result.deltas[figure][0].amount == pytest.approx(expected, abs=0.005)
        assert result.deltas[figure][0].percent == pytest.approx(expected / abs(a[figure]))
        assert result.values[figure] == [a[figure], b[figure]]


def test_month_figures_are_shown_without_a_difference(pair):
    base, other = pair
    result = compare([base, other])
    assert result.values["peak_funding_month"] == [
        projection(base).summary["peak_funding_month"],
        projection(other).summary["peak_funding_month"],
    ]
    assert result.deltas["peak_funding_month"][0].amount is None


def test_a_zero_base_has_no_percent(pair):
    base, _ = pair
    # total_overflow_cost is 0 with unserved overflow: a percent change of 0 is undefined
    unserved = apply_overrides(base, ["costs.overflow.policy=unserved"])
    result = compare([unserved, base])
    assert result.values["total_overflow_cost"][0] == 0
    assert result.deltas["total_overflow_cost"][0].percent is None


@pytest.mark.parametrize(
    ("unit", "base", "other", "expected"),
    [
        # shows as 0.00 s: no percent of it (0.65 s would be 16,250,000% of 0.000004 s)
        ("seconds", 0.000004, 0.65, None),
        ("seconds", 0.004999, 0.65, None),
        # shows as 0.01 s (half up): (0.65 - 0.005) / 0.005 = 129, 12,900%
        ("seconds", 0.005, 0.65, 129.0),
        # $0.00 either way round; $0.01 is a base: (2.00 - 0.01) / 0.01 = 199
        ("money", 0.004, 2.0, None),
        ("money", -0.004, 2.0, None),
        ("money", 0.01, 2.0, 199.0),
        # 0.04% shows as 0.0%; 0.05% as 0.1%: (0.10 - 0.0005) / 0.0005 = 199
        ("ratio", 0.0004, 0.1, None),
        ("ratio", 0.0005, 0.1, 199.0),
        # a negative base that shows: (-1 - -4) / |-4| = 0.75
        ("money", -4.0, -1.0, 0.75),
    ],
)
def test_no_percent_of_a_base_that_shows_as_zero(unit, base, other, expected):
    found = delta(base, other, unit)
    assert found.amount == pytest.approx(other - base, rel=1e-12)
    if expected is None:
        assert found.percent is None
    else:
        assert found.percent == pytest.approx(expected, rel=1e-9)


def test_the_queue_wait_that_shows_as_zero_has_no_percent():
    # the bundled base case's longest queue wait is a fraction of a microsecond (shown 0.00
    # s); the upside's is longer: the difference is shown, its percent is not
    base = load_scenario(SCENARIOS / "colossus-base.yaml")
    result = compare([base, load_scenario(SCENARIOS / "colossus-upside.yaml")])
    first, second = result.values["max_queue_wait_seconds"]
    assert 0 < first < 0.005 and second >= 0.005
    assert result.deltas["max_queue_wait_seconds"][0].amount == pytest.approx(
        second - first, rel=1e-12
    )
    assert result.deltas["max_queue_wait_seconds"][0].percent is None


def test_three_scenarios_each_against_the_first(pair):
    base, other = pair
    third = apply_overrides(base, ["discount_rate=0.2"])
    result = compare([base, other, third])
    assert len(result.deltas["npv"]) == 2
    expected = projection(third).summary["npv"] - projection(base).summary["npv"]
    assert result.deltas["npv"][1].amount == pytest.approx(expected, abs=0.005)


def test_different_currencies_are_refused(pair):
    base, _ = pair
    euros = apply_overrides(base, ["currency=EUR"])
    with pytest.raises(CommitcastError) as caught:
        compare([base, euros])
    assert caught.value.exit_code == 2
    assert "different currencies" in str(caught.value)
    assert "EUR" in str(caught.value)
    # for a Python caller: no file to convert and no --set to suggest
    assert "--set" not in str(caught.value) and "command line" not in str(caught.value)


def test_one_metric_by_year_is_the_sum_of_its_months(pair):
    base, other = pair
    table = metric_over_time([base, other], "gross_margin", "year")
    # independent route: add up the monthly column by calendar year in a loop
    for column, scenario in enumerate((base, other)):
        p = projection(scenario)
        totals: dict[str, float] = {}
        for label, value in zip(p.labels, p.columns["gross_margin"], strict=True):
            totals[label[:4]] = totals.get(label[:4], 0.0) + float(value)
        assert table.periods == sorted(totals)
        for row, period in enumerate(table.periods):
            assert table.values[row][column] == pytest.approx(totals[period], abs=0.005)
    for row in range(len(table.periods)):
        expected = table.values[row][1] - table.values[row][0]
        assert table.deltas[row][0].amount == pytest.approx(expected, abs=0.005)


def test_one_metric_by_fiscal_year_across_scenarios(pair):
    base, other = (apply_overrides(s, ["fiscal_year_start_month=7"]) for s in pair)
    table = metric_over_time([base, other], "revenue", "fiscal-year")
    # June 2026 .. May 2030 with years from July: FY2026 (June 2026) .. FY2030
    assert table.periods == ["FY2026", "FY2027", "FY2028", "FY2029", "FY2030"]
    for column, scenario in enumerate((base, other)):
        p = projection(scenario)
        totals: dict[str, float] = {}
        for label, value in zip(p.labels, p.columns["revenue"], strict=True):
            year, month = int(label[:4]), int(label[5:])
            key = f"FY{year + 1 if month >= 7 else year}"
            totals[key] = totals.get(key, 0.0) + float(value)
        for row, period in enumerate(table.periods):
            assert table.values[row][column] == pytest.approx(totals[period], abs=0.005)


def test_fiscal_periods_need_one_fiscal_year(pair):
    base, other = pair
    july = apply_overrides(other, ["fiscal_year_start_month=7"])
    with pytest.raises(CommitcastError) as caught:
        metric_over_time([base, july], "revenue", "fiscal-quarter")
    problems = caught.value.problems
    assert [p.field for p in problems] == ["fiscal_year_start_month"] * 2 + ["by"]
    assert "month 7" in problems[1].message
    assert "start in different months" in problems[-1].message
    assert "--set" not in str(caught.value)  # a Python caller has no --set
    # calendar periods do not depend on it
    assert metric_over_time([base, july], "revenue", "quarter").periods[0] == "2026-Q2"


def test_fiscal_periods_on_the_command_line(cli, write_scenario):
    base = FIXTURES / "colossus-base.yaml"
    july = write_scenario(
        base.read_text(encoding="utf-8").replace(
            "currency: USD", "currency: USD\nfiscal_year_start_month: 7"
        )
    )
    result = cli("compare", base, july, "-m", "revenue", "--by", "fiscal-year")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "command line: --by: the scenarios' fiscal years start in different months, so their "
        "fiscal periods would hold different months (--set fiscal_year_start_month=N applies "
        "to every file; or --by quarter or year)"
    )
    same = cli(
        "compare", base, july, "-m", "revenue", "--by", "fiscal-year", "-f", "csv",
        "--set", "fiscal_year_start_month=7",
    )  # fmt: skip
    assert same.exit_code == 0, same.output
    assert same.stdout.splitlines()[0] == "period,scenario,revenue,delta,delta_pct"
    assert same.stdout.splitlines()[1].startswith("FY2026,")


def test_metric_must_be_a_monthly_column(pair):
    with pytest.raises(CommitcastError) as caught:
        metric_over_time(list(pair), "npv", "year")
    assert "not a monthly column" in str(caught.value)
    (problem,) = caught.value.problems
    assert problem.field == "metric" and problem.hint.startswith("one of: committed_fees")


def test_compare_needs_two_scenarios(pair):
    with pytest.raises(CommitcastError) as caught:
        compare(list(pair)[:1])
    assert caught.value.problems[0].field == "scenarios"


def test_currency_problems_on_the_command_line_name_the_files(cli, write_scenario):
    base = FIXTURES / "colossus-base.yaml"
    euros = write_scenario(
        base.read_text(encoding="utf-8").replace("currency: USD", "currency: EUR")
    )
    result = cli("compare", base, euros)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "command line: scenarios in different currencies cannot be compared (convert the "
        "amounts of one file (or --set currency=...) first)"
    )
    # each file at the line where it writes its currency
    line = base.read_text(encoding="utf-8").splitlines().index("currency: USD") + 1
    assert f"{base}:{line}:1: currency: scenario" in result.stderr
    assert f"{euros}:{line}:1: currency: scenario" in result.stderr
    # a currency written nowhere (the default) has no line to point at
    plain = write_scenario("name: Plain\nhorizon: {start: 2026-06, months: 3}\n", "plain.yaml")
    result = cli("compare", plain, euros)
    assert f"{plain}: currency: scenario 'Plain' is in USD" in result.stderr


def test_periods_a_scenario_does_not_cover_are_empty(pair):
    base, _ = pair
    shorter = apply_overrides(base, ["horizon.months=12"])
    table = metric_over_time([base, shorter], "revenue", "year")
    last = table.values[-1]
    assert last[1] is None and table.deltas[-1][0].amount is None
    assert not math.isnan(last[0])
