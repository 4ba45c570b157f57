"""The README's first command works on the bundled example."""

from tests.conftest import SCENARIOS


def test_project_bundled_example_runs(cli):
    result = cli("project", SCENARIOS / "colossus-base.yaml")
    assert result.exit_code == 0, result.output
    assert "Summary" in result.output
    assert "Colossus reservation, base case" in result.output
