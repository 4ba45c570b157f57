"""Where a scenario came from (model/provenance.py): the file, the hash of the bytes read, and
the --set assignments applied on the way, in order."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.model.provenance import Provenance
from commitcast.model.scenario import Scenario

TEXT = "name: x\nhorizon: {start: 2026-01, months: 2}\n"


def test_a_scenario_built_in_python_comes_from_nowhere():
    scenario = Scenario.model_validate({"name": "x", "horizon": {"start": "2026-01", "months": 2}})
    assert scenario.provenance == Provenance()
    assert (scenario.provenance.file, scenario.provenance.sha256) == (None, None)
    assert scenario.provenance.overrides == ()


def test_a_file_is_named_as_given_and_hashed_as_read(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(TEXT.encode())
    scenario = load_scenario(path)
    assert scenario.provenance.file == str(path)
    assert scenario.provenance.sha256 == hashlib.sha256(TEXT.encode()).hexdigest()
    assert scenario.provenance.document is not None  # the marks that give problems a line


def test_text_is_hashed_as_utf8():
    text = TEXT.replace("name: x", "name: Zürich €")
    scenario = scenario_from_text(text, "inline.yaml")
    assert scenario.provenance.file == "inline.yaml"
    assert scenario.provenance.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_overrides_are_kept_in_order_and_the_source_stays():
    base = scenario_from_text(TEXT, "inline.yaml")
    once = apply_overrides(base, ["discount_rate=0.1", "currency=EUR"])
    twice = apply_overrides(once, ["horizon.months=3"])
    assert twice.provenance.overrides == ("discount_rate=0.1", "currency=EUR", "horizon.months=3")
    assert twice.provenance.file == "inline.yaml"
    assert twice.provenance.sha256 == base.provenance.sha256  # the file read, not the result
    assert base.provenance.overrides == ()  # the scenario it started from is unchanged


def test_provenance_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Provenance().file = "x"  # type: ignore[misc]
