"""One cell to one field's value: the cleansing step chosen by the field's type, and the
mapping's value map. Values come out as the JSON the record API takes, so the runtime's own
validation judges them exactly as it judges an API request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from engine.imports.cleansing import (
    CellProblem,
    clean_boolean,
    clean_date,
    clean_datetime,
    clean_decimal,
    clean_email,
    clean_phone,
    clean_text,
    match_key,
    split_list,
)
from engine.imports.mapping import ColumnMapping
from engine.objects.model import FieldDef, FieldType
from engine.objects.values import to_json

__all__ = ["CellConverter", "cell_converter", "blank"]


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


CellConverter = Callable[[Any], Any]


def _options(f: FieldDef, values: dict[str, Any]) -> dict[str, str]:
    """Every way a cell may name an option: the mapping's words, the option value, its labels."""
    known: dict[str, str] = {}
    for option in f.options:
        for word in (option.value, option.label.en, option.label.zh_cn):
            if word:
                known.setdefault(match_key(word), option.value)
    known.update({match_key(k): v for k, v in values.items()})
    return known


def _option_converter(f: FieldDef, spec: ColumnMapping) -> CellConverter:
    known = _options(f, spec.values)
    allowed = ", ".join(f.option_values)

    def one(value: Any) -> str:
        found = known.get(match_key(value))
        if found is None:
            raise CellProblem(f"'{clean_text(value)}' is not one of {allowed} (map it under "
                              f"values: in the mapping)")
        return found

    if f.type is FieldType.MULTI_ENUM:
        return lambda value: [one(item) for item in split_list(value)]
    return one


def cell_converter(f: FieldDef, spec: ColumnMapping, *, zone: tzinfo,
                   phone_region: str) -> CellConverter:
    """The function that turns a non-blank cell into ``f``'s JSON value (reference cells are
    left as text: the import resolves them against the target object)."""
    mapped = {match_key(k): v for k, v in spec.values.items()}
    t = f.type

    def mapped_first(convert: CellConverter) -> CellConverter:
        if not mapped or t in (FieldType.ENUM, FieldType.MULTI_ENUM):
            return convert

        def converter(value: Any) -> Any:
            key = match_key(value)
            return mapped[key] if key in mapped else convert(value)
        return converter

    convert: CellConverter
    if t in (FieldType.ENUM, FieldType.MULTI_ENUM):
        convert = _option_converter(f, spec)
    elif t is FieldType.PHONE:
        convert = lambda value: clean_phone(value, phone_region)  # noqa: E731
    elif t is FieldType.EMAIL:
        convert = clean_email
    elif t is FieldType.INTEGER:
        convert = _integer
    elif t is FieldType.DECIMAL:
        convert = clean_decimal
    elif t is FieldType.BOOLEAN:
        convert = clean_boolean
    elif t is FieldType.DATE:
        convert = lambda value: to_json(clean_date(value, spec.format), f)  # noqa: E731
    elif t is FieldType.DATETIME:
        convert = lambda value: to_json(clean_datetime(value, zone, spec.format), f)  # noqa: E731
    elif t is FieldType.TAGS:
        convert = split_list
    elif t is FieldType.DURATION:
        convert = lambda value: int(clean_decimal(value))  # noqa: E731
    elif t is FieldType.JSON:
        convert = lambda value: value  # noqa: E731
    else:  # string, text, url, reference (resolved later)
        convert = clean_text
    return mapped_first(convert)


def _integer(value: Any) -> int:
    number = clean_decimal(value)
    if number != number.to_integral_value():
        raise CellProblem(f"'{clean_text(value)}' is not a whole number")
    return int(number)
