"""Validating record payloads on the server with the schema the browser uses.

A :class:`RecordValidator` is built once per object type (it compiles the create and update
schemas of :func:`~engine.objects.forms.object_json_schema` into ``jsonschema`` validators,
and into :mod:`~engine.objects.fast_schema_check` shortcuts that let a payload which surely
passes skip ``jsonschema``; anything else, and every error, goes through ``jsonschema``);
the runtime calls it on every request. It returns Python values (``engine.objects.values``) or
raises :class:`~engine.errors.ValidationFailed` listing every problem at once.

``FieldIssue.type`` is the JSON Schema keyword that failed (``type``, ``minLength``,
``maximum``, ``pattern``, ``format``, ``uniqueItems``, ``x-scale``, ``additionalProperties``,
...), with two exceptions a UI cares about: a value outside the options is ``enum`` (the schema
says it with ``oneOf``), and a required field that is missing, ``null`` or cleared is
``required``. A field with a wrong type gets that one issue only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator

from engine.errors import FieldIssue, ValidationFailed, did_you_mean
from engine.objects.fast_schema_check import FastSchemaCheck, compile_fast_check
from engine.objects.forms.dialect import (
    NAIVE_DATETIME_RE,
    RecordSchemaValidator,
    decimal_places,
    record_format_checker,
)
from engine.objects.forms.field_schema import PHONE_PATTERN, URL_PATTERN
from engine.objects.forms.record_schema import Mode, object_json_schema, writable_fields
from engine.objects.model import RESERVED_FIELD_NAMES, FieldDef, FieldType, ObjectType
from engine.objects.storable import DATETIME_RANGE_MESSAGE
from engine.objects.values import (
    converter_for,
    describe_json_kind,
    from_json,
    parse_datetime,
    show_value,
)

__all__ = ["RecordValidator", "validators_for"]

_EXPECTED: Mapping[FieldType, str] = {
    FieldType.STRING: "text",
    FieldType.TEXT: "text",
    FieldType.EMAIL: "an email address (text)",
    FieldType.PHONE: "a phone number (text)",
    FieldType.URL: "a URL (text)",
    FieldType.INTEGER: "a whole number",
    FieldType.DECIMAL: "a number",
    FieldType.BOOLEAN: "true or false",
    FieldType.DATE: "a date as YYYY-MM-DD",
    FieldType.DATETIME: "a date-time like '2024-05-01T09:30:00Z'",
    FieldType.DURATION: "whole seconds",
    FieldType.MULTI_ENUM: "a list of options",
    FieldType.TAGS: "a list of texts",
    FieldType.REFERENCE: "a record id (a whole number)",
}
_FORMAT_MESSAGES: Mapping[str, str] = {
    "email": "is not a valid email address",
    "date": "is not a valid date: use YYYY-MM-DD",
    "date-time": "is not a valid date-time: use ISO 8601 like '2024-05-01T09:30:00Z'",
    "uri": "is not a valid URL",
}
# Keywords that say the value has the wrong shape: other complaints about it are noise.
_SHAPE_KEYWORDS = frozenset({"type", "required"})


def _past_datetime_range(value: object) -> bool:
    """Whether ``value`` is a well-formed date-time that falls outside years 1-9999 in UTC."""
    try:
        parse_datetime(str(value))
    except ValueError as exc:
        return str(exc) == DATETIME_RANGE_MESSAGE
    return False

def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


class RecordValidator:
    """Checks payloads for one object type; build once (at engine start), use per request."""

    __slots__ = (
        "object",
        "create_schema",
        "update_schema",
        "_create",
        "_update",
        "_fast_create",
        "_fast_update",
        "_fields",
        "_order",
        "_convert",
        "_defaults",
    )

    def __init__(self, obj: ObjectType) -> None:
        self.object = obj
        #: The JSON Schemas the validator enforces (also served to clients).
        self.create_schema = object_json_schema(obj, mode="create")
        self.update_schema = object_json_schema(obj, mode="update")
        checker = record_format_checker()
        self._create: Validator = RecordSchemaValidator(self.create_schema, format_checker=checker)
        self._update: Validator = RecordSchemaValidator(self.update_schema, format_checker=checker)
        # Same schemas, same format functions: a payload these accept, jsonschema accepts.
        self._fast_create: FastSchemaCheck = compile_fast_check(self.create_schema, checker)
        self._fast_update: FastSchemaCheck = compile_fast_check(self.update_schema, checker)
        fields = writable_fields(obj)
        self._fields: Mapping[str, FieldDef] = MappingProxyType({f.name: f for f in fields})
        self._order: Mapping[str, int] = MappingProxyType(
            {name: i for i, name in enumerate(obj.fields)}
        )
        self._convert: Mapping[str, Callable[[Any], Any]] = MappingProxyType(
            {f.name: converter_for(f) for f in fields}
        )
        # Defaults are converted now, so a bad default fails at start, not on a request.
        self._defaults: tuple[tuple[str, Any], ...] = tuple(
            (f.name, from_json(self.create_schema["properties"][f.name]["default"], f))
            for f in fields
            if "default" in self.create_schema["properties"][f.name]
        )

    def validate_create(self, payload: Any) -> dict[str, Any]:
        """The fields of a new record as Python values, defaults filled in for missing fields.

        Fields neither given nor defaulted are left out (they start empty).
        """
        values = self._check(self._create, self._fast_create, payload, "create")
        for name, default in self._defaults:
            if name not in values:
                # Lists and JSON defaults are mutable: each record gets its own copy.
                values[name] = copy.deepcopy(default)
        return values

    def validate_update(self, patch: Any) -> dict[str, Any]:
        """The fields a partial update sets, as Python values (``None`` clears a field)."""
        return self._check(self._update, self._fast_update, patch, "update")

    def _check(
        self, validator: Validator, fast: FastSchemaCheck, payload: Any, mode: Mode
    ) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise ValidationFailed(
                [
                    FieldIssue(
                        (),
                        f"expected a JSON object of the {self.object.name}'s fields, "
                        f"got {describe_json_kind(payload)}",
                        "type",
                    )
                ]
            )
        if not fast(payload):
            errors = list(validator.iter_errors(payload))
            if errors:
                raise ValidationFailed(self._issues(errors, payload, mode))
        convert = self._convert
        try:
            return {name: convert[name](value) for name, value in payload.items()}
        except ValueError as exc:  # the schema admits only convertible values; kept as a guard
            raise ValidationFailed([FieldIssue((), str(exc), "type")]) from None

    # -- turning jsonschema errors into issues a user can act on --------------------------

    def _issues(
        self, errors: Iterable[ValidationError], payload: dict[str, Any], mode: Mode
    ) -> list[FieldIssue]:
        issues: list[FieldIssue] = []
        for error in errors:
            issues.extend(self._issues_for(error, payload, mode))
        shaped = {i.loc for i in issues if i.type in _SHAPE_KEYWORDS}
        kept: dict[tuple[tuple[str | int, ...], str, str], FieldIssue] = {}
        for issue in issues:
            if issue.loc in shaped and issue.type not in _SHAPE_KEYWORDS:
                continue
            kept.setdefault((issue.loc, issue.type, issue.msg), issue)
        unknown = len(self._order)
        return sorted(kept.values(), key=lambda i: self._order.get(str(i.loc[0]), unknown))

    def _issues_for(
        self, error: ValidationError, payload: dict[str, Any], mode: Mode
    ) -> list[FieldIssue]:
        keyword = str(error.validator)
        loc: tuple[str | int, ...] = tuple(error.absolute_path)
        if keyword == "required":
            return [
                FieldIssue((name,), "this field is required", "required")
                for name in error.validator_value
                if name not in payload
            ]
        if keyword == "additionalProperties":
            return [
                FieldIssue((name,), self._not_writable(name), "additionalProperties")
                for name in payload
                if name not in self._fields
            ]
        f = self._fields.get(str(loc[0])) if loc else None
        if f is None:
            return [FieldIssue(loc, error.message, keyword)]
        return [self._field_issue(f, loc, keyword, error.instance, error.validator_value, mode)]

    def _not_writable(self, name: str) -> str:
        f = self.object.fields.get(name)
        if name in RESERVED_FIELD_NAMES or (f is not None and f.system):
            return f"'{name}' is set by the engine and cannot be written"
        if f is not None and f.computed is not None:
            return f"'{name}' is computed by the engine and cannot be written"
        if f is not None and f.read_only:
            return f"'{name}' is read-only"
        return f"unknown field '{name}' on '{self.object.name}'{did_you_mean(name, self._fields)}"

    def _field_issue(
        self,
        f: FieldDef,
        loc: tuple[str | int, ...],
        keyword: str,
        value: Any,
        rule: Any,
        mode: Mode,
    ) -> FieldIssue:
        item = len(loc) > 1
        if keyword in ("type", "not") and value is None and not item:
            msg = "this field is required" + (" and cannot be cleared" if mode == "update" else "")
            return FieldIssue(loc, msg, "required")
        if keyword == "type":
            expected = "text" if item else _EXPECTED.get(f.type, "a value")
            if f.type is FieldType.ENUM:
                expected = "one of " + ", ".join(f.option_values)
            return FieldIssue(loc, f"expected {expected}, got {describe_json_kind(value)}", "type")
        if keyword == "oneOf" and f.type in (FieldType.ENUM, FieldType.MULTI_ENUM):
            options = ", ".join(f.option_values)
            return FieldIssue(loc, f"{show_value(value)} is not one of {options}", "enum")
        return FieldIssue(loc, self._rule_message(f, keyword, value, rule), keyword)

    @staticmethod
    def _rule_message(f: FieldDef, keyword: str, value: Any, rule: Any) -> str:
        unit = " seconds" if f.type is FieldType.DURATION else ""
        if keyword == "minLength":
            if value == "":
                return "this field is required and cannot be empty"
            return f"must be at least {rule} characters long (got {len(value)})"
        if keyword == "maxLength":
            return f"must be at most {rule} characters long (got {len(value)})"
        if keyword == "minimum":
            return f"must be at least {_number(rule)}{unit} (got {_number(value)})"
        if keyword == "maximum":
            return f"must be at most {_number(rule)}{unit} (got {_number(value)})"
        if keyword == "exclusiveMinimum":
            return f"must be greater than {_number(rule)} (got {_number(value)})"
        if keyword == "exclusiveMaximum":
            return f"must be less than {_number(rule)} (got {_number(value)})"
        if keyword == "x-scale":
            if decimal_places(value) is None:
                return "must be a finite number"
            return f"{_number(value)} has more than {rule} digits after the decimal point"
        if keyword == "pattern":
            if rule == PHONE_PATTERN:
                return (
                    f"{show_value(value)} is not a phone number: use 7 to 15 digits with an "
                    "optional leading '+', e.g. '+86 10 1234 5678'"
                )
            if rule == URL_PATTERN:
                return f"{show_value(value)} is not a web address: start it with http:// or https://"
            return f"{show_value(value)} does not match the pattern {f.pattern}"
        if keyword == "format":
            if rule == "date-time" and isinstance(value, str) and NAIVE_DATETIME_RE.match(value):
                return (
                    f"{show_value(value)} has no time zone: add 'Z' for UTC or an offset such "
                    "as '+08:00'"
                )
            if rule == "date-time" and _past_datetime_range(value):
                return f"{show_value(value)} {DATETIME_RANGE_MESSAGE}"
            return f"{show_value(value)} {_FORMAT_MESSAGES.get(rule, f'is not a valid {rule}')}"
        if keyword == "uniqueItems":
            texts = [v for v in value if isinstance(v, str)]
            twice = [v for i, v in enumerate(texts) if v in texts[:i]]
            shown = ", ".join(show_value(v) for v in dict.fromkeys(twice)) or "an item"
            return f"lists {shown} more than once"
        if keyword == "minItems":
            return "this field is required: give at least one item"
        return f"{show_value(value)} is not valid ({keyword})"


def validators_for(objects: Mapping[str, ObjectType]) -> Mapping[str, RecordValidator]:
    """A read-only map from object name to its validator, built once for a registry."""
    return MappingProxyType({name: RecordValidator(obj) for name, obj in objects.items()})
