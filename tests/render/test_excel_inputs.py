"""The Assumptions sheet (render/excel_inputs.py): every input of every scenario as a labelled,
styled, named input cell that the other sheets refer to.

The sheet inside the whole workbook (fills, named cells, text that stays text) is in
tests/render/test_excel.py; editing these cells and recalculating in LibreOffice in
tests/render/test_excel_libreoffice.py.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import xlsxwriter

from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.model.inputs import base_params, decode
from commitcast.render.excel_inputs import SHEET, write_assumptions
from commitcast.render.excel_style import Formats
from tests.conftest import SCENARIOS

BARE = """\
name: Bare
currency: EUR
horizon: {start: 2026-01, months: 3}
contracts:
  - {name: rack two, monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31}
revenue:
  - {name: Flat, revenue_per_month: 10}
"""


def written(*scenarios):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    inputs = write_assumptions(book.add_worksheet(SHEET), book, Formats(book), list(scenarios))
    book.close()
    return inputs, openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def cell(book, ref: str):
    sheet, address = ref.split("!")
    return book[sheet.strip("'")][address.replace("$", "")]


# inputs of the other kind of contract: no cell (the kind is structural)
COMMIT_ONLY = (
    "price_per_million_tokens",
    "minimum.amount",
    "minimum.every_months",
    "max_tokens_per_month",
)
RESERVED_ONLY = ("payment.every_months", "prepayment.")


def not_of_its_kind(scenario, key: str) -> bool:
    if not key.startswith("contracts["):
        return False
    index = int(key[len("contracts[") : key.index("]")])
    field = key[key.index("]") + 2 :]
    if scenario.contracts[index].kind == "commit":
        return field.startswith(RESERVED_ONLY)
    return field in COMMIT_ONLY


@pytest.mark.parametrize("file", ["colossus-base.yaml", "cover-demand.yaml"])
def test_every_engine_input_has_a_cell_holding_its_value(file):
    base = load_scenario(SCENARIOS / file)
    (inputs,), book = written(base)
    params = base_params(base)
    absent = {key for key in params if not_of_its_kind(base, key)}
    assert set(params) - absent <= set(inputs.refs)
    assert not absent & set(inputs.refs)
    if file.startswith("cover"):
        assert {"fx.EUR.rate", "contracts[2].minimum.amount", "contracts[0].prepayment.paid"} <= (
            set(inputs.refs)
        )
    for key, value in params.items():
        if key in absent:
            continue
        shown = cell(book, inputs[key]).value
        expected = decode(key, value)
        if key.endswith(("termination.allowed", "prepayment.refundable")):
            assert shown == ("yes" if value else "no")
        elif expected is None:
            assert shown is None, key  # no notice given: an empty input
        elif isinstance(expected, dt.date):
            assert shown == dt.datetime(expected.year, expected.month, expected.day), key
        elif isinstance(expected, str):
            assert shown == expected, key  # a choice, as written in a file
        else:
            assert shown == pytest.approx(expected, abs=1e-9), key


def test_the_layout_and_the_horizon_which_cannot_be_edited():
    (inputs,), book = written(scenario_from_text(BARE, "bare.yaml"))
    ws = book[SHEET]
    assert [ws.cell(2, c).value for c in (1, 2, 3)] == ["Input", "Value", "Unit and meaning"]
    assert ws.freeze_panes == "B3"
    start = cell(book, inputs["horizon.start"])
    assert start.value == dt.datetime(2026, 1, 1)
    assert cell(book, inputs["horizon.months"]).value == 3
    assert start.fill.fgColor.rgb.endswith("EDEDED")  # grey: export again to change it
    assert cell(book, inputs["discount_rate"]).fill.fgColor.rgb.endswith("FFF2CC")  # an input
    assert cell(book, inputs["million"]).value == 1_000_000


def test_absent_optional_inputs_show_their_defaults():
    (inputs,), book = written(scenario_from_text(BARE, "bare.yaml"))
    assert cell(book, inputs["contracts[0].escalator.rate"]).value == 0
    assert cell(book, inputs["contracts[0].escalator.every_months"]).value == 12
    assert cell(book, inputs["contracts[0].termination.allowed"]).value == "no"
    assert cell(book, inputs["contracts[0].termination.earliest_notice"]).value == dt.datetime(
        2026, 1, 1
    )
    assert cell(book, inputs["revenue[0].price_per_million_tokens"]).value == 0
    assert cell(book, inputs["costs.overflow.policy"]).value == "unserved"


def test_named_cells_per_scenario():
    base = load_scenario(SCENARIOS / "colossus-base.yaml")
    bare = scenario_from_text(BARE, "bare.yaml")
    (first, second), book = written(base, bare)
    assert first.names["discount_rate"] == "S1_DiscountRate"
    assert first.names["contracts[0].monthly_fee"] == "S1_C1_MonthlyFee"
    assert first.names["costs.training_share"] == "S1_TrainingShare"
    assert second.names["revenue[0].growth"] == "S2_R1_Growth"
    assert "contracts[0].escalator.every_months" not in first.names  # not every input is named
    # the second scenario's block sits below the first: no cell is shared
    assert not set(first.refs.values()) & set(second.refs.values())
    destination = next(iter(book.defined_names["S2_C1_MonthlyFee"].destinations))
    assert destination == (SHEET, second["contracts[0].monthly_fee"].split("!")[1])
    assert cell(book, second["contracts[0].monthly_fee"]).value == 1000


def test_choices_are_offered_as_a_list():
    (inputs,), book = written(scenario_from_text(BARE, "bare.yaml"))
    ws = book[SHEET]
    timing = inputs["contracts[0].payment.timing"].split("!")[1].replace("$", "")
    lists = [v.formula1 for v in ws.data_validations.dataValidation if timing in str(v.sqref)]
    assert lists == ['"advance,arrears"']


def test_a_currency_note_uses_its_symbol():
    (inputs,), book = written(scenario_from_text(BARE, "bare.yaml"))
    fee = cell(book, inputs["contracts[0].monthly_fee"])
    note = book[SHEET].cell(fee.row, 3).value
    assert note.startswith("€ per full month of service")
    assert fee.value == 1000


def test_a_streams_own_months_and_the_fiscal_year_have_cells():
    text = BARE.replace(
        "  - {name: Flat, revenue_per_month: 10}",
        "  - {name: Flat, revenue_per_month: 10, start: 2026-02, end: 2026-03}\n"
        "  - {name: Always, revenue_per_month: 5}",
    ).replace("currency: EUR", "currency: EUR\nfiscal_year_start_month: 7")
    (inputs,), book = written(scenario_from_text(text, "bare.yaml"))
    start = cell(book, inputs["revenue[0].start"])
    assert start.value == dt.datetime(2026, 2, 1) and start.number_format == "yyyy-mm"
    assert cell(book, inputs["revenue[0].end"]).value == dt.datetime(2026, 3, 1)
    assert inputs.names["revenue[0].start"] == "S1_R1_Start"
    assert inputs.names["revenue[0].end"] == "S1_R1_End"
    # without them: empty cells, read as the horizon's bounds
    assert cell(book, inputs["revenue[1].start"]).value is None
    assert cell(book, inputs["revenue[1].end"]).value is None
    fiscal = cell(book, inputs["fiscal_year_start_month"])
    assert fiscal.value == 7
    assert fiscal.fill.fgColor.rgb.endswith("EDEDED")  # grey: the totals' columns are fixed
