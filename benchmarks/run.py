"""Every benchmark, and each target of the scale issue with its ratio and a pass/fail mark.

    python benchmarks/run.py [--quick]

Runs, each in its own process, one after another (they would slow each other down side by side):

- startup_bench.py    `project` vs `python -c "import numpy, yaml"` (<= 3x), `--help` vs
                      `python -c "import typer"` (<= 2x), which heavy modules each command loads
- portfolio_bench.py  `project` of 3,000 contracts (<= 1.5x) and 10,000 (<= 3x) vs one contract,
                      with --floors: each stage's share of the time the target leaves
- engine_bench.py     the engine at 10,000 runs x 60 months vs its array-pass floor (<= 2x)
- simulate_bench.py   `simulate` 100k x 60 vs one `project` process (<= 2x), with --floors:
                      where its time goes; peak memory of 1,000,000 runs x 240 months vs the
                      default 1 GiB budget

Every figure is a ratio against a baseline measured in the same run, so a slower or busier
machine moves the seconds more than the ratios. Each script prints its own table; this one
prints them all, then the lines that carry a pass/fail mark, and exits 1 if any failed.
`--quick` asks each script for fewer repeats (noisier ratios, for a first look).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("startup_bench.py", "portfolio_bench.py", "engine_bench.py", "simulate_bench.py")
QUICK = {
    "startup_bench.py": ["--runs", "3"],
    "portfolio_bench.py": ["--repeat", "3"],
    "engine_bench.py": ["--repeat", "5"],
    "simulate_bench.py": ["--repeat", "1"],
}
# the stages behind a missed target, printed beside it (not judged)
ALWAYS = {"portfolio_bench.py": ["--floors"], "simulate_bench.py": ["--floors"]}
# a mark opens or closes a target's line ("PASS  project, ..." or "... <= 3x  pass")
MARK = re.compile(r"^\s*(PASS|FAIL)\b|\b(pass|PASS|FAIL)\s*$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats per benchmark")
    args = parser.parse_args()
    marked: list[str] = []
    for script in SCRIPTS:
        extra = [*ALWAYS.get(script, []), *(QUICK[script] if args.quick else [])]
        print(f"=== {script} {' '.join(extra)}".rstrip(), flush=True)
        done = subprocess.run(
            [sys.executable, str(HERE / script), *extra], capture_output=True, text=True
        )
        print(done.stdout, end="")
        if done.returncode not in (0, 1):  # 1: a target missed, said in its lines
            print(done.stderr, end="")
            marked.append(f"FAIL  {script} ended with exit status {done.returncode}")
        marked += [
            f"{script}: {line.strip()}" for line in done.stdout.splitlines() if MARK.search(line)
        ]
    print("\n=== targets")
    for line in marked:
        print(line)
    return 1 if any("FAIL" in line for line in marked) else 0


if __name__ == "__main__":
    sys.exit(main())
