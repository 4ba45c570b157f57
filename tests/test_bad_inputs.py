"""The bad-input corpus: every scenario a user can get wrong ends in a clear message.

Each `tests/bad_inputs/NN-name.yaml` has `NN-name.expect` beside it:

    exit: 2              expected exit status of validate and project (default 2)
    validate_exit: 0     if validate differs (a scenario that is valid but cannot be projected)
    at: LINE[:COLUMN]    a location that must appear as `file:LINE[:COLUMN]:` (repeatable)
    fragment: TEXT       text that must appear in the output (repeatable)
    absent: TEXT         text that must not appear in the output (repeatable)
    export_exit: N       expected exit status of `commitcast export` (run by
                         tests/test_bad_inputs_commands.py; an exported workbook must read back
                         with openpyxl and pandas, every number finite)
    export_at: LINE[:COLUMN]    a location `export` must name (repeatable)
    export_fragment: TEXT       text `export` must print (repeatable)

Both `commitcast validate` and `commitcast project ... -o` run on each file: the exit status and
every fragment must match, no traceback may appear, and nothing may be written (a previous
output file stays byte for byte as it was).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "bad_inputs"
PREVIOUS = "month,committed_fees\n2026-06,1.0\n"


@dataclass
class Expect:
    exit: int = 2
    validate_exit: int | None = None
    at: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    export_exit: int | None = None
    export_at: list[str] = field(default_factory=list)
    export_fragments: list[str] = field(default_factory=list)


def read_expect(path: Path) -> Expect:
    expect = Expect()
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        key, _, value = raw.partition(": ")
        if key == "exit":
            expect.exit = int(value)
        elif key == "validate_exit":
            expect.validate_exit = int(value)
        elif key == "at":
            expect.at.append(value.strip())
        elif key == "fragment":
            expect.fragments.append(value)
        elif key == "absent":
            expect.absent.append(value)
        elif key == "export_exit":
            expect.export_exit = int(value)
        elif key == "export_at":
            expect.export_at.append(value.strip())
        elif key == "export_fragment":
            expect.export_fragments.append(value)
        else:
            raise AssertionError(f"{path.name}: unknown expect key {key!r}")
    return expect


CASES = sorted(CORPUS.glob("*.yaml"))


def test_corpus_is_complete():
    assert len(CASES) >= 45
    for case in CASES:
        assert case.with_suffix(".expect").exists(), f"{case.name} has no .expect"
    bad = [c for c in CASES if read_expect(c.with_suffix(".expect")).exit == 2]
    assert len(bad) >= 40


def _outputs(result) -> str:
    return result.stdout + result.stderr


def _check(result, expect_exit: int, expect: Expect, path: Path) -> None:
    text = _outputs(result)
    assert result.exit_code == expect_exit, text
    assert "Traceback" not in text
    # a crash that CliRunner caught is a bug even if the exit status happens to match
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "internal error" not in text
    for fragment in expect.fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    for fragment in expect.absent:
        assert fragment not in text, f"{fragment!r} in:\n{text}"
    for location in expect.at:
        assert f"{path}:{location}:" in text, f"{path}:{location}: not in:\n{text}"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_validate(case: Path, tmp_path: Path, cli):
    expect = read_expect(case.with_suffix(".expect"))
    path = tmp_path / case.name
    shutil.copyfile(case, path)
    result = cli("validate", path)
    exit_code = expect.validate_exit if expect.validate_exit is not None else expect.exit
    _check(result, exit_code, expect if exit_code == expect.exit else Expect(), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.name]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_project(case: Path, tmp_path: Path, cli):
    expect = read_expect(case.with_suffix(".expect"))
    path = tmp_path / case.name
    shutil.copyfile(case, path)
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "projection.csv"
    previous.write_text(PREVIOUS, encoding="utf-8")
    result = cli("project", path, "--format", "csv", "-o", previous)
    fragments = [f for f in expect.fragments if f != "ok:"]  # validate's line, not project's
    _check(
        result, expect.exit, Expect(expect.exit, None, expect.at, fragments, expect.absent), path
    )
    assert [p.name for p in out.iterdir()] == ["projection.csv"]  # no temporary file left
    if expect.exit == 0:
        assert previous.read_text(encoding="utf-8").startswith("month,committed_fees,")
        assert previous.read_text(encoding="utf-8") != PREVIOUS
    else:
        assert previous.read_text(encoding="utf-8") == PREVIOUS
