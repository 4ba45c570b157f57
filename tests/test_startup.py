"""`commitcast --help` and `commitcast validate` must not import the heavy libraries: they are
imported inside the commands that need them (start-up time is measured in benchmarks/run.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"
HEAVY = ("pandas", "openpyxl", "xlsxwriter", "scipy")

PROBE = """
import json, sys
import commitcast.cli
sys.argv = ["commitcast", *sys.argv[1:]]
try:
    commitcast.cli.main()
except SystemExit as exit:
    status = exit.code
sys.stdout.flush()
heavy = [m for m in HEAVY if m in sys.modules]
print(json.dumps({"status": status, "heavy": heavy}), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


def imported_after(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("validate", str(SCENARIOS / "colossus-base.yaml")),
        ("validate", str(SCENARIOS / "colossus-risk.yaml")),  # distributions and a correlation
    ],
)
def test_light_commands_do_not_import_heavy_libraries(args: tuple[str, ...]) -> None:
    probe = imported_after(*args)
    assert probe["status"] in (0, None)
    assert probe["heavy"] == []


def test_the_probe_sees_heavy_imports() -> None:
    # guards the test above: a command that needs pandas shows up as importing it
    probe = imported_after("project", str(SCENARIOS / "colossus-base.yaml"), "--format", "csv")
    assert probe["status"] in (0, None)
    assert "pandas" in probe["heavy"]
