"""Plain data -> Scenario, with every problem mapped back to its file, line and field."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Annotated, Any

import pydantic

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.numbers import parse_number
from commitcast.core.paths import Path_, format_path
from commitcast.load.errors import problems_from_validation, with_currencies
from commitcast.load.reader import Document, building, parse_text, problem_at
from commitcast.model.provenance import Provenance
from commitcast.model.scenario import (
    COMMIT_ONLY,
    CURRENCIES_CHECKED,
    NAMED_GROUPS,
    RESERVED_ONLY,
    Contract,
    Scenario,
    currency_issues,
    date_issues,
    duplicate_names,
    kind_issues,
    parse_optional_date,
)


def validate_data(document: Document) -> Scenario:
    """Validate parsed data; raise CommitcastError listing every problem with its line."""
    if not isinstance(document.data, dict):
        kind = {list: "a list", str: "only text"}.get(
            type(document.data), f"a single value ({document.data!r})"
        )
        raise CommitcastError.single(
            f"a scenario must be a mapping of keys (name:, horizon:, contracts: ...), "
            f"but this file holds {kind}",
            file=document.file,
            line=1,
            hint="start from `commitcast init`",
        )
    from commitcast.load.uncertainty import attach, central_values

    # Amounts in the wrong currency, checked on the data as written (distributions included)
    # and reported with every other problem, whether or not the rest is valid. The model checks
    # them too (for callers from Python), but only sees a distribution's central value: each is
    # reported once (`with_currencies`).
    currencies = [problem_at(document, loc, msg) for loc, msg in currency_issues(document.data)]
    # `{dist: ...}` inputs stand in as their central values; attach() keeps the distributions.
    try:
        data, distributions = central_values(document)
    except CommitcastError as error:
        raise CommitcastError(_in_order(error.problems + currencies)) from None
    try:
        scenario = Scenario.model_validate(data, context={CURRENCIES_CHECKED: True})
    except pydantic.ValidationError as error:
        problems = with_currencies(problems_from_validation(error, document), currencies)
        if not any("names must be unique" in p.message for p in problems):
            # The model's own check only runs once everything else is valid; report it now too.
            raw = {
                group: [item.get("name") if isinstance(item, dict) else None for item in items]
                for group in NAMED_GROUPS
                if isinstance(items := document.data.get(group), list)
            }
            problems += [problem_at(document, loc, msg) for loc, msg in duplicate_names(raw)]
            problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        problems += _date_problems(document, data, problems)
        problems += _kind_problems(document, data, error, problems)
        raise CommitcastError(_in_order(problems)) from None
    if currencies:
        raise CommitcastError(_in_order(currencies))
    return attach(scenario, distributions, document)


def _in_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def _kind_problems(
    document: Document, data: Any, error: pydantic.ValidationError, found: list[Problem]
) -> list[Problem]:
    """What a contract's kind refuses or needs (a commit's monthly_fee, a reserved contract
    without one), for contracts whose other fields failed validation (the model's own rule did
    not run for them), so that one pass reports every problem. The rule is the model's
    (kind_issues), run on the fields that are valid."""
    contracts = data.get("contracts") if isinstance(data, dict) else None
    if not isinstance(contracts, list):
        return []
    failed = {
        item["loc"][1]
        for item in error.errors(include_url=False)
        if len(item["loc"]) > 2 and item["loc"][0] == "contracts"
    }
    known = {(p.field, p.message) for p in found}
    problems: list[Problem] = []
    for index in sorted(i for i in failed if isinstance(i, int) and i < len(contracts)):
        raw = contracts[index]
        contract = _partial_contract(raw) if isinstance(raw, dict) else None
        if contract is None:
            continue
        for loc, message in kind_issues(contract):
            problem = problem_at(document, ("contracts", index, *loc), message)
            if (problem.field, problem.message) not in known:
                problems.append(problem)
    return problems


def _partial_contract(raw: dict[str, Any]) -> Contract | None:
    """A contract of the fields of `raw` that are valid each on its own (the others left at
    their defaults, as though given), without the contract's own rules; None if its kind is
    not valid."""
    values: dict[str, Any] = {}
    for name, field in Contract.model_fields.items():
        if name not in raw:
            continue
        kind = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(kind)
        try:
            values[name] = adapter.validate_python(raw[name])
        except pydantic.ValidationError:
            if name == "kind":
                return None
            values[name] = field.get_default(call_default_factory=True)
            if name in RESERVED_ONLY or name in COMMIT_ONLY:
                values[name] = raw[name]  # given, though wrong: the kind's rule still applies
    contract = Contract.model_construct(_fields_set=set(raw) & set(Contract.model_fields), **values)
    return contract


def _date_problems(document: Document, data: Any, found: list[Problem]) -> list[Problem]:
    """Contract dates out of order, for contracts whose other fields failed validation (the
    model's own rule did not run for them), so that one pass reports every problem."""
    contracts = data.get("contracts") if isinstance(data, dict) else None
    if not isinstance(contracts, list):
        return []
    known = {(p.field, p.message) for p in found}
    problems: list[Problem] = []
    for index, raw in enumerate(contracts):
        if not isinstance(raw, dict):
            continue
        term = raw.get("termination")
        has_term = isinstance(term, dict)
        # a date that does not parse is a problem of its own; checks that need it are skipped
        start, end = _date_or_none(raw.get("start")), _date_or_none(raw.get("end"))
        earliest = _date_or_none(term.get("earliest_notice")) if has_term else None
        notice = _date_or_none(term.get("notice_given")) if has_term else None
        if start is None or end is None:
            continue
        for loc, message in date_issues(start, end, has_term, earliest, notice):
            problem = problem_at(document, ("contracts", index, *loc), message)
            if (problem.field, problem.message) not in known:
                problems.append(problem)
    return problems


def _date_or_none(value: Any) -> dt.date | None:
    try:
        return parse_optional_date(value)
    except ValueError:
        return None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file; raise CommitcastError with every problem found."""
    from commitcast.load.reader import building, read_file

    with building():
        document = read_file(path)
        scenario = validate_data(document)
    scenario.provenance = Provenance(
        file=document.file,
        sha256=document.sha256 or hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        document=document,
    )
    return scenario


def scenario_from_text(text: str, file: str = "<input>") -> Scenario:
    """Validate scenario YAML given as text (for callers that do not have a file)."""
    with building():
        document = parse_text(text, file)
        scenario = validate_data(document)
    scenario.provenance = Provenance(
        file=file, sha256=hashlib.sha256(text.encode()).hexdigest(), document=document
    )
    return scenario


def scenario_warnings(scenario: Scenario) -> list[Problem]:
    """Things that are allowed but probably not meant, such as a contract the horizon misses."""
    source = scenario.provenance
    warnings: list[Problem] = []
    first, last = scenario.horizon.start, scenario.horizon_end()
    month_before = (first - dt.timedelta(days=1)).replace(day=1)
    for index, contract in enumerate(scenario.contracts):
        # in arrears, the fee for the month before the horizon is paid in its first month
        paid_inside = contract.payment.timing == "arrears" and contract.end >= month_before
        if (contract.end < first and not paid_inside) or contract.start > last:
            loc: Path_ = ("contracts", index)
            mark = source.document.mark_for(loc) if source.document else None
            warnings.append(
                Problem(
                    f"{contract.name!r} runs {contract.start} to {contract.end}, entirely "
                    f"outside the horizon {first:%Y-%m} to {last:%Y-%m}: it adds nothing to the "
                    "projection",
                    file=source.file,
                    line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    field=format_path(loc),
                    severity="warning",
                )
            )
    warnings += _large_rate_warnings(scenario)
    return warnings


def _written_as_percent(document: Any, loc: Path_, value: float) -> bool:
    """Whether the file writes this rate with its percent sign (`1000%`): then it means what
    it says, and a warning that it may be a percentage typed without its sign would be wrong.
    (A value set by --set, differing from the file's, is warned about as before.)"""
    if document is None:
        return False
    node: Any = document.data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(node, str) or not node.strip().endswith("%"):
        return False
    try:
        return parse_number(node) == value
    except ValueError:
        return False


def _large_rate_warnings(scenario: Scenario) -> list[Problem]:
    """A rate over 100% is allowed but is far more often a percentage typed without its '%'
    (`growth: 4` for 4% is 400% a month)."""
    rates: list[tuple[Path_, float, str]] = [(("discount_rate",), scenario.discount_rate, "a year")]
    for i, contract in enumerate(scenario.contracts):
        if contract.escalator is not None:
            rates.append((("contracts", i, "escalator", "rate"), contract.escalator.rate, "a step"))
    for i, stream in enumerate(scenario.revenue):
        rates.append((("revenue", i, "growth"), stream.growth, "a month"))
        rates.append((("revenue", i, "price_change"), stream.price_change, "a month"))
    source = scenario.provenance
    document = source.document
    problems = []
    for loc, value, per in rates:
        if value > 1 and not _written_as_percent(document, loc, value):
            mark = document.mark_for(loc) if document else None
            problems.append(
                Problem(
                    f"{value:g} means {value * 100:,.0f}% {per}; if you meant {value:g}%, write "
                    f"{value / 100:g} or {value:g}%",
                    file=source.file,
                    line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    field=format_path(loc),
                    severity="warning",
                )
            )
    return problems
