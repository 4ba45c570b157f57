"""Start-up benchmark: whole `commitcast` processes against a bare import measured beside them.

    python benchmarks/startup_bench.py [--runs 11] [--columns 80]

Each command runs as a fresh subprocess (output to /dev/null), all commands taking turns in
every round so that a busy machine slows each of them alike; the first round warms the file
cache and is not counted. A time is the median of the counted rounds, and each target is
printed as a ratio against its baseline's median from the same rounds, with a pass/fail mark:

- `commitcast project scenarios/colossus-base.yaml` (table, --format csv, --format json) vs
  `python -c "import numpy, yaml"`: at most 3x;
- `commitcast --help` vs `python -c "import typer"`: at most 2x;
- `commitcast validate scenarios/colossus-base.yaml` vs `python -c "import typer"` (shown, no
  limit).

Then which heavy modules each command imports (pandas, scipy, openpyxl, xlsxwriter, numpy), in a
fresh interpreter running the same command line in-process, each marked pass or fail: none of
them for --help but numpy, no numpy either for validate (of the base case, and of
scenarios/colossus-risk.yaml with its distributions and correlation), no pandas for project.
Exits 1 if a mark is FAIL, 2 if a command failed.

`commitcast` is the console script installed beside this interpreter, run directly (its first
line names the interpreter), else `python -m commitcast`. It is not the one found on PATH: a
pyenv shim there adds a bash script and `pyenv exec` to every start, which is not commitcast's
time (`python` on PATH is such a shim too, so both sides would pay it). The table is drawn for
a terminal of --columns columns (COLUMNS), the width a pipe gets by default being 80.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bytecode import write_bytecode

ROOT = Path(__file__).resolve().parents[1]
BASE = str(ROOT / "scenarios" / "colossus-base.yaml")
RISK = str(ROOT / "scenarios" / "colossus-risk.yaml")
HEAVY = ("pandas", "scipy", "openpyxl", "xlsxwriter", "numpy")

PROBE = """
import json, sys
import commitcast.cli
sys.argv = ["commitcast", *sys.argv[1:]]
try:
    commitcast.cli.main()
except SystemExit:
    pass
sys.stdout.flush()
print(json.dumps([m for m in HEAVY if m in sys.modules]), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


def cli() -> list[str]:
    script = Path(sys.executable).with_name("commitcast")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "commitcast"]


def commands() -> dict[str, list[str]]:
    command = cli()
    python = [sys.executable, "-c"]
    return {
        "import numpy, yaml": [*python, "import numpy, yaml"],
        "import typer": [*python, "import typer"],
        "project (table)": [*command, "project", BASE],
        "project --format csv": [*command, "project", BASE, "--format", "csv"],
        "project --format json": [*command, "project", BASE, "--format", "json"],
        "--help": [*command, "--help"],
        "validate": [*command, "validate", BASE],
    }


# (target, baseline, limit or None)
TARGETS = (
    ("project (table)", "import numpy, yaml", 3.0),
    ("project --format csv", "import numpy, yaml", 3.0),
    ("project --format json", "import numpy, yaml", 3.0),
    ("--help", "import typer", 2.0),
    ("validate", "import typer", None),
)

# (command, its arguments, the watched modules it must not import)
IMPORTS = (
    ("--help", ["--help"], ("pandas", "scipy", "openpyxl", "xlsxwriter")),
    ("validate", ["validate", BASE], ("pandas", "scipy", "openpyxl", "xlsxwriter", "numpy")),
    # distributions and a correlation, whose matrix is checked (core.eigen, not numpy)
    ("validate (risk)", ["validate", RISK], ("pandas", "scipy", "openpyxl", "xlsxwriter", "numpy")),
    ("project (table)", ["project", BASE], ("pandas",)),
    ("project --format json", ["project", BASE, "--format", "json"], ("pandas",)),
)


def run_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        command = " ".join(argv)
        print(f"{command} exited {done.returncode}:\n{done.stderr.decode()}", file=sys.stderr)
        raise SystemExit(2)
    return elapsed


def imported(args: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="counted rounds (median of these)")
    parser.add_argument("--columns", type=int, default=80, help="terminal width for the table")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="leave commitcast's modules uncompiled"
    )
    args = parser.parse_args()
    if not args.no_bytecode:
        print(write_bytecode(), flush=True)
    env = {**os.environ, "COLUMNS": str(args.columns), "NO_COLOR": "1"}
    env.pop("COMMITCAST_DEBUG", None)

    todo = commands()
    times: dict[str, list[float]] = {name: [] for name in todo}
    started = time.perf_counter()
    for round_ in range(args.runs + 1):
        # rotate the order, so no command always runs right after the same one
        names = list(todo)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in names:
            elapsed = run_once(todo[name], env)
            if round_:  # round 0 warms the file cache
                times[name].append(elapsed)
    median = {name: statistics.median(values) for name, values in times.items()}

    print(
        f"commitcast start-up  (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
        f"average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; median of {args.runs} "
        f"rounds; COLUMNS={args.columns})"
    )
    print(f"commitcast = {' '.join(cli())}\n")
    rows = [("command", "median", "baseline", "ratio", "limit", "")]
    failed = False
    for target, baseline, limit in TARGETS:
        ratio = median[target] / median[baseline]
        mark = "" if limit is None else ("pass" if ratio <= limit else "FAIL")
        failed |= mark == "FAIL"
        rows.append(
            (
                f"commitcast {target}",
                f"{median[target] * 1000:.0f} ms",
                f"{baseline} {median[baseline] * 1000:.0f} ms",
                f"{ratio:.2f}x",
                "-" if limit is None else f"<= {limit:g}x",
                mark,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))

    print(f"\nheavy modules imported ({', '.join(HEAVY)}):")
    for name, command, forbidden in IMPORTS:
        loaded = imported(command, env)
        wrong = [module for module in loaded if module in forbidden]
        failed |= bool(wrong)
        # the mark ends the line, as every target's does (benchmarks/run.py gathers them)
        print(
            f"  commitcast {name}: {', '.join(loaded) or 'none'}  (none of "
            f"{', '.join(forbidden)})  {'FAIL' if wrong else 'pass'}"
        )
    print(
        f"\n`python benchmarks/startup_bench.py --runs {args.runs} --columns {args.columns}`; "
        f"total {time.perf_counter() - started:.0f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
