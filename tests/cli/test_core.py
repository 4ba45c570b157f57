"""validate, project, init and schema through Typer's CliRunner: every option, exit codes,
errors without tracebacks, whole output files, and totals that agree across outputs."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from commitcast.core.display import format_money, format_percent
from commitcast.core.measures import MONTHLY_COLUMNS
from tests.conftest import FIXTURES, ROOT, SCENARIOS

BASE = FIXTURES / "colossus-base.yaml"
CENT = 0.005
BAD = """\
name: Bad
horizon: {start: 2026-06, months: 12}
contracts:
  - name: A
    monthly_fee: lots
    start: 2026-06-01
    end: 2027-05-31
    paymnt: {timing: advance}
"""
MONEY_SUMMARY = (
    "total_committed_fees",
    "total_revenue",
    "total_inference_cost",
    "total_training_cost",
    "gross_margin",
    "total_idle_capacity_cost",
    "total_cash_in",
    "total_cash_out",
)
SUMMARY_FROM_COLUMN = {
    "total_committed_fees": "committed_fees",
    "total_revenue": "revenue",
    "total_inference_cost": "inference_cost",
    "total_training_cost": "training_cost",
    "gross_margin": "gross_margin",
    "total_idle_capacity_cost": "idle_capacity_cost",
    "total_cash_in": "cash_in",
    "total_cash_out": "cash_out",
}


def assert_clean_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.output


def csv_table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- validate -------------------------------------------------------------------------------


def test_validate_ok(cli):
    result = cli("validate", BASE)
    assert result.exit_code == 0
    assert result.output.startswith(
        f"ok: {BASE}: 'Colossus reservation, base case', 1 contract(s), 2 revenue stream(s), "
        "48 months from 2026-06"
    )


def test_validate_reports_every_problem_of_every_file(cli, write_scenario):
    bad = write_scenario(BAD, "bad.yaml")
    other = write_scenario(BAD.replace("lots", "5"), "other.yaml")
    result = cli("validate", BASE, bad, other)
    assert_clean_error(
        result,
        f"ok: {BASE}",
        f"{bad}:5:5: contracts[0].monthly_fee: cannot read 'lots' as a number",
        f"{bad}:8:5: contracts[0].paymnt: unknown key 'paymnt' (did you mean 'payment'?)",
        f"{other}:8:5: contracts[0].paymnt",
    )


def test_validate_with_set(cli):
    assert cli("validate", BASE, "--set", "revenue.API.growth=2%").exit_code == 0
    result = cli("validate", BASE, "-s", "revenue.API.grwth=2%")
    assert_clean_error(result, "no field 'grwth'", "did you mean 'growth'?")


def test_validate_missing_file(cli, tmp_path):
    assert_clean_error(cli("validate", tmp_path / "nope.yaml"), "nope.yaml: no such file")


def test_validate_needs_a_file(cli):
    result = cli("validate")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


# --- project --------------------------------------------------------------------------------


def test_project_table_shows_tables_and_summary(cli):
    result = cli("project", BASE)
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("Colossus reservation, base case  (USD, 2026-06 to 2030-05)")
    for title in ("Commitments and capacity", "Demand", "Revenue and margin", "Cash and obl"):
        assert title in out
    assert "2026-06" in out and "2030-05" in out
    assert "Summary" in out
    # the first month's committed fees: 1.25B * 0.5 ramp = $625.0M
    assert "$625.0M" in out


def test_project_table_headers_break_at_underscores_on_a_narrow_terminal(runner):
    from commitcast.cli import app

    narrow = runner.invoke(app, ["project", str(BASE)], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0
    # "idle_capacity_cost" does not fit an 80-column table of its group: it breaks after "_"
    assert "idle_" in narrow.output and "idle_capacity_cost" not in narrow.output
    assert max(len(line) for line in narrow.output.splitlines()) <= 80
    wide = runner.invoke(app, ["project", str(BASE)], env={"COLUMNS": "200"})
    assert "idle_capacity_cost" in wide.output


@pytest.mark.parametrize(
    ("by", "first", "count"), [("quarter", "2026-Q2", 17), ("year", "2026", 5)]
)
def test_project_by_period(cli, by, first, count):
    result = cli("project", BASE, "--by", by, "--format", "csv")
    assert result.exit_code == 0
    rows = csv_table(result.stdout)
    assert list(rows[0]) == ["period", *MONTHLY_COLUMNS]
    assert rows[0]["period"] == first
    # June 2026 .. May 2030: quarters Q2 2026 .. Q2 2030 = 17; years 2026 .. 2030 = 5
    assert len(rows) == count
    table = cli("project", BASE, "--by", by)
    assert table.exit_code == 0 and first in table.output


def test_project_by_fiscal_period(cli, write_scenario):
    path = write_scenario(
        BASE.read_text().replace("currency: USD", "currency: USD\nfiscal_year_start_month: 2")
    )
    result = cli("project", path, "--by", "fiscal-quarter", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = csv_table(result.stdout)
    assert list(rows[0]) == ["period", *MONTHLY_COLUMNS]
    # June 2026 .. May 2030 from February: May-Jul 2026 is FY2027-Q2 (Feb 2026 - Jan 2027),
    # Feb-Apr 2030 FY2031-Q1 and May 2030 FY2031-Q2; 4 x 4 quarters between: 17 rows
    assert [rows[0]["period"], rows[1]["period"], rows[-1]["period"]] == [
        "FY2027-Q2",
        "FY2027-Q3",
        "FY2031-Q2",
    ]
    assert len(rows) == 17
    data = json.loads(cli("project", path, "--by", "fiscal-year", "-f", "json").stdout)
    assert data["period"] == "fiscal-year"
    assert [r["period"] for r in data["monthly"]] == [f"FY{y}" for y in range(2027, 2032)]
    months = csv_table(cli("project", path, "--format", "csv").stdout)
    # FY2027: June 2026 to January 2027, the first eight months
    fy2027 = sum(float(row["revenue"]) for row in months[:8])
    assert data["monthly"][0]["revenue"] == pytest.approx(fy2027, abs=CENT)
    table = cli("project", path, "--by", "fiscal-year")
    assert table.exit_code == 0 and "FY2027" in table.output


def test_project_bad_option_values(cli):
    assert cli("project", BASE, "--by", "week").exit_code == 2
    assert cli("project", BASE, "--format", "xml").exit_code == 2


def test_project_csv_header_month_labels_and_null_cells(cli, write_scenario):
    result = cli("project", BASE, "--format", "csv")
    assert result.exit_code == 0
    rows = csv_table(result.stdout)
    assert list(rows[0]) == ["month", *MONTHLY_COLUMNS]
    assert [r["month"] for r in rows[:3]] == ["2026-06", "2026-07", "2026-08"]
    # after the contract ends (May 2029) there is no capacity: utilization is an empty cell
    assert rows[-1]["utilization"] == ""
    assert float(rows[0]["committed_fees"]) == 625_000_000.0


def test_project_json_structure(cli):
    result = cli("project", BASE, "-f", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"scenario", "monthly", "summary"} <= set(data)
    assert data["scenario"]["name"] == "Colossus reservation, base case"
    assert list(data["monthly"][0]) == ["month", *MONTHLY_COLUMNS]
    assert data["monthly"][-1]["utilization"] is None
    for key in (
        "total_committed_fees",
        "total_revenue",
        "total_inference_cost",
        "gross_margin",
        "gross_margin_pct",
        "npv",
        "peak_funding_need",
        "peak_funding_month",
        "payback_month",
        "average_utilization",
        "total_idle_capacity_cost",
        "exit_cost_now",
    ):
        assert key in data["summary"], key


def test_totals_agree_to_the_cent_across_terminal_csv_and_json(cli):
    rows = csv_table(cli("project", BASE, "--format", "csv").stdout)
    summary = json.loads(cli("project", BASE, "--format", "json").stdout)["summary"]
    terminal = cli("project", BASE).output
    for key, column in SUMMARY_FROM_COLUMN.items():
        csv_total = sum(float(row[column]) for row in rows)
        assert summary[key] == pytest.approx(csv_total, abs=CENT), key
        # the terminal shows the same figure in readable units
        assert format_money(csv_total) in terminal, key
    assert summary["ending_cash"] == pytest.approx(float(rows[-1]["cumulative_cash"]), abs=CENT)
    margin = sum(float(r["gross_margin"]) for r in rows)
    revenue = sum(float(r["revenue"]) for r in rows)
    assert format_percent(margin / revenue) in terminal


def test_output_file_is_written_whole(cli, tmp_path):
    target = tmp_path / "monthly.csv"
    result = cli("project", BASE, "--format", "csv", "-o", target)
    assert result.exit_code == 0
    assert f"wrote {target}" in result.output
    assert target.read_text() == cli("project", BASE, "--format", "csv").stdout
    as_json = tmp_path / "p.json"
    assert cli("project", BASE, "-f", "json", "--output", as_json).exit_code == 0
    assert json.loads(as_json.read_text())["summary"]["npv"] > 0
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["monthly.csv", "p.json"]


def test_bad_scenario_never_touches_an_existing_output(cli, tmp_path, write_scenario):
    bad = write_scenario(BAD, "bad.yaml")
    target = tmp_path / "keep.csv"
    target.write_text("precious\n")
    result = cli("project", bad, "--format", "csv", "-o", target)
    assert_clean_error(result, "monthly_fee")
    assert target.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "keep.csv"]


def test_output_destination_errors(cli, tmp_path):
    result = cli("project", BASE, "-f", "csv", "-o", tmp_path / "missing" / "x.csv")
    assert_clean_error(result, "does not exist")
    result = cli("project", BASE, "-o", tmp_path / "x.csv")  # table format cannot go to a file
    assert_clean_error(result, "--output needs --format csv or json")
    assert not (tmp_path / "x.csv").exists()


def test_project_with_set_changes_the_figures(cli):
    plain = json.loads(cli("project", BASE, "-f", "json").stdout)
    changed = json.loads(
        cli("project", BASE, "-f", "json", "--set", "contracts[0].monthly_fee=1B").stdout
    )
    assert changed["overrides"] == ["contracts[0].monthly_fee=1B"]
    # first month: 1B * 0.5 ramp = 500M instead of 625M
    assert changed["monthly"][0]["committed_fees"] == 500_000_000
    assert plain["monthly"][0]["committed_fees"] == 625_000_000


def test_project_error_has_no_traceback(cli, write_scenario):
    result = cli("project", write_scenario(BAD))
    assert_clean_error(result, ":5:5: contracts[0].monthly_fee")


def test_early_exit_scenario_from_the_cli(cli):
    data = json.loads(cli("project", FIXTURES / "colossus-early-exit.yaml", "-f", "json").stdout)
    fees = [row["committed_fees"] for row in data["monthly"]]
    # June, July 2026 at the 50% ramp (625M each) + Aug 2026 .. Mar 2027 (8 x 1.25B) = 11.25B;
    # nothing from April 2027 (2027-01-01 + 90 days)
    assert sum(fees) == 2 * 625_000_000 + 8 * 1_250_000_000
    assert fees[10:] == [0.0] * 38


# --- init -----------------------------------------------------------------------------------


def test_init_writes_a_valid_starter(cli, tmp_path):
    target = tmp_path / "mine.yaml"
    result = cli("init", target)
    assert result.exit_code == 0
    assert f"wrote {target}" in result.output
    assert target.read_text() == (ROOT / "templates" / "starter.yaml").read_text()
    assert cli("validate", target).exit_code == 0
    assert cli("project", target, "-f", "json").exit_code == 0


def test_init_refuses_to_overwrite_without_force(cli, tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("mine\n")
    assert_clean_error(cli("init", target), "the file exists", "--force")
    assert target.read_text() == "mine\n"
    assert cli("init", target, "--force").exit_code == 0
    assert target.read_text().startswith("# A commitcast scenario")


def test_init_default_name(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("init").exit_code == 0
    assert (tmp_path / "scenario.yaml").exists()


def test_packaged_template_matches_the_repository_copy():
    packaged = ROOT / "src" / "commitcast" / "templates" / "starter.yaml"
    assert packaged.read_text() == (ROOT / "templates" / "starter.yaml").read_text()


def test_init_template_ships_with_the_package():
    # `init` reads the template through importlib.resources, so it works from an installed
    # package: the file must be package data, declared in pyproject.toml.
    import tomllib
    from importlib import resources

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "templates/*.yaml" in config["tool"]["setuptools"]["package-data"]["commitcast"]
    shipped = resources.files("commitcast").joinpath("templates/starter.yaml")
    assert shipped.read_text("utf-8") == (ROOT / "templates" / "starter.yaml").read_text()


def test_init_works_outside_a_checkout(tmp_path):
    # run from an unrelated folder in a fresh interpreter: no repository path is involved
    result = subprocess.run(
        [sys.executable, "-m", "commitcast", "init", "new.yaml"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new.yaml").read_text() == (ROOT / "templates" / "starter.yaml").read_text()


# --- schema ---------------------------------------------------------------------------------


def test_schema_is_json_schema_with_every_field(cli, tmp_path):
    import jsonschema

    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"name", "currency", "horizon", "discount_rate", "contracts", "revenue", "costs"} <= set(
        schema["properties"]
    )
    contract = schema["$defs"]["Contract"]["properties"]
    assert {"monthly_fee", "start", "end", "escalator", "ramp", "termination", "payment"} <= set(
        contract
    )
    assert schema["$defs"]["Contract"]["additionalProperties"] is False
    target = tmp_path / "schema.json"
    assert cli("schema", "-o", target).exit_code == 0
    assert json.loads(target.read_text()) == schema


def test_schema_accepts_the_shipped_scenarios_and_rejects_a_typo(cli):
    import jsonschema

    from commitcast.load.reader import read_file

    schema = json.loads(cli("schema").stdout)
    # check formats too: an editor's language server does
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    files = [FIXTURES / "colossus-base.yaml", FIXTURES / "colossus-downside.yaml"]
    files += [FIXTURES / "colossus-early-exit.yaml", ROOT / "templates" / "starter.yaml"]
    for path in files:
        errors = [e.message for e in validator.iter_errors(read_file(path).data)]
        assert errors == [], path
    data = read_file(BASE).data
    data["contracts"][0]["montly_fee"] = 1
    assert any("montly_fee" in e.message for e in validator.iter_errors(data))


# --- the app --------------------------------------------------------------------------------


def test_version_and_help(cli):
    from commitcast import __version__

    assert cli("--version").output == f"commitcast {__version__}\n"
    help_text = cli("--help").output
    for command in ("validate", "project", "init", "schema"):
        assert command in help_text
        sub = cli(command, "--help")
        assert sub.exit_code == 0 and "Usage" in sub.output


def test_project_help_lists_every_option(cli):
    text = cli("project", "--help").output
    for option in ("--by", "--format", "--output", "--set", "-o", "-f", "-s"):
        assert option in text


def test_python_m_commitcast_runs():
    result = subprocess.run(
        [sys.executable, "-m", "commitcast", "validate", str(BASE)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(ROOT),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")


def test_status_lines_never_wrap_on_a_narrow_terminal(runner, tmp_path):
    # `validate ... > log` or a narrow window: one line per file, so grep and CI logs work
    from commitcast.cli import app

    result = runner.invoke(app, ["validate", str(BASE)], env={"COLUMNS": "40"})
    assert result.exit_code == 0
    assert result.output.count("\n") == 1
    assert result.output.startswith("ok: ") and "48 months from 2026-06" in result.output
    target = tmp_path / "a-rather-long-file-name-for-a-starter-scenario.yaml"
    result = runner.invoke(app, ["init", str(target)], env={"COLUMNS": "40"})
    assert result.exit_code == 0
    assert result.output.count("\n") == 1


def test_wrote_line_shows_a_file_name_with_brackets_as_is(cli, tmp_path):
    # Rich would read "[bold]" in a file name as markup and drop it
    target = tmp_path / "[bold]q3.csv"
    result = cli("project", BASE, "-f", "csv", "-o", target)
    assert result.exit_code == 0
    assert f"wrote {target}" in result.output
    assert target.exists()


def test_project_json_gives_each_contract_only_when_asked(cli):
    path = SCENARIOS / "cover-demand.yaml"
    plain = json.loads(cli("project", path, "-f", "json").stdout)
    assert "contracts" not in plain
    detailed = json.loads(cli("project", path, "-f", "json", "--contracts").stdout)
    names = [c["name"] for c in detailed["contracts"]]
    assert names == ["US reservation", "EU sovereign reservation", "Inference commit"]
    # the euro contract: its fee of EUR 4M in January 2027 at 1.16
    eu = detailed["contracts"][1]["monthly"][0]
    assert eu["fees_native"] == pytest.approx(4_000_000, abs=0.005)
    assert eu["fees"] == pytest.approx(4_640_000, abs=0.005)
    refused = cli("project", path, "--contracts")
    assert refused.exit_code == 2 and "--contracts needs --format json" in refused.stderr
