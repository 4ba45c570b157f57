"""Options shared by several commands (cli/options.py): spelled, documented and read the same
way by each. (Each command's own options are in the tests of its command; that docs/commands.md
lists every option in tests/test_docs.py.)"""

from __future__ import annotations

import click
import pytest
from typer.main import get_command

from commitcast.cli import app
from commitcast.cli.options import SET_HELP, By, Format, scenario_argument
from tests.conftest import SCENARIOS


def params(command: str) -> dict[str, click.Parameter]:
    group = get_command(app)
    found = group.get_command(click.Context(group), command)
    assert found is not None, command
    return {p.name: p for p in found.params}


def test_the_choices():
    assert [b.value for b in By] == ["month", "quarter", "year", "fiscal-quarter", "fiscal-year"]
    assert [f.value for f in Format] == ["table", "csv", "json"]
    assert By("year") is By.year and str(Format.csv) == "csv"  # a str enum: it prints as given


@pytest.mark.parametrize(
    "command", ["validate", "project", "export", "simulate", "sensitivity", "solve", "exit"]
)
def test_set_is_the_same_option_everywhere(command):
    option = params(command)["sets"]
    assert option.opts == ["--set", "-s"]
    assert option.multiple
    assert option.help == SET_HELP
    assert option.metavar == "PATH=VALUE"


@pytest.mark.parametrize("command", ["project", "simulate"])
def test_format_and_output_are_spelled_the_same(command):
    assert params(command)["output_format"].opts == ["--format", "-f"]
    assert params(command)["output"].opts == ["--output", "-o"]


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (("--format", "xml"), ("table", "csv", "json")),
        (("--by", "week"), ("month", "quarter", "fiscal-quarter", "fiscal-year")),
    ],
)
def test_a_bad_choice_names_the_ones_there_are(cli, args, choices):
    result = cli("project", SCENARIOS / "colossus-base.yaml", *args)
    assert result.exit_code == 2
    assert args[1] in result.output
    assert all(choice in result.output for choice in choices)


def test_output_is_a_file_never_a_folder(cli, tmp_path):
    result = cli("project", SCENARIOS / "colossus-base.yaml", "-f", "csv", "-o", tmp_path)
    assert result.exit_code == 2
    assert "is a directory" in result.output
    assert list(tmp_path.iterdir()) == []


def test_by_defaults_to_month_and_format_to_a_table(cli):
    result = cli("project", SCENARIOS / "colossus-base.yaml")
    assert result.exit_code == 0, result.output
    assert "┃ month " in result.stdout and "│ 2026-06 │" in result.stdout


def test_scenario_argument():
    argument = scenario_argument("The scenario.")
    assert argument.metavar == "FILE" and argument.help == "The scenario."
    assert scenario_argument().help == "Scenario YAML file."
