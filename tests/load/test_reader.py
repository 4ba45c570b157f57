"""The YAML loader: safe, strict about duplicates and tags, free of YAML 1.1 traps, and exact
about where each value stood."""

from __future__ import annotations

import gc

import pytest
import yaml

from commitcast.core.errors import CommitcastError
from commitcast.core.paths import format_path
from commitcast.load.reader import Mark, building, parse_text, read_file, resolve_scalar
from tests.conftest import ROOT


def problems(text: str) -> list[str]:
    with pytest.raises(CommitcastError) as caught:
        parse_text(text, "s.yaml")
    return [str(p) for p in caught.value.problems]


def test_duplicate_keys_are_refused_with_both_lines():
    found = problems("name: a\nhorizon: {start: 2026-01, months: 3}\nname: b\n")
    assert found == [
        "s.yaml:3:1: name: duplicate key 'name' (first given on line 1) (keep one of them)"
    ]


def test_every_duplicate_is_reported_not_just_the_first():
    found = problems("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert [p.split(":")[1] for p in found] == ["4", "5"]


def test_leading_zero_is_decimal_not_octal():
    assert parse_text("notice_days: 012\n").data == {"notice_days": 12}


@pytest.mark.parametrize("word", ["no", "NO", "yes", "on", "off", "y", "n", "No"])
def test_yaml_1_1_booleans_stay_strings(word):
    assert parse_text(f"counterparty: {word}\n").data == {"counterparty": word}


def test_true_and_false_are_booleans():
    assert parse_text("a: true\nb: False\n").data == {"a": True, "b": False}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e9", 1e9),
        ("5.0e15", 5.0e15),
        ("1.5E+3", 1500.0),
        ("-2e-3", -0.002),
        (".5", 0.5),
        ("1_250_000_000", 1_250_000_000),
        ("6.00", 6.0),
        ("-7", -7),
    ],
)
def test_numbers_in_exponent_and_underscore_forms(text, value):
    data = parse_text(f"x: {text}\n").data
    assert data == {"x": value}
    assert type(data["x"]) is type(value)


def test_dates_and_finance_amounts_stay_text_for_the_model():
    data = parse_text("start: 2026-06-01\nfee: 1.25B\nrate: 3%\nmonth: 2026-06\n").data
    assert data == {"start": "2026-06-01", "fee": "1.25B", "rate": "3%", "month": "2026-06"}


def test_quoted_values_keep_their_text():
    assert parse_text("a: '012'\nb: \"1e9\"\nc: !!str 012\n").data == {
        "a": "012",
        "b": "1e9",
        "c": "012",
    }


def test_null_forms():
    assert parse_text("a: null\nb: ~\nc:\n").data == {"a": None, "b": None, "c": None}


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: x\n".encode())
    assert read_file(path).data == {"name": "x"}


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hi']\n",
        "a: !custom 1\n",
        "a: !!binary aGk=\n",
        "a: !!set {x, y}\n",
    ],
)
def test_tags_are_refused(text):
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("s.yaml:1:4: a: the tag ")
    assert "is not allowed in a scenario" in found[0]


def test_merge_keys_are_refused():
    assert "merge keys (<<) are not supported" in problems("base: &b {x: 1}\nc:\n  <<: *b\n")[0]


def test_alias_bomb_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    found = problems("\n".join(lines) + "\n")
    assert "alias bomb" in found[0]


def test_line_and_column_marks_of_nested_values():
    text = (
        "name: x\n"  # line 1
        "contracts:\n"  # 2
        "  - name: A\n"  # 3
        "    monthly_fee: 5\n"  # 4
        "    ramp: [{months: 2, fraction: 0.5}]\n"  # 5
        "revenue:\n"  # 6
        "  - {name: API, growth: 0.04}\n"  # 7
    )
    doc = parse_text(text, "s.yaml")
    assert doc.mark_for(("contracts", 0, "monthly_fee")) == Mark(4, 5)
    assert doc.mark_for(("contracts", 0, "ramp", 0, "fraction")) == Mark(5, 24)
    assert doc.mark_for(("revenue", 0, "growth")) == Mark(7, 17)
    # an absent field falls back to its nearest present parent
    assert doc.mark_for(("contracts", 0, "escalator", "rate")) == Mark(3, 5)


def test_syntax_error_has_a_line_and_a_hint():
    found = problems("name: x\nhorizon:\n\tstart: 2026-01\n")
    assert found[0].startswith("s.yaml:3:1: YAML syntax error")
    assert "indent with spaces, not tabs" in found[0]


def test_more_than_one_document_is_refused():
    assert "more than one YAML document" in problems("a: 1\n---\nb: 2\n")[0]


def test_empty_file_is_refused():
    assert "the file is empty" in problems("# only a comment\n")[0]


def test_file_errors(tmp_path):
    with pytest.raises(CommitcastError, match="no such file"):
        read_file(tmp_path / "missing.yaml")
    with pytest.raises(CommitcastError, match="folder"):
        read_file(tmp_path)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(CommitcastError, match="not UTF-8") as caught:
        read_file(latin)
    assert caught.value.problems[0].line == 1
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"a: 1\x00\n")
    with pytest.raises(CommitcastError, match="binary"):
        read_file(binary)


def test_resolve_scalar_is_the_set_value_reader():
    assert resolve_scalar("012") == 12
    assert resolve_scalar("no") == "no"
    assert resolve_scalar("1e9") == 1e9
    assert resolve_scalar("012", quoted=True) == "012"


def test_format_path():
    assert format_path(("contracts", 0, "termination", "fee")) == "contracts[0].termination.fee"
    assert format_path(()) == ""


@pytest.mark.parametrize("text", ["1e9", "5.0e15", ".5", "012", "no"])
def test_explicit_str_tag_keeps_the_text(text):
    # `!!str` is the YAML way to say "this is text"; it must win over number reading even where
    # YAML 1.1 itself would not have read a number (1e9, 5.0e15).
    assert parse_text(f"name: !!str {text}\n").data == {"name": text}


def _careful(text: str, file: str):
    """parse_text on the careful path only (PyYAML's Python parser and composer)."""
    from commitcast.load import reader

    fast = reader._fast_document
    reader._fast_document = lambda text, file: None
    try:
        return reader.parse_text(text, file)
    finally:
        reader._fast_document = fast


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "scenarios").glob("*.yaml"))
    + sorted((ROOT / "tests/bad_inputs").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_the_fast_path_reads_what_the_careful_path_reads(path):
    """libyaml's events give the same data and the same line and column for every value as
    PyYAML's Python composer; a file the fast path passes over gets the careful path's
    problems, word for word (the fast path never words a problem, except an alias bomb)."""
    from commitcast.load import reader

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return  # refused before parsing, on both paths
    try:
        expected = _careful(text, path.name)
    except CommitcastError as error:
        with pytest.raises(CommitcastError) as caught:
            reader.parse_text(text, path.name)
        if "alias bomb" not in str(error):
            assert [str(p) for p in caught.value.problems] == [str(p) for p in error.problems]
        return
    fast = reader._fast_document(text, path.name)
    if fast is None:
        # the fast path passes over only what libyaml cannot read (a "\ud800" escape, which
        # PyYAML's own scanner reads and the names' check then refuses)
        with pytest.raises(yaml.YAMLError):
            list(yaml.parse(text, Loader=yaml.CSafeLoader))
        return
    assert fast.data == expected.data
    assert fast.marks == expected.marks


def test_the_fast_path_passes_unusual_files_to_the_careful_path():
    from commitcast.load import reader

    for text in (
        "a: 1\na: 2\n",  # duplicate key
        "a: !!str 012\n",  # a tag
        "b: &b {x: 1}\nc:\n  <<: *b\n",  # a merge key
        "? [k]\n: v\n",  # a complex key
        "a: 1\n---\nb: 2\n",  # two documents
        "# only a comment\n",
        "a: " + "[" * 70 + "]" * 70 + "\n",  # nesting past MAX_DEPTH
        "a: 1e999\n",  # too large
        "a: [1, 2\n",  # a syntax error
    ):
        assert reader._fast_document(text, "s.yaml") is None, text


def test_building_pauses_the_collector_and_leaves_nothing_frozen() -> None:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with building():
        assert not gc.isenabled()
        document = parse_text("a: 1\nb: [x, 2.5]\n")
    # what was built is handed to the oldest generation, not frozen for good
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert document.data == {"a": 1, "b": ["x", 2.5]}


def test_building_leaves_a_callers_own_freeze_alone() -> None:
    gc.freeze()  # as a pre-fork server does
    try:
        frozen = gc.get_freeze_count()
        with building():
            parse_text("a: 1\n")
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()


def test_repeated_plain_scalars_resolve_each_time_alike() -> None:
    # the reader resolves each distinct text once; every occurrence gets the same value
    data = parse_text("a: [1, 1, '1', 1.5, 1.5, no, no, ~, ~]\n").data
    assert data["a"] == [1, 1, "1", 1.5, 1.5, "no", "no", None, None]
    assert [type(v) for v in data["a"][:3]] == [int, int, str]
