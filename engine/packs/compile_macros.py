"""Checking and compiling ``macros/*.yaml``: every object and field named must exist and fit
its role (a text template field, a boolean active field, a reply reference to the object, a
state field whose values are states of the workflow), reported at file:line:col."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import Problem, did_you_mean
from engine.objects.macro_definition import MacroReply, MacroSetup
from engine.objects.model import FieldType, ObjectType, frozen_map
from engine.packs.loader import LoadedPack, latest_by_name, unknown_object
from engine.packs.macro_models import MacrosSpec
from engine.packs.source import SourceDocument
from engine.workflows.state_machine import StateMachine

__all__ = ["compile_macros"]

Path = tuple[Any, ...]
_TEXTS = frozenset({FieldType.STRING, FieldType.TEXT})


class _MacroChecker:
    def __init__(self, spec: MacrosSpec, doc: SourceDocument,
                 objects: Mapping[str, ObjectType]) -> None:
        self.spec, self.doc, self.objects = spec, doc, objects
        self.problems: list[Problem] = []

    def problem(self, code: str, message: str, path: Path) -> None:
        self.problems.append(Problem(code, f"macros '{self.spec.macros}': {message}",
                                     self.doc.pos(path)))

    def field(self, obj: ObjectType, name: str, path: Path, what: str,
              types: frozenset[FieldType] | None = None) -> bool:
        f = obj.fields.get(name)
        if f is None:
            self.problem("macro_unknown_field", f"{what} names unknown field '{name}' of "
                         f"'{obj.name}'{did_you_mean(name, obj.fields)}", path)
            return False
        if types is not None and f.type not in types:
            self.problem("macro_field_type", f"{what} '{name}' is a {f.type} field; expected "
                         f"{' or '.join(sorted(str(t) for t in types))}", path)
            return False
        return True

    def object(self, name: str, path: Path) -> ObjectType | None:
        obj = self.objects.get(name)
        if obj is None:
            self.problem("macro_unknown_object", f"unknown object '{name}'"
                         f"{did_you_mean(name, self.objects)}", path)
        return obj


def compile_macros(packs: list[LoadedPack], objects: Mapping[str, ObjectType],
                   declared: set[str], workflows: Mapping[str, StateMachine]
                   ) -> tuple[dict[str, MacroSetup], list[Problem]]:
    """The packs' macro declarations by name; at most one per object."""
    chosen, problems = latest_by_name(packs, "macros", "macros")
    out: dict[str, MacroSetup] = {}
    by_object: dict[str, str] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, MacrosSpec)
        target = objects.get(spec.object)
        if target is None:
            problems += unknown_object("macros", spec.macros, spec.object, declared, doc)
            continue
        c = _MacroChecker(spec, doc, objects)
        setup = _compile(c, spec, target, workflows)
        if spec.object in by_object:
            c.problem("macro_object_taken", f"object '{spec.object}' has macros already "
                      f"('{by_object[spec.object]}'); one declaration per object",
                      ("object",))
        problems += c.problems
        if setup is not None and not c.problems:
            out[spec.macros] = setup
            by_object[spec.object] = spec.macros
    return out, problems


def _compile(c: _MacroChecker, spec: MacrosSpec, target: ObjectType,
             workflows: Mapping[str, StateMachine]) -> MacroSetup | None:
    source = c.object(spec.source, ("source",))
    if source is None:
        return None
    c.field(source, spec.name_field, ("name_field",), "name_field", _TEXTS)
    if spec.active_field is not None:
        c.field(source, spec.active_field, ("active_field",), "active_field",
                frozenset({FieldType.BOOLEAN}))
    if spec.template_field is not None:
        c.field(source, spec.template_field, ("template_field",), "template_field", _TEXTS)
        if spec.reply is None:
            c.problem("macro_reply_missing", "a template_field needs a 'reply:' saying what "
                      "record the rendered text becomes", ("template_field",))
    for macro_field, record_field in spec.match.items():
        c.field(source, macro_field, ("match", macro_field), "match")
        c.field(target, record_field, ("match", macro_field), "match")
    for record_field, macro_field in spec.changes.items():
        if c.field(target, record_field, ("changes", record_field), "changes") and \
                c.field(source, macro_field, ("changes", record_field), "changes"):
            want, have = target.fields[record_field].type, source.fields[macro_field].type
            if want != have and not (want is FieldType.ENUM and have in _TEXTS):
                c.problem("macro_field_type", f"changes: '{macro_field}' is a {have} field "
                          f"and cannot set {want} field '{record_field}'",
                          ("changes", record_field))
    if spec.state_field is not None and c.field(source, spec.state_field, ("state_field",),
                                                "state_field"):
        machine = next((w for w in workflows.values() if w.object == target.name), None)
        if machine is None:
            c.problem("macro_field_type", f"state_field: '{target.name}' has no workflow",
                      ("state_field",))
        else:
            options = source.fields[spec.state_field].options
            unknown = [o.value for o in options if o.value not in machine.states]
            if unknown:
                c.problem("macro_field_type", f"state_field '{spec.state_field}' offers "
                          f"{', '.join(unknown)}, not states of workflow '{machine.name}'",
                          ("state_field",))
    reply = None
    if spec.reply is not None:
        reply = _reply(c, spec, target, source)
    return MacroSetup(
        name=spec.macros, object=target.name, source=source.name,
        name_field=spec.name_field, active_field=spec.active_field,
        match=frozen_map(spec.match), template_field=spec.template_field,
        changes=frozen_map(spec.changes), state_field=spec.state_field, reply=reply,
        pos=c.doc.pos(("macros",)))


def _reply(c: _MacroChecker, spec: MacrosSpec, target: ObjectType,
           source: ObjectType) -> MacroReply | None:
    r = spec.reply
    assert r is not None
    obj = c.object(r.object, ("reply", "object"))
    if obj is None:
        return None
    if c.field(obj, r.link, ("reply", "link"), "reply link") and \
            obj.fields[r.link].reference_to != target.name:
        c.problem("macro_field_type", f"reply link '{r.link}' does not refer to "
                  f"'{target.name}'", ("reply", "link"))
    c.field(obj, r.body, ("reply", "body"), "reply body", _TEXTS)
    if r.author is not None:
        c.field(obj, r.author, ("reply", "author"), "reply author", _TEXTS)
    for name in r.values:
        c.field(obj, name, ("reply", "values", name), "reply values")
    for name, macro_field in r.from_macro.items():
        c.field(obj, name, ("reply", "from_macro", name), "reply from_macro")
        c.field(source, macro_field, ("reply", "from_macro", name), "reply from_macro")
    return MacroReply(object=obj.name, link=r.link, body=r.body, author=r.author,
                      values=frozen_map(dict(r.values)), from_macro=frozen_map(r.from_macro))
