"""cli/parsing.py: each option syntax read into typed values, each bad text refused naming the
option."""

from __future__ import annotations

import pytest

from commitcast.cli import parsing
from commitcast.core.errors import CommitcastError


def refusal(call, *args) -> list[str]:
    """The lines a user sees for the problems `call(*args)` raises."""
    with pytest.raises(CommitcastError) as caught:
        call(*args)
    assert caught.value.exit_code == 2
    return [str(problem) for problem in caught.value.problems]


# ---- --runs, --funding-limit ---------------------------------------------------------------


def test_runs():
    assert parsing.check_runs(1) == 1
    assert parsing.check_runs(1_000_000) == 1_000_000
    for runs in (0, -5, 1_000_001):
        assert refusal(parsing.check_runs, runs) == [
            f"command line: --runs must be between 1 and 1,000,000; got {runs:,} "
            "(e.g. --runs 10000)"
        ]


def test_funding_limit():
    assert parsing.parse_funding_limit("5B") == 5e9
    assert parsing.parse_funding_limit("1T") == 1e12
    assert parsing.parse_funding_limit("$900M") == 9e8
    assert parsing.parse_funding_limit("0") == 0.0
    assert refusal(parsing.parse_funding_limit, "-5B") == [
        "command line: --funding-limit: -5B is negative; give the amount of funding available, "
        "0 or more (e.g. --funding-limit 5B)"
    ]
    (line,) = refusal(parsing.parse_funding_limit, "lots")
    assert line.startswith("command line: --funding-limit: cannot read 'lots' as a number")
    assert line.endswith("(e.g. --funding-limit 5B)")
    (line,) = refusal(parsing.parse_funding_limit, "nan")
    assert line.startswith("command line: --funding-limit: cannot read 'nan' as a number")
