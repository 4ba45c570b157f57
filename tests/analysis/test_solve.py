"""solve from Python with typed arguments: answers by hand on small scenarios, and every answer
re-projected at the answer. (--target and --range text: tests/cli/test_parsing.py.)"""

from __future__ import annotations

import pytest

from commitcast.analysis.solve import breakeven_utilization, solve
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from commitcast.model.scenario import Scenario
from commitcast.variants.inputs import Flex
from tests.conftest import FIXTURES, SCENARIOS


@pytest.fixture(scope="module")
def base():
    return load_scenario(FIXTURES / "colossus-base.yaml")


def small(**costs) -> Scenario:
    """One 31-day month; fee 1,000; capacity and demand 1M tokens at 2,000 per million."""
    return Scenario.model_validate(
        {
            "name": "small",
            "horizon": {"start": "2026-01", "months": 1},
            "contracts": [
                {
                    "name": "C",
                    "monthly_fee": 1000,
                    "start": "2026-01-01",
                    "end": "2026-01-31",
                    "capacity": {"tokens_per_month": 1e6},
                }
            ],
            "revenue": [{"name": "API", "tokens_per_month": 1e6, "price_per_million_tokens": 2000}],
            "costs": costs,
        }
    )


def test_breakeven_price_by_hand():
    # gross margin = 1M tokens x p / 1M - 1,000 fee = p - 1,000: zero at p = 1,000
    answer = solve(small(), "revenue.API.price_per_million_tokens", "gross_margin", 0)
    assert answer.value == pytest.approx(1000, abs=1e-9)


def test_target_margin_percent_by_hand():
    # margin % = (p - 1,000) / p = 40% -> p = 1,000 / 0.6 = 1,666.67
    answer = solve(small(), "revenue.API.price_per_million_tokens", "gross_margin_pct", 0.40)
    assert answer.value == pytest.approx(1000 / 0.6, rel=1e-12)


def test_breakeven_utilization_by_hand():
    # demand scaled by s: revenue 2,000 s, fee 1,000 -> s = 0.5; 0.5M of 1M tokens = 50%
    answer = breakeven_utilization(small())
    assert answer.extra["scale"] == pytest.approx(0.5, abs=1e-12)
    assert answer.extra["average_utilization"] == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(
    ("path", "figure", "target"),
    [
        ("revenue.API.price_per_million_tokens", "gross_margin_pct", 0.40),
        ("revenue.API.growth", "npv", 400e9),
        ("contracts[0].monthly_fee", "npv", 500e9),
        ("costs.training_share", "gross_margin", 600e9),
    ],
)
def test_answer_reprojected_hits_the_target(base, path, figure, target):
    answer = solve(base, path, figure, target)
    again = projection(apply_overrides(base, [f"{path}={answer.value!r}"])).summary[figure]
    tolerance = 1e-9 if figure.endswith("pct") else 0.01
    assert again == pytest.approx(answer.target, abs=tolerance)


def test_peak_funding_target_by_fee(base):
    # the largest fee keeping peak funding under a level; re-projected at the answer
    answer = solve(base, "contracts[0].monthly_fee", "peak_funding_need", 9e9, ("1B", "6B"))
    again = projection(apply_overrides(base, answer.sets)).summary["peak_funding_need"]
    assert again == pytest.approx(9e9, abs=0.01)
    assert answer.search == (1e9, 6e9)
    # the same range as numbers, and as changes relative to the 1.25B fee
    assert solve(base, "contracts[0].monthly_fee", "peak_funding_need", 9e9, (6e9, 1e9)).value == (
        pytest.approx(answer.value, rel=1e-12)
    )
    relative = solve(
        base, "contracts[0].monthly_fee", "peak_funding_need", 9e9, (Flex(-0.2), Flex(3.0))
    )
    assert relative.search == pytest.approx((1.0e9, 5.0e9))
    assert relative.value == pytest.approx(answer.value, rel=1e-9)


def test_breakeven_utilization_reprojected(base):
    cheap = apply_overrides(base, ["revenue.API.price_per_million_tokens=4"])
    answer = breakeven_utilization(cheap)
    again = projection(apply_overrides(cheap, answer.sets)).summary
    assert again["gross_margin"] == pytest.approx(0, abs=0.01)
    assert answer.extra["average_utilization"] == pytest.approx(again["average_utilization"])


def test_breakeven_utilization_with_gpu_capacity():
    # the bundled base case gives its capacity in GPUs, not tokens per month
    gpu = load_scenario(SCENARIOS / "colossus-base.yaml")
    answer = breakeven_utilization(gpu)
    again = projection(apply_overrides(gpu, answer.sets)).summary
    assert again["gross_margin"] == pytest.approx(0, abs=0.01)
    assert 0 < answer.extra["average_utilization"] < 1


def test_unreachable_target_says_what_range_was_seen():
    with pytest.raises(CommitcastError) as caught:
        solve(small(), "revenue.API.price_per_million_tokens", "gross_margin", 1e6, (0, 5000))
    text = str(caught.value)
    # over 0..5,000 the margin goes from -1,000 to 4,000
    assert "no value of revenue.API.price_per_million_tokens from 0 to 5000" in text
    assert "($1.0K) to $4.0K" in text
    assert "widen the search range" in text and "--range" not in text
    assert caught.value.exit_code == 2


def test_breakeven_utilization_unreachable(base):
    # with no usage price and no flat revenue, no amount of demand pays the fee
    broke = apply_overrides(
        base,
        ["revenue.API.price_per_million_tokens=0", "revenue.Subscriptions.revenue_per_month=0"],
    )
    with pytest.raises(CommitcastError) as caught:
        breakeven_utilization(broke)
    assert "makes gross_margin = $0.00" in str(caught.value)
    assert "stays negative at every demand level" in str(caught.value)


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (("contracts[0].end", "npv", 0), "path", "a date, a whole number or a choice"),
        (("contracts[0].end", "npv", 0, ("2026-01-01", "2027-01-01")), "path", "a date"),
        (("revenue.API.growth", "payback_month", 3), "figure", "not a summary figure"),
        (("revenue.API.growth", "npv", float("nan")), "target", "a finite number"),
        (("revenue.APX.growth", "npv", 0), "revenue.APX.growth", "no item named 'APX'"),
        (("revenue.API.growth", "npv", 0, (0, "lots")), "revenue.API.growth", "cannot read"),
        (("contracts[0].termination.fee", "npv", 0), "search", "is 0 in the scenario"),
    ],
)
def test_bad_requests_are_refused_naming_the_argument(base, args, field, message):
    with pytest.raises(CommitcastError) as caught:
        solve(base, *args)
    (problem,) = caught.value.problems
    assert message in problem.message
    assert problem.field == field
    assert "--" not in str(caught.value) and "command line" not in str(caught.value)
