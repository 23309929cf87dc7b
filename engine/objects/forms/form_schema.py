"""A form as a pair for react-jsonschema-form (rjsf v5): ``(json_schema, ui_schema)``.

``json_schema`` is the record schema (``object_json_schema``) cut down to the form's fields,
with the same rules, so what the form accepts the server accepts. Differences, all on purpose:

- Fields shown read-only (system, read-only and computed fields, ``read_only`` on the form,
  every field of a ``view`` form) carry ``readOnly: true``, may be null and are never required.
  The client drops them from the payload it sends: the server refuses them.
- ``create`` and ``portal`` forms require the required fields without a default and show
  defaults; ``edit`` forms hold a whole record, so they require every required field (which
  the server enforces too, as "cannot be cleared") and show no defaults.
- ``formData`` must hold only the form's fields (``additionalProperties: false``).
- A field's help moves from ``description`` to ``ui:help`` (shown under the input).

``ui_schema`` shape::

    {
      "ui:order": ["subject", "priority", ...],        # every field, section by section
      "ui:sections": [                                  # for the designer's ObjectFieldTemplate
        {"title": str | None, "description": str | None, "columns": 1..4,
         "fields": ["subject", "priority"]},
        ...
      ],
      "ui:submitButtonOptions": {"norender": true},     # view forms only
      "subject": {                                      # per field, keys only when they apply
        "ui:widget": "textarea",                        # see WIDGETS
        "ui:field": "json",                             # json fields: a custom field component
        "ui:options": {"inputType": "tel"},             # phone
        "ui:readonly": true,
        "ui:title": "Summary",                          # the form's label override
        "ui:help": "...", "ui:placeholder": "..."
      }
    }

Widgets rjsf does not ship (``richtext``, ``duration``, ``reference``, ``tags``) and the
``json`` field are registered by the designer under those names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import FlowdeskError, did_you_mean
from engine.objects.forms.field_schema import field_json_schema
from engine.objects.forms.record_schema import JSON_SCHEMA_DIALECT, Mode
from engine.objects.model import FieldDef, FieldType, FormDef, FormField, ObjectType

__all__ = ["form_schemas", "form_mode", "WIDGETS"]

#: Form widget names (the pack format) → rjsf ``ui:widget`` names.
WIDGETS: Mapping[str, str] = {
    "text": "text",
    "textarea": "textarea",
    "richtext": "richtext",
    "select": "select",
    "radio": "radio",
    "checkboxes": "checkboxes",
    "checkbox": "checkbox",
    "date": "date",
    "datetime": "datetime",
    "duration": "duration",
    "number": "updown",
    "email": "email",
    "phone": "text",
    "url": "uri",
    "reference": "reference",
    "tags": "tags",
    "hidden": "hidden",
}

#: The widget a field type gets when the form names none (types rjsf renders well are absent).
_DEFAULT_WIDGETS: Mapping[FieldType, str] = {
    FieldType.TEXT: "textarea",
    FieldType.DATE: "date",
    FieldType.DATETIME: "datetime",
    FieldType.DURATION: "duration",
    FieldType.MULTI_ENUM: "checkboxes",
    FieldType.TAGS: "tags",
    FieldType.EMAIL: "email",
    FieldType.PHONE: "phone",
    FieldType.URL: "url",
    FieldType.REFERENCE: "reference",
    FieldType.JSON: "json",
}

_MODES: Mapping[str, Mode] = {
    "create": "create",
    "portal": "create",
    "edit": "update",
    "view": "update",
}


def form_mode(form: FormDef) -> Mode:
    """Whether ``form`` creates records or edits existing ones."""
    return _MODES.get(form.purpose, "update")


def _ui_for(ff: FormField, f: FieldDef, *, read_only: bool, locale: str) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    widget = ff.widget or _DEFAULT_WIDGETS.get(f.type)
    if widget == "json":
        # rjsf picks a component by JSON type before any widget; "any value" has no type.
        ui["ui:field"] = "json"
    elif widget is not None:
        ui["ui:widget"] = WIDGETS.get(widget, widget)
    if widget == "phone":
        ui["ui:options"] = {"inputType": "tel"}
    if read_only:
        ui["ui:readonly"] = True
    if ff.label is not None:
        ui["ui:title"] = ff.label.get(locale)
    help_text = ff.help or f.help
    if help_text is not None:
        ui["ui:help"] = help_text.get(locale)
    if ff.placeholder is not None:
        ui["ui:placeholder"] = ff.placeholder.get(locale)
    return ui


def _field_of(obj: ObjectType, form: FormDef, name: str) -> FieldDef:
    try:
        return obj.fields[name]
    except KeyError:
        raise FlowdeskError(
            f"form '{form.name}': unknown field '{name}' on object '{obj.name}'"
            f"{did_you_mean(name, obj.fields)}",
            code="unknown_form_field",
        ) from None


def form_schemas(
    form: FormDef, obj: ObjectType, *, locale: str = "en"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(json_schema, ui_schema)`` rendering ``form`` of ``obj`` with rjsf, in ``locale``.

    Raises :class:`FlowdeskError` (``unknown_form_field``, ``duplicate_form_field``,
    ``form_object_mismatch``) for a form the pack checker should have refused.
    """
    if form.object != obj.name:
        raise FlowdeskError(
            f"form '{form.name}' edits '{form.object}', not '{obj.name}'",
            code="form_object_mismatch",
        )
    mode = form_mode(form)
    view_only = form.purpose == "view"
    properties: dict[str, Any] = {}
    required: list[str] = []
    ui: dict[str, Any] = {}
    sections: list[dict[str, Any]] = []
    for section in form.sections:
        names: list[str] = []
        for ff in section.fields:
            f = _field_of(obj, form, ff.field)
            if f.name in properties:
                raise FlowdeskError(
                    f"form '{form.name}': field '{f.name}' appears more than once",
                    code="duplicate_form_field",
                )
            read_only = (
                view_only or ff.read_only or f.read_only or f.system or f.computed is not None
            )
            prop = field_json_schema(
                f,
                locale=locale,
                nullable=read_only or not f.required,
                with_default=mode == "create" and not read_only,
            )
            prop.pop("description", None)
            if read_only:
                prop["readOnly"] = True
            elif f.required and (mode == "update" or f.default is None):
                required.append(f.name)
            properties[f.name] = prop
            field_ui = _ui_for(ff, f, read_only=read_only, locale=locale)
            if field_ui:
                ui[f.name] = field_ui
            names.append(f.name)
        sections.append(
            {
                "title": section.title.get(locale) if section.title else None,
                "description": section.description.get(locale) if section.description else None,
                "columns": section.columns,
                "fields": names,
            }
        )

    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": form.label.get(locale),
        "type": "object",
        "properties": properties,
    }
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    ui_schema: dict[str, Any] = {"ui:order": list(properties), "ui:sections": sections}
    if view_only:
        ui_schema["ui:submitButtonOptions"] = {"norender": True}
    ui_schema.update(ui)
    return schema, ui_schema
