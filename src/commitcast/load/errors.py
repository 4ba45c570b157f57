"""Pydantic's validation errors as problems at the line and column of the scenario file."""

from __future__ import annotations

import difflib

import pydantic

from commitcast.core.errors import Problem
from commitcast.core.paths import Path_
from commitcast.load.reader import Document, problem_at
from commitcast.model.fields import fields_at
from commitcast.model.scenario import FieldIssues

_FRIENDLY = {
    "missing": "this field is required",
    "model_type": "expected a mapping of keys and values here",
    "model_attributes_type": "expected a mapping of keys and values here",
    "dict_type": "expected a mapping of keys and values here",
    "list_type": "expected a list here (items starting with '- ')",
}


def problems_from_validation(error: pydantic.ValidationError, document: Document) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc: Path_ = tuple(part for part in item["loc"] if isinstance(part, str | int))
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, FieldIssues):
            for sub, message in cause.issues:
                problems.append(problem_at(document, (*loc, *sub), message))
            continue
        if item["type"] == "extra_forbidden":
            problems.append(_unknown_key(document, loc))
            continue
        message = _FRIENDLY.get(item["type"], item["msg"])
        if item["type"] == "value_error" and cause is not None:
            message = str(cause)
        elif item["type"] == "literal_error":
            expected = (item.get("ctx") or {}).get("expected", "")
            message = f"{item['input']!r} is not one of {expected}"
        problems.append(problem_at(document, loc, message))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems


def with_currencies(problems: list[Problem], currencies: list[Problem]) -> list[Problem]:
    """The model's problems and the currency problems found on the data as written, each once
    (the model reports those of the amounts it sees; those in a distribution only the data's)."""
    known = {(p.field, p.message) for p in problems}
    return problems + [p for p in currencies if (p.field, p.message) not in known]


def _unknown_key(document: Document, loc: Path_) -> Problem:
    key = str(loc[-1])
    known = sorted(fields_at(loc[:-1]))
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        hint = f"did you mean {close[0]!r}?"
    else:
        hint = "known keys here: " + ", ".join(known) if known else None
    return problem_at(document, loc, f"unknown key {key!r}", hint)
