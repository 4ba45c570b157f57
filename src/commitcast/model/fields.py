"""Which fields a scenario allows where: read from the models, for did-you-mean hints and --set;
and which of them hold money, whose currency a scenario's raw data must match."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from commitcast.core.numbers import without_currency, written_currency
from commitcast.core.paths import Path_
from commitcast.model import scenario as scenario_module
from commitcast.model.scenario import FxRate, Scenario


def fields_at(loc: Path_) -> list[str]:
    """Names of the fields allowed at a location in a scenario."""
    model = model_at(loc)
    return list(model.model_fields) if model is not None else []


def model_at(loc: Path_) -> type[BaseModel] | None:
    annotation: Any = Scenario
    for part in loc:
        annotation = _strip(annotation)
        if isinstance(part, int):
            if typing.get_origin(annotation) is list:
                annotation = typing.get_args(annotation)[0]
                continue
            return None
        if typing.get_origin(annotation) is dict:
            # a mapping keyed by the scenario (fx: {EUR: ...}): any key holds the value model
            annotation = typing.get_args(annotation)[1]
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
            continue
        return None
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _strip(annotation: Any) -> Any:
    """Model | None -> Model; Annotated[X, ...] -> X."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip(args[0])
    return annotation


# --- Amounts and their currency ------------------------------------------------------------

# The money types of the model: a field declared with one of them is an amount of money or a
# price, which may say its currency (`EUR 400M`); every other number may not.
_MONEY_VALIDATORS = tuple(
    meta
    for kind in (scenario_module.Money, scenario_module.OptionalMoney)
    + (scenario_module.Price, scenario_module.OptionalPrice)
    for meta in typing.get_args(kind)[1:]
)


def is_amount(model: type[BaseModel], name: str) -> bool:
    """Whether the field `name` of `model` holds money (a fee, a price, an fx rate)."""
    if model is FxRate:
        return name == "rate"  # units of the reporting currency per unit of another
    field = model.model_fields.get(name)
    return field is not None and any(meta in _MONEY_VALIDATORS for meta in field.metadata)


def amount_fields() -> list[str]:
    """Every field that holds money, as `Model.field` (for the JSON Schema and the tests)."""
    found: list[str] = []
    seen: set[type[BaseModel]] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            if is_amount(model, name):
                found.append(f"{model.__name__}.{name}")
            for inner in _models_in(field.annotation):
                visit(inner)

    visit(Scenario)
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models a field holds: itself, its list's items, its mapping's values."""
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (list, dict):
        return _models_in(typing.get_args(annotation)[-1])
    return []


def _is_float(annotation: Any) -> bool:
    return _strip(annotation) is float


def _code(value: Any) -> str | None:
    """A currency field's code as the model reads it; None if it is not one."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        return value.strip().upper()
    return None


@dataclass(frozen=True)
class _Owner:
    """Whose amounts these are: their currency (None: not a code, not checked), how to say so,
    and what else the user may do about an amount in another currency ({written})."""

    code: str | None
    whose: str
    otherwise: str = ""


def currency_issues(data: Any) -> list[tuple[Path_, str]]:
    """Amounts written in a currency other than their item's, and currencies on numbers that
    are not money, in a scenario's raw data (a file's, or a dumped scenario with --set values).

    An amount of a contract or revenue stream is in the item's `currency`, else the scenario's
    (default USD); fx rates and every other amount are in the scenario's. A currency that is
    not a code is a problem of its own: its item's amounts are not checked.
    """
    if not isinstance(data, dict):
        return []
    issues: list[tuple[Path_, str]] = []
    reporting = _code(data.get("currency") or "USD")

    def visit(node: Any, loc: Path_, model: type[BaseModel], owner: _Owner) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            field = model.model_fields.get(key) if isinstance(key, str) else None
            if field is None:
                continue  # an unknown key, reported by the model
            here = (*loc, key)
            inner = _models_in(field.annotation)
            if model is Scenario and key in ("contracts", "revenue") and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        visit(item, (*here, index), inner[0], _item_owner(key, item, reporting))
            elif model is Scenario and key == "fx" and isinstance(value, dict):
                for code, rate in value.items():
                    whose = f"an fx rate is in {reporting} per {_code(code) or code}"
                    visit(rate, (*here, code), FxRate, _Owner(reporting, whose))
            elif inner and isinstance(value, list):
                for index, item in enumerate(value):
                    visit(item, (*here, index), inner[0], owner)
            elif inner:
                visit(value, here, inner[0], owner)
            elif _is_float(field.annotation):
                issues.extend(_leaf(value, here, is_amount(model, key), owner))

    visit(data, (), Scenario, _Owner(reporting, f"the scenario's amounts are in {reporting}"))
    return issues


def _item_owner(group: str, item: dict[str, Any], reporting: str | None) -> _Owner:
    what = "contract" if group == "contracts" else "revenue stream"
    own = item.get("currency")
    if own is None:
        whose = f"this {what}'s amounts are in {reporting}, the scenario's currency"
        return _Owner(reporting, whose, f", or give the {what} currency: {{written}}")
    code = _code(own)  # None: not a code, a problem of its own
    otherwise = f", or give the {what} currency: {{written}}"
    return _Owner(code, f"this {what}'s amounts are in {code}", otherwise)


def _leaf(value: Any, loc: Path_, amount: bool, owner: _Owner) -> list[tuple[Path_, str]]:
    """The problems of one number as written (or of a distribution's parameters)."""
    if isinstance(value, dict):  # {dist: ...}: its parameters are in the field's currency
        return [
            issue
            for key, inner in value.items()
            if key != "dist"
            for issue in _leaf(inner, (*loc, key), amount, owner)
        ]
    if isinstance(value, list):  # a choice's values
        return [
            issue
            for i, inner in enumerate(value)
            for issue in _leaf(inner, (*loc, i), amount, owner)
        ]
    written = written_currency(value)
    if written is None:
        return []
    figure = without_currency(str(value))
    if not amount:
        message = f"{value} has a currency, but this is not an amount of money; write {figure}"
        return [(loc, message)]
    if owner.code is None or written == owner.code:
        return []
    message = (
        f"{value} is in {written} but {owner.whose}: write it in {owner.code} ({figure} or "
        f"{owner.code} {figure}){owner.otherwise.format(written=written)}"
    )
    return [(loc, message)]
