"""Which libraries each command imports: pandas never on the command line's paths (it stays in
the Python API), numpy not for `validate`, and none of the heavy ones for `--help`. Each command
runs in a fresh interpreter. Start-up time itself is measured in benchmarks/startup_bench.py,
never here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"
BASE = str(FIXTURES / "colossus-base.yaml")
OTHER = str(FIXTURES / "colossus-early-exit.yaml")
RISK = str(FIXTURES / "colossus-risk.yaml")
WATCHED = ("pandas", "numpy", "scipy", "openpyxl", "xlsxwriter")
HEAVY = ("pandas", "openpyxl", "xlsxwriter", "scipy")

PROBE = """
import json, sys
import commitcast.cli
sys.argv = ["commitcast", *sys.argv[1:]]
status = 0
try:
    commitcast.cli.main()
except SystemExit as exit:
    status = exit.code
sys.stdout.flush()
loaded = [m for m in WATCHED if m in sys.modules]
rich = "rich.console" in sys.modules
print(json.dumps({"status": status, "loaded": loaded, "rich": rich}), file=sys.stderr)
""".replace("WATCHED", repr(WATCHED))


def imported_after(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def imported_by_python(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(repr([m for m in {WATCHED!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return eval(done.stdout.strip().splitlines()[-1])  # a list literal printed just above


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        (),  # no arguments: the help too
        ("project", "--help"),
        ("simulate", "--help"),
    ],
    ids=lambda args: " ".join(args) or "no-arguments",
)
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    probe = imported_after(*args)
    assert probe["status"] in (0, 2, None)  # no arguments: help, exit 2 as Click does
    assert [m for m in probe["loaded"] if m in HEAVY] == []


def test_validate_imports_neither_numpy_nor_pandas() -> None:
    probe = imported_after("validate", BASE)
    assert probe["status"] in (0, None)
    assert probe["loaded"] == []


def test_validate_with_distributions_imports_no_pandas() -> None:
    probe = imported_after("validate", RISK)  # distributions and a correlation
    assert probe["status"] in (0, None)
    assert [m for m in probe["loaded"] if m in HEAVY] == []


def test_validate_with_distributions_imports_no_numpy() -> None:
    assert "numpy" not in imported_after("validate", RISK)["loaded"]


@pytest.mark.parametrize(
    "args",
    [
        ("project", BASE),
        ("project", BASE, "--format", "csv", "--by", "quarter"),
        ("project", BASE, "--format", "json", "--by", "year"),
        ("compare", BASE, OTHER),
        ("compare", BASE, OTHER, "--metric", "cumulative_cash", "--by", "quarter"),
        ("compare", BASE, OTHER, "--bridge", "npv", "--format", "json"),
        ("sensitivity", BASE),
        ("solve", BASE, "--breakeven-utilization"),
        ("exit", BASE, "--contract", "0", "--format", "csv"),
    ],
    ids=lambda args: " ".join(a for a in args if not a.startswith("/")),
)
def test_commands_do_not_import_pandas(args: tuple[str, ...]) -> None:
    probe = imported_after(*args)
    assert probe["status"] in (0, None)
    assert "pandas" not in probe["loaded"]
    assert "numpy" in probe["loaded"]  # guards the probe: it does see what a command imports


@pytest.mark.parametrize("output_format", ["csv", "json"])
def test_machine_readable_output_needs_no_rich(output_format: str) -> None:
    # Rich draws tables and problems for people; a clean file's CSV or JSON needs neither
    probe = imported_after("project", BASE, "--format", output_format)
    assert probe["status"] in (0, None)
    assert probe["rich"] is False


def test_a_bad_file_is_reported_without_heavy_libraries() -> None:
    probe = imported_after("validate", str(ROOT / "tests" / "bad_inputs" / "20-negative-fee.yaml"))
    assert probe["status"] == 2
    assert probe["loaded"] == []


def test_the_command_modules_are_light() -> None:
    # Typer reads every command's signature, so every cli module is imported for any command:
    # what a command needs it imports when it runs
    loaded = imported_by_python(
        "import commitcast.cli\n"
        "for name in ('rich', 'pydantic', 'yaml'):\n"
        "    assert name not in sys.modules, name"
    )
    assert loaded == []


def test_python_api_still_gives_pandas_frames() -> None:
    # `import commitcast` is light; commitcast.project() returns a DataFrame, so it imports pandas
    assert imported_by_python("import commitcast") == []
    loaded = imported_by_python(
        "import commitcast\n"
        f"s = commitcast.load_scenario({BASE!r})\n"
        "table = commitcast.project(s)\n"
        "assert type(table).__name__ == 'DataFrame'"
    )
    assert "pandas" in loaded


def test_the_command_line_and_the_model_import_no_asyncio() -> None:
    """typing_extensions before 4.16 (pydantic's) imported asyncio, and with it ssl, socket and
    logging, when pydantic was imported on Python 3.11: ~20 ms of every command. pyproject.toml
    asks for 4.16 or later; Dask, for `--scheduler`, imports asyncio when it is used."""
    code = (
        "import sys, commitcast.cli, commitcast.load.validation, commitcast.engine.projection\n"
        "print('asyncio' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False"
