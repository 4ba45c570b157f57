"""commitcast accounting: options, formats and refusals."""

from __future__ import annotations

import json

from tests.conftest import SCENARIOS

PORTFOLIO = SCENARIOS / "portfolio.yaml"


def test_the_table_csv_and_json(cli, tmp_path):
    result = cli("accounting", PORTFOLIO, "--as-of", "2027-06")
    assert result.exit_code == 0, result.output
    assert "Maturity analysis at 2027-06-01" in result.stdout
    assert "short-term exemption" in result.stdout
    data = json.loads(cli("accounting", PORTFOLIO, "--format", "json").stdout)
    assert data["as_of"] == "2026-06"
    target = tmp_path / "lease.csv"
    result = cli("accounting", PORTFOLIO, "-f", "csv", "-o", target)
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("section,contract,period,figure,value\n")


def test_set_changes_the_borrowing_rate(cli):
    def liability(*extra):
        out = cli("accounting", PORTFOLIO, "--as-of", "2027-01", "-f", "json", *extra).stdout
        return json.loads(out)["maturity"]["total"]["liability"]

    assert liability("--set", "contracts[1].accounting.borrowing_rate=0.12") < liability()


def test_refusals(cli, tmp_path):
    before = cli("accounting", PORTFOLIO, "--as-of", "2026-05")
    assert before.exit_code == 2 and "before the horizon's start" in before.output
    bad = cli("accounting", PORTFOLIO, "--as-of", "June")
    assert bad.exit_code == 2 and "--as-of" in bad.output
    table = cli("accounting", PORTFOLIO, "-o", tmp_path / "x.txt")
    assert table.exit_code == 2 and "machine format" in table.output
