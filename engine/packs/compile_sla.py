"""Checking and compiling ``sla/*.yaml`` into :class:`SlaDefinition`s.

Conditions are type-checked against the object (with ``old`` and ``changed()`` available),
calendars and state categories are checked against the pack, and every metric a policy
targets must be declared; each mistake is reported at its file, line and column.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from engine.errors import DslError, Problem, did_you_mean
from engine.objects.dsl_types import record_types
from engine.objects.model import ObjectType, Text, frozen_map
from engine.packs.compile_objects import text_of
from engine.packs.compile_rules import dsl_problem
from engine.packs.compile_workflows import dsl_text
from engine.packs.loader import LoadedPack, latest_by_name, unknown_object
from engine.packs.models import DslText
from engine.packs.sla_models import SlaMetricSpec, SlaSpec
from engine.packs.source import SourceDocument
from engine.rules_dsl import BOOLEAN, CompiledExpression, TypeEnv, compile_expression
from engine.rules_dsl.functions import FunctionRegistry
from engine.rules_dsl.parser import parse_duration_text
from engine.workflows.sla import Condition, SlaDefinition, SlaMetric, SlaPolicy
from engine.workflows.state_machine import StateMachine

__all__ = ["compile_sla"]


def compile_sla(
    packs: list[LoadedPack],
    objects: Mapping[str, ObjectType],
    declared: set[str],
    workflows: Mapping[str, StateMachine],
    calendars: Collection[str],
    functions: FunctionRegistry | None = None,
) -> tuple[dict[str, SlaDefinition], list[Problem]]:
    """Compile every pack's SLAs (a later pack's replaces one of the same name); an object has
    at most one."""
    chosen, problems = latest_by_name(packs, "sla", "sla")
    records = record_types(objects)
    machines = {m.object: m for m in workflows.values()}
    out: dict[str, SlaDefinition] = {}
    owners: dict[str, str] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, SlaSpec)
        if spec.object not in objects:
            problems += unknown_object("sla", spec.sla, spec.object, declared, doc)
            continue
        if spec.object in owners:
            problems.append(Problem(
                "sla_duplicate_object",
                f"object '{spec.object}' already has sla '{owners[spec.object]}'; an object has "
                "at most one (put several policies in it)", doc.pos(("object",))))
            continue
        env = TypeEnv.for_record(records, spec.object, change_context=True)
        definition = _Compiler(spec, doc, env, machines.get(spec.object), calendars,
                               functions, problems).compile()
        if definition is not None:
            owners[spec.object] = spec.sla
            out[spec.sla] = definition
    return out, problems


class _Compiler:
    def __init__(self, spec: SlaSpec, doc: SourceDocument, env: TypeEnv,
                 machine: StateMachine | None, calendars: Collection[str],
                 functions: FunctionRegistry | None, problems: list[Problem]) -> None:
        self.spec, self.doc, self.env, self.machine = spec, doc, env, machine
        self.calendars, self.functions, self.problems = calendars, functions, problems
        self.before = len(problems)

    def bad(self, code: str, message: str, path: tuple[Any, ...]) -> None:
        self.problems.append(Problem(code, f"sla '{self.spec.sla}': {message}",
                                     self.doc.pos(path)))

    def compile(self) -> SlaDefinition | None:
        spec = self.spec
        self.calendar(spec.calendar, ("calendar",))
        metrics = {name: self.metric(name, m, ("metrics", name))
                   for name, m in spec.metrics.items()}
        policies = []
        for i, p in enumerate(spec.policies):
            path = ("policies", i)
            calendar = p.calendar or spec.calendar
            if p.calendar is not None:
                self.calendar(p.calendar, (*path, "calendar"))
            targets = {}
            for metric, text in p.targets.items():
                if metric not in spec.metrics:
                    self.bad("sla_unknown_metric",
                             f"policy '{p.name}' targets unknown metric '{metric}'"
                             f"{did_you_mean(metric, spec.metrics)}; metrics: "
                             f"{', '.join(spec.metrics)}", (*path, "targets", metric))
                    continue
                duration = parse_duration_text(text.lstrip("-"))
                if duration is None or text.startswith("-") or not duration:
                    self.bad("sla_bad_target",
                             f"policy '{p.name}': target '{text}' of '{metric}' must be a "
                             "positive duration (15m, 4h, 5d)", (*path, "targets", metric))
                    continue
                targets[metric] = duration
            when = (self.condition(p.when, (*path, "when"), f"policy '{p.name}' when")
                    if p.when is not True else None)
            policies.append(SlaPolicy(p.name, text_of(p.label, p.name) or Text(p.name), when,
                                      calendar, frozen_map(targets)))
        names = [p.name for p in spec.policies]
        for i, name in enumerate(names):
            if name in names[:i]:
                self.bad("sla_duplicate_policy", f"two policies are named '{name}'",
                         ("policies", i, "name"))
        if len(self.problems) > self.before:
            return None
        return SlaDefinition(
            spec.sla, spec.object, text_of(spec.label, spec.sla) or Text(spec.sla),
            frozen_map({n: m for n, m in metrics.items() if m is not None}), tuple(policies),
            pos=self.doc.pos(("sla",)))

    def calendar(self, name: str, path: tuple[Any, ...]) -> None:
        if name not in self.calendars:
            self.bad("sla_unknown_calendar",
                     f"unknown calendar '{name}'{did_you_mean(name, self.calendars)}", path)

    def condition(self, text: DslText, path: tuple[Any, ...],
                  what: str) -> CompiledExpression | None:
        try:
            return compile_expression(dsl_text(text), self.env, expected=BOOLEAN,
                                      functions=self.functions)
        except DslError as exc:
            self.problems.append(dsl_problem(exc, self.doc, path,
                                             f"sla '{self.spec.sla}': {what}"))
            return None

    def categories(self, given: Sequence[str], path: tuple[Any, ...]) -> frozenset[str]:
        if given and self.machine is None:
            self.bad("sla_no_workflow",
                     f"state categories need a workflow, and object '{self.spec.object}' has "
                     "none; use a condition instead", path)
        return frozenset(given)

    def metric(self, name: str, m: SlaMetricSpec, path: tuple[Any, ...]) -> SlaMetric | None:
        def cond(key: str, categories: Sequence[str] = ()) -> Condition:
            text = getattr(m, key)
            expression = (self.condition(text, (*path, key), f"metric '{name}' {key}")
                          if text is not None else None)
            cats = self.categories(categories, (*path, f"{key}_in"))
            return Condition(expression, cats)

        warnings = sorted(set(m.warnings))
        return SlaMetric(
            name, text_of(m.label, name.replace("_", " ").capitalize()) or Text(name),
            start=cond("start"), stop=cond("stop", m.stop_in), pause=cond("pause", m.pause_in),
            cancel=cond("cancel"), reset=cond("reset"),
            warnings=tuple(w / 100 for w in warnings))
