"""CLI tests for compare, sensitivity, solve and exit: formats, overrides shown, error exits."""

from __future__ import annotations

import csv
import io
import json

import pytest

from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from tests.conftest import FIXTURES

BASE = FIXTURES / "colossus-base.yaml"
DOWN = FIXTURES / "colossus-downside.yaml"
SET = ("--set", "costs.training_share=0.25")


def ok(result):
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def refused(result, message):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in result.output
    return result


# ---- compare -------------------------------------------------------------------------------


def test_compare_table_shows_both_and_the_overrides(cli):
    result = ok(cli("compare", BASE, DOWN, *SET))
    assert "A = Colossus reservation, base case" in result.stdout
    assert "B = Colossus reservation, downside" in result.stdout
    assert "overrides: costs.training_share=0.25" in result.stdout
    assert "npv" in result.stdout


def test_compare_json_deltas_match_separate_projections(cli):
    data = json.loads(ok(cli("compare", BASE, DOWN, "--format", "json")).stdout)
    a = projection(load_scenario(BASE)).summary["npv"]
    b = projection(load_scenario(DOWN)).summary["npv"]
    rows = [r for r in data["figures"] if r["figure"] == "npv"]
    assert rows[1]["delta"] == pytest.approx(b - a, abs=0.005)
    assert data["overrides"] == []


def test_compare_csv_and_markdown(cli):
    result = ok(cli("compare", BASE, DOWN, "--format", "csv", *SET))
    # CSV stays pure CSV: the overrides are stated on stderr
    assert "overrides: costs.training_share=0.25" in result.stderr
    assert "overrides" not in result.stdout
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["figure"] for r in rows} >= {"npv", "gross_margin"}
    markdown = ok(cli("compare", BASE, DOWN, "--format", "md")).stdout
    assert "| figure | A | B | Δ B | Δ% B |" in markdown


def test_compare_metric_by_year(cli):
    result = ok(cli("compare", BASE, DOWN, "--metric", "gross_margin", "--by", "year"))
    assert "2027" in result.stdout
    data = json.loads(
        ok(cli("compare", BASE, DOWN, "--metric", "revenue", "--format", "json")).stdout
    )
    assert data["by"] == "year" and data["rows"][0]["period"] == "2026"


def test_compare_bridge_outputs_sum_to_the_total(cli):
    ok(cli("compare", BASE, DOWN, "--bridge", "npv"))
    data = json.loads(ok(cli("compare", BASE, DOWN, "--bridge", "npv", "--format", "json")).stdout)
    assert sum(step["contribution"] for step in data["steps"]) == pytest.approx(
        data["total"], abs=1e-6
    )
    assert data["end"] - data["start"] == pytest.approx(data["total"])


def test_compare_errors(cli, write_scenario):
    refused(cli("compare", BASE), "at least two")
    euro = write_scenario(
        BASE.read_text(encoding="utf-8").replace("currency: USD", "currency: EUR")
    )
    refused(cli("compare", BASE, euro), "different currencies")
    refused(cli("compare", BASE, DOWN, BASE, "--bridge", "npv"), "give two files")
    refused(cli("compare", BASE, DOWN, "--bridge", "npv", "--metric", "revenue"), "not both")
    refused(cli("compare", BASE, DOWN, "--metric", "npv"), "not a monthly column")
    refused(cli("compare", BASE, DOWN, "--set", "revenue.APX.growth=1"), "no item named 'APX'")


def test_compare_output_file_is_written_whole(cli, tmp_path):
    target = tmp_path / "compare.csv"
    ok(cli("compare", BASE, DOWN, "--format", "csv", "--output", target))
    assert target.read_text(encoding="utf-8").startswith("figure,scenario,value")
    refused(cli("compare", BASE, DOWN, "--output", tmp_path / "x.txt"), "--output needs")


# ---- sensitivity ---------------------------------------------------------------------------


def test_sensitivity_table_csv_json(cli):
    table = ok(cli("sensitivity", BASE, *SET)).stdout
    assert "overrides: costs.training_share=0.25" in table
    assert "API price" in table and "█" in table
    rows = list(csv.DictReader(io.StringIO(ok(cli("sensitivity", BASE, "--format", "csv")).stdout)))
    assert len(rows) == 9
    swings = [float(r["swing"]) for r in rows]
    assert swings == sorted(swings, reverse=True)
    data = json.loads(ok(cli("sensitivity", BASE, "--format", "json", *SET)).stdout)
    assert data["overrides"] == ["costs.training_share=0.25"]
    assert data["metric"] == "npv"


def test_sensitivity_vary_and_grid(cli):
    data = json.loads(
        ok(
            cli(
                "sensitivity",
                BASE,
                "--vary",
                "revenue.API.growth=-20%:+20%",
                "--metric",
                "gross_margin",
                "--format",
                "json",
            )
        ).stdout
    )
    assert data["drivers"][0]["low"] == pytest.approx(0.032)
    result = ok(
        cli(
            "sensitivity",
            BASE,
            "--grid",
            "revenue.API.growth=0.02,0.04",
            "--grid",
            "costs.training_share=0.2,0.3",
        )
    )
    assert "20%" in result.stdout and "$" in result.stdout
    rows = list(
        csv.DictReader(
            io.StringIO(
                ok(
                    cli("sensitivity", BASE, "--grid", "revenue.API.growth=0.02,0.04", "-f", "csv")
                ).stdout
            )
        )
    )
    assert [r["revenue.API.growth"] for r in rows] == ["0.02", "0.04"]


def test_sensitivity_errors(cli):
    refused(
        cli("sensitivity", BASE, "--vary", "revenue.API.price_per_million_tokens=-1:2"), "negative"
    )
    refused(cli("sensitivity", BASE, "--metric", "nope"), "not a summary figure")
    refused(cli("sensitivity", BASE, "--vary", "x=1:2", "--grid", "y=1"), "not both")
    refused(cli("sensitivity", BASE, "--grid", "revenue.API.growth"), "cannot read --grid")


def test_sensitivity_without_vary_leaves_out_a_driver_at_its_bound(cli):
    # no --vary given: a fee at the 1e18 maximum cannot be flexed +20%, so it is left out
    result = ok(cli("sensitivity", BASE, "--set", "contracts[0].monthly_fee=1e18", "-f", "json"))
    data = json.loads(result.stdout)
    assert any("allowed range" in note and "monthly_fee" in note for note in data["notes"])
    bad = refused(cli("sensitivity", BASE, "--vary", "revenue.APX.growth"), "--vary revenue.APX")
    assert "--set" not in bad.output


def test_bad_vary_and_grid_paths_name_their_option(cli):
    bad = refused(cli("sensitivity", BASE, "--vary", "revenue.APX.growth=0:1"), "no item")
    assert bad.stderr.startswith("command line: --vary revenue.APX.growth: no item named 'APX'")
    assert "--set" not in bad.stderr
    bad = refused(cli("sensitivity", BASE, "--grid", "revenue[7].growth=0.1,0.2"), "index 7")
    assert bad.stderr.startswith("command line: --grid revenue[7].growth:")


@pytest.mark.parametrize(
    "path", ['contracts."Colossus reservation".monthly_fee', "contracts[0].monthly_fee"]
)
def test_default_flex_asked_for_at_its_bound_names_vary(cli, path):
    # 1e18 is the largest amount a file may hold: +20% would be 1.2e18
    at_bound = ("--set", "contracts[0].monthly_fee=1e18")
    bad = refused(cli("sensitivity", BASE, *at_bound, "--vary", path), "at most")
    assert bad.stderr.startswith(f"command line: --vary {path}=1.2e+18: ")


def test_option_text_is_refused_before_the_scenario_is_read(cli, tmp_path):
    missing = tmp_path / "missing.yaml"
    for args in (
        ("sensitivity", missing, "--vary", "x=1", "--metric", "nope"),
        ("solve", missing, "--vary", "x", "--target", "npv=lots", "--range", "1"),
        ("compare", missing, missing, "--bridge", "nope"),
    ):
        bad = refused(cli(*args), "command line:")
        assert "missing.yaml" not in bad.stderr
    # every problem of the options at once
    bad = refused(cli("sensitivity", missing, "--vary", "x=1", "--metric", "nope"), "nope")
    assert "cannot read --vary 'x=1'" in bad.stderr
    bad = refused(
        cli("solve", missing, "--vary", "x", "--target", "npv=lots", "--range", "1"), "lots"
    )
    assert "cannot read the range '1' for x" in bad.stderr


# ---- solve ---------------------------------------------------------------------------------


def test_solve_table_and_json(cli):
    args = (
        "solve",
        BASE,
        "--vary",
        "revenue.API.price_per_million_tokens",
        "--target",
        "gross_margin_pct=40%",
    )
    table = ok(cli(*args, *SET)).stdout
    assert "makes gross_margin_pct = 40.0000%" in table
    assert "overrides: costs.training_share=0.25" in table
    data = json.loads(ok(cli(*args, "--format", "json")).stdout)
    again = projection(apply_overrides(load_scenario(BASE), data["check"]["set"])).summary[
        "gross_margin_pct"
    ]
    assert again == pytest.approx(0.40, abs=1e-9)
    rows = list(csv.DictReader(io.StringIO(ok(cli(*args, "--format", "csv")).stdout)))
    assert float(rows[0]["value"]) == pytest.approx(data["solution"]["value"])


def test_solve_breakeven_utilization(cli):
    result = ok(cli("solve", BASE, "--breakeven-utilization"))
    assert "break-even average utilization:" in result.stdout


def test_solve_errors(cli):
    refused(cli("solve", BASE), "give --vary PATH and --target")
    refused(
        cli(
            "solve", BASE, "--vary", "revenue.API.growth", "--target", "npv=1T", "--range", "0:0.01"
        ),
        "no value of revenue.API.growth",
    )
    refused(cli("solve", BASE, "--breakeven-utilization", "--vary", "x"), "takes no --vary")
    refused(
        cli("solve", BASE, "--vary", "revenue.API.growth", "--target", "npv=0", "--range", "0.1"),
        "cannot read the range",
    )
    unreachable = refused(
        cli("solve", BASE, "--vary", "revenue.API.growth", "--target", "npv=1T", "--range", "0:1%"),
        "no value of revenue.API.growth from 0 to 0.01",
    )
    assert "(widen --range, or the target cannot be reached by this input)" in unreachable.stderr
    zero = refused(
        cli("solve", BASE, "--vary", "contracts[0].termination.fee", "--target", "npv=0"),
        "contracts[0].termination.fee is 0 in the scenario; give the range to search",
    )
    assert "(--range LOW:HIGH)" in zero.stderr
    refused(
        cli("solve", BASE, "--vary", "contracts[0].end", "--target", "npv=0"),
        "command line: --vary: contracts[0].end is a date, a whole number or a choice",
    )
    refused(
        cli(
            *("solve", BASE, "--vary", "revenue.API.growth", "--target", "npv=0"), "--range", "0:x"
        ),
        "command line: --range revenue.API.growth=x: cannot read 'x' as a number",
    )


# ---- exit ----------------------------------------------------------------------------------


def test_exit_table_marks_best_and_last(cli):
    result = ok(cli("exit", BASE, "--set", "costs.overflow.policy=unserved"))
    assert "overrides: costs.overflow.policy=unserved" in result.stdout
    assert "best: notice on" in result.stdout
    assert "last date to give notice that ends service early: 2029-03-02" in result.stdout
    assert "no notice" in result.stdout


def test_exit_csv_and_json_agree(cli):
    result = ok(cli("exit", BASE, "--format", "csv", *SET))
    assert "overrides: costs.training_share=0.25" in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    data = json.loads(ok(cli("exit", BASE, "--format", "json", *SET)).stdout)
    assert data["overrides"] == ["costs.training_share=0.25"]
    assert len(rows) == len(data["options"]) == 37  # no notice + 36 months
    for row, record in zip(rows, data["options"], strict=True):
        assert float(row["npv"]) == record["npv"]
    assert data["last_notice_date"] == "2029-03-02"


def test_exit_errors(cli, write_scenario):
    text = BASE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if "termination:" not in line]
    assert len(lines) == len(text.splitlines()) - 1
    fixed = write_scenario("".join(lines))
    refused(cli("exit", fixed), "has no termination terms")
    refused(cli("exit", BASE, "--contract", "Nope"), "no contract named 'Nope'")
    refused(cli("exit", BASE, "--contract", "1"), "command line: --contract: no contract named '1'")
    ok(cli("exit", BASE, "--contract", "-1"))
    refused(cli("exit", BASE, "--output", "x.csv"), "--output needs")


@pytest.mark.parametrize("command", ["compare", "sensitivity", "solve", "exit"])
def test_every_command_has_help_with_set_and_format(cli, command):
    result = ok(cli(command, "--help"))
    assert "--set" in result.stdout and "--format" in result.stdout


def test_compare_reports_the_problems_of_every_file_at_once(cli, write_scenario):
    first = write_scenario("name: a\nhorizon: {start: 2026-06, months: 0}\n", "first.yaml")
    second = write_scenario("name: b\nhorizon: {start: 2026-13, months: 12}\n", "second.yaml")
    result = cli("compare", first, second)
    assert result.exit_code == 2
    assert "first.yaml:2" in result.stderr and "second.yaml:2" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_grid_of_a_ratio_figure_prints(cli):
    # the grid holds numpy values: displaying a ratio once crashed on numpy 2's scalar repr
    result = cli(
        "sensitivity",
        BASE,
        "--grid",
        "revenue.API.growth=0.02,0.04",
        "--metric",
        "gross_margin_pct",
    )
    assert result.exit_code == 0, result.output
    assert "%" in result.stdout and "internal error" not in result.output


def test_by_without_metric_is_refused_not_ignored(cli):
    # compare's summary has no periods: --by month said nothing and changed nothing
    bad = refused(cli("compare", BASE, DOWN, "--by", "month"), "--by applies to --metric")
    assert bad.stderr.startswith("command line: --by applies to --metric")
    assert cli("compare", BASE, DOWN, "-m", "revenue", "--by", "month").exit_code == 0


def test_exit_with_every_notice_month_closed_points_at_the_termination(cli, tmp_path):
    # 36 closed months, June 2026 to May 2029: every first of a month notice could be given on
    months = [f"{2026 + (5 + m) // 12}-{(5 + m) % 12 + 1:02d}" for m in range(36)]
    actuals = tmp_path / "closed.csv"
    actuals.write_text("month,revenue\n" + "".join(f"{m},1B\n" for m in months))
    lines = BASE.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("    termination:"))
    bad = refused(cli("exit", BASE, "--actuals", actuals), "no notice is left to time")
    assert bad.stderr.startswith(f"{BASE}:{line}:5: contracts[0].termination: every month in")
    assert f"is closed in {actuals} (to 2029-05)" in bad.stderr


def test_exit_with_no_month_to_give_notice_in_points_at_the_termination(cli, write_scenario):
    # a contract of one day, 15 June 2026: no first of a month lies within it; the refusal
    # named the field but gave no line
    path = write_scenario(
        "name: Short\n"
        "horizon: {start: 2026-06, months: 1}\n"
        "contracts:\n"
        "  - name: C1\n"
        "    monthly_fee: 1000\n"
        "    start: 2026-06-15\n"
        "    end: 2026-06-15\n"
        "    termination: {notice_days: 30}\n"
    )
    bad = refused(cli("exit", path), "no first of a month lies between")
    assert bad.stderr.startswith(f"{path}:8:5: contracts[0].termination.earliest_notice: ")
    none = write_scenario("name: None\nhorizon: {start: 2026-06, months: 1}\n", "none.yaml")
    refused(cli("exit", none), f"{none}: contracts: the scenario has no contracts")
