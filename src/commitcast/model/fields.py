"""Which fields a scenario allows where: read from the models, for did-you-mean hints and --set;
and which of them hold money (the rule that an amount is in its item's currency is the model's:
model/scenario.py `currency_issues`)."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from commitcast.core.paths import Path_
from commitcast.model.scenario import Scenario, is_amount, models_in, strip_annotation


def fields_at(loc: Path_) -> list[str]:
    """Names of the fields allowed at a location in a scenario."""
    model = model_at(loc)
    return list(model.model_fields) if model is not None else []


def model_at(loc: Path_) -> type[BaseModel] | None:
    annotation: Any = Scenario
    for part in loc:
        annotation = strip_annotation(annotation)
        if isinstance(part, int):
            if typing.get_origin(annotation) is list:
                annotation = typing.get_args(annotation)[0]
                continue
            return None
        if typing.get_origin(annotation) is dict:
            # a mapping keyed by the scenario (fx: {EUR: ...}): any key holds the value model
            annotation = typing.get_args(annotation)[1]
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
            continue
        return None
    annotation = strip_annotation(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def amount_fields() -> list[str]:
    """Every field that holds money, as `Model.field` (for the JSON Schema and the tests)."""
    found: list[str] = []
    seen: set[type[BaseModel]] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            if is_amount(model, name):
                found.append(f"{model.__name__}.{name}")
            for inner in models_in(field.annotation):
                visit(inner)

    visit(Scenario)
    return found
