"""Option text to typed values: the command line is the one place that reads option syntax.

Each parser returns what the analysis functions take and refuses bad text as a problem naming
the option (`command line: --runs must be between 1 and 1,000,000; got 0 (e.g. --runs 10000)`).
The rules themselves live with the analysis (`analysis.simulate.runs_problem`), which words the
same rule for a Python caller by the argument's name.
"""

from __future__ import annotations

from commitcast.core.errors import CommitcastError

COMMAND_LINE = "command line"


def _refuse(message: str, hint: str | None = None, field: str | None = None) -> CommitcastError:
    return CommitcastError.single(message, file=COMMAND_LINE, field=field, hint=hint)


def parse_amount(text: str, option: str, example: str) -> float:
    """An amount as finance people write it (`5B`, `$900M`, `1T`)."""
    from commitcast.core.numbers import parse_number

    try:
        return parse_number(text)
    except ValueError as error:
        raise _refuse(f"{option}: {error}", hint=f"e.g. {option} {example}") from None


def parse_funding_limit(text: str) -> float:
    """`--funding-limit AMOUNT`, 0 or more."""
    from commitcast.analysis.simulate import funding_limit_problem

    limit = parse_amount(text, "--funding-limit", "5B")
    reason = funding_limit_problem(limit, written=text)
    if reason:
        raise _refuse(f"--funding-limit: {reason}", hint="e.g. --funding-limit 5B")
    return limit


def check_runs(runs: int) -> int:
    """`--runs`, 1 to the most a simulation holds."""
    from commitcast.analysis.simulate import runs_problem

    reason = runs_problem(runs)
    if reason:
        raise _refuse(f"--runs {reason}", hint="e.g. --runs 10000")
    return runs
