"""Checking and compiling ``views/*.yaml`` and ``related/*.yaml``.

Every object, field, column, sort key, role and SLA metric a view names must exist; its filter
must type-check as a boolean over the object (``user`` as the pack declares it) and stay inside
the subset that runs as SQL. Each mistake is reported at its file, line and column.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from engine.errors import DslError, Problem, did_you_mean
from engine.objects.dsl_types import record_types
from engine.objects.filter_sql import unsupported_part
from engine.objects.model import FieldType, ObjectType, Text
from engine.objects.permissions import RecordFilter
from engine.objects.view_definition import (
    Aggregate,
    RelatedSection,
    RelatedView,
    SlaState,
    SortOrder,
    View,
)
from engine.packs.compile_rules import dsl_problem
from engine.packs.compile_workflows import dsl_text
from engine.packs.loader import LoadedPack, latest_by_name, unknown_object
from engine.packs.models import DslText, Label
from engine.packs.source import SourceDocument
from engine.packs.view_models import RelatedSectionSpec, RelatedSpec, ViewSlaSpec, ViewSpec
from engine.rules_dsl import BOOLEAN, FunctionRegistry, RecordType, TypeEnv, compile_expression
from engine.rules_dsl import parse as parse_dsl
from engine.workflows.sla import SlaDefinition

__all__ = ["compile_views", "compile_related"]

Path = tuple[Any, ...]
_UNSORTABLE = frozenset({FieldType.MULTI_ENUM, FieldType.TAGS, FieldType.JSON})
_TEAM_FIELD_TYPES = frozenset({FieldType.STRING, FieldType.ENUM})
_AVERAGED = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.DURATION})
_DATES = frozenset({FieldType.DATE, FieldType.DATETIME})


class _Checker:
    """The checks one file's parts share; problems are collected, none raised."""

    def __init__(self, kind: str, name: str, doc: SourceDocument,
                 objects: Mapping[str, ObjectType], user_type: RecordType,
                 slas: Mapping[str, SlaDefinition], functions: FunctionRegistry | None) -> None:
        self.kind, self.name, self.doc = kind, name, doc
        self.objects, self.user_type, self.functions = objects, user_type, functions
        self.records = record_types(objects)
        self.slas = {s.object: s for s in slas.values()}
        self.problems: list[Problem] = []

    def problem(self, code: str, message: str, path: Path) -> None:
        self.problems.append(Problem(code, f"{self.kind} '{self.name}': {message}",
                                     self.doc.pos(path)))

    def field(self, obj: ObjectType, name: str, path: Path, what: str) -> bool:
        if name in obj.fields:
            return True
        self.problem(f"{self.kind}_unknown_field",
                     f"{what} names unknown field '{name}' of '{obj.name}'"
                     f"{did_you_mean(name, obj.fields)}", path)
        return False

    def columns(self, obj: ObjectType, names: list[str], path: Path) -> tuple[str, ...]:
        for i, name in enumerate(names):
            self.field(obj, name, (*path, i), "columns")
        return tuple(names)

    def sort(self, obj: ObjectType, text: str, path: Path) -> SortOrder:
        keys: list[tuple[str, bool]] = []
        for part in (p.strip() for p in text.split(",")):
            name = part.removeprefix("-")
            if not name or not self.field(obj, name, path, "sort"):
                if not name:
                    self.problem(f"{self.kind}_invalid_sort",
                                 "sort is field names separated by commas, e.g. "
                                 "'-updated_at,id'", path)
                continue
            if obj.fields[name].type in _UNSORTABLE:
                self.problem(f"{self.kind}_invalid_sort",
                             f"cannot sort by {obj.fields[name].type} field '{name}'", path)
                continue
            keys.append((name, part.startswith("-")))
        return tuple(keys)

    def filter(self, obj: ObjectType, given: DslText, path: Path) -> RecordFilter | None:
        source = dsl_text(given)
        env = TypeEnv.for_record(self.records, obj.name, user_type=self.user_type)
        what = f"{self.kind} '{self.name}': filter on '{obj.name}'"
        try:
            check = compile_expression(source, env, expected=BOOLEAN, functions=self.functions)
        except DslError as exc:
            self.problems.append(dsl_problem(exc, self.doc, path, what))
            return None
        tree = parse_dsl(source)
        unsupported = unsupported_part(tree, obj, self.objects)
        if unsupported is not None:
            node, why = unsupported
            self.problems.append(Problem(
                f"{self.kind}_filter_unsupported",
                f"{what}: this part cannot run as a database filter: {why}",
                self.doc.expression_pos(path, node.line, node.col)))
            return None
        return RecordFilter(source, tree, check, self.doc.pos(path))

    def sla(self, obj: ObjectType, given: str | ViewSlaSpec, path: Path) -> SlaState | None:
        spec = given if isinstance(given, ViewSlaSpec) else ViewSlaSpec.model_validate(
            {"state": given})
        definition = self.slas.get(obj.name)
        if definition is None:
            self.problem(f"{self.kind}_unknown_sla_metric",
                         f"object '{obj.name}' has no SLA (sla/), so no clock to read", path)
            return None
        if spec.metric is not None and spec.metric not in definition.metrics:
            self.problem(f"{self.kind}_unknown_sla_metric",
                         f"unknown SLA metric '{spec.metric}' of sla '{definition.name}'"
                         f"{did_you_mean(spec.metric, definition.metrics)}; metrics: "
                         f"{', '.join(definition.metrics)}", (*path, "metric"))
            return None
        return SlaState(spec.state, spec.metric)

    def roles(self, roles: list[str], known: Collection[str], path: Path) -> tuple[str, ...]:
        for i, role in enumerate(roles):
            if role not in known:
                self.problem(f"{self.kind}_unknown_role",
                             f"roles names unknown role '{role}'{did_you_mean(role, known)}; "
                             f"roles: {', '.join(known)}", (*path, i))
        return tuple(roles)


def compile_views(
    packs: list[LoadedPack], objects: Mapping[str, ObjectType], declared: set[str],
    slas: Mapping[str, SlaDefinition], roles: Collection[str], user_type: RecordType,
    functions: FunctionRegistry | None = None,
) -> tuple[dict[str, View], list[Problem]]:
    """The packs' views by name (a later pack's view replaces a base pack's of that name)."""
    chosen, problems = latest_by_name(packs, "views", "view")
    views: dict[str, View] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, ViewSpec)
        obj = objects.get(spec.object)
        if obj is None:
            problems += unknown_object("view", spec.view, spec.object, declared, doc)
            continue
        c = _Checker("view", spec.view, doc, objects, user_type, slas, functions)
        view_filter = c.filter(obj, spec.filter, ("filter",)) if spec.filter is not None else None
        sla = c.sla(obj, spec.sla, ("sla",)) if spec.sla is not None else None
        sort = c.sort(obj, spec.sort, ("sort",))
        columns = c.columns(obj, spec.columns, ("columns",))
        view_roles = c.roles(spec.roles, roles, ("roles",))
        if spec.per is not None and c.field(obj, spec.per, ("per",), "per") \
                and obj.fields[spec.per].type not in _TEAM_FIELD_TYPES:
            c.problem("view_per_field_type",
                      f"per names {obj.fields[spec.per].type} field '{spec.per}'; it must be a "
                      "string or enum field holding a team's name", ("per",))
        problems += c.problems
        if c.problems:
            continue
        views[spec.view] = View(
            name=spec.view, object=obj.name, label=_text(spec.label), filter=view_filter,
            sla=sla, sort=sort, columns=columns, roles=view_roles, per=spec.per,
            refresh_seconds=spec.refresh_seconds, order=spec.order, pos=doc.pos(("view",)))
    return views, problems


def _text(label: Label) -> Text:
    return Text(label.en, label.zh_CN)


def compile_related(
    packs: list[LoadedPack], objects: Mapping[str, ObjectType], declared: set[str],
    slas: Mapping[str, SlaDefinition], roles: Collection[str], user_type: RecordType,
    functions: FunctionRegistry | None = None,
) -> tuple[dict[str, RelatedView], list[Problem]]:
    """The packs' related views by name."""
    chosen, problems = latest_by_name(packs, "related", "related")
    out: dict[str, RelatedView] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, RelatedSpec)
        obj = objects.get(spec.object)
        if obj is None:
            problems += unknown_object("related", spec.related, spec.object, declared, doc)
            continue
        c = _Checker("related", spec.related, doc, objects, user_type, slas, functions)
        related_roles = c.roles(spec.roles, roles, ("roles",))
        sections: list[RelatedSection] = []
        seen: set[str] = set()
        for i, section in enumerate(spec.sections):
            path = ("sections", i)
            if section.name in seen:
                c.problem("related_duplicate_section",
                          f"two sections are named '{section.name}'", (*path, "name"))
            seen.add(section.name)
            compiled = _section(c, obj, section, path, declared)
            if compiled is not None:
                sections.append(compiled)
        problems += c.problems
        if c.problems:
            continue
        out[spec.related] = RelatedView(
            name=spec.related, object=obj.name, label=_text(spec.label),
            sections=tuple(sections), roles=related_roles, pos=doc.pos(("related",)))
    return out, problems


def _via(c: _Checker, shown: ObjectType, target: ObjectType, via: str, path: Path) -> None:
    """``via`` is a reference of ``target`` to ``shown``, or a chain of references
    (``parent.owner``) ending at ``shown``."""
    obj = target
    for name in via.split("."):
        if not c.field(obj, name, path, "via"):
            return
        to = obj.fields[name].reference_to
        if to is None or to not in c.objects:
            c.problem("related_link_type", f"via: '{obj.name}.{name}' is not a reference", path)
            return
        obj = c.objects[to]
    if obj.name != shown.name:
        c.problem("related_link_type", f"via names '{target.name}.{via}', which does not refer "
                  f"to '{shown.name}'", path)


def _section(c: _Checker, shown: ObjectType, spec: RelatedSectionSpec, path: Path,
             declared: set[str]) -> RelatedSection | None:
    target = c.objects.get(spec.object)
    if target is None:
        if spec.object not in declared:
            c.problem("related_unknown_object",
                      f"section '{spec.name}' is for unknown object '{spec.object}'"
                      f"{did_you_mean(spec.object, c.objects)}", (*path, "object"))
        return None
    before = len(c.problems)
    if (spec.via is None) == (spec.through is None):
        c.problem("related_link_missing",
                  f"section '{spec.name}': give 'via' (a reference of '{target.name}' to "
                  f"'{shown.name}') or 'through' (a reference of '{shown.name}' to "
                  f"'{target.name}'), one of them", path)
    elif spec.via is not None:
        _via(c, shown, target, spec.via, (*path, "via"))
    elif spec.through is not None and c.field(shown, spec.through, (*path, "through"),
                                              "through") \
            and shown.fields[spec.through].reference_to != target.name:
        c.problem("related_link_type",
                  f"through names '{shown.name}.{spec.through}', which does not refer to "
                  f"'{target.name}'", (*path, "through"))
    section_filter = (c.filter(target, spec.filter, (*path, "filter"))
                      if spec.filter is not None else None)
    sla = c.sla(target, spec.sla, (*path, "sla")) if spec.sla is not None else None
    sort = c.sort(target, spec.sort, (*path, "sort"))
    columns = c.columns(target, spec.columns, (*path, "columns"))
    aggregate = None
    if spec.aggregate is not None:
        a, where = spec.aggregate, (*path, "aggregate")
        if c.field(target, a.by, (*where, "by"), "aggregate by") \
                and target.fields[a.by].type not in _DATES:
            c.problem("related_aggregate_field_type",
                      f"aggregate by '{a.by}': a date or datetime field is needed", (*where, "by"))
        if a.function == "avg":
            if a.field is None:
                c.problem("related_aggregate_field_type", "avg needs a 'field' to average",
                          where)
            elif c.field(target, a.field, (*where, "field"), "aggregate field") \
                    and target.fields[a.field].type not in _AVERAGED:
                c.problem("related_aggregate_field_type",
                          f"avg of {target.fields[a.field].type} field '{a.field}': an "
                          "integer, decimal or duration field is needed", (*where, "field"))
        if len(c.problems) == before:
            aggregate = Aggregate(a.function, a.by, str(target.fields[a.by].type), a.months,
                                  a.field)
    if len(c.problems) > before:
        return None
    return RelatedSection(
        name=spec.name, label=_text(spec.label), object=target.name,
        via=spec.via, through=spec.through, filter=section_filter, sla=sla, sort=sort,
        limit=spec.limit, columns=columns, aggregate=aggregate)
