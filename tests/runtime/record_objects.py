"""Hand-built objects for runtime and API tests, covering every field type and every
``on_delete`` behaviour, plus helpers to stand a database and a runtime up over them.

    account ◀─cascade── member ◀─restrict── badge
       ▲ ▲                 ▲└─set_null── member.mentor (self reference)
       │ └──restrict── device
       └────set_null── note
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

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
from engine.objects.storage import ensure_schema
from engine.packs.registry import PackInfo, Registry

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def field(name: str, type_: str, **kw: Any) -> FieldDef:
    kw.setdefault("label", Text(name.replace("_", " ").capitalize(), f"中{name}"))
    return FieldDef(name, FieldType(type_), **kw)


def object_type(name: str, *fields: FieldDef) -> ObjectType:
    return ObjectType(
        name=name,
        label=Text(name.capitalize(), f"中{name}"),
        plural=Text(name.capitalize() + "s"),
        fields=frozen_map({f.name: f for f in (*SYSTEM_FIELDS, *fields)}),
        title_field=fields[0].name,
    )


def ref(name: str, to: str, on_delete: str, **kw: Any) -> FieldDef:
    return field(name, "reference", reference_to=to, on_delete=on_delete, **kw)


REGIONS = tuple(EnumOption(v, Text(v.upper())) for v in ("north", "south", "east", "west"))
SKILLS = tuple(EnumOption(v, Text(v)) for v in ("python", "sql", "ops"))

ACCOUNT = object_type(
    "account",
    field("name", "string", required=True, unique=True, max_length=80),
    field("region", "enum", options=REGIONS, default="north"),
    field("score", "integer", minimum=0, maximum=1000),
    field("balance", "decimal", precision=12, scale=2),
    field("active", "boolean", default=True),
    field("tags", "tags"),
    field("opened_on", "date"),
    field("last_seen", "datetime"),
    field("notes", "text"),
    field("website", "url"),
    field("settings", "json"),
)
MEMBER = object_type(
    "member",
    field("name", "string", required=True),
    ref("account", "account", "cascade", required=True),
    ref("mentor", "member", "set_null"),
    field("skills", "multi_enum", options=SKILLS),
    field("email", "email"),
)
BADGE = object_type("badge", field("label", "string", required=True),
                    ref("holder", "member", "restrict", required=True))
DEVICE = object_type("device", field("serial", "string", required=True),
                     ref("owner", "account", "restrict"))
NOTE = object_type("note", field("body", "text", required=True),
                   ref("about", "account", "set_null"))

OBJECTS = {o.name: o for o in (ACCOUNT, MEMBER, BADGE, DEVICE, NOTE)}

ACCOUNT_FORM = FormDef(
    name="account_edit",
    object="account",
    label=Text("Edit account", "编辑账户"),
    purpose="edit",
    sections=(
        FormSection(
            fields=(FormField("name"), FormField("region"), FormField("notes", widget="textarea")),
            title=Text("Main", "主要"),
        ),
    ),
)


def registry() -> Registry:
    info = PackInfo(name="records_lab", version="1.0.0", path=Path(__file__).parent)
    return Registry(
        packs=(info,),
        objects=frozen_map(OBJECTS),
        forms=frozen_map({ACCOUNT_FORM.name: ACCOUNT_FORM}),
    )


@dataclass(frozen=True)
class _Pack:
    name: str = "records_lab"
    version: str = "1.0.0"


def create_schema(engine: Engine) -> None:
    ensure_schema(engine, OBJECTS, [_Pack()], now=T0)
