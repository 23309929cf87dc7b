"""Checking and compiling ``reports/*.yaml`` into :class:`Report`s.

Every field a report names must exist and fit its use (a bucket on a datetime, an average of a
number or duration, an NPS of an integer), every filter must type-check as a boolean over the
object and stay in the subset that runs as SQL, every SLA metric must be one of the object's
SLA, every role must exist; each mistake is reported at its file, line and column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from engine.errors import DslError, Problem, did_you_mean
from engine.objects.dsl_types import record_types
from engine.objects.filter_sql import unsupported_part
from engine.objects.model import FieldDef, FieldType, ObjectType, Text
from engine.objects.report_definition import (
    AGE,
    BUCKET,
    FIELD,
    Condition,
    Dimension,
    Measure,
    Report,
    ReportFilter,
    SlaCondition,
)
from engine.packs.compile_objects import text_of
from engine.packs.compile_rules import dsl_problem
from engine.packs.compile_workflows import dsl_text
from engine.packs.loader import LoadedPack, latest_by_name, unknown_object
from engine.packs.models import DslText
from engine.packs.report_models import (
    ReportGroupSpec,
    ReportMeasureSpec,
    ReportSlaSpec,
    ReportSpec,
)
from engine.packs.source import SourceDocument
from engine.rules_dsl import BOOLEAN, RecordType, TypeEnv, compile_expression, parse
from engine.rules_dsl.functions import FunctionRegistry
from engine.rules_dsl.nodes import Name, Node
from engine.rules_dsl.parser import parse_duration_text
from engine.workflows.sla import SlaDefinition

__all__ = ["compile_reports"]

Path = tuple[Any, ...]

_DATES = frozenset({FieldType.DATE, FieldType.DATETIME})
_NUMBERS = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.DURATION})
#: Fields whose values cannot make groups (lists, documents, long text).
_UNGROUPABLE = frozenset({FieldType.MULTI_ENUM, FieldType.TAGS, FieldType.JSON,
                          FieldType.TEXT})


def compile_reports(
    packs: list[LoadedPack],
    objects: Mapping[str, ObjectType],
    declared: set[str],
    slas: Mapping[str, SlaDefinition],
    roles: Collection[str],
    user_type: RecordType,
    functions: FunctionRegistry | None = None,
    *,
    calendars: Collection[str] = (),
) -> tuple[dict[str, Report], list[Problem]]:
    """Compile every pack's reports (a later pack's replaces one of the same name) against
    ``objects``; ``declared`` names objects that exist but failed to compile (not reported
    twice), ``roles`` the roles a report may name (``admin`` among them), ``user_type``
    what ``user.<x>`` holds, ``calendars`` the business calendars a measure may name."""
    chosen, problems = latest_by_name(packs, "reports", "report")
    records = record_types(objects)
    out: dict[str, Report] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, ReportSpec)
        obj = objects.get(spec.object)
        if obj is None:
            problems += unknown_object("report", spec.report, spec.object, declared, doc)
            continue
        sla = next((s for s in slas.values() if s.object == obj.name), None)
        compiler = _ReportCompiler(spec, doc, obj, objects, records, user_type, sla, functions)
        compiler.calendars = frozenset(calendars)
        report = compiler.compile(roles)
        problems += compiler.problems
        if report is not None:
            out[report.name] = report
    return out, problems


def _names_in(node: Any) -> set[str]:
    """The bare names a DSL tree reads (the first step of every field path)."""
    if isinstance(node, Name):
        return {node.name}
    found: set[str] = set()
    if isinstance(node, Node):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for item in value if isinstance(value, tuple) else (value,):
                found |= _names_in(item)
    return found


class _ReportCompiler:
    """One report file: each check appends its problems; ``compile`` returns ``None`` when
    there were any."""

    def __init__(self, spec: ReportSpec, doc: SourceDocument, obj: ObjectType,
                 objects: Mapping[str, ObjectType], records: Mapping[str, RecordType],
                 user_type: RecordType, sla: SlaDefinition | None,
                 functions: FunctionRegistry | None) -> None:
        self.spec, self.doc, self.obj, self.objects = spec, doc, obj, objects
        self.env = TypeEnv.for_record(records, obj.name, user_type=user_type)
        self.sla, self.functions = sla, functions
        self.problems: list[Problem] = []
        self.fields: set[str] = set()
        self.sla_metrics: list[str] = []
        self.calendars: frozenset[str] = frozenset()

    def problem(self, code: str, message: str, path: Path, *, key: bool = False) -> None:
        pos = self.doc.key_pos(path) if key else self.doc.pos(path)
        self.problems.append(Problem(code, f"report '{self.spec.report}': {message}", pos))

    def field(self, name: str, path: Path, what: str) -> FieldDef | None:
        f = self.obj.fields.get(name)
        if f is None:
            self.problem("report_unknown_field",
                         f"{what} names unknown field '{name}' of '{self.obj.name}'"
                         f"{did_you_mean(name, self.obj.fields)}", path)
            return None
        self.fields.add(name)
        return f

    def compile(self, roles: Collection[str]) -> Report | None:
        spec = self.spec
        date_type = None
        if spec.date_field is not None:
            f = self.field(spec.date_field, ("date_field",), "date_field")
            if f is not None and f.type not in _DATES:
                self.problem("report_field_type", f"date_field '{f.name}' is a {f.type} field; "
                             "it must be a date or datetime field", ("date_field",))
            elif f is not None:
                date_type = str(f.type)
        report_filter = (self.filter(spec.filter, ("filter",), "filter")
                         if spec.filter is not None else None)
        dimensions = [d for i, g in enumerate(spec.group_by)
                      if (d := self.dimension(g, ("group_by", i))) is not None]
        measures = [m for i, ms in enumerate(spec.measures)
                    if (m := self.measure(ms, ("measures", i))) is not None]
        seen: dict[str, str] = {}
        names = [("group_by", i, d.name) for i, d in enumerate(dimensions)]
        names += [("measures", i, m.name) for i, m in enumerate(measures)]
        for kind, i, name in names:
            if name in seen:
                self.problem("report_duplicate_column",
                             f"two columns are named '{name}' (also in {seen[name]}); give "
                             "one a 'name:'", (kind, i))
            seen[name] = kind
        known = tuple(roles)
        for i, role in enumerate(spec.roles):
            if role not in known:
                self.problem("report_unknown_role", f"roles names unknown role '{role}'"
                             f"{did_you_mean(role, known)}; roles: {', '.join(known)}",
                             ("roles", i))
        if self.problems:
            return None
        return Report(
            name=spec.report, object=self.obj.name,
            label=text_of(spec.label) or Text(spec.report),
            description=text_of(spec.description), date_field=spec.date_field,
            date_type=date_type, filter=report_filter, dimensions=tuple(dimensions),
            measures=tuple(measures), roles=tuple(spec.roles),
            fields=frozenset(self.fields), sla_metrics=tuple(self.sla_metrics),
            pos=self.doc.pos(("report",)))

    # -- filters and conditions ------------------------------------------------------------

    def filter(self, given: DslText, path: Path, what: str) -> ReportFilter | None:
        source = dsl_text(given)
        try:
            compile_expression(source, self.env, expected=BOOLEAN, functions=self.functions)
        except DslError as exc:
            self.problems.append(dsl_problem(exc, self.doc, path,
                                             f"report '{self.spec.report}': {what}"))
            return None
        tree = parse(source)
        unsupported = unsupported_part(tree, self.obj, self.objects)
        if unsupported is not None:
            node, why = unsupported
            self.problems.append(Problem(
                "report_filter_unsupported",
                f"report '{self.spec.report}': {what}: this part cannot run as a database "
                f"filter: {why}", self.doc.expression_pos(path, node.line, node.col)))
            return None
        self.fields.update(n for n in _names_in(tree) if n in self.obj.fields)
        return ReportFilter(source, tree)

    def sla_condition(self, spec: ReportSlaSpec, path: Path) -> SlaCondition | None:
        if self.sla is None:
            self.problem("report_unknown_sla_metric",
                         f"object '{self.obj.name}' has no SLA (sla/), so no clock of "
                         f"'{spec.metric}' to read", (*path, "metric"))
            return None
        if spec.metric not in self.sla.metrics:
            self.problem("report_unknown_sla_metric",
                         f"unknown SLA metric '{spec.metric}' of sla '{self.sla.name}'"
                         f"{did_you_mean(spec.metric, self.sla.metrics)}; metrics: "
                         f"{', '.join(self.sla.metrics)}", (*path, "metric"))
            return None
        if spec.metric not in self.sla_metrics:
            self.sla_metrics.append(spec.metric)
        outcomes = spec.outcome if isinstance(spec.outcome, list) else [spec.outcome]
        return SlaCondition(spec.metric, tuple(dict.fromkeys(outcomes)))

    def condition(self, where: DslText | None, sla: ReportSlaSpec | None, path: Path,
                  what: str) -> Condition:
        return Condition(
            where=self.filter(where, (*path, "where"), what) if where is not None else None,
            sla=self.sla_condition(sla, (*path, "sla")) if sla is not None else None)

    # -- dimensions --------------------------------------------------------------------------

    def dimension(self, spec: ReportGroupSpec, path: Path) -> Dimension | None:
        if (spec.field is None) == (spec.age is None):
            self.problem("report_group_invalid", "a group_by entry gives 'field' (with an "
                         "optional 'bucket') or 'age' (with 'buckets'), one of the two", path)
            return None
        if spec.age is not None:
            return self.age_dimension(spec, spec.age, path)
        assert spec.field is not None
        if spec.buckets is not None:
            self.problem("report_group_invalid", "'buckets' goes with 'age' (ranges of how "
                         "long ago); use 'bucket' (day, week, month) with 'field'",
                         (*path, "buckets"), key=True)
            return None
        f = self.field(spec.field, (*path, "field"), "group_by")
        if f is None:
            return None
        label = text_of(spec.label) or f.label
        name = spec.name or f.name
        if spec.bucket is not None:
            if f.type not in _DATES:
                self.problem("report_field_type", f"group_by field '{f.name}' is a {f.type} "
                             f"field; 'bucket: {spec.bucket}' needs a date or datetime field",
                             (*path, "bucket"))
                return None
            return Dimension(name=name, label=label, kind=BUCKET, field=f.name, type="date",
                             bucket=spec.bucket)
        if f.type in _UNGROUPABLE:
            self.problem("report_field_type", f"group_by field '{f.name}' is a {f.type} "
                         "field, whose values cannot make groups; group by an enum, string, "
                         "reference, number, boolean or date field", (*path, "field"))
            return None
        options = tuple((o.value, o.label) for o in f.options)
        return Dimension(name=name, label=label, kind=FIELD, field=f.name, type=str(f.type),
                         options=options)

    def age_dimension(self, spec: ReportGroupSpec, age: str, path: Path) -> Dimension | None:
        if spec.bucket is not None:
            self.problem("report_group_invalid", "'bucket' goes with 'field'; an 'age' "
                         "dimension takes 'buckets' (e.g. [1d, 3d, 7d])", (*path, "bucket"),
                         key=True)
            return None
        f = self.field(age, (*path, "age"), "group_by age")
        if f is None:
            return None
        if f.type not in _DATES:
            self.problem("report_field_type", f"group_by age field '{f.name}' is a {f.type} "
                         "field; it must be a date or datetime field", (*path, "age"))
            return None
        texts = spec.buckets or []
        bounds = [parse_duration_text(t) for t in texts]
        if not texts or any(b is None or b.total_seconds() <= 0 for b in bounds) or any(
                a >= b for a, b in zip(bounds, bounds[1:], strict=False)):  # type: ignore[operator]
            self.problem("report_group_invalid", "an 'age' dimension needs 'buckets': "
                         "positive durations in ascending order, e.g. [1d, 3d, 7d, 30d]",
                         (*path, "buckets") if texts else path)
            return None
        labels = (f"<{texts[0]}", *(f"{a}-{b}" for a, b in zip(texts, texts[1:], strict=False)),
                  f">={texts[-1]}")
        return Dimension(
            name=spec.name or "age", label=text_of(spec.label) or Text("Age", "时长"),
            kind=AGE, field=f.name, type="string",
            bounds=tuple(b for b in bounds if b is not None), labels=labels,
            options=tuple((text, Text(text)) for text in labels))

    # -- measures ----------------------------------------------------------------------------

    def measure(self, spec: ReportMeasureSpec, path: Path) -> Measure | None:
        before = len(self.problems)
        agg = spec.agg
        what = f"measure '{spec.name}'"

        def invalid(message: str, key: str | None = None) -> None:
            self.problem("report_measure_invalid", f"{what}: {message}",
                         (*path, key) if key else path, key=key is not None)

        if spec.field is not None and spec.duration is not None:
            invalid("give 'field' or 'duration', not both", "duration")
        takes_value = agg in ("sum", "avg", "min", "max", "nps")
        if takes_value and spec.field is None and (spec.duration is None or agg == "nps"):
            needs = "'field' (an integer from 0 to 10)" if agg == "nps" else (
                "'field' (a number or duration) or 'duration: [start, end]'")
            invalid(f"'{agg}' needs {needs}")
        if not takes_value:
            for key in ("field", "duration"):
                if getattr(spec, key) is not None:
                    invalid(f"'{agg}' takes no '{key}'", key)
        if agg == "nps" and spec.duration is not None:
            invalid("'nps' takes no 'duration'", "duration")
        if agg == "percent" and spec.where is None and spec.sla is None:
            invalid("'percent' needs 'where' and/or 'sla': the records counted as a hit")
        if spec.of is not None and agg != "percent":
            invalid("'of' applies to 'percent' only", "of")
        field_type, scale = None, None
        if spec.field is not None:
            f = self.field(spec.field, (*path, "field"), what)
            if f is not None:
                field_type = str(f.type)
                scale = f.scale if f.type is FieldType.DECIMAL else None
                fits = (f.type is FieldType.INTEGER if agg == "nps"
                        else f.type in _NUMBERS)
                if takes_value and not fits:
                    wanted = "an integer field" if agg == "nps" else (
                        "an integer, decimal or duration field")
                    self.problem("report_field_type",
                                 f"{what}: '{agg}' of {f.type} field '{f.name}' does not "
                                 f"compute; it needs {wanted}", (*path, "field"))
        duration = None
        if spec.duration is not None:
            for i, name in enumerate(spec.duration):
                f = self.field(name, (*path, "duration", i), what)
                if f is not None and f.type not in _DATES:
                    self.problem("report_field_type",
                                 f"{what}: duration from/to field '{f.name}' is a {f.type} "
                                 "field; it must be a date or datetime field",
                                 (*path, "duration", i))
            duration = (spec.duration[0], spec.duration[1])
        is_duration = duration is not None or field_type == "duration"
        if spec.currency is not None and not (
                field_type == "decimal" and agg in ("sum", "avg", "min", "max")):
            invalid("'currency' applies to the sum, avg, min or max of a decimal field",
                    "currency")
        if spec.calendar is not None:
            if duration is None or agg not in ("sum", "avg", "min", "max"):
                invalid("'calendar' applies to the sum, avg, min or max of a "
                        "'duration: [start, end]'", "calendar")
            elif spec.calendar not in self.calendars:
                self.problem("report_unknown_calendar",
                             f"{what}: no calendar '{spec.calendar}'"
                             f"{did_you_mean(spec.calendar, sorted(self.calendars))}",
                             (*path, "calendar"))
        if spec.unit is not None and not is_duration:
            invalid("'unit' applies to durations (a 'duration' or a duration field)", "unit")
        when = self.condition(spec.where, spec.sla, path, what)
        of = (self.condition(spec.of.where, spec.of.sla, (*path, "of"), f"{what} of")
              if spec.of is not None else Condition())
        if len(self.problems) > before:
            return None
        unit = spec.unit or ("hours" if duration is not None else
                             "seconds" if is_duration else None)
        return Measure(
            name=spec.name, label=text_of(spec.label) or Text(spec.name), agg=agg,
            field=spec.field, field_type=field_type, duration=duration, unit=unit,
            when=when, of=of, decimals=spec.decimals, scale=scale, currency=spec.currency,
            calendar=spec.calendar)

