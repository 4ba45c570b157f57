"""What-if commands: one batched engine pass vs one projection per variant, same run.

    python benchmarks/whatif_bench.py            # prints a table of times and speed-ups

Cases:
- sensitivity over 20 drivers (41 runs: the base and a low and high run per driver), on a
  scenario with 4 contracts and 3 priced streams;
- exit over 36 notice months (the bundled colossus-base.yaml, notice 2026-06..2029-05).

For each case three timings, best of REPEATS:
- batched: the library function the command calls (`sensitivity`, `exit_options`), end to end,
  including the validation of every flexed value as a --set override;
- loop: a Python loop calling `projection(apply_overrides(scenario, [...]))` once per variant
  (what the batch replaces). For exit the loop makes only the 36 notice runs, while the batched
  pass also makes the 37 reference runs it needs for fees: the loop is given the easier job;
- engine only: `engine.run` on one Batch of all variants vs `projection` on prebuilt scenarios
  one by one (the engine's share of the difference, without validation).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from commitcast.analysis.exit import exit_options, notice_dates
from commitcast.analysis.sensitivity import sensitivity
from commitcast.core.calendar import day_number
from commitcast.engine.projection import projection
from commitcast.engine.run import run
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from commitcast.model.inputs import base_params
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 10


def best_of(function: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def twenty_driver_scenario() -> Scenario:
    base = load_scenario(ROOT / "scenarios" / "colossus-base.yaml")
    data = base.model_dump()
    template = data["contracts"][0]
    data["contracts"] = [
        dict(template, name=f"Reservation {i}", monthly_fee=template["monthly_fee"] / 4)
        for i in range(4)
    ]
    data["revenue"] = [
        {
            "name": name,
            "tokens_per_month": tokens,
            "growth": growth,
            "price_per_million_tokens": price,
            "price_change": -0.01,
        }
        for name, tokens, growth, price in (
            ("API", 2.0e15, 0.04, 6.0),
            ("Enterprise", 0.8e15, 0.03, 8.0),
            ("Consumer", 0.6e15, 0.05, 4.0),
        )
    ]
    return Scenario.model_validate(data)


def sensitivity_case() -> tuple[float, float, float, float, int]:
    scenario = twenty_driver_scenario()
    tornado = sensitivity(scenario)
    assert len(tornado.drivers) == 20, len(tornado.drivers)
    sets = [f"{d.input.key}={value!r}" for d in tornado.drivers for value in (d.low, d.high)]

    def loop() -> None:
        projection(scenario)
        for assignment in sets:
            projection(apply_overrides(scenario, [assignment]))

    prebuilt = [scenario] + [apply_overrides(scenario, [a]) for a in sets]
    variants: dict[str, list[float]] = {}
    keys = [d.input.key for d in tornado.drivers]
    base = base_params(scenario)
    for key in keys:
        variants[key] = [base[key]] * len(prebuilt)
    for index, driver in enumerate(tornado.drivers):
        variants[driver.input.key][1 + 2 * index] = driver.low
        variants[driver.input.key][2 + 2 * index] = driver.high
    batch = Batch(scenario, len(prebuilt), variants)
    return (
        best_of(lambda: sensitivity(scenario)),
        best_of(loop),
        best_of(lambda: run(batch)),
        best_of(lambda: [projection(s) for s in prebuilt]),
        len(prebuilt),
    )


def exit_case() -> tuple[float, float, float, float, int]:
    scenario = load_scenario(ROOT / "scenarios" / "colossus-base.yaml")
    dates = notice_dates(scenario.contracts[0])
    assert len(dates) == 36, len(dates)
    sets = [f"contracts[0].termination.notice_given={d.isoformat()}" for d in dates]

    def loop() -> None:
        for assignment in sets:
            projection(apply_overrides(scenario, [assignment]))

    prebuilt = [apply_overrides(scenario, [a]) for a in sets]
    batch = Batch(
        scenario,
        len(dates),
        {"contracts[0].termination.notice_given": [float(day_number(d)) for d in dates]},
    )
    return (
        best_of(lambda: exit_options(scenario)),
        best_of(loop),
        best_of(lambda: run(batch)),
        best_of(lambda: [projection(s) for s in prebuilt]),
        len(dates),
    )


def main() -> None:
    print(f"best of {REPEATS}; times in milliseconds\n")
    header = (
        f"{'case':<28}{'runs':>5}{'batched':>10}{'loop':>10}{'speed-up':>10}"
        f"{'engine 1x':>11}{'engine loop':>13}{'speed-up':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, case in (
        ("sensitivity, 20 drivers", sensitivity_case),
        ("exit, 36 notice months", exit_case),
    ):
        batched, loop, engine, engine_loop, runs = case()
        print(
            f"{name:<28}{runs:>5}{batched * 1e3:>10.1f}{loop * 1e3:>10.1f}"
            f"{loop / batched:>9.1f}x{engine * 1e3:>11.2f}{engine_loop * 1e3:>13.1f}"
            f"{engine_loop / engine:>9.1f}x"
        )


if __name__ == "__main__":
    main()
