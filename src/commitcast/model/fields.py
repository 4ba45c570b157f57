"""Which fields a scenario allows where: read from the models, for did-you-mean hints and --set."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from commitcast.core.paths import Path_
from commitcast.model.scenario import Scenario


def fields_at(loc: Path_) -> list[str]:
    """Names of the fields allowed at a location in a scenario."""
    model = model_at(loc)
    return list(model.model_fields) if model is not None else []


def model_at(loc: Path_) -> type[BaseModel] | None:
    annotation: Any = Scenario
    for part in loc:
        annotation = _strip(annotation)
        if isinstance(part, int):
            if typing.get_origin(annotation) is list:
                annotation = typing.get_args(annotation)[0]
                continue
            return None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
            continue
        return None
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _strip(annotation: Any) -> Any:
    """Model | None -> Model; Annotated[X, ...] -> X."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip(args[0])
    return annotation
