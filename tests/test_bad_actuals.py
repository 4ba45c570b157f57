"""The bad-actuals corpus: every actuals file a user can get wrong ends in a clear message.

Each `tests/bad_actuals/NN-name.csv` has `NN-name.expect` beside it, in the format of the
scenario corpus (tests/test_bad_inputs.py: `exit:`, `at: LINE[:COLUMN]`, `fragment: TEXT`), and
is read against `tests/bad_actuals/plan.yaml` by `commitcast variance`: the exit status and every
fragment must match, every location must appear as `file:LINE[:COLUMN]:`, no traceback may
appear, and nothing may be written (a previous output file stays byte for byte as it was).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_bad_inputs import PREVIOUS, Expect, read_expect

CORPUS = ROOT / "tests" / "bad_actuals"
PLAN = CORPUS / "plan.yaml"
CASES = sorted(CORPUS.glob("*.csv"))


def test_corpus_is_complete():
    for case in CASES:
        assert case.with_suffix(".expect").exists(), f"{case.name} has no .expect"
    bad = [c for c in CASES if read_expect(c.with_suffix(".expect")).exit == 2]
    assert len(bad) >= 25


def _check(result, expect: Expect, path: Path) -> None:
    text = result.stdout + result.stderr
    assert result.exit_code == expect.exit, text
    assert "Traceback" not in text and "internal error" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    for fragment in expect.fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    for location in expect.at:
        assert f"{path}:{location}:" in text, f"{path}:{location}: not in:\n{text}"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_variance(case: Path, tmp_path: Path, cli):
    expect = read_expect(case.with_suffix(".expect"))
    path = tmp_path / case.name
    shutil.copyfile(case, path)
    result = cli("variance", PLAN, path)
    _check(result, expect, path)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_variance_writes_nothing(case: Path, tmp_path: Path, cli):
    expect = read_expect(case.with_suffix(".expect"))
    path = tmp_path / case.name
    shutil.copyfile(case, path)
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "variance.csv"
    previous.write_text(PREVIOUS, encoding="utf-8")
    result = cli("variance", PLAN, path, "--format", "csv", "-o", previous)
    fragments = [f for f in expect.fragments if expect.exit == 2]
    _check(result, Expect(expect.exit, None, expect.at, fragments), path)
    assert [p.name for p in out.iterdir()] == ["variance.csv"]  # no temporary file left
    written = previous.read_text(encoding="utf-8")
    assert (written == PREVIOUS) == (expect.exit != 0)
