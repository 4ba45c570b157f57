"""Problems and the error that carries them (core/errors.py): where, what, how to fix it, and
the exit codes. How the command line prints them is in tests/cli/test_app.py."""

from __future__ import annotations

import dataclasses

import pytest

from commitcast.core.errors import EXIT_FAILURE, EXIT_USAGE, CommitcastError, Problem


def test_exit_codes():
    assert EXIT_USAGE == 2  # something the user can fix in their input
    assert EXIT_FAILURE == 1  # a bug or the environment


@pytest.mark.parametrize(
    ("problem", "location"),
    [
        (Problem("x"), "<input>"),
        (Problem("x", file="a.yaml"), "a.yaml"),
        (Problem("x", file="a.yaml", line=3), "a.yaml:3"),
        (Problem("x", file="a.yaml", line=3, column=7), "a.yaml:3:7"),
        (Problem("x", file="a.yaml", column=7), "a.yaml"),  # a column without a line means nothing
    ],
)
def test_location(problem, location):
    assert problem.location() == location


def test_the_line_a_user_reads():
    problem = Problem(
        "0 is out of range",
        file="s.yaml",
        line=2,
        column=27,
        field="horizon.months",
        hint="at least 1",
    )
    assert str(problem) == "s.yaml:2:27: horizon.months: 0 is out of range (at least 1)"
    assert str(Problem("cannot read it")) == "<input>: cannot read it"


def test_a_warning_says_so():
    problem = Problem("ends before the horizon", file="s.yaml", line=9, severity="warning")
    assert str(problem) == "s.yaml:9: warning: ends before the horizon"


def test_a_huge_message_keeps_its_start_and_end():
    message = "S" * 600 + "m" * 1000 + "E" * 400  # 2,000 characters
    text = str(Problem(message, file="f"))
    # the first 600 and the last 400 characters stay; the 1,000 between are counted
    assert text == "f: " + "S" * 600 + "... [1,000 characters] ..." + "E" * 400
    short = "x" * 1040  # up to head + tail + 40 the message is whole
    assert str(Problem(short)) == "<input>: " + short


def test_a_huge_field_is_clipped_too():
    field = "a" * 100 + "b" * 500 + "c" * 100
    text = str(Problem("bad", field=field))
    assert text == "<input>: " + "a" * 100 + "... [500 characters] ..." + "c" * 100 + ": bad"


def test_a_problem_is_a_frozen_value():
    problem = Problem("x", file="f", line=1)
    assert problem == Problem("x", file="f", line=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.line = 2  # type: ignore[misc]


def test_the_error_holds_every_problem_one_a_line():
    error = CommitcastError([Problem("one", file="a"), Problem("two", file="b", line=4)])
    assert str(error) == "a: one\nb:4: two"
    assert error.exit_code == EXIT_USAGE
    assert error.args == ("a: one\nb:4: two",)  # what a bare traceback would show
    assert isinstance(error, Exception)


def test_single_takes_the_place_by_keyword():
    error = CommitcastError.single("no such file", file="x.yaml", field="contracts", hint="check")
    assert error.problems == [
        Problem("no such file", file="x.yaml", field="contracts", hint="check")
    ]
    assert str(error) == "x.yaml: contracts: no such file (check)"


def test_an_error_can_carry_another_exit_code():
    error = CommitcastError([Problem("disk on fire")], EXIT_FAILURE)
    assert error.exit_code == 1
    with pytest.raises(CommitcastError, match="disk on fire"):
        raise error
