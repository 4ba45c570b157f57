"""The scenario format as JSON Schema, for editors with a YAML language server."""

from __future__ import annotations

from typing import Any

from commitcast.core.numbers import AMOUNT_PATTERN, ANY_NUMBER_PATTERN, NUMBER_PATTERN
from commitcast.model.fields import amount_fields
from commitcast.model.scenario import Scenario

# A month, YYYY-MM (or its first day)
MONTH_PATTERN = r"^\s*[0-9]{4}-[0-9]{1,2}(-0?1)?\s*$"  # digits 0-9 only, as core.numbers
# A whole number written as text (`24`), as the model reads one
INTEGER_PATTERN = r"^\s*[-+]?[0-9]+\s*$"


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


def _allow_amount_text(schema: dict[str, Any]) -> None:
    """Numbers may be written as text: an amount as `1.25B` or `EUR 400M`, another number as
    `5T` or `3%`, a whole number as digits. Say so to the editor, as the loader reads them."""
    amounts = set(amount_fields())
    models = [("Scenario", schema), *schema["$defs"].items()]
    for model, definition in models:
        for name, node in definition.get("properties", {}).items():
            pattern = AMOUNT_PATTERN if f"{model}.{name}" in amounts else NUMBER_PATTERN
            _allow_text(node, pattern)


def _allow_text(node: Any, pattern: str) -> None:
    """Each number type under `node` may also be text matching `pattern` (a whole number:
    digits only)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "properties":  # a nested model's own fields are its definition's
                _allow_text(value, pattern)
        if node.get("type") in ("number", "integer"):
            kind = node.pop("type")
            text = INTEGER_PATTERN if kind == "integer" else pattern
            node["anyOf"] = [{"type": kind}, {"type": "string", "pattern": text}]
    elif isinstance(node, list):
        for value in node:
            _allow_text(value, pattern)


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
        # a distribution's parameters serve amounts (`EUR 5M`) and rates (`3%`) alike
        for node in definition.get("properties", {}).values():
            _allow_text(node, ANY_NUMBER_PATTERN)
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
