"""Re-basing a plan on its last closed month (variants.rebase): the same streams, starting at
the last closed month with its actual figures; figures worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from commitcast.model.actuals import Actuals
from commitcast.variants.rebase import rebase
from tests.engine.test_run import scenario

MARCH = dt.date(2026, 3, 1)
API = {"name": "API", "tokens_per_month": 500_000, "growth": 0.1, "price_per_million_tokens": 4000}


def closed(**figures: object) -> Actuals:
    return Actuals(tuple(dt.date(2026, m, 1) for m in (1, 2, 3)), **figures)  # type: ignore[arg-type]


def test_a_usage_stream_starts_again_at_the_last_closed_month():
    # March: 484,000 tokens for $2,420, $5,000 per million
    actuals = closed(
        streams={"API": {"tokens": (None, None, 484_000), "revenue": (None, None, 2420)}}
    )
    stream = rebase(scenario(revenue=[API]), actuals).revenue[0]
    assert stream.start == MARCH and stream.tokens_per_month == pytest.approx(484_000)
    assert stream.price_per_million_tokens == pytest.approx(5000)
    assert stream.growth == 0.1 and stream.revenue_per_month is None


def test_tokens_alone_keep_the_plans_price_in_that_month():
    # plan price in March with a 1% monthly price cut: 4,000 x 0.99^2 = 3,920.40
    s = scenario(revenue=[API | {"price_change": -0.01}])
    stream = rebase(s, closed(streams={"API": {"tokens": (None, None, 484_000)}})).revenue[0]
    assert stream.price_per_million_tokens == pytest.approx(3920.40)


def test_a_flat_stream_re_bases_its_revenue():
    flat = {"name": "Flat", "revenue_per_month": 100, "growth": 0.1}
    stream = rebase(
        scenario(revenue=[flat]), closed(streams={"Flat": {"revenue": (None, None, 90)}})
    )
    assert stream.revenue[0].revenue_per_month == pytest.approx(90)
    assert stream.revenue[0].start == MARCH


def test_the_company_demand_scales_every_stream():
    # planned March demand: API 605,000 + B 100,000 = 705,000; actual 564,000 (80%)
    b = {"name": "B", "tokens_per_month": 100_000, "price_per_million_tokens": 1000}
    actuals = closed(company={"demand_tokens": (None, None, 564_000)})
    streams = rebase(scenario(revenue=[API, b]), actuals).revenue
    assert [s.tokens_per_month for s in streams] == pytest.approx([484_000, 80_000])


def test_keep_plan_nothing_given_or_a_later_launch_leave_the_scenario_as_it_is():
    s = scenario(revenue=[API])
    given = closed(streams={"API": {"tokens": (None, None, 484_000)}})
    assert rebase(s, given, keep_plan=True) is s
    assert rebase(s, closed()) is s
    later = scenario(revenue=[API | {"start": "2026-05"}])
    assert rebase(later, given) is later
