"""Merging object declarations across packs (``object:`` / ``extend:``) and compiling them into
:class:`ObjectType`s, checking every rule a pack must keep."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import Problem, did_you_mean
from engine.objects.model import (
    RESERVED_FIELD_NAMES,
    SYSTEM_FIELDS,
    EnumOption,
    FieldDef,
    FieldType,
    IndexDef,
    ObjectType,
    Text,
    frozen_map,
)
from engine.objects.storage.tables import index_name
from engine.packs.compile_conversation import attach_conversations
from engine.packs.compile_rules import RuleSources, attach_rules
from engine.packs.compile_search import SearchDrafts, compile_search, merge_search
from engine.packs.loader import LoadedPack
from engine.packs.models import Label, ObjectSpec
from engine.packs.source import SourceDocument
from engine.rules_dsl import FunctionRegistry

__all__ = ["compile_objects", "text_of", "humanize"]

_ENUM_TYPES = {FieldType.ENUM, FieldType.MULTI_ENUM}
_WITH_OPTIONS = {FieldType.ENUM, FieldType.MULTI_ENUM, FieldType.TAGS}
_NUMERIC = {FieldType.INTEGER, FieldType.DECIMAL, FieldType.DURATION}
_SIZED = {FieldType.STRING, FieldType.TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL}
# Keys an ``extend:`` may override on an existing field; anything else must stay as declared.
_OVERRIDABLE = {"label", "help", "default", "required", "indexed", "min", "max", "min_length",
                "max_length", "read_only", "options", "from_user"}


def text_of(label: Label | None, fallback: str | None = None) -> Text | None:
    if label is None:
        return Text(fallback) if fallback is not None else None
    return Text(label.en, label.zh_CN)


def humanize(name: str) -> str:
    return name.replace("_", " ").capitalize()


@dataclass(slots=True)
class _FieldDraft:
    name: str
    values: dict[str, Any]
    options: dict[str, tuple[Any, ...]]  # value -> (OptionSpec,)
    doc: SourceDocument
    path: tuple[Any, ...]


@dataclass(slots=True)
class _ObjectDraft:
    name: str
    doc: SourceDocument
    values: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, _FieldDraft] = field(default_factory=dict)
    indexes: list[tuple[Any, SourceDocument, tuple[Any, ...]]] = field(default_factory=list)
    #: name -> (ValidationRuleSpec, document, path); a later pack's rule replaces one by name.
    validations: dict[str, tuple[Any, SourceDocument, tuple[Any, ...]]] = field(
        default_factory=dict
    )
    search: SearchDrafts = field(default_factory=SearchDrafts)


def compile_objects(
    packs: list[LoadedPack], *, functions: FunctionRegistry | None = None,
) -> tuple[dict[str, ObjectType], set[str], list[Problem]]:
    """Merge every pack's object files in order, then compile and check each object.
    ``functions`` is the DSL function registry rules compile against (default: built-ins).

    Returns the compiled objects, the names of all declared objects (compiled or not, so later
    checks do not report a broken object as missing), and the problems."""
    problems: list[Problem] = []
    drafts: dict[str, _ObjectDraft] = {}
    for pack in packs:
        for spec_file in pack.specs("objects"):
            spec = spec_file.spec
            assert isinstance(spec, ObjectSpec)
            _merge(spec, spec_file.doc, drafts, problems)
    objects: dict[str, ObjectType] = {}
    for draft in drafts.values():
        obj = _compile_object(draft, drafts, problems)
        if obj is not None:
            objects[obj.name] = obj
    objects = attach_conversations(
        objects, {name: d.values["conversation"] for name, d in drafts.items()
                  if "conversation" in d.values}, problems)
    if not problems:
        # Rules type-check against every object (references cross objects), so they compile
        # once all objects have.
        objects = attach_rules(objects, _rule_sources(drafts), problems, functions)
    return objects, set(drafts), problems


def _rule_sources(drafts: Mapping[str, _ObjectDraft]) -> dict[str, RuleSources]:
    return {
        name: RuleSources(
            computed={
                fname: (fd.values["computed"], fd.doc, (*fd.path, "computed"))
                for fname, fd in draft.fields.items()
                if fd.values.get("computed")
            },
            validations=dict(draft.validations),
        )
        for name, draft in drafts.items()
    }


def _merge(spec: ObjectSpec, doc: SourceDocument, drafts: dict[str, _ObjectDraft],
           problems: list[Problem]) -> None:
    if (spec.object is None) == (spec.extend is None):
        problems.append(Problem(
            "object_name_missing",
            "an object file needs exactly one of 'object: NAME' (a new object) or "
            "'extend: NAME' (add to a base pack's object)", doc.pos(())))
        return
    if spec.object is not None:
        name = spec.object
        if name in drafts:
            problems.append(Problem(
                "object_duplicate",
                f"object '{name}' is already declared in {drafts[name].doc.file}; "
                f"use 'extend: {name}' to add to it", doc.pos(("object",))))
            return
        draft = _ObjectDraft(name=name, doc=doc)
        drafts[name] = draft
    else:
        name = spec.extend or ""
        if name not in drafts:
            problems.append(Problem(
                "object_unknown",
                f"cannot extend unknown object '{name}'{did_you_mean(name, drafts)}",
                doc.pos(("extend",))))
            return
        draft = drafts[name]
    for key in ("label", "plural", "description", "title_field"):
        if key in spec.model_fields_set:
            draft.values[key] = getattr(spec, key)
    if spec.conversation is not None:
        draft.values["conversation"] = (spec.conversation, doc)
    for fname, fspec in spec.fields.items():
        path = ("fields", fname)
        given = {k: getattr(fspec, k) for k in fspec.model_fields_set}
        options = {o.value: (o,) for o in (fspec.options or [])}
        existing = draft.fields.get(fname)
        if existing is None:
            if spec.extend is not None and "type" not in given:
                problems.append(Problem(
                    "field_unknown",
                    f"object '{name}' has no field '{fname}' to override"
                    f"{did_you_mean(fname, draft.fields)}; a new field needs a 'type'",
                    doc.key_pos(path)))
                continue
            draft.fields[fname] = _FieldDraft(fname, given, options, doc, path)
            continue
        if "type" in given and given["type"] != existing.values.get("type"):
            problems.append(Problem(
                "field_type_change",
                f"field '{name}.{fname}' is a {existing.values.get('type')} in "
                f"{existing.doc.file}; an extending pack may not change its type",
                doc.pos((*path, "type"))))
            continue
        for key, value in given.items():
            if key == "type":
                continue
            if key not in _OVERRIDABLE:
                problems.append(Problem(
                    "field_override_forbidden",
                    f"'{key}' of field '{name}.{fname}' cannot be overridden by an extending "
                    f"pack (allowed: {', '.join(sorted(_OVERRIDABLE))})",
                    doc.key_pos((*path, key))))
            elif key == "options":
                for value, (option,) in options.items():
                    if value in existing.options:
                        # Only the keys the extending pack gives change (a label, say).
                        (base,) = existing.options[value]
                        changed = {k: getattr(option, k) for k in option.model_fields_set}
                        option = base.model_copy(update=changed)
                    existing.options[value] = (option,)
            else:
                existing.values[key] = value
    for i, ix in enumerate(spec.indexes):
        draft.indexes.append((ix, doc, ("indexes", i)))
    for i, rule in enumerate(spec.validations):
        draft.validations[rule.name] = (rule, doc, ("validations", i))
    if spec.search is not None:
        merge_search(draft.search, spec.search, doc)


def _compile_object(draft: _ObjectDraft, drafts: Mapping[str, _ObjectDraft],
                    problems: list[Problem]) -> ObjectType | None:
    before = len(problems)
    fields: dict[str, FieldDef] = {f.name: f for f in SYSTEM_FIELDS}
    for fd in draft.fields.values():
        compiled = _compile_field(draft.name, fd, drafts, problems)
        if compiled is not None:
            fields[fd.name] = compiled
    names = set(fields)
    for compiled_field in fields.values():
        old_name = compiled_field.renamed_from
        if old_name and old_name in draft.fields:
            problems.append(Problem(
                "field_renamed_from_current",
                f"field '{compiled_field.name}' says renamed_from '{old_name}', but "
                f"'{old_name}' is still a field of '{draft.name}'", compiled_field.pos))
    indexes: list[IndexDef] = []
    for ix, doc, path in draft.indexes:
        for i, fname in enumerate(ix.fields):
            if fname not in names:
                problems.append(Problem(
                    "index_unknown_field",
                    f"index on unknown field '{fname}'{did_you_mean(fname, names)}",
                    doc.pos((*path, "fields", i))))
        table = f"obj_{draft.name}"
        indexes.append(IndexDef(ix.name or index_name(table, ix.fields, ix.unique),
                                tuple(ix.fields), ix.unique))
    title_field = draft.values.get("title_field")
    if title_field is not None and title_field not in names:
        problems.append(Problem(
            "title_field_unknown",
            f"title_field '{title_field}' is not a field of '{draft.name}'"
            f"{did_you_mean(title_field, names)}", draft.doc.pos(("title_field",))))
    if title_field is None:
        title_field = next((f.name for f in fields.values()
                            if not f.system and f.type is FieldType.STRING), None)
    search, suggest = compile_search(draft.name, draft.search, fields, problems)
    if len(problems) > before:
        return None
    label = text_of(draft.values.get("label"), humanize(draft.name))
    assert label is not None
    return ObjectType(
        name=draft.name,
        label=label,
        plural=text_of(draft.values.get("plural")) or Text(label.en + "s", label.zh_cn),
        description=text_of(draft.values.get("description")),
        fields=frozen_map(fields),
        indexes=tuple(indexes),
        title_field=title_field,
        pos=draft.doc.pos(("object",)),
        search=search,
        suggest=suggest,
    )


def _compile_field(obj: str, fd: _FieldDraft, drafts: Mapping[str, _ObjectDraft],
                   problems: list[Problem]) -> FieldDef | None:
    v = fd.values
    doc, path = fd.doc, fd.path
    pos = doc.key_pos(path)
    before = len(problems)

    def bad(code: str, message: str, key: str | None = None) -> None:
        where = doc.pos((*path, key)) if key else pos
        problems.append(Problem(code, f"field '{obj}.{fd.name}': {message}", where))

    if fd.name in RESERVED_FIELD_NAMES:
        bad("field_reserved",
            f"'{fd.name}' is an engine field (reserved: {', '.join(sorted(RESERVED_FIELD_NAMES))})")
        return None
    if v.get("type") is None:
        bad("field_type_missing", "missing 'type'")
        return None
    ftype = FieldType(v["type"])
    options = tuple(
        EnumOption(spec.value, text_of(spec.label, spec.value) or Text(spec.value), spec.color)
        for (spec,) in fd.options.values()
    )
    if ftype in _ENUM_TYPES and not options:
        bad("field_options_missing", f"{_article(ftype)} {ftype} field needs 'options'")
    if fd.options and ftype not in _WITH_OPTIONS:
        bad("field_options_unexpected", f"{_article(ftype)} {ftype} field takes no 'options'",
            "options")
    target = v.get("to")
    if ftype is FieldType.REFERENCE:
        if target is None:
            bad("reference_target_missing", "a reference needs 'to: OBJECT'")
        elif target not in drafts:
            bad("reference_unknown_object",
                f"reference to unknown object '{target}'{did_you_mean(target, drafts)}", "to")
    elif target is not None or v.get("on_delete") is not None:
        bad("field_reference_keys", "'to' and 'on_delete' only apply to reference fields",
            "to" if target is not None else "on_delete")
    on_delete = v.get("on_delete") or "restrict"
    if on_delete == "set_null" and v.get("required"):
        bad("reference_set_null_required",
            "on_delete: set_null cannot clear a required field; use restrict or cascade",
            "on_delete")
    for key in ("min", "max"):
        if v.get(key) is not None and ftype not in _NUMERIC:
            bad("field_constraint_unexpected", f"'{key}' applies to integer, decimal and "
                "duration fields", key)
    for key in ("min_length", "max_length", "pattern"):
        if v.get(key) is not None and ftype not in _SIZED:
            bad("field_constraint_unexpected", f"'{key}' applies to text fields", key)
    if v.get("min") is not None and v.get("max") is not None and v["min"] > v["max"]:
        bad("field_range_empty", f"min {v['min']} is greater than max {v['max']}", "min")
    if (v.get("min_length") is not None and v.get("max_length") is not None
            and v["min_length"] > v["max_length"]):
        bad("field_range_empty", "min_length is greater than max_length", "min_length")
    for key in ("precision", "scale"):
        if v.get(key) is not None and ftype is not FieldType.DECIMAL:
            bad("field_constraint_unexpected", f"'{key}' applies to decimal fields", key)
    precision, scale = v.get("precision") or 18, v.get("scale")
    scale = 4 if scale is None else scale
    if scale > precision:
        bad("field_range_empty", f"scale {scale} is larger than precision {precision}", "scale")
    if v.get("pattern") is not None:
        try:
            re.compile(v["pattern"])
        except re.error as exc:
            bad("field_pattern_invalid", f"pattern is not a valid regular expression: {exc}",
                "pattern")
    default = v.get("default")
    if default is not None:
        _check_default(ftype, default, options, bad)
    if v.get("unique") and ftype in (FieldType.TEXT, FieldType.JSON, FieldType.MULTI_ENUM,
                                     FieldType.TAGS):
        bad("field_unique_unsupported", f"{_article(ftype)} {ftype} field cannot be unique",
            "unique")
    if v.get("required") and v.get("read_only") and default is None and not v.get("computed"):
        bad("field_required_unwritable",
            "required and read_only with no default or computed value: no create could set "
            "it; give it a default", "required")
    if len(problems) > before:
        return None
    return FieldDef(
        name=fd.name,
        type=ftype,
        label=text_of(v.get("label"), humanize(fd.name)) or Text(fd.name),
        help=text_of(v.get("help")),
        required=bool(v.get("required")),
        unique=bool(v.get("unique")),
        indexed=bool(v.get("indexed")),
        default=default,
        minimum=v.get("min"),
        maximum=v.get("max"),
        min_length=v.get("min_length"),
        max_length=v.get("max_length"),
        pattern=v.get("pattern"),
        precision=precision,
        scale=scale,
        options=options,
        reference_to=target,
        on_delete=on_delete,
        renamed_from=v.get("renamed_from"),
        read_only=bool(v.get("read_only") or v.get("computed")),
        pos=pos,
    )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _check_default(ftype: FieldType, default: Any, options: tuple[EnumOption, ...],
                   bad: Any) -> None:
    values = [o.value for o in options]
    if ftype is FieldType.ENUM:
        if str(default) not in values:
            bad("field_default_invalid",
                f"default '{default}' is not one of the options ({', '.join(values)})"
                f"{did_you_mean(str(default), values)}", "default")
    elif ftype is FieldType.MULTI_ENUM:
        items = default if isinstance(default, list) else [default]
        for item in items:
            if str(item) not in values:
                bad("field_default_invalid",
                    f"default '{item}' is not one of the options ({', '.join(values)})",
                    "default")
    elif ftype is FieldType.BOOLEAN and not isinstance(default, bool):
        bad("field_default_invalid", f"default {default!r} is not true or false", "default")
    elif ftype in (FieldType.INTEGER, FieldType.DURATION) and (
        isinstance(default, bool) or not isinstance(default, int)
    ):
        bad("field_default_invalid", f"default {default!r} is not a whole number", "default")
    elif ftype is FieldType.DECIMAL and (
        isinstance(default, bool) or not isinstance(default, int | float)
    ):
        bad("field_default_invalid", f"default {default!r} is not a number", "default")
