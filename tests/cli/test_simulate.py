"""`commitcast simulate` (cli/simulate.py): options checked first, a note when nothing is
uncertain, a progress bar only on a terminal and for long runs, and the output formats; the
memory budget (--memory read or refused as a problem naming the option, a budget that cannot
fit refused before any work with the estimate and what fits, sketched percentiles stated in
every output) and --scheduler (`local`, with worker processes, gives the figures of one process).

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
import os
import subprocess
import sys

import pytest
from rich.console import Console

from commitcast.cli.parsing import parse_memory, size_option
from commitcast.core.errors import CommitcastError
from tests.conftest import ROOT

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
cli_io = importlib.import_module("commitcast.cli.io")


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

    def console() -> Console:
        return Console(file=buffer, force_terminal=True, width=80, color_system=None)

    # the command's own messages, and the progress bar (cli.io.with_progress)
    monkeypatch.setattr(command, "stderr", console)
    monkeypatch.setattr(cli_io, "stderr", console)
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


# ---- --memory and --scheduler -------------------------------------------------------------

RISK = ROOT / "tests" / "fixtures" / "scenarios" / "colossus-risk.yaml"


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("512M", 512 << 20),
        ("2G", 2 << 30),
        ("1.5G", 3 << 29),
        ("1gb", 1 << 30),
        ("256MiB", 256 << 20),
        (" 64 M ", 64 << 20),
        ("1T", 1 << 40),
        ("800K", 800 << 10),
    ],
)
def test_memory_sizes(text, size):
    assert parse_memory(text) == size


@pytest.mark.parametrize("text", ["", "lots", "512", "12X", "-1G", "1.2.3G", "G", "0G"])
def test_memory_that_is_no_size_is_refused_naming_the_option(cli, tmp_path, text):
    with pytest.raises(CommitcastError):
        parse_memory(text)
    # refused before the file is read (it does not exist), with the other options' problems
    result = cli("simulate", tmp_path / "missing.yaml", "--memory", text, "--runs", "0")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("command line: --runs must be between 1 and 1,000,000")
    assert lines[1].startswith("command line: --memory: ")
    assert "missing.yaml" not in result.stderr and "Traceback" not in result.output


def test_size_option_rounds_up_to_a_whole_mib():
    assert size_option(700 << 20) == "700M"
    assert size_option((700 << 20) + 1) == "701M"
    assert size_option(2 << 30) == "2G"


def test_a_budget_that_cannot_fit_is_refused_with_the_estimate_and_what_fits(cli):
    from commitcast.analysis.simulate import smallest_budget
    from commitcast.load.validation import load_scenario

    need = smallest_budget(load_scenario(RISK), 1000) >> 20  # MiB
    result = cli("simulate", RISK, "--runs", "1000", "--memory", "100M")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "command line: --memory: 1,000 runs x 60 months do not fit in 100 MiB: a pass of 16 runs"
    )
    assert f"need about {need} MiB in all, 128 MiB of it for the process itself" in line
    assert line.endswith(f"(give --memory {need}M or more, or a shorter horizon)")
    assert cli("simulate", RISK, "--runs", "1000", "--memory", f"{need}M").exit_code == 0
    assert cli("simulate", RISK, "--runs", "1000", "--memory", f"{need - 1}M").exit_code == 2


def test_more_runs_than_a_process_takes_need_a_scheduler(cli, tmp_path):
    result = cli("simulate", tmp_path / "missing.yaml", "--runs", "2000000")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "command line: --runs must be between 1 and 1,000,000; got 2,000,000 (e.g. --runs 10000)"
    )
    many = cli("simulate", tmp_path / "missing.yaml", "--runs", "2000000000", "--scheduler", "x")
    assert many.exit_code == 2
    assert "--runs must be between 1 and 1,000,000,000; got 2,000,000,000" in many.stderr
    empty = cli("simulate", tmp_path / "missing.yaml", "--scheduler", " ")
    assert empty.exit_code == 2
    assert "command line: --scheduler: give 'local' or a Dask scheduler's address" in empty.stderr


def test_sketched_percentiles_say_so_in_every_format(cli):
    # every run's fan (100 MB) and a good pass do not fit in 250M; the fan's sketch does
    args = ("simulate", RISK, "--runs", "100000", "--seed", "7", "--memory", "250M")
    data = json.loads(cli(*args, "-f", "json").stdout)
    sketch = data["sketch"]
    assert sketch["method"] == "histogram" and sketch["figures"] is None
    assert sketch["reason"] == (
        "every run's fan for 100,000 runs x 60 months would not fit in the memory budget of 250 MiB"
    )
    bounds = sketch["fan"]["error_bound"]
    assert sketch["fan"]["bins"] == 16384
    assert len(bounds["cumulative_cash"]) == len(data["fan"]["months"]) == 60
    assert all(b is None or b >= 0 for b in bounds["utilization"])
    # every run fits: the document is as it always was
    small = json.loads(cli("simulate", RISK, "--runs", "2000", "-f", "json").stdout)
    assert "sketch" not in small


def test_the_table_and_csv_state_the_bound_of_sketched_percentiles():
    from io import StringIO

    from rich.console import Console

    from commitcast.analysis.simulate import simulate
    from commitcast.load.validation import load_scenario
    from commitcast.render.simulation import print_simulation, simulation_csv

    result = simulate(load_scenario(RISK), 2000, 7, method="sketch")
    out = StringIO()
    print_simulation(Console(file=out, width=100, highlight=False, markup=False), result)
    table = " ".join(out.getvalue().split())
    assert (
        "so these percentiles are estimated from a histogram of 65,536 bins; each is within "
        "this of the exact percentile: NPV $"
    ) in table
    assert "Means and probabilities are exact." in table
    assert "so the fan's percentiles are estimated from a histogram of 16,384 bins a month" in (
        table
    )
    rows = simulation_csv(result).splitlines()
    assert any(r.startswith("error_bound,npv,,percentiles,") for r in rows)
    assert any(r.startswith("error_bound,cumulative_cash,2026-06,percentiles,") for r in rows)


def test_a_local_cluster_of_worker_processes_gives_the_same_output(tmp_path):
    pytest.importorskip("dask.distributed")
    env = {**os.environ, "COLUMNS": "100"}
    args = [sys.executable, "-m", "commitcast", "simulate", str(RISK), "-n", "3000"]
    args += ["--seed", "7", "-f", "json"]
    here = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    # the cluster's scratch space (lock files, work folders) goes, with the cluster
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    there = subprocess.run(
        [*args, "--scheduler", "local"],
        capture_output=True,
        text=True,
        env={**env, "TMPDIR": str(temporary)},
        timeout=300,
    )
    assert here.returncode == 0, here.stderr
    assert there.returncode == 0, there.stderr
    assert json.loads(there.stdout) == json.loads(here.stdout)
    assert list(temporary.iterdir()) == []
