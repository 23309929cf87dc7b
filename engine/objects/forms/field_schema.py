"""The JSON Schema of one field's value: types, constraints, labels.

Conventions (browser and server read the same schema, so these hold for both):

- A field that is not required accepts ``null`` (``"type": [T, "null"]``); a required one never
  does, and a required text or list must not be empty (``minLength``/``minItems`` 1).
- Texts get the column width as ``maxLength`` (string 255 unless the field says otherwise,
  email 320, phone 64, url 2048), so a value the form accepts always fits its column.
- A field's ``pattern`` must match the whole text (it is wrapped in ``^(?:...)$``).
- ``phone``: :data:`PHONE_PATTERN`, E.164-ish: an optional ``+``, then 7 to 15 digits with
  spaces, dots, dashes or parentheses between them (``+86 10 1234 5678``, ``(555) 123-4567``).
  A field's own ``pattern`` replaces it.
- ``url``: ``format: uri`` and :data:`URL_PATTERN` (``http://`` or ``https://`` and a host).
- ``integer``: whole numbers within ±(2**53 - 1) unless ``min``/``max`` say tighter, the range
  a browser holds exactly.
- ``decimal``: a JSON number (not a string: rjsf edits numbers), at most ``scale`` digits after
  the point (``x-scale``), below ``10 ** (precision - scale)`` in size.
- ``duration``: whole seconds, at least 0 unless ``min`` says otherwise.
- ``enum``: ``oneOf: [{"const": value, "title": label}]`` (rjsf shows the labels); a field that
  may be empty has one more option, ``{"const": null}``.
- ``multi_enum``: an array of those options, ``uniqueItems``; ``tags``: an array of distinct
  non-empty texts of at most 64 characters, the field's options offered as ``items.examples``.
- ``reference``: a record id (integer ≥ 1), annotated ``x-reference: {"object": name}``.
- ``json``: any value (an empty schema).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import FlowdeskError, ValidationFailed
from engine.objects.model import FieldDef, FieldType, Text
from engine.objects.values import from_json, to_json

__all__ = [
    "field_json_schema",
    "json_default",
    "PHONE_PATTERN",
    "URL_PATTERN",
    "MAX_SAFE_INTEGER",
    "TEXT_MAX_LENGTHS",
    "DEFAULT_STRING_MAX_LENGTH",
    "TAG_MAX_LENGTH",
]

PHONE_PATTERN = r"^\+?[ ().-]*(?:[0-9][ ().-]*){7,15}$"
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+"
#: The largest integer a JavaScript number holds exactly.
MAX_SAFE_INTEGER = 2**53 - 1
DEFAULT_STRING_MAX_LENGTH = 255
#: Column widths of fixed-width text types (storage uses the same numbers; a test checks).
TEXT_MAX_LENGTHS: Mapping[FieldType, int] = {
    FieldType.EMAIL: 320,
    FieldType.PHONE: 64,
    FieldType.URL: 2048,
}
TAG_MAX_LENGTH = 64

_NONE_TITLE = Text("(none)", "（无）")

_TEXT_FORMATS: Mapping[FieldType, str] = {
    FieldType.EMAIL: "email",
    FieldType.URL: "uri",
    FieldType.DATE: "date",
    FieldType.DATETIME: "date-time",
}
_DEFAULT_PATTERNS: Mapping[FieldType, str] = {
    FieldType.PHONE: PHONE_PATTERN,
    FieldType.URL: URL_PATTERN,
}
_JSON_TYPES: Mapping[FieldType, str] = {
    FieldType.STRING: "string",
    FieldType.TEXT: "string",
    FieldType.EMAIL: "string",
    FieldType.PHONE: "string",
    FieldType.URL: "string",
    FieldType.ENUM: "string",
    FieldType.DATE: "string",
    FieldType.DATETIME: "string",
    FieldType.INTEGER: "integer",
    FieldType.DURATION: "integer",
    FieldType.REFERENCE: "integer",
    FieldType.DECIMAL: "number",
    FieldType.BOOLEAN: "boolean",
    FieldType.MULTI_ENUM: "array",
    FieldType.TAGS: "array",
}


def json_default(f: FieldDef) -> Any:
    """``f``'s default in JSON form (normalised through the value rules), or None."""
    if f.default is None:
        return None
    try:
        return to_json(from_json(f.default, f), f)
    except ValidationFailed as exc:
        raise FlowdeskError(
            f"field '{f.name}': default {f.default!r} is not a valid {f.type} value: "
            f"{exc.issues[0].msg}",
            code="invalid_field_default",
        ) from None


def _options(f: FieldDef, locale: str, *, with_none: bool) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = [
        {"const": o.value, "title": o.label.get(locale)} for o in f.options
    ]
    if with_none:
        options.append({"const": None, "title": _NONE_TITLE.get(locale)})
    return options


def _number_bounds(schema: dict[str, Any], f: FieldDef, low: float, high: float) -> None:
    schema["minimum"] = low if f.minimum is None else f.minimum
    schema["maximum"] = high if f.maximum is None else f.maximum


def field_json_schema(
    f: FieldDef,
    *,
    locale: str = "en",
    nullable: bool,
    with_default: bool = False,
) -> dict[str, Any]:
    """The schema of ``f``'s value. ``nullable`` admits ``null``; ``with_default`` adds the
    field's default (create forms; an update must not fill in missing fields)."""
    t = f.type
    schema: dict[str, Any] = {"title": f.label.get(locale)}
    if f.help is not None:
        schema["description"] = f.help.get(locale)
    json_type = _JSON_TYPES.get(t)
    if json_type is not None:
        schema["type"] = [json_type, "null"] if nullable else json_type
    elif not nullable:
        # A required json field may hold anything but null.
        schema["not"] = {"type": "null"}

    if t.is_textual:
        min_length = max(f.min_length or 0, 0 if nullable else 1)
        if min_length:
            schema["minLength"] = min_length
        max_length = f.max_length or TEXT_MAX_LENGTHS.get(t)
        if max_length is None and t is FieldType.STRING:
            max_length = DEFAULT_STRING_MAX_LENGTH
        if max_length is not None:
            schema["maxLength"] = max_length
        pattern = f"^(?:{f.pattern})$" if f.pattern else _DEFAULT_PATTERNS.get(t)
        if pattern:
            schema["pattern"] = pattern
    if t in _TEXT_FORMATS:
        schema["format"] = _TEXT_FORMATS[t]

    if t is FieldType.INTEGER:
        _number_bounds(schema, f, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    elif t is FieldType.DURATION:
        _number_bounds(schema, f, 0, MAX_SAFE_INTEGER)
    elif t is FieldType.REFERENCE:
        schema["minimum"] = 1
        schema["maximum"] = MAX_SAFE_INTEGER
        schema["x-reference"] = {"object": f.reference_to}
    elif t is FieldType.DECIMAL:
        limit = 10 ** (f.precision - f.scale)
        if f.minimum is not None:
            schema["minimum"] = f.minimum
        if f.minimum is None or f.minimum <= -limit:
            schema["exclusiveMinimum"] = -limit
        if f.maximum is not None:
            schema["maximum"] = f.maximum
        if f.maximum is None or f.maximum >= limit:
            schema["exclusiveMaximum"] = limit
        schema["x-scale"] = f.scale
    elif t is FieldType.ENUM:
        schema["oneOf"] = _options(f, locale, with_none=nullable)
    elif t is FieldType.MULTI_ENUM:
        schema["items"] = {"type": "string", "oneOf": _options(f, locale, with_none=False)}
        schema["uniqueItems"] = True
    elif t is FieldType.TAGS:
        items: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": TAG_MAX_LENGTH}
        if f.options:
            items["examples"] = list(f.option_values)
        schema["items"] = items
        schema["uniqueItems"] = True
    if t.is_list and not nullable:
        schema["minItems"] = 1

    if with_default:
        default = json_default(f)
        if default is not None:
            schema["default"] = default
    return schema
