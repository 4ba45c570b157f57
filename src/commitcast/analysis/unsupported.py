"""Contract terms a view does not cover yet, refused at their line rather than shown wrong.

The projection, what-if commands, obligations and the workbook handle every contract term.
Lease accounting builds a lease's payments month by month on its own terms and does not yet
follow billing periods over a month, prepayments or another currency: a lease with one is
refused there, with the term's line, until it does."""

from __future__ import annotations

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.paths import Path_
from commitcast.model.provenance import field_problem
from commitcast.model.scenario import Contract, Scenario

# (what the term is, where it is written, whether a contract has it)
TERMS = (
    (
        "a billing period over one month",
        ("payment", "every_months"),
        lambda c: c.payment.every_months != 1,
    ),
    ("a prepayment", ("prepayment",), lambda c: c.prepayment is not None),
)


def refuse_unsupported(
    scenario: Scenario, view: str, contracts: list[int] | None = None, *, currency: bool = False
) -> None:
    """Raise CommitcastError naming each term of `contracts` (default: all) that `view` does
    not cover yet; with `currency`, a contract in another currency too."""
    problems: list[Problem] = []
    chosen = range(len(scenario.contracts)) if contracts is None else contracts
    for index in chosen:
        contract: Contract = scenario.contracts[index]
        for what, where, has in TERMS:
            if has(contract):
                problems.append(_problem(scenario, ("contracts", index, *where), what, view))
        if currency and scenario.currency_of(contract) != scenario.currency:
            where = ("contracts", index, "currency")
            problems.append(_problem(scenario, where, "a contract in another currency", view))
    if problems:
        raise CommitcastError(problems)


def _problem(scenario: Scenario, path: Path_, what: str, view: str) -> Problem:
    return field_problem(
        scenario.provenance,
        path,
        f"{view} does not cover {what} yet ({scenario.contracts[path[1]].name!r})",  # type: ignore[index]
        "project and the what-if commands cover it; see docs/conventions.md",
    )
