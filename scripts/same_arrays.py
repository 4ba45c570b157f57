"""Check that an engine change moves no bit: the engine's arrays before and after, byte for byte.

    python scripts/same_arrays.py [--against REV] [--runs 500]

For every scenario bundled at both revisions, runs the engine (`engine.run.run`) on two batches
of --runs runs: one varying only each contract's capacity (uptime, tokens per month or per
GPU-second, as simulate's usual inputs do) beside the scenario's own distributions, one also
varying the first contract's monthly fee. Every monthly column, summary figure and contract row
is kept, and the two columns and seven figures of the same batches run as simulate runs them
(`run(batch, columns=..., figures=...)`), with the package at REV (default: HEAD, in a temporary git
worktree) and as it is in the work tree, and the two compared byte for byte (a NaN's bits and a
zero's sign included): stricter than scripts/same_figures.py, which compares figures to the
cent, for a change meant to do the same arithmetic in another order of work. Exits 1 on any
difference.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from same_figures import ROOT, SCENARIOS, worktree

DUMP = """
import inspect
import sys
from pathlib import Path
import numpy as np
from commitcast.engine.run import run
from commitcast.analysis.simulate import FIGURES
from commitcast.load.validation import load_scenario
from commitcast.variants.batch import Batch

runs, out = int(sys.argv[1]), {}
for name in sys.argv[3:]:
    scenario = load_scenario(Path("scenarios") / name)
    rng = np.random.default_rng(3)
    varied = scenario.uncertainty.sample(rng, runs) if scenario.uncertainty.inputs else {}
    for i, contract in enumerate(scenario.contracts):
        varied[f"contracts[{i}].uptime"] = rng.uniform(0.95, 1.0, runs)
        for field in ("tokens_per_month", "tokens_per_gpu_second"):
            if getattr(contract.capacity, field):
                value = getattr(contract.capacity, field) * rng.uniform(0.5, 1.5, runs)
                varied[f"contracts[{i}].capacity.{field}"] = value
    mixed = dict(varied)
    if scenario.contracts:
        fee = scenario.contracts[0].monthly_fee
        mixed["contracts[0].monthly_fee"] = fee * rng.uniform(0.8, 1.2, runs)
    for batch_name, inputs in (("capacity", varied), ("mixed", mixed)):
        batch = Batch(scenario, runs, inputs)
        result = run(batch)
        key = f"{name} {batch_name}"
        out |= {f"{key} column {k}": v for k, v in result.columns.items()}
        out |= {f"{key} summary {k}": v for k, v in result.summary.items()}
        # as simulate runs it: two columns kept, the others in memory reused chunk by chunk,
        # and its seven figures (a revision before run(figures=...) works out all of them)
        if "figures" in inspect.signature(run).parameters:
            kept = run(batch, columns=("cumulative_cash", "utilization"), figures=FIGURES)
        else:
            kept = run(batch, columns=("cumulative_cash", "utilization"))
        kept.summary = {k: v for k, v in kept.summary.items() if k in FIGURES}
        out |= {f"{key} kept column {k}": v for k, v in kept.columns.items()}
        out |= {f"{key} kept summary {k}": v for k, v in kept.summary.items()}
        for j, schedule in enumerate(result.contracts):
            for row in ("fees", "fees_paid", "capacity_tokens", "available_tokens",
                        "sla_credits", "remaining_obligation"):
                out[f"{key} contract {j} {row}"] = getattr(schedule, row)
np.savez(sys.argv[2], **{k: np.ascontiguousarray(v) for k, v in out.items()})
"""


def arrays(src: Path, path: Path, runs: int, names: list[str]) -> dict[str, np.ndarray]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-c", DUMP, str(runs), str(path), *names]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    with np.load(path) as saved:
        return {key: saved[key] for key in saved.files}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD", help="the revision to compare with")
    parser.add_argument("--runs", type=int, default=500, help="runs in each batch")
    args = parser.parse_args()
    with worktree(args.against) as (old, tmp):
        names = [p.name for p in SCENARIOS if (old / "scenarios" / p.name).exists()]
        before = arrays(old / "src", tmp / "before.npz", args.runs, names)
        after = arrays(ROOT / "src", tmp / "after.npz", args.runs, names)
    found = sorted(set(before) ^ set(after))
    found += [
        key
        for key in sorted(set(before) & set(after))
        if before[key].shape != after[key].shape or before[key].tobytes() != after[key].tobytes()
    ]
    for key in found[:50]:
        print(f"differs: {key}")
    print(
        f"{len(names)} scenarios, {len(before)} arrays compared byte for byte against "
        f"{args.against}: {len(found)} differences"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
