"""Revenue streams with their own start and end months: growth and price change count from
the stream's start; outside its months a stream has no demand and no revenue. Figures worked
out by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from commitcast.core.calendar import day_number
from commitcast.engine.projection import projection
from commitcast.engine.run import run
from commitcast.variants.batch import Batch
from tests.engine.test_run import scenario

CENT = 0.005


def stream(**fields: object) -> dict[str, object]:
    return {"name": "S", "revenue_per_month": 100, "growth": 0.10} | fields


def test_a_stream_launched_mid_horizon_grows_from_its_launch():
    s = scenario(revenue=[stream(start="2026-03", end="2026-05")], months=6)
    # January, February: not launched; March 100 (t = 0), April 110, May 121; June: ended
    assert list(projection(s).columns["revenue"]) == pytest.approx(
        [0, 0, 100, 110, 121, 0], abs=CENT
    )


def test_tokens_and_prices_count_from_the_streams_start_too():
    s = scenario(
        revenue=[
            {
                "name": "API",
                "tokens_per_month": 2_000_000,
                "growth": 0.5,
                "price_per_million_tokens": 10,
                "price_change": -0.5,
                "start": "2026-02",
            }
        ],
        # no committed capacity: demand is bought on demand, so all of it earns revenue
        costs={"overflow": {"policy": "on_demand", "cost_per_million_tokens": 1}},
        months=3,
    )
    p = projection(s)
    # February (t = 0): 2M tokens at $10/M = $20; March (t = 1): 3M tokens at $5/M = $15
    assert list(p.columns["demand_tokens"]) == pytest.approx([0, 2e6, 3e6])
    assert list(p.columns["revenue"]) == pytest.approx([0, 20, 15], abs=CENT)


def test_a_stream_started_before_the_horizon_has_grown_by_then():
    s = scenario(revenue=[stream(start="2025-11")], months=2)
    # November 2025 is t = 0: January 2026 is t = 2, 100 x 1.1^2 = 121; February 133.10
    assert list(projection(s).columns["revenue"]) == pytest.approx([121, 133.1], abs=CENT)


def test_without_start_or_end_the_figures_are_unchanged():
    with_bounds = scenario(revenue=[stream(start="2026-01", end="2026-04")], months=4)
    without = scenario(revenue=[stream()], months=4)
    a = projection(with_bounds).columns["revenue"]
    b = projection(without).columns["revenue"]
    np.testing.assert_allclose(a, b, rtol=0, atol=CENT)


def test_the_launch_month_can_vary_between_runs():
    s = scenario(revenue=[stream(start="2026-02")], months=3)
    march = float(day_number(np.datetime64("2026-03-01").astype(object)))
    result = run(Batch(s, 2, {"revenue[0].start": [float("nan"), march]}))
    # run 1: no start given, the horizon's start: 100, 110, 121; run 2: launched in March
    np.testing.assert_allclose(result.columns["revenue"][0], [100, 110, 121], atol=CENT)
    np.testing.assert_allclose(result.columns["revenue"][1], [0, 0, 100], atol=CENT)


def test_an_end_before_the_start_is_refused():
    with pytest.raises(ValueError, match="before the stream's start"):
        scenario(revenue=[stream(start="2026-05", end="2026-03")])
