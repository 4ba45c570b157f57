"""The README documents every scenario field, every output column and every summary figure."""

from __future__ import annotations

import re
import types
import typing

from conftest import ROOT
from pydantic import BaseModel

from commitcast.core.measures import MONTHLY_COLUMNS, SUMMARY_KEYS
from commitcast.model.scenario import Scenario

# fields owned by `commitcast simulate`, documented in its own section
SIMULATE_FIELDS = {"correlations"}


def section(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- section:{name} -->(.*?)<!-- /section:{name} -->", text, re.S)
    assert match, f"README has no {name} section"
    return match[1]


def _model(annotation: typing.Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside an annotation, and whether it is a list of them."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None, False
        annotation = args[0]
    if typing.get_origin(annotation) is list:
        inner, _ = _model(typing.get_args(annotation)[0])
        return inner, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def field_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    paths = []
    for name, info in model.model_fields.items():
        if not prefix and name in SIMULATE_FIELDS:
            continue
        path = f"{prefix}{name}"
        paths.append(path)
        inner, is_list = _model(info.annotation)
        if inner is not None:
            paths += field_paths(inner, f"{path}[]." if is_list else f"{path}.")
    return paths


def test_every_scenario_field_is_in_the_field_table():
    table = section("scenario")
    paths = field_paths()
    assert "contracts[].termination.notice_given" in paths  # the walk reaches nested fields
    missing = [p for p in paths if f"| `{p}` |" not in table]
    assert missing == []


def test_every_output_column_and_summary_figure_is_explained():
    text = section("conventions") + section("commands")
    for name in (*MONTHLY_COLUMNS, *SUMMARY_KEYS):
        assert re.search(rf"\b{name}\b", text), name


def test_number_formats_are_documented():
    table = section("scenario")
    for form in ("`1.25B`", "`$900M`", "`$1,250,000,000`", "`3%`"):
        assert form in table


def test_every_core_command_has_an_example():
    text = section("commands")
    for command in ("validate", "project", "init", "schema"):
        assert f"$ commitcast {command} " in text, command


def test_readme_project_json_summary_example_is_current(cli):
    # If this fails after an intended change, regenerate the example in the commands section:
    #   commitcast project scenarios/colossus-base.yaml --format json | jq .summary
    import json

    text = section("commands")
    marker = "$ commitcast project scenarios/colossus-base.yaml --format json | jq .summary\n"
    assert marker in text
    shown = text.split(marker, 1)[1].split("\n```", 1)[0]
    actual = json.loads(
        cli("project", ROOT / "scenarios" / "colossus-base.yaml", "--format", "json").stdout
    )["summary"]
    assert json.loads(shown) == actual
