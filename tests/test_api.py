"""The public Python API (`commitcast/__init__.py`): what the README's api section shows."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

BASE = str(FIXTURES / "colossus-base.yaml")


def run_python(code: str) -> str:
    """A fresh interpreter, so the order of imports is the one in `code`."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    "first",
    [
        "",  # projection used first
        "commitcast.project(s)",  # project() imports the submodule `commitcast.engine.projection`
        "import commitcast.engine.projection",  # so does an explicit import of it
        "from commitcast.engine.projection import Projection",
    ],
)
def test_projection_is_the_function_whatever_was_imported_first(first):
    # The module is named `projections` so that importing it never rebinds the package's
    # `projection` attribute (the function) to a module.
    code = (
        "import commitcast\n"
        f"s = commitcast.load_scenario({BASE!r})\n"
        f"{first}\n"
        "p = commitcast.projection(s)\n"
        "print(type(p).__name__, p.summary['total_committed_fees'])\n"
    )
    # 45.1135B: the base case's committed fees (checked figure by figure in test_engine)
    assert run_python(code).split() == ["Projection", "45113500000.0"]


def test_public_names():
    import commitcast

    for name in commitcast.__all__:
        assert getattr(commitcast, name) is not None, name
    with pytest.raises(AttributeError):
        commitcast.no_such_name  # noqa: B018
    # the lazy names are listed too (dir() and help() showed only the module's own four)
    assert set(commitcast.__all__) <= set(dir(commitcast))


def test_import_is_lazy():
    # `commitcast --help` must stay quick: importing the package pulls in neither numpy nor pandas
    out = run_python(
        "import sys, commitcast, commitcast.cli\n"
        "print('numpy' in sys.modules, 'pandas' in sys.modules)\n"
    )
    assert out.split() == ["False", "False"]
