"""core/text.py: a lone surrogate is found wherever it stands, and only a lone surrogate."""

from __future__ import annotations

import pytest

from commitcast.core.text import half_character, lone_surrogate


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("\ud800API", "\ud800"),  # the first of the range, first in the text
        ("Provider \udfff", "\udfff"),  # the last of the range, last in the text
        ("A\udcffB\ud801", "\udcff"),  # a byte that is not UTF-8, as argv hands it over
    ],
)
def test_a_lone_surrogate_is_found(text: str, found: str) -> None:
    assert lone_surrogate(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Colossus 1",
        "Zürich – 東京",
        "\U0001f680 rocket",  # a character past U+FFFF is one code point in Python, not a pair
        "\ud7ff\ue000",  # either side of the range
    ],
)
def test_whole_characters_are_not(text: str) -> None:
    assert lone_surrogate(text) is None


def test_the_message_names_the_code_point() -> None:
    assert half_character("\udcff") == "U+DCFF, half of a character (a lone surrogate)"
