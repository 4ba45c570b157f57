"""Command-line misuse and hostile files: clear messages, exit 2, never a traceback."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.load import reader as loader
from commitcast.load.validation import load_scenario, scenario_from_text
from tests.conftest import ROOT, SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
CORPUS = ROOT / "tests" / "bad_inputs"


def _clean_failure(result, *fragments: str) -> None:
    text = result.stdout + result.stderr
    assert result.exit_code == 2, text
    assert "Traceback" not in text and "internal error" not in text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


@pytest.mark.parametrize("command", ["validate", "project"])
def test_missing_file(cli, tmp_path: Path, command: str):
    missing = tmp_path / "nope.yaml"
    _clean_failure(cli(command, missing), f"{missing}: no such file", "check the path")


@pytest.mark.parametrize("command", ["validate", "project"])
def test_folder_instead_of_file(cli, tmp_path: Path, command: str):
    _clean_failure(cli(command, tmp_path), f"{tmp_path}: this is a folder, not a scenario file")


def test_validate_reports_every_file_in_one_pass(cli, tmp_path: Path):
    a = tmp_path / "a.yaml"
    a.write_text("name: A\nhorizon: {start: 2026-06, months: 0}\n", encoding="utf-8")
    b = tmp_path / "b.yaml"
    b.write_text("name: B\nhorizon: {start: 2026-13, months: 12}\n", encoding="utf-8")
    result = cli("validate", a, BASE, b)
    _clean_failure(result, f"{a}:2:", "horizon.months: 0 is out of range", f"{b}:2:")
    assert f"ok: {BASE}" in result.stdout


@pytest.mark.parametrize(
    ("assignment", "fragments"),
    [
        ("contracts.Nope.monthly_fee=1B", ["no item named 'Nope' in contracts"]),
        ("contracts[0].monthly_fe=1B", ["no field 'monthly_fe'", "did you mean 'monthly_fee'?"]),
        ("revenue.APi.growth=0.02", ["no item named 'APi'", "did you mean 'API'?"]),
        ("contracts[5].monthly_fee=1", ["contracts has 1 item(s); index 5 is out of range"]),
        ("contracts[0].monthly_fee=abc", ["cannot read 'abc' as a number"]),
        ("contracts[0].monthly_fee=1,25B", ["cannot read '1,25B' as a number"]),
        ("contracts[0].monthly_fee=-1B", ["-1B is negative"]),
        ("contracts[0].monthly_fee=.nan", ["not a number (.nan) is not allowed"]),
        ("contracts[0].end=2026-02-30", ["February 2026 has 28 days"]),
        ("contracts[0].end=2020-01-01", ["is before the start"]),
        ("horizon.months=0", ["horizon.months: 0 is out of range"]),
        ("costs.training_share=1.5", ["1.5 is out of range; it must be at most 1"]),
        ("revenue.API.growth=-100%", ["-100% is out of range"]),
        ("name=[[[", ["YAML syntax error"]),
        # a byte that is not UTF-8 in an argument reaches Python as a lone surrogate
        ("revenue[0].name=A\udcffB", ["U+DCFF, half of a character (a lone surrogate)"]),
        ("contracts[0]=3", ["expected a mapping"]),
        ("contracts[0].monthly_fee", ["--set: cannot read --set", "PATH=VALUE"]),
        ("=3", ["--set: cannot read --set '=3'", "PATH=VALUE"]),
    ],
)
def test_bad_set(cli, assignment: str, fragments: list[str]):
    _clean_failure(cli("project", BASE, "--set", assignment), *fragments)
    _clean_failure(cli("validate", BASE, "--set", assignment), *fragments)


def test_every_bad_set_is_reported_together(cli):
    result = cli(
        "project", BASE, "--set", "contracts[0].monthly_fe=1", "--set", "revenue.Nope.growth=1"
    )
    _clean_failure(result, "monthly_fe", "Nope")


def test_unknown_option_and_command_are_usage_errors(cli):
    assert cli("project", BASE, "--frobnicate").exit_code == 2
    assert cli("frobnicate").exit_code == 2
    assert cli("project", BASE, "--format", "xlsx-please").exit_code == 2


def test_debug_shows_the_traceback(cli, tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    plain = cli("project", missing)
    assert "Traceback" not in plain.output
    debug = cli("--debug", "project", missing)
    # CliRunner catches what escapes: --debug lets the CommitcastError through with its stack
    assert isinstance(debug.exception, CommitcastError)
    assert debug.exc_info is not None and debug.exc_info[2] is not None


def test_debug_traceback_from_the_real_command(tmp_path: Path):
    import subprocess
    import sys

    missing = tmp_path / "nope.yaml"
    command = [sys.executable, "-m", "commitcast"]
    plain = subprocess.run([*command, "project", str(missing)], capture_output=True, text=True)
    assert plain.returncode == 2
    assert "Traceback" not in plain.stderr
    debug = subprocess.run(
        [*command, "--debug", "project", str(missing)], capture_output=True, text=True
    )
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "no such file" in debug.stderr


def test_internal_error_is_exit_1_without_traceback(cli, monkeypatch):
    import commitcast.engine.projection

    def broken(scenario):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(commitcast.engine.projection, "projection", broken)
    result = cli("project", BASE)
    assert result.exit_code == 1
    assert "internal error: ZeroDivisionError: simulated bug" in result.stderr
    assert "--debug" in result.stderr
    assert "Traceback" not in result.output


# --- hostile files ------------------------------------------------------------------------


def test_alias_bomb_is_refused_before_it_expands():
    """9 levels of 9 aliases = 9**9 (387 million) leaves: the guard stops after at most
    EXPANSION_FLOOR values built through aliases, long before the expansion, with little
    memory; on both paths (libyaml's events, and the careful Python path)."""
    text = (CORPUS / "39-alias-bomb.yaml").read_text(encoding="utf-8")
    assert len(text) < 1000
    for careful in (False, True):
        fast = loader._fast_document
        if careful:
            loader._fast_document = lambda text, file: None  # type: ignore[assignment]
        tracemalloc.start()
        try:
            with pytest.raises(CommitcastError) as caught:
                loader.parse_text(text, "bomb.yaml")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            loader._fast_document = fast  # type: ignore[assignment]
        assert "alias bomb" in str(caught.value)
        assert peak < 300 * 1024 * 1024  # far below what 387 million values would need


def test_a_long_honest_file_is_not_an_alias_bomb():
    # 20,000 contracts written out (~300,000 values) and one anchor used by each of them: the
    # aliases add less than the file writes, so it is read (the old absolute cap of 200,000
    # values refused any portfolio past ~6,000 contracts)
    lines = ["name: big", "horizon: {start: 2026-01, months: 12}", "terms: &t {notice_days: 90}"]
    lines.append("contracts:")
    for i in range(20_000):
        lines.append(
            f"  - {{name: c{i}, start: 2026-01-01, end: 2026-12-31, monthly_fee: {i + 1},"
            " termination: *t}"
        )
    document = loader.parse_text("\n".join(lines) + "\n", "big.yaml")
    assert len(document.data["contracts"]) == 20_000
    assert document.data["contracts"][-1]["termination"] == {"notice_days": 90}
    # an alias's values keep the anchor's line, under the alias's own path
    assert document.marks[("contracts", 5, "termination", "notice_days")].line == 3


def test_alias_bomb_of_mappings_is_refused(monkeypatch):
    levels = ["a0: &a0 {x: 1, y: 2, z: 3, w: 4, v: 5, u: 6, t: 7, s: 8}"]
    for level in range(1, 10):
        refs = ", ".join(f"k{i}: *a{level - 1}" for i in range(8))
        levels.append(f"a{level}: &a{level} {{{refs}}}")
    with pytest.raises(CommitcastError, match="alias bomb"):
        loader.parse_text("\n".join(levels) + "\n", "bomb.yaml")


def test_modest_aliases_are_allowed():
    # anchors used a few times are ordinary YAML and must keep working
    scenario = scenario_from_text(
        "name: Aliases\n"
        "horizon: {start: 2026-06, months: 12}\n"
        "contracts:\n"
        "  - {name: A, monthly_fee: &fee 1000, start: &s 2026-06-01, end: &e 2027-05-31}\n"
        "  - {name: B, monthly_fee: *fee, start: *s, end: *e}\n"
    )
    assert [c.monthly_fee for c in scenario.contracts] == [1000.0, 1000.0]


def test_50_megabyte_file_is_refused_without_reading_it(tmp_path: Path, cli, monkeypatch):
    big = tmp_path / "big.yaml"
    with big.open("w", encoding="utf-8") as handle:
        handle.write("name: Huge\nhorizon: {start: 2026-06, months: 12}\n")
        chunk = "# " + "x" * 1022 + "\n"
        for _ in range(50 * 1024):
            handle.write(chunk)
    assert big.stat().st_size > 50 * 1024 * 1024

    def no_reading(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    for command in ("validate", "project"):
        _clean_failure(cli(command, big), f"{big}: the file is 52.5 MB", "under 5 MB")


def test_deep_nesting_is_refused(tmp_path: Path):
    for depth in (100, 5000, 100_000):
        path = tmp_path / f"deep{depth}.yaml"
        path.write_text("name: Deep\nhorizon: " + "[" * depth + "]" * depth + "\n", "utf-8")
        with pytest.raises(CommitcastError, match="nested"):
            load_scenario(path)
    mapping = tmp_path / "deepmap.yaml"
    mapping.write_text("name: Deep\nhorizon: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "utf-8")
    with pytest.raises(CommitcastError, match="nested"):
        load_scenario(mapping)


def test_yaml_11_traps_are_avoided():
    scenario = load_scenario(CORPUS / "62-yaml11-traps-accepted.yaml")
    contract = scenario.contracts[0]
    assert contract.counterparty == "NO"  # not False
    assert contract.termination is not None
    assert contract.termination.notice_days == 12  # not 10 (octal)
    assert scenario.revenue[0].name == "on"  # not True
    assert scenario.revenue[0].revenue_per_month == 1000.0  # 1e3 is a number, not text


def test_byte_order_mark_is_accepted():
    scenario = load_scenario(CORPUS / "61-bom-accepted.yaml")
    assert scenario.name == "Saved by Notepad with a byte-order mark"


def test_python_tag_never_runs(tmp_path: Path):
    flag = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(
        f'name: !!python/object/apply:os.system ["touch {flag}"]\n'
        "horizon: {start: 2026-06, months: 12}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommitcastError, match="is not allowed in a scenario"):
        load_scenario(path)
    assert not flag.exists()


def test_debug_does_not_leak_into_the_next_invocation(cli, tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    assert isinstance(cli("--debug", "validate", missing).exception, CommitcastError)
    after = cli("validate", missing)
    assert after.exit_code == 2
    assert isinstance(after.exception, SystemExit)
    assert "no such file" in after.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("project", CORPUS / "66-compounding-overflow.yaml"),
        ("simulate", CORPUS / "66-compounding-overflow.yaml", "--runs", "20"),
        (
            "sensitivity",
            BASE,
            "--grid",
            "revenue.API.growth=0,10",
            "--set",
            "horizon.months=1200",
        ),
    ],
    ids=["project", "simulate", "sensitivity"],
)
def test_overflowing_figures_are_refused_in_every_batch(cli, args):
    # 1000% monthly growth over 100 years passes 1e308: blanks would be silently wrong numbers
    result = cli(*args)
    _clean_failure(result, "the projection is too large to compute", "compounds too fast")
    assert "RuntimeWarning" not in result.stderr


@pytest.mark.parametrize("command", ["validate", "project"])
def test_endless_device_is_refused_without_reading_it_all(cli, command: str):
    # /dev/zero has no size to check first: the read itself must stop at the limit
    _clean_failure(cli(command, "/dev/zero"), "/dev/zero: the file holds more than 5 MB")


def test_scenario_from_a_pipe(tmp_path: Path):
    import subprocess
    import sys

    # `commitcast validate <(sed ... deal.yaml)` passes a pipe: no size, read once
    result = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m commitcast validate <(cat "{BASE}")'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ok: /dev/fd/" in result.stdout


def test_file_hash_is_of_the_bytes_read_even_from_a_pipe():
    import hashlib
    import json
    import subprocess
    import sys

    # the audit hash was taken by reading the file a second time: from a pipe that gave the
    # hash of nothing (e3b0c442...), silently wrong in the JSON header and the workbook audit
    result = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m commitcast project <(cat "{BASE}") -f json'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    header = json.loads(result.stdout)["scenario"]
    assert header["sha256"] == hashlib.sha256(BASE.read_bytes()).hexdigest()
    assert load_scenario(BASE).provenance.sha256 == header["sha256"]  # type: ignore[union-attr]


@pytest.mark.parametrize("columns", ["0", "1", "12"])
def test_a_tiny_or_zero_terminal_width_still_shows_everything(cli, columns: str):
    # COLUMNS=0 made Rich print nothing: errors vanished while the exit status said 2
    bad = CORPUS / "41-all-problems-together.yaml"
    result = cli("validate", bad, env={"COLUMNS": columns})
    assert result.exit_code == 2
    assert result.stderr.count(f"{bad}:") == 4
    table = cli("project", BASE, "--by", "year", env={"COLUMNS": columns})
    assert table.exit_code == 0
    assert "Colossus reservation, base case" in table.stdout  # the title on one line
    assert "Total committed fees" in table.stdout


@pytest.mark.parametrize(
    "sets",
    [
        ["contracts=x", "contracts[0].monthly_fee=1"],
        ["contracts=[]", "contracts[0].termination.notice_given=2027-01-01"],
        ["revenue.API=&a", "revenue.API.growth=0.1"],
    ],
)
def test_set_into_a_section_an_earlier_set_replaced(cli, sets: list[str]):
    # found by the fuzz test: the second path was resolved against the file, then applied to
    # data the first had changed (TypeError, 'internal error', exit 1)
    argv = ["project", BASE]
    for assignment in sets:
        argv += ["--set", assignment]
    _clean_failure(cli(*argv), "an earlier --set replaced what it is part of")


@pytest.mark.parametrize(
    "args",
    [
        ("project", "W", "-f", "json"),
        ("simulate", "W", "--runs", "5", "-f", "json"),
        ("sensitivity", "W", "-f", "json"),
        ("compare", BASE, "W", "-f", "json"),
    ],
    ids=["project", "simulate", "sensitivity", "compare"],
)
def test_warnings_go_to_stderr_and_never_break_piped_json(cli, args):
    import json

    warned = CORPUS / "80-rate-without-percent-sign.yaml"
    result = cli(*[warned if a == "W" else a for a in args])
    assert result.exit_code == 0, result.output
    assert "warning: revenue[0].growth: 4 means 400% a month" in result.stderr
    json.loads(result.stdout)  # `... -f json | jq` still works


@pytest.mark.parametrize(
    "args",
    [
        ["project", str(BASE)],
        ["project", str(BASE), "-f", "csv"],
        ["compare", str(BASE), str(SCENARIOS / "colossus-risk.yaml")],
        ["sensitivity", str(BASE)],
    ],
    ids=["table", "csv", "compare", "sensitivity"],
)
def test_output_piped_into_head_exits_0_quietly(args: list[str]):
    import subprocess
    import sys

    # `commitcast project deal.yaml | head`: Rich's tables used to exit 1 (the code for a bug)
    process = subprocess.Popen(
        [sys.executable, "-m", "commitcast", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first write: every write fails
    errors = process.stderr.read()
    assert process.wait(timeout=60) == 0, errors
    assert errors == b""


def test_a_megabyte_value_gives_a_short_message(cli, tmp_path: Path):
    path = tmp_path / "long.yaml"
    path.write_text(
        "name: x\nhorizon: {start: 2026-06, months: 12}\n"
        f"costs: {{overflow: {{policy: {'b' * 1_000_000}}}}}\n",
        encoding="utf-8",
    )
    result = cli("validate", path)
    assert result.exit_code == 2
    assert len(result.stderr) < 2000  # not a megabyte of b's on the screen
    assert f"{path}:3:" in result.stderr
    assert "is not one of 'on_demand' or 'unserved'" in result.stderr  # the fix survives
    assert "characters]" in result.stderr


MARKUP_SCENARIO = """\
name: "[/bold] deal [link=http://x]click[/link]"
horizon: {start: 2026-06, months: 12}
contracts:
  - {name: "[/]", counterparty: "[red]", monthly_fee: 1000, start: 2026-06-01,
     end: 2027-05-31, termination: {notice_days: 30}}
revenue:
  - {name: "[bold]API[/]", tokens_per_month: 1e12, price_per_million_tokens: 1,
     growth: {dist: normal, mean: 0.01, sd: 0.01}}
"""


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "F"),
        ("project", "F"),
        ("compare", "F", "F", "--bridge", "npv"),
        ("sensitivity", "F"),
        ("exit", "F"),
        ("simulate", "F", "--runs", "20"),
    ],
    ids=["validate", "project", "compare", "sensitivity", "exit", "simulate"],
)
def test_rich_markup_in_names_prints_as_written(cli, write_scenario, args):
    # '[/]' in a stream name crashed the tornado table with Rich's MarkupError (exit 1)
    path = write_scenario(MARKUP_SCENARIO)
    result = cli(*[path if a == "F" else a for a in args])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    assert "[/bold] deal [link=http://x]click[/link]" in result.stdout.replace("\n", "")


def test_internal_error_message_with_brackets_still_prints(cli, monkeypatch):
    import commitcast.engine.projection

    def broken(scenario):
        raise ValueError("bad [/] bracket")

    monkeypatch.setattr(commitcast.engine.projection, "projection", broken)
    result = cli("project", BASE)
    assert result.exit_code == 1
    assert "internal error: ValueError: bad [/] bracket" in result.stderr
    assert "Traceback" not in result.output


def test_every_problem_of_the_options_is_reported_before_the_file_is_read(cli, tmp_path):
    # the report's file name and its --runs: both said at once (the name alone was), and the
    # scenario, whose problems come once the options are right, not read
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon: {start: 2026-06, months: 0}\n", encoding="utf-8")
    result = cli("report", bad, "-o", tmp_path / "out.pdf", "-n", "0")
    _clean_failure(result, "out.pdf: the report is an HTML file", "--runs must be between 1")
    assert "horizon.months" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]
