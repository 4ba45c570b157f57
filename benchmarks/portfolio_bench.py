"""Portfolios: `commitcast project` of 3,000 and 10,000 contracts against one contract.

    python benchmarks/portfolio_bench.py [--repeat 5] [--floors]

Each figure is the median wall time of whole `commitcast project FILE -f json` processes
(start-up, YAML, validation, engine, output), run in turns so machine load hits every case
alike; the ratios are against the one-contract portfolio measured in the same run. Targets
(the scale issue): 3,000 contracts <= 1.5x one contract, 10,000 contracts <= 3x. `--floors`
also times each stage in this process (libyaml's own events, reading, pydantic's validation,
every check, the engine) as a share of the time the target leaves over one contract.

The portfolios are generated (`portfolio_text`): reserved-capacity contracts as a large buyer
holds them, $2M-$60M a month, one to four years, starting over 2026-2027, a 3% escalator
every 12 months on some, a 50%-then-full ramp on others, 90-day termination with a fee of two
months' fees on a third, a mix of advance and arrears; one API revenue stream and one
subscription stream. Figures are assumptions made up to be plausible, not sourced.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bytecode import write_bytecode

TARGETS = {3_000: 1.5, 10_000: 3.0}


def portfolio_text(contracts: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = [
        f"name: Generated portfolio of {contracts} contracts",
        "horizon: {start: 2026-01, months: 60}",
        "discount_rate: 0.09",
        "contracts:",
    ]
    for i in range(contracts):
        start_year = 2026 + rng.randrange(2)
        start_month = rng.randrange(1, 13)
        years = rng.randrange(1, 5)
        fee = rng.randrange(2, 61)
        lines += [
            f"  - name: Reservation {i + 1}",
            f"    counterparty: Provider {rng.randrange(1, 9)}",
            f"    start: {start_year}-{start_month:02d}-01",
            f"    end: {start_year + years}-{start_month:02d}-01",
            f"    monthly_fee: {fee}M",
            f"    capacity: {{tokens_per_month: {fee * 0.4:g}e12}}",
            f"    payment: {{timing: {'arrears' if i % 2 else 'advance'}}}",
        ]
        if i % 3 == 0:
            lines.append("    escalator: {rate: 0.03, every_months: 12}")
        if i % 3 == 1:
            lines.append("    ramp: [{months: 3, fraction: 0.5}]")
        if i % 3 == 2:
            lines.append(f"    termination: {{notice_days: 90, fee: {2 * fee}M}}")
    lines += [
        "revenue:",
        f"  - {{name: API, tokens_per_month: {contracts * 3}e12, growth: 0.02,",
        "     price_per_million_tokens: 4}",
        f"  - {{name: Subscriptions, revenue_per_month: {contracts * 4}M, growth: 0.01}}",
        "costs: {training_share: 0.3, serving_cost_per_million_tokens: 0.4}",
    ]
    return "\n".join(lines) + "\n"


def wall(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "commitcast", "project", str(path), "-f", "json"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="leave commitcast's modules uncompiled"
    )
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also each stage in this process, as a share of the time each target leaves",
    )
    args = parser.parse_args()
    if not args.no_bytecode:
        print(write_bytecode(), flush=True)
    sizes = (1, *TARGETS)
    with tempfile.TemporaryDirectory(prefix="portfolio-bench-") as tmp:
        paths = {n: Path(tmp) / f"p{n}.yaml" for n in sizes}
        for n, path in paths.items():
            path.write_text(portfolio_text(n), encoding="utf-8")
            wall(path)  # warm the file cache and .pyc files
        times: dict[int, list[float]] = {n: [] for n in sizes}
        for _ in range(args.repeat):
            for n in sizes:
                times[n].append(wall(paths[n]))
        base = statistics.median(times[1])
        print(f"project, 1 contract: {base:.3f} s (median of {args.repeat})")
        failed = False
        for n, target in TARGETS.items():
            ratio = statistics.median(times[n]) / base
            ok = ratio <= target
            failed |= not ok
            print(
                f"{'PASS' if ok else 'FAIL'}  project, {n:,} contracts: "
                f"{statistics.median(times[n]):.3f} s = {ratio:.2f}x one contract "
                f"(target <= {target}x)"
            )
            if args.floors:
                floors(paths[n], (target - 1) * base)
    return 1 if failed else 0


def floors(path: Path, headroom: float) -> None:
    """Each stage of `project` on `path`, best of 5 in this process, against `headroom` (what
    the target leaves over one contract's process): libyaml's own events, which no reader built
    on PyYAML can go below; reading (those events made into values with their lines);
    pydantic's validation of values already read; every check of the loader; the engine."""
    import gc

    import yaml

    from commitcast.engine.projection import projection
    from commitcast.load.reader import building, read_file
    from commitcast.load.uncertainty import central_values
    from commitcast.load.validation import validate_data
    from commitcast.model.scenario import CURRENCIES_CHECKED, Scenario

    def best(stage: Callable[[], object]) -> float:
        spent = []
        for _ in range(5):
            gc.disable()  # as the loader reads (load.reader.building)
            start = time.perf_counter()
            stage()
            spent.append(time.perf_counter() - start)
            gc.enable()
        return min(spent)

    def events(text: str) -> Iterator[object]:
        return iter(yaml.CSafeLoader(text).get_event, None)

    text = path.read_text(encoding="utf-8")
    with building():
        document = read_file(path)
    data, _ = central_values(document)
    scenario = validate_data(document)
    stages = {
        "libyaml's events alone": lambda: sum(1 for _ in events(text)),
        "reading (events into values, lines)": lambda: read_file(path),
        "pydantic's validation alone": lambda: Scenario.model_validate(
            data, context={CURRENCIES_CHECKED: True}
        ),
        "validating (every check)": lambda: validate_data(document),
        "the engine (projection)": lambda: projection(scenario),
    }
    for name, stage in stages.items():
        spent = best(stage)
        print(f"      {name:<36} {spent:.3f} s = {spent / headroom:4.0%} of the {headroom:.3f} s")


if __name__ == "__main__":
    sys.exit(main())
