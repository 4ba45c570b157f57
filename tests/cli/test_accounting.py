"""commitcast accounting: options, formats and refusals."""

from __future__ import annotations

import json
import warnings

import pytest

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


def _portfolio_with(tmp_path, old: str, new: str):
    text = PORTFOLIO.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "portfolio.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1  # the line of the changed text
    return path, line


def test_a_lease_term_of_no_days_is_refused_at_its_notice_before_any_output(cli, tmp_path):
    # Colossus 1 is a lease over its non-cancellable term: notice at the earliest (its start,
    # 2026-06-01) plus the notice period; with 0 days' notice that term has no days. It was an
    # internal error (IndexError); `project --xlsx` wrote its table and then failed.
    path, line = _portfolio_with(tmp_path, "notice_days: 90, fee: 0", "notice_days: 0, fee: 0")
    message = (
        f"{path}:{line}:19: contracts[0].termination.notice_days: the lease term of 'Colossus 1' "
        "has no days: notice at the earliest (2026-06-01) with 0 days' notice ends service on "
        "2026-06-01, on or before its commencement (2026-06-01)"
    )
    table, book = tmp_path / "out.csv", tmp_path / "out.xlsx"
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("month,revenue\n2026-06,1B\n", encoding="utf-8")
    for args in (
        ("accounting", path),
        ("export", path, "-o", book),
        ("project", path, "-f", "csv", "-o", table, "--xlsx", book),
        # a plan beside its re-forecast: one scenario, said once
        ("export", path, "--actuals", actuals, "-o", book),
    ):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr.count(message) == 1, result.stderr
        assert "internal error" not in result.output
    assert not table.exists() and not book.exists()
    assert cli("project", path, "-f", "csv").exit_code == 0  # the projection itself is fine


@pytest.mark.parametrize(
    ("old", "new", "column", "field", "what"),
    [
        (
            "notice_days: 90, fee: 0, earliest_notice: 2026-06-01",
            "notice_days: 30, fee: 500M, earliest_notice: 2026-01-01",
            47,
            "earliest_notice",
            "notice at the earliest (2026-01-01) with 30 days' notice ends service on 2026-01-31",
        ),
        (
            "notice_days: 90, fee: 0, earliest_notice: 2026-06-01, notice_given: null",
            "notice_days: 30, fee: 0, earliest_notice: 2026-01-01, notice_given: 2026-04-01",
            73,
            "notice_given",
            "the notice given on 2026-04-01 ends service on 2026-05-01",
        ),
    ],
    ids=["earliest-notice-before-the-start", "notice-given-before-the-start"],
)
def test_an_empty_lease_term_is_refused_at_the_notice_that_ends_it(
    cli, tmp_path, old, new, column, field, what
):
    path, line = _portfolio_with(tmp_path, old, new)
    result = cli("accounting", path)
    assert result.exit_code == 2, result.output
    assert (
        f"{path}:{line}:{column}: contracts[0].termination.{field}: the lease term of 'Colossus 1' "
        f"has no days: {what}, on or before its commencement (2026-06-01)"
    ) in result.stderr


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        # the arrears lease ending 2126: 1 / (1 + r)^k at r = (1 - 0.9999)^(1/12) - 1 = -53.6%
        # a month passes float64's range within 1,194 months (0.464^-1194 = e^916): blanks before
        ("-0.9999", "-99.99%"),
        # r = 0.1^(1/12) - 1 = -17.5% a month: 0.825^-1194 = e^229, finite, but its sums over
        # leases and a workbook's cells would not be: past 1e24 it is refused too
        ("-0.9", "-90.00%"),
    ],
)
def test_a_borrowing_rate_that_overflows_the_discounting_is_refused_at_the_rate(
    cli, tmp_path, rate, shown
):
    path, line = _portfolio_with(tmp_path, "borrowing_rate: 0.08", f"borrowing_rate: {rate}")
    path.write_text(
        path.read_text(encoding="utf-8").replace("end: 2031-", "end: 2126-", 1), encoding="utf-8"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warning would end the command
        result = cli("accounting", path, "-f", "csv")
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}:" in result.stderr
    assert "contracts[1].accounting.borrowing_rate: the payments of" in result.stderr
    assert f"discounted at {shown} a year over" in result.stderr
    assert "give figures too large to compute (past 1e+24)" in result.stderr


def test_payments_escalated_past_the_bound_are_refused_at_the_escalator(cli, write_scenario):
    # $1M a month escalated 5% every month for 100 years: the last payment is 1e6 x 1.05^1199
    # = 2.5e31, past 1e24 before any discounting; the refusal named the borrowing rate
    path = write_scenario(
        "name: Long lease\n"
        "horizon: {start: 2026-06, months: 12}\n"
        "contracts:\n"
        "  - name: L\n"
        "    monthly_fee: 1M\n"
        "    start: 2026-06-01\n"
        "    end: 2126-05-31\n"
        "    escalator: {rate: 0.05, every_months: 1}\n"
        "    accounting: {treatment: lease, borrowing_rate: 0.05, term: full}\n"
    )
    result = cli("accounting", path)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"{path}:8:17: contracts[0].escalator.rate: the payments of 'L' grow past 1e+24 over "
        "1,200 months"
    )
