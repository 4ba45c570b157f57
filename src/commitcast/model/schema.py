"""The scenario format as JSON Schema, for editors with a YAML language server."""

from __future__ import annotations

from typing import Any

from commitcast.core.numbers import AMOUNT_PATTERN
from commitcast.model.scenario import Scenario

# A month, YYYY-MM (or its first day)
MONTH_PATTERN = r"^\s*[0-9]{4}-[0-9]{1,2}(-0?1)?\s*$"  # digits 0-9 only, as core.numbers


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "commitcast scenario"
    _allow_amount_text(schema)
    _allow_distributions(schema)
    # A horizon and a training run start on a month (2026-06); "format": "date" would make
    # editors flag it.
    months = [("Horizon", "start"), ("TrainingRun", "start")]
    months += [("RevenueStream", "start"), ("RevenueStream", "end")]
    for model, name in months:
        field = schema["$defs"][model]["properties"][name]
        for option in [field, *field.get("anyOf", [])]:
            if option.pop("format", None) == "date":
                option["pattern"] = MONTH_PATTERN
    return schema


def _allow_amount_text(node: Any) -> None:
    """Numbers may be written as text such as 1.25B or 3%: say so to the editor."""
    if isinstance(node, dict):
        for value in node.values():
            _allow_amount_text(value)
        if node.get("type") in ("number", "integer"):
            kind = node.pop("type")
            node["anyOf"] = [{"type": kind}, {"type": "string", "pattern": AMOUNT_PATTERN}]
    elif isinstance(node, list):
        for value in node:
            _allow_amount_text(value)


def _allow_distributions(schema: dict[str, Any]) -> None:
    """Any number may be a distribution, {dist: normal, mean: ..., sd: ...} (see distributions)."""
    from commitcast.model.uncertainty import Choice, LogNormal, Normal, Triangular, Uniform

    definitions = schema["$defs"]
    targets = [schema["properties"]] + [
        definition
        for name, definition in definitions.items()
        if name not in ("Correlation", "Horizon")  # the horizon is structure, not an input
    ]
    for target in targets:
        _add_distribution(target)
    kinds = (Normal, LogNormal, Triangular, Uniform, Choice)
    for model in kinds:
        definition = model.model_json_schema(mode="validation")
        _allow_amount_text(definition)
        definitions[f"Distribution{model.__name__}"] = definition
    definitions["Distribution"] = {
        "description": "A distribution instead of a number: {dist: normal|lognormal|triangular|"
        "uniform|choice, ...}; optional min/max clip the samples.",
        "oneOf": [{"$ref": f"#/$defs/Distribution{model.__name__}"} for model in kinds],
    }


def _add_distribution(node: Any) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _add_distribution(value)
        choices = node.get("anyOf")
        if (
            isinstance(choices, list)
            and choices
            and choices[0].get("type") in ("number", "integer")
        ):
            choices.append({"$ref": "#/$defs/Distribution"})
    elif isinstance(node, list):
        for value in node:
            _add_distribution(value)
