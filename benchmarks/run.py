"""commitcast benchmarks: run with `python benchmarks/run.py` (about 30 s on 2 cores).

Every figure is measured in this run, and speeds are given as ratios against a baseline measured
side by side, so a slower or busier machine changes the seconds more than the ratios.

(a) `simulate` of scenarios/colossus-risk.yaml (two contracts, two revenue streams, five
    distributions, one correlation): 100,000 runs x 60 months, wall time of the library call
    `analysis.simulate.simulate` (sampling, engine in chunks, percentiles), best of 3 after a
    warm-up. Baseline: the same runs projected one at a time through the single-scenario path
    (`projection.projection(scenario)`, a batch of one); a sample of --single runs is timed and
    extrapolated to all runs (said so in the table). Also with the cost of making each run's
    scenario (`overrides.apply_overrides`, i.e. --set and validation), what a script looping over
    scenarios would pay.
(b) Peak memory of that simulation, in fresh subprocesses: the peak RSS (VmHWM from
    /proc/self/status, else ru_maxrss; the whole process, including Python and the libraries)
    and tracemalloc's peak of memory allocated during the call (numpy reports its array buffers
    to tracemalloc).
(c) Start-up: `commitcast --help` and `commitcast validate` against `python -c "import typer"`
    (subprocesses, best of 7), and which heavy libraries `validate` imports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "colossus-risk.yaml"
SEED = 7

MEMORY_PROBE = """
import json, resource, sys, tracemalloc


def high_water_kib():
    # VmHWM is this process's own peak RSS; ru_maxrss can carry the parent's over fork/exec
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from commitcast.analysis.simulate import simulate
from commitcast.load.validation import load_scenario
scenario = load_scenario(sys.argv[1])
runs = int(sys.argv[2])
simulate(scenario, 1000, 1)  # imports and first-call set-up outside the measurement
before = high_water_kib()
if sys.argv[3] == "tracemalloc":
    tracemalloc.start()
    simulate(scenario, runs, 7)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
else:
    simulate(scenario, runs, 7)
    peak = None
after = high_water_kib()
print(json.dumps({"maxrss_kib_before": before, "maxrss_kib": after, "traced_peak": peak}))
"""

IMPORT_PROBE = """
import sys
import commitcast.cli
sys.argv = ["commitcast", *sys.argv[1:]]
try:
    commitcast.cli.main()
except SystemExit:
    pass
heavy = ["pandas", "openpyxl", "xlsxwriter", "scipy"]
print(" ".join(m for m in heavy if m in sys.modules) or "none", file=sys.stderr)
"""


def best_of(function, repeat: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), times


def bench_simulation(runs: int, single_runs: int) -> list[tuple[str, str, str]]:
    import numpy as np

    from commitcast.analysis.simulate import simulate
    from commitcast.engine.projection import projection
    from commitcast.load.overrides import apply_overrides
    from commitcast.load.validation import load_scenario

    scenario = load_scenario(SCENARIO)
    months = scenario.months
    start = time.perf_counter()
    simulate(scenario, 2000, SEED)  # warm-up: scipy import, first numpy calls
    warm_up = time.perf_counter() - start
    wall, times = best_of(lambda: simulate(scenario, runs, SEED), 3)

    # the same runs, one at a time: the first `single_runs` samples of the same seed
    uncertainty = scenario._uncertainty
    samples = uncertainty.sample(np.random.default_rng(SEED), single_runs)
    labels = {key: item.label for key, item in uncertainty.inputs.items()}
    start = time.perf_counter()
    scenarios = [
        apply_overrides(scenario, [f"{labels[k]}={float(v[i])!r}" for k, v in samples.items()])
        for i in range(single_runs)
    ]
    build = (time.perf_counter() - start) / single_runs
    start = time.perf_counter()
    for each in scenarios:
        projection(each)
    single = (time.perf_counter() - start) / single_runs
    one_by_one = single * runs
    with_build = (single + build) * runs
    command = "python benchmarks/run.py"
    return [
        (
            f"(a) simulate {runs:,} runs x {months} months, wall (best of 3: "
            + ", ".join(f"{t:.2f}" for t in times)
            + " s)",
            f"{wall:.2f} s",
            command,
        ),
        ("    first call in the process (2,000 runs, incl. imports)", f"{warm_up:.2f} s", command),
        (
            f"    single-scenario path: projection() per run, mean of {single_runs} runs",
            f"{single * 1000:.2f} ms/run",
            command,
        ),
        (
            f"    same {runs:,} runs one at a time (extrapolated from {single_runs})",
            f"{one_by_one:.1f} s",
            command,
        ),
        (
            "    speed-up of simulate over projection() one at a time",
            f"{one_by_one / wall:.0f}x",
            command,
        ),
        (
            "    speed-up incl. making each run's scenario (--set + validation)",
            f"{with_build / wall:.0f}x",
            command,
        ),
    ]


def bench_memory(runs: int) -> list[tuple[str, str, str]]:
    rows = []
    for mode in ("rss", "tracemalloc"):
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(SCENARIO), str(runs), mode],
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(done.stdout.strip().splitlines()[-1])
        if mode == "rss":
            rows.append(
                (
                    f"(b) peak RSS of a process running simulate({runs:,}) (VmHWM; "
                    f"{data['maxrss_kib_before'] / 1024:.0f} MiB before the call)",
                    f"{data['maxrss_kib'] / 1024:.0f} MiB",
                    "python benchmarks/run.py (subprocess, /proc/self/status VmHWM)",
                )
            )
        else:
            rows.append(
                (
                    "    peak memory allocated during the call (tracemalloc, numpy arrays incl.)",
                    f"{data['traced_peak'] / 2**20:.0f} MiB",
                    "python benchmarks/run.py (subprocess, tracemalloc)",
                )
            )
    return rows


def bench_startup(repeat: int) -> list[tuple[str, str, str]]:
    script = shutil.which("commitcast")
    cli = [script] if script else [sys.executable, "-m", "commitcast"]
    env = dict(os.environ, NO_COLOR="1")

    def timed(args: list[str]) -> float:
        def once() -> None:
            subprocess.run(args, capture_output=True, check=False, env=env)

        once()  # warm the file cache
        return best_of(once, repeat)[0]

    typer_time = timed([sys.executable, "-c", "import typer"])
    help_time = timed([*cli, "--help"])
    validate_time = timed([*cli, "validate", str(ROOT / "scenarios" / "colossus-base.yaml")])
    heavy = (
        subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE, "validate", str(SCENARIO)],
            capture_output=True,
            text=True,
            check=False,
        )
        .stderr.strip()
        .splitlines()[-1]
    )
    which = " ".join(cli[-2:]) if not script else "commitcast"
    return [
        (
            f"(c) python -c 'import typer' (best of {repeat})",
            f"{typer_time * 1000:.0f} ms",
            "python benchmarks/run.py",
        ),
        (
            f"    {which} --help (best of {repeat})",
            f"{help_time * 1000:.0f} ms",
            "python benchmarks/run.py",
        ),
        (
            "    ratio --help / import typer",
            f"{help_time / typer_time:.2f}",
            "python benchmarks/run.py",
        ),
        (
            f"    {which} validate colossus-base.yaml (best of {repeat})",
            f"{validate_time * 1000:.0f} ms",
            "python benchmarks/run.py",
        ),
        (
            "    ratio validate / import typer",
            f"{validate_time / typer_time:.2f}",
            "python benchmarks/run.py",
        ),
        (
            "    heavy modules imported by validate (pandas, openpyxl, xlsxwriter, scipy)",
            heavy,
            "python benchmarks/run.py",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=500, help="single runs to time")
    parser.add_argument("--repeat", type=int, default=7, help="start-up repetitions")
    args = parser.parse_args()

    started = time.perf_counter()
    memory = bench_memory(args.runs)  # first: nothing else has run in this process yet
    rows = bench_simulation(args.runs, args.single) + memory
    rows += bench_startup(args.repeat)
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(
        f"commitcast benchmarks  (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at start)"
    )
    print(f"{'measure'.ljust(width)}  {'value'.rjust(value_width)}")
    print("-" * (width + value_width + 2))
    for label, value, _command in rows:
        print(f"{label.ljust(width)}  {value.rjust(value_width)}")
    print(
        f"\nall figures: `python benchmarks/run.py` "
        f"(--runs {args.runs} --single {args.single} --repeat {args.repeat}); "
        f"total {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
