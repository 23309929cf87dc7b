"""Checking and compiling ``routing/*.yaml`` into :class:`RoutingPolicy`s.

Every reference (object, fields, queues, state categories, supervisor roles) and every rule
condition and skill expression is checked here, at load, and reported at its file, line and
column. A later pack's policy of the same name replaces the base one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from engine.errors import DslError, Problem, did_you_mean
from engine.objects.dsl_types import record_types
from engine.objects.model import FieldType, ObjectType, Text
from engine.packs.compile_objects import text_of
from engine.packs.compile_rules import dsl_problem
from engine.packs.compile_workflows import dsl_text, why_not_settable
from engine.packs.loader import LoadedPack, latest_by_name, unknown_object
from engine.packs.models import DslText
from engine.packs.routing_models import RoutingSpec
from engine.packs.source import SourceDocument
from engine.rules_dsl import BOOLEAN, STRING, CompiledExpression, TypeEnv, compile_expression
from engine.rules_dsl.functions import FunctionRegistry
from engine.rules_dsl.types import ListType, RecordType, accepts
from engine.workflows.routing import Queue, RoutingPolicy, RoutingRule
from engine.workflows.state_machine import StateMachine

__all__ = ["compile_routing"]

_QUEUE_TYPES = (FieldType.STRING, FieldType.ENUM)


def compile_routing(
    packs: list[LoadedPack],
    objects: Mapping[str, ObjectType],
    declared: set[str],
    workflows: Mapping[str, StateMachine],
    *,
    roles: Collection[str] = (),
    functions: FunctionRegistry | None = None,
) -> tuple[dict[str, RoutingPolicy], list[Problem]]:
    """Compile every pack's routing policies. ``roles`` are the declared role names a policy's
    ``supervisors`` may name."""
    chosen, problems = latest_by_name(packs, "routing", "routing")
    records = record_types(objects)
    machines = {m.object: m for m in workflows.values()}
    compiled: dict[str, RoutingPolicy] = {}
    by_object: dict[str, str] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, RoutingSpec)
        if spec.object not in objects:
            problems += unknown_object("routing", spec.routing, spec.object, declared, doc)
            continue
        if spec.object in by_object:
            problems.append(Problem(
                "routing_duplicate_object",
                f"routing '{spec.routing}': object '{spec.object}' is routed by "
                f"'{by_object[spec.object]}' already; an object has one routing policy",
                doc.pos(("object",))))
            continue
        by_object[spec.object] = spec.routing
        policy = _Compiler(spec, doc, objects[spec.object], records,
                           machines.get(spec.object), problems, roles=roles,
                           functions=functions).compile()
        if policy is not None:
            compiled[policy.name] = policy
    return compiled, problems


class _Compiler:
    """One routing file: each check appends its problems; ``compile`` returns ``None`` when
    there were any."""

    def __init__(self, spec: RoutingSpec, doc: SourceDocument, obj: ObjectType,
                 records: Mapping[str, RecordType], machine: StateMachine | None,
                 problems: list[Problem], *, roles: Collection[str],
                 functions: FunctionRegistry | None) -> None:
        self.spec, self.doc, self.obj, self.machine = spec, doc, obj, machine
        self.problems, self.roles, self.functions = problems, roles, functions
        self.before = len(problems)
        self.env = TypeEnv.for_record(records, obj.name)

    def bad(self, code: str, message: str, path: tuple[Any, ...]) -> None:
        self.problems.append(Problem(
            code, f"routing '{self.spec.routing}': {message}", self.doc.pos(path)))

    def compile(self) -> RoutingPolicy | None:
        spec = self.spec
        status = self.machine.field if self.machine else None
        queue_ok = self.field(spec.queue_field, ("queue_field",), "queue_field", _QUEUE_TYPES,
                              status)
        self.field(spec.assignee_field, ("assignee_field",), "assignee_field",
                   (FieldType.STRING,), status)
        queues = self.queues()
        if queue_ok:
            self.queue_options(queues)
        rules = tuple(r for i, r_spec in enumerate(spec.rules)
                      if (r := self.rule(r_spec, ("rules", i), queues)) is not None)
        self.queue_name(spec.fallback, ("fallback",), queues, "fallback")
        open_states = self.open_states()
        for i, role in enumerate(spec.supervisors):
            if role not in self.roles:
                self.bad("routing_unknown_role",
                         f"supervisors names unknown role '{role}'"
                         f"{did_you_mean(role, self.roles)}", ("supervisors", i))
        if len(self.problems) > self.before:
            return None
        return RoutingPolicy(
            name=spec.routing, object=self.obj.name,
            label=text_of(spec.label, spec.routing.replace("_", " ").capitalize())
            or Text(spec.routing),
            queue_field=spec.queue_field, assignee_field=spec.assignee_field,
            queues=queues, rules=rules, fallback=spec.fallback, status_field=status,
            open_states=open_states, supervisors=frozenset(spec.supervisors),
            pos=self.doc.pos(("routing",)))

    # -- pieces ------------------------------------------------------------------------------

    def field(self, fname: str, path: tuple[Any, ...], what: str,
              types: tuple[FieldType, ...] | None, status: str | None) -> bool:
        if fname not in self.obj.fields:
            self.bad("routing_unknown_field",
                     f"{what} names unknown field '{fname}' of '{self.obj.name}'"
                     f"{did_you_mean(fname, self.obj.fields)}", path)
            return False
        f = self.obj.fields[fname]
        if types is None:
            return True
        why = why_not_settable(self.obj, fname, status)
        if why is not None:
            self.bad("routing_field_not_settable", f"{what}: '{fname}' {why}", path)
            return False
        if f.type not in types:
            wanted = " or ".join(str(t) for t in types)
            self.bad("routing_field_type",
                     f"{what}: '{fname}' is a {f.type} field; it must be a {wanted} field",
                     path)
            return False
        return True

    def queues(self) -> dict[str, Queue]:
        out: dict[str, Queue] = {}
        for i, q in enumerate(self.spec.queues):
            path = ("queues", i)
            if q.name in out:
                self.bad("routing_duplicate_queue", f"queue '{q.name}' is declared twice",
                         (*path, "name"))
                continue
            if q.strategy == "sticky" and q.sticky_by is None:
                self.bad("routing_sticky_by_missing",
                         f"queue '{q.name}' is sticky: say which field ties records to an "
                         "agent with 'sticky_by' (e.g. sticky_by: requester)", (*path, "strategy"))
            if q.sticky_by is not None:
                if q.strategy != "sticky":
                    self.bad("routing_sticky_by_unused",
                             f"queue '{q.name}': 'sticky_by' needs strategy 'sticky' (it is "
                             f"'{q.strategy}')", (*path, "sticky_by"))
                else:
                    self.field(q.sticky_by, (*path, "sticky_by"), "sticky_by", None, None)
            out[q.name] = Queue(q.name, text_of(q.label, q.name) or Text(q.name),
                                q.team or q.name, q.strategy, q.sticky_by)
        return out

    def queue_options(self, queues: Mapping[str, Queue]) -> None:
        f = self.obj.fields.get(self.spec.queue_field)
        if f is None or f.type is not FieldType.ENUM:
            return
        for i, q in enumerate(self.spec.queues):
            if q.name in queues and q.name not in f.option_values:
                self.bad("routing_queue_not_an_option",
                         f"queue '{q.name}' is not an option of enum field "
                         f"'{f.name}' ({', '.join(f.option_values)})", ("queues", i, "name"))

    def queue_name(self, name: str, path: tuple[Any, ...], queues: Mapping[str, Queue],
                   what: str) -> bool:
        if name in queues:
            return True
        self.bad("routing_unknown_queue",
                 f"{what} names unknown queue '{name}'{did_you_mean(name, queues)}; queues: "
                 f"{', '.join(queues)}", path)
        return False

    def expression(self, text: DslText, path: tuple[Any, ...], what: str,
                   expected: Any = None) -> CompiledExpression | None:
        try:
            return compile_expression(dsl_text(text), self.env, expected=expected,
                                      functions=self.functions)
        except DslError as exc:
            self.problems.append(dsl_problem(exc, self.doc, path,
                                             f"routing '{self.spec.routing}': {what}"))
            return None

    def rule(self, spec: Any, path: tuple[Any, ...],
             queues: Mapping[str, Queue]) -> RoutingRule | None:
        before = len(self.problems)
        names = [r.name for r in self.spec.rules[: path[1]]]
        if spec.name in names:
            self.bad("routing_duplicate_rule", f"rule '{spec.name}' is declared twice",
                     (*path, "name"))
        self.queue_name(spec.queue, (*path, "queue"), queues, f"rule '{spec.name}'")
        condition = self.expression(spec.when, (*path, "when"), f"rule '{spec.name}'", BOOLEAN)
        texts = spec.skills if isinstance(spec.skills, list) else [spec.skills]
        skills = []
        for j, text in enumerate(texts):
            where = (*path, "skills", j) if isinstance(spec.skills, list) else (*path, "skills")
            e = self.expression(text, where, f"rule '{spec.name}' skills")
            if e is None:
                continue
            if not (accepts(STRING, e.type) or accepts(ListType(STRING), e.type)):
                self.bad("routing_bad_skills",
                         f"rule '{spec.name}': skills '{e.source}' is a {e.type}; give a "
                         "string or a list of strings", where)
                continue
            skills.append(e)
        if len(self.problems) > before or condition is None:
            return None
        return RoutingRule(spec.name, condition, spec.queue, tuple(skills),
                           pos=self.doc.pos(path))

    def open_states(self) -> frozenset[str]:
        if self.machine is None:
            if "open_states" in self.spec.model_fields_set:
                self.bad("routing_no_workflow",
                         f"open_states counts workflow state categories, and object "
                         f"'{self.obj.name}' has no workflow (leave it out: every assigned "
                         "record then counts)", ("open_states",))
            return frozenset()
        categories = set(self.spec.open_states)
        return frozenset(s.name for s in self.machine.states.values()
                         if s.category in categories)
