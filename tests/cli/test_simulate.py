"""`commitcast simulate` (cli/simulate.py): options checked first, a note when nothing is
uncertain, a progress bar only on a terminal and for long runs, and the output formats.

Most of the command is tested beside the simulation in tests/analysis/test_simulate.py (the
formats, same seed same output, --runs and --funding-limit refused before the file is read,
--set, no bar when stderr is not a terminal); the option parsers in tests/cli/test_parsing.py.

The scenario here has no distribution, so every run is one projection worked out by hand: fees
of 1,000 a month, demand of 0.5e12 tokens at 0.004 per million (2,000 a month), three months:
NPV 3 x (2,000 - 1,000) = 3,000 at no discounting.
"""

from __future__ import annotations

import importlib
import io
import json

import pytest
from rich.console import Console

FIXED = """\
name: Fixed
horizon: {start: 2026-01, months: 3}
contracts:
  - {name: C, monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31,
     capacity: {tokens_per_month: 1.0e12}}
revenue:
  - {name: API, tokens_per_month: 0.5e12, price_per_million_tokens: 0.004}
"""

command = importlib.import_module("commitcast.cli.simulate")


def test_nothing_uncertain_is_said_and_every_run_is_the_projection(cli, write_scenario):
    result = cli("simulate", write_scenario(FIXED), "--runs", "7", "-f", "json")
    assert result.exit_code == 0, result.output
    assert "note: no input has a distribution, so every run is the same projection" in (
        " ".join(result.stderr.split())
    )
    npv = json.loads(result.stdout)["figures"]["npv"]
    assert npv["defined_runs"] == 7
    for statistic in ("mean", "p5", "p50", "p95"):
        assert npv[statistic] == pytest.approx(3000, abs=0.005), statistic


def test_json_to_a_file(cli, write_scenario, tmp_path):
    out = tmp_path / "sim.json"
    result = cli(
        "simulate", write_scenario(FIXED), "-n", "3", "--seed", "4", "-f", "json", "-o", out
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert (document["runs"], document["seed"]) == (3, 4)


def test_a_negative_seed_is_refused(cli, write_scenario):
    result = cli("simulate", write_scenario(FIXED), "--seed", "-1")
    assert result.exit_code == 2
    assert "--seed" in result.output


@pytest.fixture
def terminal(monkeypatch):
    """stderr as a terminal that records what is drawn on it."""
    buffer = io.StringIO()
    monkeypatch.setattr(
        command,
        "stderr",
        lambda: Console(file=buffer, force_terminal=True, width=80, color_system=None),
    )
    return buffer


@pytest.fixture
def bars(monkeypatch):
    """Every progress bar made, with its total and the runs it was advanced by (a bar draws on
    a timer, so what it draws in a short test is not reliable; what it is told is)."""
    import rich.progress

    made: list[dict] = []

    class Recorded(rich.progress.Progress):
        def __init__(self, *columns, **options):
            super().__init__(*columns, **options)
            self.record = {"console": options.get("console"), "total": None, "advanced": []}
            made.append(self.record)

        def add_task(self, description, *args, total=None, **kwargs):
            self.record["total"] = total
            return super().add_task(description, *args, total=total, **kwargs)

        def advance(self, task_id, advance=1):
            self.record["advanced"].append(advance)
            super().advance(task_id, advance)

    monkeypatch.setattr(rich.progress, "Progress", Recorded)
    return made


def test_a_long_run_on_a_terminal_advances_a_bar_on_stderr(
    cli, write_scenario, monkeypatch, terminal, bars
):
    monkeypatch.setattr(command, "PROGRESS_FROM_RUNS", 10)
    result = cli("simulate", write_scenario(FIXED), "--runs", "12", "-f", "json")
    assert result.exit_code == 0, result.output
    (bar,) = bars
    assert bar["total"] == 12
    assert sum(bar["advanced"]) == 12  # every run counted, once
    assert bar["console"].file is terminal  # on stderr
    assert json.loads(result.stdout)["runs"] == 12  # stdout holds the JSON only


def test_a_short_run_shows_no_bar_even_on_a_terminal(cli, write_scenario, terminal, bars):
    assert command.PROGRESS_FROM_RUNS == 20_000
    result = cli("simulate", write_scenario(FIXED), "--runs", "12", "-f", "json")
    assert result.exit_code == 0, result.output
    assert bars == []
