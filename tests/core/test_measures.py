"""The measures registry declares every figure the engine computes, once."""

from __future__ import annotations

import pytest

from commitcast.core.measures import (
    BALANCE_COLUMNS,
    MONTHLY,
    MONTHLY_COLUMNS,
    RATIO_COLUMNS,
    SUMMARY,
    SUMMARY_KEYS,
    SUPPORTING,
    measure,
)
from commitcast.engine.projection import projection
from commitcast.load.validation import load_scenario
from tests.conftest import SCENARIOS


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_engine_column_and_summary_figure_is_declared(path):
    result = projection(load_scenario(path)).result
    declared = {m.name for m in (*MONTHLY, *SUPPORTING)}
    assert set(result.columns) == declared
    assert set(result.summary) == set(SUMMARY_KEYS)


def test_each_name_is_declared_once_per_table():
    for table in (MONTHLY, SUPPORTING, SUMMARY):
        names = [m.name for m in table]
        assert len(names) == len(set(names))
    assert not {m.name for m in MONTHLY} & {m.name for m in SUPPORTING}


def test_ratios_name_a_numerator_and_denominator_that_exist():
    for m in MONTHLY:
        if m.aggregation == "ratio":
            assert m.ratio_of is not None
            top, bottom = m.ratio_of
            assert measure(top) and measure(bottom)
            # a share, or a unit cost (money per million tokens: numerator x scale / denominator)
            assert m.unit == "ratio" or (m.unit == "money" and m.scale == 1e6)
            # both sides add up over a period
            assert measure(top).aggregation == measure(bottom).aggregation == "flow"


def test_derived_tuples_follow_the_declarations():
    assert MONTHLY_COLUMNS[0] == "committed_fees"
    assert BALANCE_COLUMNS == (
        "cumulative_cash",
        "receivables",
        "fees_payable",
        "sla_credits_receivable",
        "prepaid_fees",
        "remaining_obligation",
    )
    assert RATIO_COLUMNS == (
        "training_share",
        "utilization",
        "cost_per_million_tokens",
        "gross_margin_pct",
    )
    assert measure("utilization").unit == "ratio"
    assert measure("peak_funding_month").unit == "month"
    with pytest.raises(KeyError):
        measure("no_such_figure")
