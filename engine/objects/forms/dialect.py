"""The JSON Schema dialect of record schemas: Draft 2020-12, our format checks, one keyword.

Browser (rjsf with ajv 8 + ajv-formats) and server (``jsonschema``) must agree on every rule,
so the formats are checked here with the same rules ajv-formats applies, not with whatever
optional packages ``jsonschema`` happens to find installed:

- ``email``: ajv-formats' full-mode address pattern (``local@host.tld``, ASCII).
- ``date``: ``YYYY-MM-DD`` naming a real day.
- ``date-time``: RFC 3339 ``YYYY-MM-DDTHH:MM:SS[.fff]`` with ``Z`` or an offset (``+08:00``,
  ``+0800``, ``+08``); a string without a time zone is not a date-time.
- ``uri``: an absolute URI (a scheme, then no spaces or characters RFC 3986 forbids).

One custom keyword, ``x-scale: n`` on a decimal field: the number has at most ``n`` digits
after the decimal point and is finite. (``multipleOf: 0.0001`` would say the same but fails
on binary floats in both ajv and ``jsonschema``.) The designer registers it with
``ajv.addKeyword``; other ``x-`` keys (``x-reference``) are annotations only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, TypeChecker, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend

from engine.objects.values import parse_datetime

__all__ = [
    "EMAIL_RE",
    "DATE_RE",
    "DATETIME_RE",
    "URI_RE",
    "NAIVE_DATETIME_RE",
    "is_email",
    "is_date",
    "is_datetime",
    "is_uri",
    "decimal_places",
    "record_format_checker",
    "RecordSchemaValidator",
]

EMAIL_RE = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
    re.IGNORECASE,
)
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DATETIME_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$"
)
#: A date-time without a time zone: recognised only to say what is missing.
NAIVE_DATETIME_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$"
)
URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")


def is_email(value: object) -> bool:
    return not isinstance(value, str) or EMAIL_RE.match(value) is not None


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if DATE_RE.match(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if DATETIME_RE.match(value) is None:
        return False
    try:
        parse_datetime(value)
    except ValueError:
        return False
    return True


def is_uri(value: object) -> bool:
    return not isinstance(value, str) or URI_RE.match(value) is not None


def record_format_checker() -> FormatChecker:
    """A fresh checker for exactly the formats record schemas use (see the module docstring)."""
    checker = FormatChecker(formats=())
    checker.checks("email")(is_email)
    checker.checks("date")(is_date)
    checker.checks("date-time")(is_datetime)
    checker.checks("uri")(is_uri)
    return checker


def decimal_places(value: object) -> int | None:
    """Digits after the point of a JSON number, or None when it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, int):
        return 0
    try:
        # repr of a float is the shortest text that reads back the same: what the user typed.
        exact = value if isinstance(value, Decimal) else Decimal(repr(value))
        if not exact.is_finite():
            return None
        exponent = exact.normalize().as_tuple().exponent
    except InvalidOperation:
        return None
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _x_scale(
    validator: Validator, scale: int, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if isinstance(instance, bool) or not isinstance(instance, int | float | Decimal):
        return
    places = decimal_places(instance)
    if places is None:
        yield ValidationError(f"{instance!r} is not a finite number")
    elif places > scale:
        yield ValidationError(f"{instance!r} has more than {scale} digits after the point")


_ANNOTATIONS = frozenset({"const", "title", "description"})
_standard_one_of = Draft202012Validator.VALIDATORS["oneOf"]


def _is_option_list(subschemas: Any) -> bool:
    return isinstance(subschemas, list) and all(
        isinstance(s, dict)
        and "const" in s
        and s.keys() <= _ANNOTATIONS
        and (s["const"] is None or isinstance(s["const"], str))
        for s in subschemas
    )


def _one_of(
    validator: Validator, one_of: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    # Options (``oneOf`` of text ``const``s) are checked by membership: the same verdict as
    # trying every branch, without building an error per option on every request.
    if _is_option_list(one_of):
        if instance is not None and not isinstance(instance, str):
            pass  # fall through: the standard keyword words the error
        elif sum(1 for s in one_of if s["const"] == instance) == 1:
            return
    yield from _standard_one_of(validator, one_of, instance, schema)


def _is_integer(checker: TypeChecker, instance: Any) -> bool:
    # The API reads fractional JSON numbers as Decimal (no digit lost); 3.0 is still the
    # integer 3, as it is for floats and for ajv in the browser.
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return bool(_draft_2020_types.is_type(instance, "integer"))


_draft_2020_types = Draft202012Validator.TYPE_CHECKER

#: Draft 2020-12 plus ``x-scale``; build instances with ``record_format_checker()``.
RecordSchemaValidator = extend(
    Draft202012Validator,
    {"x-scale": _x_scale, "oneOf": _one_of},
    type_checker=_draft_2020_types.redefine("integer", _is_integer),
)
