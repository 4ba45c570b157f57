"""analysis/distributed.py: a simulation on a Dask LocalCluster gives the figures the same seed
gives in this process (exactly: the same normals, each chunk a pure function of them, runs kept
by position, sketches and sums that merge exactly), and Dask is never imported without it.

The clusters here are worker threads of this process (processes=False: no sockets, no child
processes) with small runs; nothing depends on timing or on the order chunks finish in.
tests/cli/test_simulate.py runs `--scheduler local` once with worker processes.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from commitcast.analysis.simulate import FIGURES, simulate
from commitcast.load.validation import load_scenario, scenario_from_text
from tests.conftest import ROOT

pytest.importorskip("dask.distributed")

from commitcast.analysis import distributed  # noqa: E402

RISK = ROOT / "scenarios" / "colossus-risk.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(RISK)


def same(a, b) -> None:
    assert a.runs == b.runs and a.labels == b.labels
    assert a.statistics == b.statistics
    assert a.probabilities == b.probabilities
    assert a.fan == b.fan
    assert a.sketch == b.sketch
    for key, mean in a.input_means.items():
        assert b.input_means[key] == pytest.approx(mean, rel=1e-12)
    assert set(a.runs_summary) == set(b.runs_summary)
    for name, values in a.runs_summary.items():
        np.testing.assert_array_equal(values, b.runs_summary[name])


@pytest.mark.parametrize("workers", [1, 2])
def test_a_local_cluster_gives_the_in_process_figures(scenario, workers):
    here = simulate(scenario, 2500, 7, funding_limit=20e9)
    there = distributed.simulate(
        scenario, 2500, 7, funding_limit=20e9, chunk=300, workers=workers, processes=False
    )
    assert here.sketch is None
    same(here, there)


def test_sketched_percentiles_on_a_cluster_equal_those_made_here(scenario):
    here = simulate(scenario, 4000, 3, method="sketch", chunk=1000)
    there = distributed.simulate(
        scenario, 4000, 3, method="sketch", chunk=350, workers=2, processes=False
    )
    assert here.sketch is not None and here.runs_summary == {}
    same(here, there)
    # and within their bound of the exact figures
    exact = simulate(scenario, 4000, 3)
    for name in FIGURES:
        bound = here.sketch.figure_bound[name]
        for level in ("p5", "p50", "p95"):
            assert abs(there.statistics[name][level] - exact.statistics[name][level]) <= bound


def test_a_sampled_value_the_field_refuses_is_the_same_error_on_a_cluster(tmp_path):
    text = (
        "name: bad share\nhorizon: {start: 2026-01, months: 6}\n"
        "contracts:\n  - {name: C, monthly_fee: 100M, start: 2026-01-01, end: 2026-12-31,\n"
        "     capacity: {tokens_per_month: 1e12}}\n"
        "costs:\n  training_share: {dist: normal, mean: 0.3, sd: 0.5}\n"
    )
    scenario = scenario_from_text(text, "bad.yaml")
    from commitcast.core.errors import CommitcastError

    with pytest.raises(CommitcastError, match="a sampled value is outside what this field"):
        distributed.simulate(scenario, 500, 0, chunk=100, workers=1, processes=False)


def test_runs_past_a_million_are_for_a_cluster_only(scenario):
    from commitcast.core.errors import CommitcastError

    with pytest.raises(CommitcastError, match="must be between 1 and 1,000,000; got"):
        simulate(scenario, 1_000_001, 0)
    with pytest.raises(CommitcastError, match="must be between 1 and 1,000,000,000; got"):
        distributed.simulate(scenario, 1_000_000_001, 0, workers=1, processes=False)


def test_dask_is_imported_only_for_a_scheduler():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from commitcast.cli import app\n"
        f"r = CliRunner().invoke(app, ['simulate', {str(RISK)!r}, '-n', '50', '-f', 'json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "loaded = [m for m in ('dask', 'distributed') if m in sys.modules]\n"
        "print(' '.join(loaded) or 'none')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "none", done.stderr
