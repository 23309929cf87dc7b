"""Forms and record schemas: JSON Schema for payloads, JSON Schema + uiSchema for rjsf.

- :func:`object_json_schema` — what the API accepts when creating or updating a record.
- :func:`form_schemas` — a form as ``(json_schema, ui_schema)`` for react-jsonschema-form.
- :mod:`~engine.objects.forms.dialect` — the format checks and the ``x-scale`` keyword both
  sides apply; :mod:`~engine.objects.forms.field_schema` — per-type conventions.
"""

from engine.objects.forms.dialect import RecordSchemaValidator, record_format_checker
from engine.objects.forms.field_schema import (
    MAX_SAFE_INTEGER,
    PHONE_PATTERN,
    URL_PATTERN,
    field_json_schema,
)
from engine.objects.forms.form_schema import WIDGETS, form_mode, form_schemas
from engine.objects.forms.record_schema import (
    JSON_SCHEMA_DIALECT,
    Mode,
    object_json_schema,
    writable_fields,
)

__all__ = [
    "object_json_schema",
    "form_schemas",
    "form_mode",
    "field_json_schema",
    "writable_fields",
    "record_format_checker",
    "RecordSchemaValidator",
    "Mode",
    "JSON_SCHEMA_DIALECT",
    "PHONE_PATTERN",
    "URL_PATTERN",
    "MAX_SAFE_INTEGER",
    "WIDGETS",
]
