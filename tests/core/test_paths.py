"""Field paths as text (core/paths.py): where a value stands, as a user reads it in a message.

(The simplest cases, a nested field and the empty path, are in tests/load/test_reader.py.)
"""

from __future__ import annotations

import pytest

from commitcast.core.paths import format_path


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("discount_rate",), "discount_rate"),
        (("horizon", "months"), "horizon.months"),
        (("contracts", 1, "ramp", 0, "fraction"), "contracts[1].ramp[0].fraction"),
        (("correlations", 0, "between", 1), "correlations[0].between[1]"),
        ((0, "name"), "[0].name"),  # an index first: no dot before it, a dot after
        (("revenue", -1), "revenue[-1]"),
    ],
)
def test_names_join_with_dots_and_indexes_go_in_brackets(path, text):
    assert format_path(path) == text


def test_a_name_is_written_as_it_is():
    # names are not quoted or escaped: the path is for reading, not for parsing back
    assert format_path(("revenue", "API v2", "growth")) == "revenue.API v2.growth"
