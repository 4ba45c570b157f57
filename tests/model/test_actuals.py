"""The actuals model: closed months in order, figures by name."""

from __future__ import annotations

import datetime as dt

from commitcast.model.actuals import COMPANY_FIGURES, DERIVED_FIGURES, Actuals


def test_closed_months_and_the_last_one():
    months = (dt.date(2026, 6, 1), dt.date(2026, 7, 1))
    actuals = Actuals(months, company={"revenue": (1.0, None)})
    assert actuals.closed == 2 and actuals.last == dt.date(2026, 7, 1)
    assert Actuals(()).last is None


def test_derived_figures_are_never_given():
    assert not set(COMPANY_FIGURES) & set(DERIVED_FIGURES)
