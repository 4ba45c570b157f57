"""`commitcast obligations`: options, formats and refusals (figures: tests/analysis)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
PORTFOLIO = SCENARIOS / "portfolio.yaml"


def test_the_table_is_the_default(cli):
    result = cli("obligations", PORTFOLIO)
    assert result.exit_code == 0, result.output
    assert "obligations as of 1 Jun 2026: Compute portfolio" in result.stdout
    assert "within 1 year" in result.stdout and "all contracts" in result.stdout


def test_json_csv_and_markdown(cli, tmp_path):
    result = cli("obligations", BASE, "--as-of", "2027-01", "--by", "year", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2027-01-01" and data["periods"] == ["2027", "2028", "2029"]
    # notice on 1 January 2027 with 90 days' notice: 31 + 28 + 31 = 90 days make 1 April the
    # first day without service, so January, February and March in full: 3 x 1.25B = 3.75B
    assert data["total"]["noncancelable"]["total"] == pytest.approx(3.75e9, abs=0.005)
    out = tmp_path / "obligations.csv"
    result = cli("obligations", BASE, "-f", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("contract,period,scheduled,noncancelable,cancelable\n")
    result = cli("obligations", BASE, "-f", "md", "--set", "contracts[0].monthly_fee=1B")
    assert result.exit_code == 0, result.output
    assert "| contract | figure | within 1 year |" in result.stdout
    assert "overrides: contracts[0].monthly_fee=1B" in result.stderr


def test_fiscal_years(cli, tmp_path):
    text = BASE.read_text().replace("currency: USD", "currency: USD\nfiscal_year_start_month: 7")
    path = tmp_path / "fy.yaml"
    path.write_text(text)
    result = cli("obligations", path, "--by", "fiscal-year", "-f", "json")
    assert result.exit_code == 0, result.output
    # June 2026 ends FY2026 (July 2025 - June 2026); May 2029 is in FY2029
    assert json.loads(result.stdout)["periods"] == ["FY2026", "FY2027", "FY2028", "FY2029"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--as-of", "2026-05"],
            "command line: --as-of: 2026-05 is before the horizon's start (2026-06); payments "
            "before it are not on the contract grid (a month from 2026-06 on)",
        ),
        (
            ["--as-of", "2026-5-01"],
            "command line: --as-of: cannot read '2026-5-01' as a month (write YYYY-MM, e.g. "
            "--as-of 2027-01)",
        ),
        (
            ["--as-of", "2030-01"],
            "command line: --as-of: 2030-01 is after the last month of the contracts (2029-05); "
            "nothing is owed then (a month from 2026-06 to 2029-05)",
        ),
        (["-o", "x.txt"], "--output needs a machine format (--format csv, json or md)"),
    ],
)
def test_refusals(cli, args, message):
    result = cli("obligations", BASE, *args)
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
