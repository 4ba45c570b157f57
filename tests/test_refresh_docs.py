"""scripts/refresh_docs.py: it puts the actual output in the place of a wrong one, and nothing else.

Each test copies a page into a temporary folder (its beginning, through the example it uses and
the paragraph after, so that another example of the page cannot make it fail), makes an output
in it wrong and refreshes the copy; the pages themselves are never written. An example that
test_docs accepts is the right text, so a refreshed copy must come back to it byte for byte.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_docs import DOCS, FENCE

SCRIPT = ROOT / "scripts" / "refresh_docs.py"


@pytest.fixture(scope="module")
def refresh_docs():
    spec = importlib.util.spec_from_file_location("refresh_docs", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def excerpt(name: str, right: str) -> str:
    """docs/NAME to the example that shows `right` (once), and the text up to the next one."""
    text = (DOCS / name).read_text(encoding="utf-8")
    assert text.count(right) == 1, right
    block = next(m for m in FENCE.finditer(text) if right in m["body"])
    after = FENCE.search(text, block.end())
    return text[: after.start() if after else len(text)]


def copy_with(tmp_path: Path, name: str, right: str, wrong: str) -> tuple[Path, str]:
    """docs/NAME (its excerpt) copied into tmp_path with `right` replaced by `wrong`."""
    original = excerpt(name, right)
    copy = tmp_path / name
    copy.write_text(original.replace(right, wrong), encoding="utf-8")
    return copy, original


def prose(text: str) -> str:
    return FENCE.sub("", text)


# The proration example of conventions.md: a `$ cat` file, then a command whose output is cut.
RIGHT, WRONG = "2028-02,3100.0\n", "2028-02,9999.0\n"


def test_a_wrong_console_output_is_replaced_by_the_actual_one(refresh_docs, tmp_path, capsys):
    copy, original = copy_with(tmp_path, "conventions.md", RIGHT, WRONG)
    assert refresh_docs.main([str(copy)]) == 0
    refreshed = copy.read_text(encoding="utf-8")
    assert RIGHT in refreshed and WRONG not in refreshed
    assert prose(refreshed) == prose(original)  # the prose, untouched
    assert refreshed == original  # and the commands, the `$ cat` file and the other outputs
    out = capsys.readouterr().out
    assert f"changed {copy}:" in out and "$ commitcast project proration.yaml" in out


def test_check_lists_the_change_and_writes_nothing(refresh_docs, tmp_path, capsys):
    copy, _ = copy_with(tmp_path, "conventions.md", RIGHT, WRONG)
    before = copy.read_text(encoding="utf-8")
    assert refresh_docs.main(["--check", str(copy)]) == 1
    assert copy.read_text(encoding="utf-8") == before
    out = capsys.readouterr().out
    assert "would change" in out and "$ commitcast project proration.yaml" in out
    assert list(tmp_path.iterdir()) == [copy]  # no temporary file left beside it


def test_dry_run_prints_a_diff_and_writes_nothing(refresh_docs, tmp_path, capsys):
    copy, _ = copy_with(tmp_path, "conventions.md", RIGHT, WRONG)
    before = copy.read_text(encoding="utf-8")
    assert refresh_docs.main(["--dry-run", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == before
    out = capsys.readouterr().out
    assert f"-{WRONG}" in out and f"+{RIGHT}" in out and out.startswith("---")


def test_a_page_that_is_right_is_not_written(refresh_docs, tmp_path, capsys):
    copy = tmp_path / "conventions.md"
    copy.write_text(excerpt("conventions.md", RIGHT), encoding="utf-8")
    inode = copy.stat().st_ino
    assert refresh_docs.main(["--check", str(copy)]) == 0
    assert refresh_docs.main([str(copy)]) == 0
    assert copy.stat().st_ino == inode  # not replaced
    assert "changed 0 of 1 page(s)" in capsys.readouterr().err


def test_a_wrong_doctest_output_is_replaced_by_the_actual_one(refresh_docs, tmp_path, capsys):
    copy, original = copy_with(tmp_path, "workbook.md", "'board.xlsx'\n", "'wrong.xlsx'\n")
    assert refresh_docs.main(["--check", str(copy)]) == 1
    assert '>>> write_workbook("board.xlsx"' in capsys.readouterr().out
    assert refresh_docs.main([str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == original


def test_what_rewriting_cannot_fix_is_reported_and_left_alone(refresh_docs, tmp_path, capsys):
    page = tmp_path / "page.md"
    text = (
        "At 100 columns:\n\n```console\n$ commitcast project nothere.yaml\nok\n```\n\n"
        '```console\n$ commitcast validate nothere.yaml; echo "exit $?"\nwrong\nexit 0\n\n```\n'
    )
    page.write_text(text, encoding="utf-8")
    assert refresh_docs.main([str(page)]) == 2
    refreshed = page.read_text(encoding="utf-8")
    assert "$ commitcast project nothere.yaml\nok\n" in refreshed  # a failing command: left
    assert "exit 0" not in refreshed and "exit 2" in refreshed  # an output: refreshed
    assert f'{page}:4: $ commitcast project nothere.yaml: exits 2 without `echo "exit $?"`' in (
        capsys.readouterr().err
    )
