"""A record schema compiled into plain Python checks that can only say "surely valid".

``jsonschema`` spends most of a request's validation time walking the schema generically. A
:class:`FastSchemaCheck` walks the same schema once, at start, and turns each keyword into a
small closure (type by exact class, options as a ``frozenset``, bounds, lengths, a compiled
pattern, the very format functions the ``jsonschema`` checker calls, ``x-scale`` through
:func:`~engine.objects.forms.dialect.decimal_places`).

Its answer is one-sided: ``True`` means ``RecordSchemaValidator`` would report no error for the
payload; ``False`` means "not sure" and the caller runs ``jsonschema``, which then finds and
words the errors. So the server still enforces exactly the schema the browser uses; this is a
shortcut for payloads that pass it, never a second rulebook. To stay one-sided it says "not
sure" for anything it does not model exactly:

- keywords it does not implement (``anyOf``, ``$ref``, ``const`` outside option lists, ...);
  keys ``jsonschema`` itself ignores (``title``, ``default``, ``x-reference``) are ignored;
- values of any class but the exact JSON ones (``str``, ``int``, ``float``, ``Decimal``,
  ``bool``, ``None``, ``list``, ``dict``), so subclasses never reach a check;
- non-finite numbers (NaN, infinities) under a numeric keyword;
- arithmetic or type errors raised while checking (``jsonschema`` then decides, as before).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jsonschema import FormatChecker

from engine.objects.forms.dialect import RecordSchemaValidator, decimal_places

__all__ = ["FastSchemaCheck", "compile_fast_check"]

Check = Callable[[Any], bool]

# The classes decoded JSON is made of (``Decimal`` when numbers are read with parse_float).
_PLAIN_TYPES = frozenset({str, int, float, Decimal, bool, type(None), list, dict})
_NUMBER_TYPES = frozenset({int, float, Decimal})
_JSON_TYPES: Mapping[str, frozenset[type]] = {
    "string": frozenset({str}),
    "null": frozenset({type(None)}),
    "boolean": frozenset({bool}),
    "array": frozenset({list}),
    "object": frozenset({dict}),
    "number": _NUMBER_TYPES,
    "integer": frozenset({int}),  # plus integral floats and Decimals, see _type
}
# Keys in this set are keywords jsonschema acts on; any other key it ignores, and so do we.
_KEYWORDS = frozenset(RecordSchemaValidator.VALIDATORS)
_OPTION_KEYS = frozenset({"const", "title", "description"})


class _NotSure(Exception):
    """The schema uses something the compiler does not model exactly."""


def _not_sure(value: Any) -> bool:
    return False


def _always(value: Any) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class FastSchemaCheck:
    """A compiled payload check: ``check(payload)`` is True only when the schema surely holds."""

    check: Check
    #: False when the schema itself uses a construct the compiler does not model (then every
    #: payload is "not sure").
    complete: bool

    def __call__(self, payload: Any) -> bool:
        try:
            return self.check(payload)
        except (ArithmeticError, TypeError, ValueError):
            # Decimal signals, odd comparisons: jsonschema decides (and raises) as before.
            return False


def compile_fast_check(schema: Mapping[str, Any], format_checker: FormatChecker) -> FastSchemaCheck:
    """Compile a record schema (``object_json_schema``) for ``RecordSchemaValidator`` with
    ``format_checker``. Build once per schema; pass the checker the validator uses."""
    try:
        return FastSchemaCheck(_compile(schema, format_checker), complete=True)
    except _NotSure:
        return FastSchemaCheck(_not_sure, complete=False)


def _compile(schema: Any, formats: FormatChecker) -> Check:
    if schema is True:
        return _always
    if not isinstance(schema, Mapping):
        raise _NotSure  # ``false`` and non-schemas
    checks: list[Check] = []
    for keyword, rule in schema.items():
        if keyword not in _KEYWORDS or keyword in _HANDLED_WITH_PROPERTIES:
            continue
        build = _BUILDERS.get(keyword)
        if build is None:
            raise _NotSure
        checks.append(build(rule, schema, formats))
    if schema.keys() & _HANDLED_WITH_PROPERTIES:
        checks.append(_object(schema, formats))
    if not checks:
        return _always  # no keyword: jsonschema accepts any value, whatever its class
    return _all_of(tuple(checks))


def _all_of(checks: tuple[Check, ...]) -> Check:
    plain = _PLAIN_TYPES
    if len(checks) == 1:
        (only,) = checks

        def check_one(value: Any) -> bool:
            return type(value) in plain and only(value)

        return check_one

    def check_all(value: Any) -> bool:
        if type(value) not in plain:
            return False
        return all(check(value) for check in checks)

    return check_all


# -- one builder per keyword; each check assumes an exact JSON class (see _all_of) ---------


def _type(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    names = [rule] if isinstance(rule, str) else rule
    if not isinstance(names, list) or not all(n in _JSON_TYPES for n in names):
        raise _NotSure
    exact = frozenset().union(*(_JSON_TYPES[n] for n in names))
    if "integer" not in names or "number" in names:
        return lambda value: type(value) in exact

    def check(value: Any) -> bool:
        t = type(value)
        if t in exact:
            return True
        # RecordSchemaValidator's integer: 3.0 and Decimal("3.00") are integers too.
        if t is float:
            return bool(value.is_integer())
        if t is Decimal:
            return bool(value.is_finite() and value == value.to_integral_value())
        return False

    return check


def _count(rule: Any) -> int:
    if type(rule) is not int:
        raise _NotSure
    return rule


def _min_length(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    n = _count(rule)
    return lambda value: type(value) is not str or len(value) >= n


def _max_length(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    n = _count(rule)
    return lambda value: type(value) is not str or len(value) <= n


def _min_items(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    n = _count(rule)
    return lambda value: type(value) is not list or len(value) >= n


def _max_items(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    n = _count(rule)
    return lambda value: type(value) is not list or len(value) <= n


def _pattern(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    if not isinstance(rule, str):
        raise _NotSure
    search = re.compile(rule).search  # jsonschema: re.search(pattern, text)
    return lambda value: type(value) is not str or search(value) is not None


def _format(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    entry = formats.checkers.get(rule)
    if entry is None:
        return _always  # jsonschema skips formats its checker does not know
    func = entry[0]
    return lambda value: bool(func(value))


def _finite(value: Any) -> bool:
    t = type(value)
    if t is float:
        return math.isfinite(value)
    if t is Decimal:
        return bool(value.is_finite())
    return True


def _bound(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any, FormatChecker], Check]:
    def build(rule: Any, schema: Any, formats: FormatChecker) -> Check:
        if type(rule) not in _NUMBER_TYPES or not _finite(rule):
            raise _NotSure
        numbers = _NUMBER_TYPES

        def check(value: Any) -> bool:
            if type(value) not in numbers:
                return True
            return _finite(value) and compare(value, rule)

        return check

    return build


def _x_scale(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    scale = _count(rule)
    numbers = _NUMBER_TYPES

    def check(value: Any) -> bool:
        if type(value) not in numbers:
            return True
        places = decimal_places(value)
        return places is not None and places <= scale

    return check


def _one_of(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    # Only option lists (text or null ``const``s): the dialect checks those by membership.
    if not isinstance(rule, list) or not all(
        isinstance(s, dict)
        and "const" in s
        and s.keys() <= _OPTION_KEYS
        and (s["const"] is None or type(s["const"]) is str)
        for s in rule
    ):
        raise _NotSure
    counts = Counter(s["const"] for s in rule)
    once = frozenset(value for value, n in counts.items() if n == 1)  # two matches fail oneOf
    return lambda value: (value is None or type(value) is str) and value in once


def _items(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    if not isinstance(rule, Mapping):
        raise _NotSure  # ``items: false`` and friends
    item = _compile(rule, formats)

    def check(value: Any) -> bool:
        if type(value) is not list:
            return True
        return all(item(each) for each in value)

    return check


def _unique_items(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    if rule is False:
        return _always
    if rule is not True:
        raise _NotSure

    def check(value: Any) -> bool:
        if type(value) is not list:
            return True
        # Texts only: equal texts are equal JSON; other items need jsonschema's equality.
        for each in value:
            if type(each) is not str:
                return False
        return len(set(value)) == len(value)

    return check


def _not(rule: Any, schema: Any, formats: FormatChecker) -> Check:
    # A "surely valid" check cannot prove that a subschema fails, except this one.
    if rule != {"type": "null"}:
        raise _NotSure
    return lambda value: value is not None


# properties, additionalProperties and required are one pass over the payload's keys.
_HANDLED_WITH_PROPERTIES = frozenset({"properties", "additionalProperties", "required"})


def _object(schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    properties = schema.get("properties", {})
    closed = schema.get("additionalProperties", True)
    required = schema.get("required", [])
    if (
        not isinstance(properties, Mapping)
        or type(closed) is not bool
        or not isinstance(required, list)
        or "patternProperties" in schema
    ):
        raise _NotSure
    checks: Mapping[str, Check] = {name: _compile(sub, formats) for name, sub in properties.items()}
    names = tuple(required)
    is_open = closed is True

    def check(value: Any) -> bool:
        if type(value) is not dict:
            return True
        for name, item in value.items():
            field_check = checks.get(name)
            if field_check is None:
                if is_open:
                    continue
                return False
            if not field_check(item):
                return False
        return all(name in value for name in names)

    return check


_BUILDERS: Mapping[str, Callable[[Any, Any, FormatChecker], Check]] = {
    "type": _type,
    "minLength": _min_length,
    "maxLength": _max_length,
    "minItems": _min_items,
    "maxItems": _max_items,
    "pattern": _pattern,
    "format": _format,
    "minimum": _bound(lambda value, rule: value >= rule),
    "maximum": _bound(lambda value, rule: value <= rule),
    "exclusiveMinimum": _bound(lambda value, rule: value > rule),
    "exclusiveMaximum": _bound(lambda value, rule: value < rule),
    "x-scale": _x_scale,
    "oneOf": _one_of,
    "items": _items,
    "uniqueItems": _unique_items,
    "not": _not,
}
