"""The pack folders shipped with the repo are valid, and the broken ones are broken as advertised.

These tests read the YAML with the pack models alone and check cross references with a small
independent checker, so the pack files are pinned even while the loader changes. The tests at
the bottom run the same packs through the real loader once it exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from engine.errors import PackError
from engine.imports.mapping import load_mappings
from engine.objects.model import RESERVED_FIELD_NAMES, SYSTEM_FIELDS
from engine.packs.loader import PACK_FOLDERS
from engine.packs.models import (
    FieldSpec,
    FormSpec,
    Label,
    ObjectSpec,
    PackManifest,
)

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SERVICE_DEFAULT = REPO / "packs" / "service_default"
EQUIPMENT_LOANS = HERE / "equipment_loans"
SERVICE_EXTENDED = HERE / "service_extended"
BROKEN = HERE / "broken"

SYSTEM_NAMES = frozenset(f.name for f in SYSTEM_FIELDS)
ENUM_TYPES = ("enum", "multi_enum", "tags")


@dataclass
class _Object:
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    options: dict[str, dict[str, Label | None]] = field(default_factory=dict)
    title_field: str | None = None
    indexes: list[list[str]] = field(default_factory=list)
    source: str = ""


@dataclass
class _Merged:
    objects: dict[str, _Object] = field(default_factory=dict)
    forms: dict[str, tuple[str, FormSpec]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _load(path: Path, model: type[BaseModel], merged: _Merged) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        merged.problems.append(f"{path}: yaml: {exc}")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            merged.problems.append(f"{path}: {err['type']} at {err['loc']}: {err['msg']}")
        return None


def _chain(folder: Path, seen: set[Path] | None = None) -> Iterator[Path]:
    """``folder``'s base packs depth first, each once, then ``folder`` itself."""
    seen = set() if seen is None else seen
    folder = folder.resolve()
    if folder in seen:
        return
    seen.add(folder)
    manifest = PackManifest.model_validate(yaml.safe_load((folder / "pack.yaml").read_text()))
    for base in manifest.extends:
        yield from _chain(folder / base, seen)
    yield folder


def _add_object(spec: ObjectSpec, where: str, merged: _Merged) -> None:
    if spec.object is not None:
        if spec.object in merged.objects:
            merged.problems.append(
                f"{where}: object '{spec.object}' already declared in "
                f"{merged.objects[spec.object].source} (use extend:)"
            )
            return
        obj = merged.objects[spec.object] = _Object(source=where)
        for name, f in spec.fields.items():
            if name in RESERVED_FIELD_NAMES:
                merged.problems.append(f"{where}: '{name}' is a reserved field name")
            if f.type is None:
                merged.problems.append(f"{where}: new field '{name}' has no type")
        obj.fields = dict(spec.fields)
        obj.options = {
            n: {o.value: o.label for o in f.options or []} for n, f in spec.fields.items()
        }
    elif spec.extend is not None:
        if spec.extend not in merged.objects:
            merged.problems.append(f"{where}: extend of unknown object '{spec.extend}'")
            return
        obj = merged.objects[spec.extend]
        for name, f in spec.fields.items():
            if name in RESERVED_FIELD_NAMES:
                merged.problems.append(f"{where}: '{name}' is a reserved field name")
            base = obj.fields.get(name)
            if base is None:
                if f.type is None:
                    merged.problems.append(f"{where}: new field '{name}' has no type")
                obj.fields[name] = f
                obj.options[name] = {o.value: o.label for o in f.options or []}
                continue
            if f.type is not None and f.type != base.type:
                merged.problems.append(f"{where}: field '{name}' may not change type")
            given = {k: getattr(f, k) for k in f.model_fields_set - {"options", "type"}}
            obj.fields[name] = base.model_copy(update=given)
            for o in f.options or []:
                obj.options[name][o.value] = o.label or obj.options[name].get(o.value)
    else:
        merged.problems.append(f"{where}: neither object: nor extend:")
        return
    if spec.title_field:
        obj.title_field = spec.title_field
    obj.indexes.extend(list(ix.fields) for ix in spec.indexes)


def _check(merged: _Merged) -> None:
    problems = merged.problems
    for oname, obj in merged.objects.items():
        names = set(obj.fields) | SYSTEM_NAMES
        for fname, f in obj.fields.items():
            where = f"{oname}.{fname}"
            if f.type == "reference":
                if f.to not in merged.objects:
                    problems.append(f"{where}: reference to unknown object '{f.to}'")
                if f.on_delete == "set_null" and f.required:
                    problems.append(f"{where}: set_null on a required reference")
            elif f.to is not None or f.on_delete is not None:
                problems.append(f"{where}: to/on_delete on a non-reference field")
            if f.type in ("enum", "multi_enum") and not obj.options[fname]:
                problems.append(f"{where}: {f.type} without options")
            if f.options and f.type not in ENUM_TYPES:
                problems.append(f"{where}: options on a {f.type} field")
            if f.type == "enum" and f.default is not None and f.default not in obj.options[fname]:
                problems.append(f"{where}: default {f.default!r} is not an option")
        if obj.title_field and obj.title_field not in names:
            problems.append(f"{oname}: title_field '{obj.title_field}' is not a field")
        for ix in obj.indexes:
            problems.extend(f"{oname}: index on unknown field '{n}'" for n in ix if n not in names)
        if len({tuple(ix) for ix in obj.indexes}) != len(obj.indexes):
            problems.append(f"{oname}: the same index twice")
    for fname, (where, form) in merged.forms.items():
        obj = merged.objects.get(form.object)
        if obj is None:
            problems.append(f"{where}: form '{fname}' for unknown object '{form.object}'")
            continue
        placed = [ff.field for s in form.sections for ff in s.fields]
        problems.extend(
            f"{where}: form '{fname}' names unknown field '{n}'"
            for n in placed
            if n not in obj.fields and n not in SYSTEM_NAMES
        )
        if len(set(placed)) != len(placed):
            problems.append(f"{where}: form '{fname}' places a field twice")


def merge_pack(folder: Path) -> _Merged:
    """Read ``folder`` and its base packs the way the loader's rules describe."""
    merged = _Merged()
    for pack in _chain(folder):
        _load(pack / "pack.yaml", PackManifest, merged)
        for path in sorted((pack / "objects").glob("*.yaml")):
            spec = _load(path, ObjectSpec, merged)
            if spec is not None:
                _add_object(spec, str(path.relative_to(REPO)), merged)
        for path in sorted((pack / "forms").glob("*.yaml")):
            spec = _load(path, FormSpec, merged)
            if spec is not None:
                merged.forms[spec.form] = (str(path.relative_to(REPO)), spec)
    if not merged.problems:
        _check(merged)
    return merged


def _untranslated(node: Any, path: str) -> Iterator[str]:
    """Paths of every label under ``node`` that has no zh-CN text."""
    if isinstance(node, Label):
        if not node.zh_CN:
            yield path
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _untranslated(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _untranslated(value, f"{path}.{key}")
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            yield from _untranslated(value, f"{path}[{i}]")


# --- the shipped packs -------------------------------------------------------------------------


@pytest.mark.parametrize("pack", [SERVICE_DEFAULT, EQUIPMENT_LOANS, SERVICE_EXTENDED], ids=str)
def test_pack_files_validate_and_cross_check(pack: Path) -> None:
    assert merge_pack(pack).problems == []


@pytest.mark.parametrize("pack", [SERVICE_DEFAULT, SERVICE_EXTENDED], ids=lambda p: p.name)
def test_service_packs_give_every_text_in_english_and_chinese(pack: Path) -> None:
    missing: list[str] = []
    for path in sorted(pack.rglob("*.yaml")):
        if path.relative_to(pack).parts[0] in ("tests", "demo", "imports"):
            # scenario files, the demo script and import mappings: not pack files (the loader
            # skips all three; the mappings are loaded below)
            continue
        kind = path.parent.name
        # Every folder's own model (reports/, sla/, roles/, ... too), pack.yaml's otherwise.
        model: type[BaseModel] = PACK_FOLDERS.get(kind, PackManifest)
        spec = model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        missing.extend(_untranslated(spec, str(path.relative_to(REPO))))
        if kind == "objects" and spec.object is not None:
            missing.extend(
                f"{path.name}: no {key}"
                for key in ("label", "plural", "description", "title_field")
                if getattr(spec, key) is None
            )
            missing.extend(
                f"{path.name}: {n} has no label" for n, f in spec.fields.items() if f.label is None
            )
    assert missing == []


def test_service_default_declares_the_customer_service_objects_and_forms() -> None:
    merged = merge_pack(SERVICE_DEFAULT)
    assert set(merged.objects) == {
        "customer", "contact", "asset", "ticket", "ticket_message", "knowledge_article",
        "survey_response", "macro",
    }  # fmt: skip
    assert {name: form.purpose for name, (_, form) in merged.forms.items()} == {
        "ticket_create": "create", "ticket_agent": "edit", "ticket_portal": "portal",
        "customer": "edit", "contact": "edit", "asset": "edit", "knowledge_article": "edit",
        "survey_response": "view", "survey_answer": "create", "macro": "edit",
    }  # fmt: skip


def test_ticket_status_and_sla_timestamps_are_engine_owned() -> None:
    ticket = merge_pack(SERVICE_DEFAULT).objects["ticket"]
    engine_owned = {
        "status", "satisfaction", "first_responded_at", "resolved_at", "closed_at", "due_at",
        "reopen_count", "escalated", "merged_into", "agent_reply_count", "handling_seconds",
        "last_customer_reply_at", "last_agent_reply_at",
    }  # fmt: skip
    assert {n for n, f in ticket.fields.items() if f.read_only} == engine_owned
    assert ticket.fields["status"].default == "new"
    assert ticket.fields["priority"].default == "P3"


def test_extended_pack_merges_into_the_base_ticket() -> None:
    merged = merge_pack(SERVICE_EXTENDED)
    ticket = merged.objects["ticket"]
    assert {"site_address", "visit_required", "subject", "status"} <= set(ticket.fields)
    assert list(ticket.options["category"])[-1] == "installation"
    p1 = ticket.options["priority"]["P1"]
    assert p1 is not None and p1.en == "Critical"
    assert "site_visit" in merged.objects
    assert merged.forms["ticket_portal"][0].startswith("tests/packs/service_extended/")


# --- the broken packs --------------------------------------------------------------------------

#: case → (what the checker here reports, a word the loader's message must contain)
BROKEN_CASES = {
    "unknown_key": ("requird", "requird"),
    "bad_reference": ("'custmer'", "custmer"),
    "form_missing_field": ("'subjct'", "subjct"),
    "bad_yaml": ("yaml:", "ticket.yaml"),
    "reserved_field": ("'created_at' is a reserved", "created_at"),
    "bad_enum_default": ("'P9' is not an option", "P9"),
    "duplicate_object": ("'ticket' already declared", "ticket_again.yaml"),
}


def test_every_broken_pack_is_listed() -> None:
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted(BROKEN_CASES)


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_broken_pack_has_exactly_its_one_mistake(case: str) -> None:
    problems = merge_pack(BROKEN / case).problems
    assert len(problems) == 1, problems
    assert BROKEN_CASES[case][0] in problems[0]


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_broken_file_says_what_is_wrong_in_its_first_line(case: str) -> None:
    heads = [p.read_text().splitlines()[0] for p in (BROKEN / case).rglob("*.yaml")]
    assert any(h.startswith("# BROKEN: ") for h in heads)


# --- through the real loader -------------------------------------------------------------------


def _load_registry(paths: list[Path]) -> Any:
    # Imported here so the file checks above run even while the compiler is being built.
    from engine.packs import load_registry

    return load_registry(paths)


@pytest.mark.parametrize("pack", [SERVICE_DEFAULT, EQUIPMENT_LOANS, SERVICE_EXTENDED], ids=str)
def test_loader_loads_the_shipped_pack(pack: Path) -> None:
    registry = _load_registry([pack])
    assert set(registry.objects) == set(merge_pack(pack).objects)
    assert set(registry.forms) == set(merge_pack(pack).forms)


def test_loader_applies_the_extension_to_ticket() -> None:
    registry = _load_registry([SERVICE_EXTENDED])
    ticket = registry.object("ticket")
    assert ticket.field("visit_required").type == "boolean"
    assert ticket.field("category").option_values[-1] == "installation"
    priority = {o.value: o.label for o in ticket.field("priority").options}
    assert (priority["P1"].en, priority["P1"].zh_cn, priority["P2"].en) == (
        "Critical",
        "严重",
        "High",
    )
    assert ticket.field("queue").label.en == "Team"
    assert ticket.field("queue").max_length == 64
    assert "visit_required" in registry.form("ticket_portal").field_names


def test_relabelling_an_option_keeps_its_colour() -> None:
    priority = _load_registry([SERVICE_EXTENDED]).object("ticket").field("priority")
    assert {o.value: o.color for o in priority.options}["P1"] == "#dc2626"


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_loader_refuses_the_broken_pack(case: str) -> None:
    with pytest.raises(PackError) as info:
        _load_registry([BROKEN / case])
    assert BROKEN_CASES[case][1] in str(info.value)


@pytest.mark.parametrize("name", ["customers", "contacts"])
def test_the_default_packs_example_import_mappings_load(name: str) -> None:
    assert load_mappings(SERVICE_DEFAULT / "imports" / f"{name}.yaml")
