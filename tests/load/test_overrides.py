"""--set PATH=VALUE: the issue's examples, checked against the same change made in the file."""

from __future__ import annotations

import json

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.addressing import resolve_path
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario, scenario_from_text
from tests.conftest import FIXTURES

BASE = FIXTURES / "colossus-base.yaml"


@pytest.fixture(scope="module")
def base():
    return load_scenario(BASE)


def edited(old: str, new: str):
    """The bundled scenario with one line changed in the text: the independent route."""
    text = BASE.read_text(encoding="utf-8")
    assert old in text
    return scenario_from_text(text.replace(old, new, 1))


def test_issue_examples_apply(base):
    changed = apply_overrides(
        base,
        [
            "revenue.API.growth=0.02",
            'contracts."Colossus reservation".monthly_fee=1.1B',
            "costs.overflow.policy=unserved",
            "contracts[0].termination.notice_given=2027-03-01",
        ],
    )
    assert changed.revenue[0].growth == 0.02
    assert changed.contracts[0].monthly_fee == 1_100_000_000  # 1.1 x 10^9
    assert changed.costs.overflow.policy == "unserved"
    assert str(changed.contracts[0].termination.notice_given) == "2027-03-01"
    assert list(changed.provenance.overrides) == [
        "revenue.API.growth=0.02",
        'contracts."Colossus reservation".monthly_fee=1.1B',
        "costs.overflow.policy=unserved",
        "contracts[0].termination.notice_given=2027-03-01",
    ]
    # the file is untouched: overrides make a new scenario
    assert base.revenue[0].growth == 0.04


def test_override_projects_like_the_edited_file(base):
    by_override = projection(apply_overrides(base, ["revenue.API.growth=0.02"])).summary
    by_file = projection(edited("growth: 0.04", "growth: 0.02")).summary
    assert by_override["npv"] == pytest.approx(by_file["npv"], abs=0.005)
    assert by_override["gross_margin"] == pytest.approx(by_file["gross_margin"], abs=0.005)


def test_name_and_index_address_the_same_item(base):
    assert resolve_path(base, "revenue.API.growth") == ("revenue", 0, "growth")
    assert resolve_path(base, "revenue[0].growth") == ("revenue", 0, "growth")
    assert resolve_path(base, 'contracts."Colossus reservation".end') == ("contracts", 0, "end")
    assert resolve_path(base, "revenue.Subscriptions.growth") == ("revenue", 1, "growth")


def test_amount_suffixes_and_percent_read_as_in_a_file(base):
    changed = apply_overrides(base, ["contracts[0].monthly_fee=$900M", "costs.training_share=25%"])
    assert changed.contracts[0].monthly_fee == 900_000_000
    assert changed.costs.training_share == 0.25


def test_bad_path_names_the_paths_nearby(base):
    with pytest.raises(CommitcastError) as caught:
        apply_overrides(base, ["revenue.APl.growth=0.02"])
    text = str(caught.value)
    assert "'API'" in text and "'Subscriptions'" in text and "did you mean 'API'" in text
    with pytest.raises(CommitcastError) as caught:
        apply_overrides(base, ["revenue.API.grwth=0.02"])
    assert "did you mean 'growth'" in str(caught.value)


def test_bad_values_are_refused_like_in_a_file(base):
    with pytest.raises(CommitcastError) as caught:
        apply_overrides(base, ["contracts[0].termination.notice_given=2027-02-30"])
    assert "February 2027 has 28 days" in str(caught.value)
    with pytest.raises(CommitcastError) as caught:
        apply_overrides(base, ["revenue.API.price_per_million_tokens=-1"])
    assert "negative" in str(caught.value)
    assert caught.value.exit_code == 2


def test_every_problem_is_reported_together(base):
    with pytest.raises(CommitcastError) as caught:
        apply_overrides(base, ["revenue.Nope.growth=1", "contracts[5].end=2027-01-01"])
    assert len(caught.value.problems) == 2


def test_project_states_overrides_in_json_and_terminal(cli):
    result = cli("project", BASE, "--format", "json", "--set", "revenue.API.growth=0.02")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["overrides"] == ["revenue.API.growth=0.02"]
    result = cli("project", BASE, "--by", "year", "--set", "revenue.API.growth=0.02")
    assert "overrides: revenue.API.growth=0.02" in result.stdout


def test_validate_accepts_set_and_exits_2_on_a_bad_one(cli):
    assert cli("validate", BASE, "--set", "revenue.API.growth=0.02").exit_code == 0
    result = cli("validate", BASE, "--set", "revenue.API.growth=lots")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_an_amount_set_in_another_currency_is_refused_like_in_a_file(base):
    # the base case is in USD: a fee in euros is refused, naming the path
    with pytest.raises(CommitcastError) as caught:
        apply_overrides(base, ["contracts[0].monthly_fee=EUR 1.3B", "discount_rate=$0.1"])
    # in the scenario's order (discount_rate before contracts): --set has no lines
    assert [str(p) for p in caught.value.problems] == [
        "--set: discount_rate: $0.1 has a currency, but this is not an amount of money; write 0.1",
        "--set: contracts[0].monthly_fee: EUR 1.3B is in EUR but this contract's amounts are in "
        "USD, the scenario's currency: write it in USD (1.3B or USD 1.3B), or give the contract "
        "currency: EUR",
    ]
    assert caught.value.exit_code == 2


def test_an_amount_set_in_its_currency_reads_as_its_figure(base):
    changed = apply_overrides(base, ["contracts[0].monthly_fee=$1.3B"])
    assert changed.contracts[0].monthly_fee == pytest.approx(1.3e9, abs=0.005)
    # a contract moved to euros takes amounts in euros, with a rate
    changed = apply_overrides(
        base,
        [
            "fx={EUR: {rate: 1.08}}",
            "contracts[0].currency=EUR",
            "contracts[0].monthly_fee=1.2B EUR",
        ],
    )
    assert changed.contracts[0].monthly_fee == pytest.approx(1.2e9, abs=0.005)
    assert changed.currency_of(changed.contracts[0]) == "EUR"


def test_one_string_is_not_a_list_of_assignments(base):
    # it was read a character at a time: "cannot read --set 'd'", "'i'", ... one per letter
    with pytest.raises(TypeError, match="a list of 'PATH=VALUE' strings, not one string"):
        apply_overrides(base, "discount_rate=0.1")
