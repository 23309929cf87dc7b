"""Object types and forms built by hand (the YAML loader is not needed to test forms)."""

from __future__ import annotations

from typing import Any

from engine.objects.model import (
    SYSTEM_FIELDS,
    EnumOption,
    FieldDef,
    FieldType,
    FormDef,
    FormField,
    FormSection,
    ObjectType,
    Text,
    frozen_map,
)

PRIORITY_OPTIONS = (
    EnumOption("P1", Text("Urgent", "紧急")),
    EnumOption("P2", Text("High", "高")),
    EnumOption("P3", Text("Normal", "普通")),
    EnumOption("P4", Text("Low")),  # no Chinese label: falls back to English
)
CHANNEL_OPTIONS = (
    EnumOption("email", Text("Email", "邮件")),
    EnumOption("phone", Text("Phone", "电话")),
    EnumOption("chat", Text("Chat", "聊天")),
)


def field(name: str, type_: FieldType | str, **kw: Any) -> FieldDef:
    """A custom field labelled after its name (Chinese label ``中<name>``)."""
    kw.setdefault("label", Text(name.replace("_", " ").capitalize(), f"中{name}"))
    return FieldDef(name, FieldType(type_), **kw)


def object_type(name: str, *fields: FieldDef, **kw: Any) -> ObjectType:
    """An object with the engine's system fields followed by ``fields``."""
    all_fields = {f.name: f for f in (*SYSTEM_FIELDS, *fields)}
    kw.setdefault("label", Text(name.capitalize(), f"中{name}"))
    kw.setdefault("plural", Text(name.capitalize() + "s"))
    return ObjectType(name, fields=frozen_map(all_fields), **kw)


def ticket() -> ObjectType:
    """One field of every type, with the constraints the tests exercise."""
    return object_type(
        "ticket",
        field("subject", "string", required=True, min_length=3, max_length=20),
        field("body", "text", help=Text("What happened?", "发生了什么？")),
        field("priority", "enum", required=True, default="P3", options=PRIORITY_OPTIONS),
        field("category", "enum", options=PRIORITY_OPTIONS[:2]),
        field("channels", "multi_enum", options=CHANNEL_OPTIONS),
        field("labels", "tags", options=(EnumOption("vip", Text("vip")),)),
        field("amount", "decimal", precision=8, scale=2, minimum=0),
        field("seats", "integer", minimum=1, maximum=100, default=1),
        field("is_vip", "boolean", default=False),
        field("due_date", "date"),
        field("due_at", "datetime"),
        field("effort", "duration", maximum=86_400),
        field("contact_email", "email"),
        field("contact_phone", "phone"),
        field("website", "url"),
        field("customer", "reference", reference_to="customer"),
        field("extra", "json"),
        field("code", "string", pattern="[A-Z]{3}-[0-9]+"),
        field("resolution", "string", read_only=True),
        description=Text("A customer request", "客户请求"),
    )


def ticket_form(purpose: str = "create") -> FormDef:
    """Two sections; widgets, a read-only field, a placeholder, overrides, a system field."""
    return FormDef(
        name=f"ticket_{purpose}",
        object="ticket",
        label=Text("New ticket", "新工单"),
        purpose=purpose,
        sections=(
            FormSection(
                title=Text("Request", "请求"),
                description=Text("Tell us what you need"),
                columns=2,
                fields=(
                    FormField(
                        "subject",
                        placeholder=Text("One line", "一句话"),
                        label=Text("Summary", "摘要"),
                    ),
                    FormField("priority", widget="radio"),
                    FormField("body"),
                    FormField("channels"),
                ),
            ),
            FormSection(
                fields=(
                    FormField("due_at"),
                    FormField("seats", widget="number", help=Text("How many people")),
                    FormField("contact_phone"),
                    FormField("extra"),
                    FormField("code", widget="hidden"),
                    FormField("amount", read_only=True),
                    FormField("resolution"),
                    FormField("created_at"),
                ),
            ),
        ),
    )
