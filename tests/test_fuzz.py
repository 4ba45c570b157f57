"""Fuzzing the loader and validation with random and mutated YAML (hypothesis).

The only outcomes allowed are a valid Scenario (which must then project, or refuse with a
CommitcastError) or CommitcastError with printable problems. Any other exception - a crash
inside PyYAML, pydantic or our own code - fails the test with the input that caused it.
"""

from __future__ import annotations

import os
import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.validation import scenario_from_text
from tests.conftest import ROOT

SEEDS = sorted((ROOT / "scenarios").glob("*.yaml")) + [
    ROOT / "src" / "commitcast" / "templates" / "starter.yaml"
]
TEXTS = [path.read_text(encoding="utf-8") for path in SEEDS]

# CI runs 150 fixed examples per strategy; COMMITCAST_FUZZ_EXAMPLES=5000 runs a longer,
# random campaign on a developer's machine.
_LONG = os.environ.get("COMMITCAST_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_LONG) if _LONG else 150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not _LONG,
)

# characters that matter to YAML and to our number and date parsing
SPECIAL = list(":-[]{},#&*!|>'\"%@`?\t\n ._$0123456789eEkMBT+\\\x00\ufeff\u2028é")
snippets = st.sampled_from(
    [
        "&a",
        "*a",
        "<<: *a",
        "!!python/object:os.system",
        "!!str",
        "!!binary",
        "---",
        "...",
        ".nan",
        ".inf",
        "-.inf",
        "1e999",
        "0x1F",
        "0o17",
        "012",
        "NO",
        "yes",
        "~",
        "null",
        "2026-02-30",
        "1,25B",
        "12 million",
        "-100%",
        "9" * 500,
        "[" * 100,
        "{a: ",
        "? ",
        "%YAML 1.2",
        "\t",
    ]
)


def check(text: str) -> None:
    try:
        scenario = scenario_from_text(text, "fuzz.yaml")
    except CommitcastError as error:
        assert error.problems, "a CommitcastError must carry at least one problem"
        for problem in error.problems:
            assert problem.message
            assert str(problem).startswith("fuzz.yaml") or str(problem).startswith("<input>")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy overflow warning is a silently wrong number
        try:
            projection(scenario)
        except CommitcastError as error:
            assert error.problems


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(TEXTS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = ["\n"]
        i = draw(st.integers(0, len(lines) - 1))
        operation = draw(
            st.sampled_from(["delete", "duplicate", "swap", "insert", "snippet", "truncate"])
        )
        if operation == "delete":
            del lines[i]
        elif operation == "duplicate":
            lines.insert(i, lines[i])
        elif operation == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif operation == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            extra = (
                draw(st.text(st.sampled_from(SPECIAL), min_size=1, max_size=4))
                if operation == "insert"
                else draw(snippets)
            )
            lines[i] = line[:at] + extra + line[at:]
    return "".join(lines)


@FUZZ
@given(mutated())
def test_mutated_scenarios_load_or_fail_cleanly(text: str):
    check(text)


@FUZZ
@given(st.text(st.sampled_from(SPECIAL) | st.characters(), max_size=300))
def test_random_text_loads_or_fails_cleanly(text: str):
    check(text)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["name", "horizon", "contracts", "revenue", "costs", "currency", "x"]),
            st.one_of(snippets, st.text(st.sampled_from(SPECIAL), max_size=20)),
        ),
        max_size=8,
    )
)
def test_random_top_level_mappings_load_or_fail_cleanly(pairs: list[tuple[str, str]]):
    check("".join(f"{key}: {value}\n" for key, value in pairs))


def test_the_seeds_are_valid():
    # the mutations start from real scenarios, so the fuzz reaches validation, not just YAML
    assert len(TEXTS) >= 2
    for text in TEXTS:
        scenario_from_text(text)


BASE_TEXT = (ROOT / "scenarios" / "colossus-base.yaml").read_text(encoding="utf-8")
PATHS = st.sampled_from(
    [
        "name",
        "horizon.months",
        "horizon.start",
        "discount_rate",
        "contracts[0].monthly_fee",
        'contracts."Colossus reservation".end',
        "contracts[0].termination.notice_given",
        "contracts[0].ramp[0].fraction",
        "contracts[0].escalator",
        "revenue.API.growth",
        "revenue[1].revenue_per_month",
        "costs.overflow.policy",
        "costs",
        "contracts",
        "revenue[7].growth",
        "contracts[-1].start",
        "",
    ]
)


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.builds(
                lambda path, value: f"{path}={value}",
                PATHS | st.text(st.sampled_from(SPECIAL + list("abcrenvu[]")), max_size=20),
                snippets | st.text(st.sampled_from(SPECIAL), max_size=12),
            ),
            st.text(max_size=40),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_random_set_assignments_apply_or_fail_cleanly(assignments: list[str]):
    from commitcast.load.overrides import apply_overrides

    scenario = scenario_from_text(BASE_TEXT, "base.yaml")
    try:
        changed = apply_overrides(scenario, assignments)
    except CommitcastError as error:
        assert error.problems
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            projection(changed)
        except CommitcastError as error:
            assert error.problems
