"""simulate: degenerate runs equal `project`, statistics by an independent route, the same seed
gives the same output, percentiles are ordered, errors exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from commitcast.analysis.simulate import FIGURES, simulate
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario, scenario_from_text
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"

UNCERTAIN = """\
name: uncertain
horizon: {start: 2026-01, months: 18}
discount_rate: 0.08
contracts:
  - {name: C, monthly_fee: 100M, start: 2026-01-01, end: 2026-12-31,
     capacity: {tokens_per_month: 1e12}, escalator: {rate: 0.05, every_months: 6}}
  - {name: D, monthly_fee: 20M, start: 2026-04-01, end: 2027-06-30,
     capacity: {tokens_per_month: 2e11}, payment: {timing: arrears}}
revenue:
  - name: API
    tokens_per_month: TOKENS
    price_per_million_tokens: 150
    growth: GROWTH
    price_change: PRICE
  - {name: Subs, revenue_per_month: 10M, growth: SUBS}
costs:
  training_share: SHARE
  serving_cost_per_million_tokens: 2
  overflow: {policy: on_demand, cost_per_million_tokens: 200}
"""
SPREAD = {
    "TOKENS": "{dist: lognormal, mean: 8e11, sd: 2e11}",
    "GROWTH": "{dist: triangular, low: -0.02, mode: 0.02, high: 0.06}",
    "PRICE": "{dist: normal, mean: -0.01, sd: 0.01}",
    "SUBS": "{dist: uniform, low: 0, high: 0.04}",
    "SHARE": "{dist: choice, values: [0.2, 0.3], weights: [1, 3]}",
}
# lines of the text below: UNCERTAIN is 19 lines, so `correlations:` is line 20
# every distribution collapsed to one value: 8e11, 0.02, -0.01, 0.02, 0.3
DEGENERATE = {
    "TOKENS": "{dist: lognormal, mean: 8e11, sd: 0}",
    "GROWTH": "{dist: triangular, low: 0.02, mode: 0.02, high: 0.02}",
    "PRICE": "{dist: normal, mean: -0.01, sd: 0}",
    "SUBS": "{dist: uniform, low: 0.02, high: 0.02}",
    "SHARE": "{dist: choice, values: [0.3]}",
}
PLAIN = {"TOKENS": "8e11", "GROWTH": "0.02", "PRICE": "-0.01", "SUBS": "0.02", "SHARE": "0.3"}
CORRELATED = (
    "correlations:\n  - {between: [revenue.API.growth, revenue.API.price_change], rho: -0.6}\n"
)


def text(values: dict[str, str], extra: str = "") -> str:
    out = UNCERTAIN
    for key, value in values.items():
        out = out.replace(key, value)
    return out + extra


def test_degenerate_distributions_equal_project_exactly() -> None:
    point = projection(scenario_from_text(text(PLAIN)))
    result = simulate(scenario_from_text(text(DEGENERATE)), runs=50, seed=1, chunk=16)
    assert len(result.uncertainty.inputs) == 5
    for name in FIGURES:
        runs = result.runs_summary[name]
        assert (runs == point.summary[name]).all(), name
        assert result.statistics[name]["p5"] == point.summary[name]
        assert result.statistics[name]["p95"] == point.summary[name]
    assert result.fan["cumulative_cash"]["p50"] == list(point.columns["cumulative_cash"])
    assert result.fan["cumulative_cash"]["p5"] == list(point.columns["cumulative_cash"])


def test_statistics_match_runs_projected_one_by_one() -> None:
    # independent route: draw the same samples, project each run alone through --set, and
    # compute the statistics with numpy here
    scenario = scenario_from_text(text(SPREAD, CORRELATED))
    runs = 40
    result = simulate(scenario, runs=runs, seed=3, funding_limit=50e6, chunk=15)
    samples = scenario.uncertainty.sample(np.random.default_rng(3), runs)
    labels = {key: item.label for key, item in scenario.uncertainty.inputs.items()}
    singles = [
        projection(
            apply_overrides(scenario, [f"{labels[k]}={float(v[i])!r}" for k, v in samples.items()])
        ).summary
        for i in range(runs)
    ]
    for name in FIGURES:
        values = np.array([s[name] for s in singles], dtype=float)
        np.testing.assert_array_equal(result.runs_summary[name], values)
        assert result.statistics[name]["mean"] == pytest.approx(values.mean(), rel=1e-12)
        expected = np.percentile(values, [5, 25, 50, 75, 95])
        got = [result.statistics[name][f"p{p}"] for p in (5, 25, 50, 75, 95)]
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    margin = np.array([s["gross_margin"] for s in singles])
    funding = np.array([s["peak_funding_need"] for s in singles])
    utilization = np.array([s["average_utilization"] for s in singles])
    assert result.probabilities["gross_margin_below_zero"] == (margin < 0).sum() / runs
    assert result.probabilities["peak_funding_need_above_limit"] == (funding > 50e6).sum() / runs
    assert result.probabilities["average_utilization_below_70pct"] == (
        (utilization < 0.7).sum() / runs
    )
    # the inputs really varied, and the probabilities are not trivially 0 or 1
    assert len(set(margin.tolist())) == runs
    assert 0 < result.probabilities["gross_margin_below_zero"] < 1


def test_chunk_size_does_not_change_the_numbers() -> None:
    scenario = scenario_from_text(text(SPREAD, CORRELATED))
    a = simulate(scenario, runs=300, seed=5, chunk=300)
    b = simulate(scenario, runs=300, seed=5, chunk=7)
    assert a.statistics == b.statistics
    assert a.fan == b.fan


def test_percentiles_are_ordered() -> None:
    result = simulate(load_scenario(FIXTURES / "colossus-risk.yaml"), runs=2000, seed=7)
    for name, stats in result.statistics.items():
        levels = [stats[f"p{p}"] for p in (5, 25, 50, 75, 95)]
        assert levels == sorted(levels), name
        assert levels[0] < levels[-1], name  # a real spread, not a constant
    for name, fan in result.fan.items():
        for p5, p50, p95 in zip(fan["p5"], fan["p50"], fan["p95"], strict=True):
            if p5 is not None:
                assert p5 <= p50 <= p95, name


def test_same_seed_same_output(cli) -> None:
    path = FIXTURES / "colossus-risk.yaml"
    args = ("simulate", path, "--runs", "3000", "--format", "json")
    first = cli(*args, "--seed", "7")
    second = cli(*args, "--seed", "7")
    other = cli(*args, "--seed", "8")
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["figures"] != json.loads(other.stdout)["figures"]


def test_json_output(cli) -> None:
    result = cli(
        "simulate",
        FIXTURES / "colossus-risk.yaml",
        "--runs",
        "500",
        "--seed",
        "1",
        "--funding-limit",
        "20B",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["runs"] == 500 and data["seed"] == 1
    assert set(data["figures"]) == set(FIGURES)
    assert data["probabilities"]["funding_limit"] == 20e9
    assert 0 <= data["probabilities"]["peak_funding_need_above_limit"] <= 1
    assert len(data["fan"]["months"]) == 60
    assert len(data["fan"]["cumulative_cash"]["p50"]) == 60
    assert [i["path"] for i in data["inputs"]][0] == "costs.training_share"
    assert data["correlations"] == [
        {"between": ["revenue.API.growth", "revenue.API.price_change"], "rho": -0.6}
    ]


def test_table_and_csv_output(cli) -> None:
    path = FIXTURES / "colossus-risk.yaml"
    table = cli("simulate", path, "--runs", "500", "--funding-limit", "20B")
    assert table.exit_code == 0, table.output
    for expected in (
        "Key figures over the runs",
        "P(gross margin < 0)",
        "P(peak funding need > $20.00B)",
        "Cumulative cash by month",
        "2031-05",
    ):
        assert expected in table.stdout
    csv = cli("simulate", path, "--runs", "500", "--format", "csv")
    lines = csv.stdout.splitlines()
    assert lines[0] == "section,name,month,statistic,value"
    assert any(line.startswith("figure,npv,,p50,") for line in lines)
    assert any(line.startswith("fan,cumulative_cash,2026-06,p5,") for line in lines)


def test_output_file_is_written_whole(cli, tmp_path) -> None:
    out = tmp_path / "sim.json"
    result = cli(
        "simulate",
        FIXTURES / "colossus-risk.yaml",
        "--runs",
        "200",
        "--format",
        "json",
        "--output",
        out,
    )
    assert result.exit_code == 0
    assert json.loads(out.read_text())["runs"] == 200


@pytest.mark.parametrize(
    ("correlations", "expected"),
    [
        (
            "  - {between: [revenue.API.growth, revenue.API.price_change], rho: 1.2}\n",
            ":21:63: correlations[0].rho: 1.2 is out of range; a correlation is between -1 and 1",
        ),
        (
            "  - {between: [revenue.API.growth, revenue.APX.price_change], rho: 0.5}\n",
            ":21:36: correlations[0].between[1]: no item named 'APX' in revenue",
        ),
        (
            "  - {between: [revenue.API.growth, costs.serving_cost_per_million_tokens], "
            "rho: 0.5}\n",
            "costs.serving_cost_per_million_tokens has no distribution",
        ),
        (
            "  - {between: [revenue.API.growth, revenue.API.price_change], rho: 0.9}\n"
            "  - {between: [revenue.API.growth, revenue.Subs.growth], rho: 0.9}\n"
            "  - {between: [revenue.API.price_change, revenue.Subs.growth], rho: -0.9}\n",
            # the matrix's eigenvalues are 1.9, 1.9 and -0.8 (worked in tests/core/test_eigen.py)
            ":20:1: correlations: these correlations contradict each other: their matrix is "
            "not positive semi-definite (smallest eigenvalue -0.8)",
        ),
    ],
)
def test_invalid_correlations_exit_2(cli, write_scenario, correlations, expected) -> None:
    path = write_scenario(text(SPREAD) + "correlations:\n" + correlations)
    result = cli("simulate", path, "--runs", "10")
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_a_sample_outside_the_field_is_an_error(cli, write_scenario) -> None:
    spread = SPREAD | {"SHARE": "{dist: normal, mean: 0.3, sd: 0.5}"}
    result = cli("simulate", write_scenario(text(spread)), "--runs", "1000")
    assert result.exit_code == 2
    assert "costs.training_share: a sampled value is outside what this field allows" in (
        result.stderr
    )
    clipped = SPREAD | {"SHARE": "{dist: normal, mean: 0.3, sd: 0.5, min: 0, max: 1}"}
    assert cli("simulate", write_scenario(text(clipped)), "--runs", "1000").exit_code == 0


def test_bad_options_exit_2(cli) -> None:
    path = FIXTURES / "colossus-risk.yaml"
    bad_limit = cli("simulate", path, "--funding-limit", "lots")
    assert bad_limit.exit_code == 2 and "--funding-limit" in bad_limit.stderr
    table_to_file = cli("simulate", path, "--output", "x.txt")
    assert table_to_file.exit_code == 2
    assert cli("simulate", path, "--runs", "0").exit_code == 2


@pytest.mark.parametrize("runs", ["0", "-5", "1000001", "10000000000"])
def test_runs_out_of_range_is_refused_before_the_file_is_read(cli, tmp_path, runs) -> None:
    # the file does not exist: if it were read first, the error would be about the file
    result = cli("simulate", tmp_path / "missing.yaml", "--runs", runs)
    assert result.exit_code == 2
    assert "--runs must be between 1 and 1,000,000" in result.stderr
    assert "missing.yaml" not in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("limit", ["-5B", "-1"])
def test_a_negative_funding_limit_is_a_usage_error(cli, tmp_path, limit) -> None:
    result = cli("simulate", tmp_path / "missing.yaml", "--funding-limit", limit)
    assert result.exit_code == 2
    assert "--funding-limit" in result.stderr and "negative" in result.stderr
    assert "missing.yaml" not in result.stderr
    # 0 is a limit: P(peak funding need > 0)
    zero = cli("simulate", FIXTURES / "colossus-risk.yaml", "-n", "20", "--funding-limit", "0")
    assert zero.exit_code == 0, zero.output
    with pytest.raises(CommitcastError):
        simulate(load_scenario(FIXTURES / "colossus-risk.yaml"), 10, 0, funding_limit=-1.0)


@pytest.mark.parametrize(
    ("arguments", "line"),
    [
        ({"runs": 0}, "<input>: runs: must be between 1 and 1,000,000; got 0"),
        ({"runs": 1_000_001}, "<input>: runs: must be between 1 and 1,000,000; got 1,000,001"),
        (
            {"funding_limit": -1e9},
            "<input>: funding_limit: -1e+09 is negative; give the amount of funding available, "
            "0 or more",
        ),
        ({"funding_limit": float("nan")}, "<input>: funding_limit: not a number (nan)"),
        # infinity was taken, and its JSON held "funding_limit": Infinity, which is no JSON
        ({"funding_limit": float("inf")}, "<input>: funding_limit: infinity is no funding limit"),
    ],
)
def test_python_callers_are_told_the_argument_not_the_option(arguments, line) -> None:
    scenario = load_scenario(FIXTURES / "colossus-risk.yaml")
    with pytest.raises(CommitcastError) as caught:
        simulate(scenario, **{"runs": 10, "seed": 0, **arguments})
    assert str(caught.value).startswith(line)
    assert "--" not in str(caught.value) and "command line" not in str(caught.value)
    with pytest.raises(TypeError):
        simulate(scenario, 10.0, 0)  # type: ignore[arg-type]


def test_runs_and_funding_limit_are_refused_together_before_reading(cli, tmp_path) -> None:
    result = cli("simulate", tmp_path / "missing.yaml", "-n", "0", "--funding-limit", "-1")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "command line: --runs must be between 1 and 1,000,000; got 0 (e.g. --runs 10000)",
        "command line: --funding-limit: -1 is negative; give the amount of funding available, 0 "
        "or more (e.g. --funding-limit 5B)",
    ]


def test_set_fixes_an_input_for_the_simulation(cli) -> None:
    result = cli(
        "simulate",
        FIXTURES / "colossus-risk.yaml",
        "--runs",
        "200",
        "--format",
        "json",
        "--set",
        "revenue.API.growth=0.02",
    )
    data = json.loads(result.stdout)
    assert "revenue.API.growth" not in [i["path"] for i in data["inputs"]]
    assert data["correlations"] == []  # its correlation went with it
    assert data["overrides"] == ["revenue.API.growth=0.02"]


def test_progress_is_reported_per_chunk_and_never_on_stdout(cli) -> None:
    scenario = load_scenario(FIXTURES / "colossus-risk.yaml")
    done: list[int] = []
    simulate(scenario, runs=2500, seed=1, chunk=1000, progress=done.append)
    assert done == [1000, 1000, 500]
    # long enough for a bar, but stderr is not a terminal under the test runner: no bar at all
    result = cli("simulate", FIXTURES / "colossus-risk.yaml", "--runs", "25000", "-f", "json")
    assert result.exit_code == 0
    assert "simulating" not in result.stdout and "simulating" not in result.stderr
    assert json.loads(result.stdout)["runs"] == 25000


def test_figures_undefined_in_some_runs_are_left_out_and_said_so(cli, write_scenario) -> None:
    # no revenue and no capacity: gross margin % and utilization are undefined in every run
    path = write_scenario(
        "name: no revenue\nhorizon: {start: 2026-01, months: 6}\ncontracts:\n"
        "  - {name: C, monthly_fee: {dist: uniform, low: 90M, high: 110M},\n"
        "     start: 2026-01-01, end: 2026-12-31}\n"
    )
    data = json.loads(cli("simulate", path, "--runs", "50", "-f", "json").stdout)
    assert data["figures"]["gross_margin_pct"] == {
        "defined_runs": 0,
        "mean": None,
        "p5": None,
        "p25": None,
        "p50": None,
        "p75": None,
        "p95": None,
    }
    assert data["figures"]["npv"]["defined_runs"] == 50
    assert data["probabilities"]["average_utilization_below_70pct"] == 0.0
    table = cli("simulate", path, "--runs", "50").stdout
    assert "Gross margin % *" in table
    assert "* Gross margin %: defined in 0 of 50 runs" in table
    assert "…" not in table  # nothing cut (200 columns here; the README example is 80)
