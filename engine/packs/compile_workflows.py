"""Checking and compiling ``workflows/*.yaml`` into :class:`StateMachine`s.

A later pack's workflow with the same name replaces the earlier one whole (no merging of
states or transitions). Every guard and ``set`` expression is type-checked against the object
here, at load; every mistake is reported at its file, line and column.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from engine.errors import DslError, Problem, did_you_mean
from engine.objects.dsl_types import field_dsl_type, record_types
from engine.objects.model import FieldType, ObjectType, Text, frozen_map
from engine.packs.compile_objects import text_of
from engine.packs.compile_rules import dsl_problem
from engine.packs.loader import LoadedPack, latest_by_name, unknown_object
from engine.packs.models import ActionSpec, DslText, TransitionSpec, WorkflowSpec
from engine.packs.source import SourceDocument
from engine.rules_dsl import (
    BOOLEAN,
    FunctionRegistry,
    TypeEnv,
    compile_expression,
    parse,
    to_source,
)
from engine.rules_dsl.nodes import BoolOp
from engine.rules_dsl.types import RecordType
from engine.workflows.state_machine import (
    ANY_STATE,
    Action,
    Guard,
    SetFields,
    State,
    StateMachine,
    Transition,
    TransitionCheck,
)

__all__ = ["compile_workflows", "why_not_settable", "dsl_text"]


def compile_workflows(
    packs: list[LoadedPack], objects: Mapping[str, ObjectType], declared: set[str],
    *, functions: FunctionRegistry | None = None, user_type: RecordType | None = None,
) -> tuple[dict[str, StateMachine], list[Problem]]:
    """Compile every pack's workflows (a later pack's replaces an earlier one of the same
    name). ``declared`` names objects that exist but failed to compile: their workflows are
    skipped without a second report. ``user_type`` is the acting user as guards see it (with
    the packs' user attributes)."""
    chosen, problems = latest_by_name(packs, "workflows", "workflow")
    records = record_types(objects)
    machines: dict[str, StateMachine] = {}
    owners: dict[str, StateMachine] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, WorkflowSpec)
        if spec.object not in objects:
            problems += unknown_object("workflow", spec.workflow, spec.object, declared, doc)
            continue
        machine = _Compiler(spec, doc, objects[spec.object], records, problems,
                            functions, user_type).compile()
        if machine is None:
            continue
        other = owners.get(machine.object)
        if other is not None:
            problems.append(Problem(
                "workflow_duplicate_object",
                f"object '{machine.object}' already has workflow '{other.name}'; an object has "
                "at most one workflow", doc.pos(("object",))))
            continue
        owners[machine.object] = machine
        machines[machine.name] = machine
    return machines, problems


def why_not_settable(obj: ObjectType, fname: str, status_field: str | None) -> str | None:
    """Why an action may not set ``fname`` of ``obj`` (an existing field), or ``None``."""
    f = obj.fields[fname]
    if fname == status_field:
        return "is the status field: only the transition's 'to' sets it"
    if f.computed is not None:
        return "is computed by the engine"
    if f.system:
        return "is an engine field"
    return None


def dsl_text(value: DslText) -> str:
    """A YAML scalar as DSL source (``true``, ``3`` and ``2.5`` arrive as Python values)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


class _Compiler:
    """One workflow file: each check appends its problems; ``compile`` returns ``None`` when
    there were any."""

    def __init__(self, spec: WorkflowSpec, doc: SourceDocument, obj: ObjectType,
                 records: Mapping[str, RecordType], problems: list[Problem],
                 functions: FunctionRegistry | None = None,
                 user_type: RecordType | None = None) -> None:
        self.spec, self.doc, self.obj, self.problems = spec, doc, obj, problems
        self.functions = functions
        self.env = TypeEnv.for_record(records, obj.name, change_context=False,
                                      user_type=user_type)
        self.before = len(problems)

    def bad(self, code: str, message: str, path: tuple[Any, ...], key: bool = False) -> None:
        pos = self.doc.key_pos(path) if key else self.doc.pos(path)
        self.problems.append(Problem(code, f"workflow '{self.spec.workflow}': {message}", pos))

    def compile(self) -> StateMachine | None:
        spec, obj = self.spec, self.obj
        status = obj.fields.get(spec.field)
        if status is None:
            self.bad("workflow_unknown_field",
                     f"object '{obj.name}' has no field '{spec.field}'"
                     f"{did_you_mean(spec.field, obj.fields)}", ("field",))
            return None
        if status.type is not FieldType.ENUM:
            self.bad("workflow_field_not_enum",
                     f"the status field '{obj.name}.{spec.field}' is a {status.type} field; "
                     "it must be an enum whose options are the states", ("field",))
            return None
        options = {o.value: o for o in status.options}
        for name in spec.states:
            if name not in options:
                self.bad("workflow_state_not_option",
                         f"state '{name}' is not an option of '{obj.name}.{spec.field}' "
                         f"({', '.join(options)}){did_you_mean(name, options)}",
                         ("states", name), key=True)
        self.known_state(spec.initial, ("initial",))
        states = {
            name: State(
                name=name, category=s.category, final=s.final,
                label=text_of(s.label) or (options[name].label if name in options
                                           else Text(name)),
                on_enter=self.actions(s.on_enter, ("states", name, "on_enter")),
                on_exit=self.actions(s.on_exit, ("states", name, "on_exit")),
            )
            for name, s in spec.states.items()
        }
        transitions: dict[str, Transition] = {}
        for i, t in enumerate(spec.transitions):
            path = ("transitions", i)
            if t.name in transitions:
                self.bad("workflow_duplicate_transition",
                         f"two transitions are named '{t.name}'; names must be unique",
                         (*path, "name"))
                continue
            sources = self.sources(t.from_, (*path, "from"), states)
            self.known_state(t.to, (*path, "to"))
            for j, fname in enumerate(t.require):
                self.settable(fname, (*path, "require", j), "require")
            set_action = (
                self.action_values(t.set_, (*path, "set")) if t.set_ else None
            )
            transitions[t.name] = Transition(
                name=t.name, sources=sources, to=t.to,
                label=text_of(t.label, t.name.replace("_", " ").capitalize()) or Text(t.name),
                guard=self.guard(t.guard, (*path, "guard")) if t.guard is not None else None,
                roles=tuple(t.roles), require=tuple(t.require),
                actions=(set_action,) if set_action is not None else (),
                pos=self.doc.pos(path),
                checks=self.checks(t, path),
            )
        if len(self.problems) > self.before:
            return None
        machine = StateMachine(
            name=spec.workflow, object=obj.name, field=spec.field,
            label=text_of(spec.label, spec.workflow.replace("_", " ").capitalize())
            or Text(spec.workflow),
            initial=spec.initial, states=frozen_map(states),
            transitions=frozen_map(transitions), pos=self.doc.pos(("workflow",)),
        )
        self.check_graph(machine)
        return machine if len(self.problems) == self.before else None

    # -- states --------------------------------------------------------------------------

    def known_state(self, name: str, path: tuple[Any, ...]) -> bool:
        if name in self.spec.states:
            return True
        self.bad("workflow_unknown_state",
                 f"unknown state '{name}'{did_you_mean(name, self.spec.states)}; "
                 f"states: {', '.join(self.spec.states)}", path)
        return False

    def sources(self, given: str | list[str], path: tuple[Any, ...],
                states: Mapping[str, State]) -> frozenset[str] | None:
        if given == ANY_STATE:
            return None
        names = [given] if isinstance(given, str) else given
        paths = [path] if isinstance(given, str) else [(*path, i) for i in range(len(names))]
        for name, where in zip(names, paths, strict=True):
            if self.known_state(name, where) and states[name].final:
                self.bad("workflow_final_state_exit",
                         f"state '{name}' is final: no transition may leave it", where)
        return frozenset(names)

    def check_graph(self, machine: StateMachine) -> None:
        reached = {machine.initial}
        queue = deque([machine.initial])
        while queue:
            for t in machine.transitions_from(queue.popleft()):
                if t.to not in reached:
                    reached.add(t.to)
                    queue.append(t.to)
        for name, state in machine.states.items():
            if name not in reached:
                self.bad("workflow_unreachable_state",
                         f"state '{name}' cannot be reached from the initial state "
                         f"'{machine.initial}'; add a transition into it or remove it",
                         ("states", name), key=True)
            elif not state.final and not machine.transitions_from(name):
                self.bad("workflow_dead_end",
                         f"state '{name}' is not final but no transition leaves it; add one or "
                         "mark it 'final: true'", ("states", name), key=True)

    # -- fields and expressions ------------------------------------------------------------

    def settable(self, fname: str, path: tuple[Any, ...], what: str) -> bool:
        f = self.obj.fields.get(fname)
        if f is None:
            self.bad("workflow_unknown_field",
                     f"{what} names unknown field '{fname}' of '{self.obj.name}'"
                     f"{did_you_mean(fname, self.obj.fields)}", path)
            return False
        why = why_not_settable(self.obj, fname, self.spec.field)
        if why is not None:
            self.bad("workflow_field_not_settable", f"{what}: '{fname}' {why}", path)
            return False
        return True

    def checks(self, t: TransitionSpec, path: tuple[Any, ...]) -> tuple[TransitionCheck, ...]:
        out: list[TransitionCheck] = []
        seen: set[str] = set()
        for i, spec in enumerate(t.checks):
            where = (*path, "checks", i)
            if spec.name in seen:
                self.bad("workflow_duplicate_check",
                         f"transition '{t.name}' has two checks named '{spec.name}'",
                         (*where, "name"))
                continue
            seen.add(spec.name)
            for j, fname in enumerate(spec.fields):
                if fname not in self.obj.fields:
                    self.bad("workflow_unknown_field",
                             f"check '{spec.name}' shows its message at unknown field "
                             f"'{fname}'{did_you_mean(fname, self.obj.fields)}",
                             (*where, "fields", j))
            try:
                check = compile_expression(dsl_text(spec.rule), self.env, expected=BOOLEAN,
                                           functions=self.functions)
            except DslError as exc:
                self.problems.append(dsl_problem(exc, self.doc, (*where, "rule"),
                                                 f"check '{spec.name}'"))
                continue
            out.append(TransitionCheck(
                name=spec.name, check=check, message=text_of(spec.message, spec.name)
                or Text(spec.name), fields=tuple(spec.fields), pos=self.doc.pos(where)))
        return tuple(out)

    def guard(self, text: str, path: tuple[Any, ...]) -> Guard | None:
        try:
            check = compile_expression(text, self.env, expected=BOOLEAN,
                                       functions=self.functions)
        except DslError as exc:
            self.problems.append(dsl_problem(exc, self.doc, path, "guard"))
            return None
        tree = parse(text)
        operands = tree.operands if isinstance(tree, BoolOp) and tree.op == "and" else ()
        # Each part of an `and` chain compiled alone (the whole compiled, so each part does).
        parts = tuple(
            (source, compile_expression(source, self.env, expected=BOOLEAN,
                                        functions=self.functions))
            for source in (to_source(op) for op in operands)
        )
        return Guard(text, check, parts)

    def action_values(self, values: Mapping[str, DslText],
                      path: tuple[Any, ...]) -> SetFields | None:
        compiled = []
        for fname, value in values.items():
            if not self.settable(fname, (*path, fname), "set"):
                continue
            target = self.obj.fields[fname]
            try:
                expression = compile_expression(dsl_text(value), self.env,
                                                expected=field_dsl_type(target),
                                                functions=self.functions)
            except DslError as exc:
                self.problems.append(
                    dsl_problem(exc, self.doc, (*path, fname), f"set '{fname}'"))
                continue
            compiled.append((fname, expression))
        return SetFields(tuple(compiled)) if compiled else None

    def actions(self, specs: list[ActionSpec], path: tuple[Any, ...]) -> tuple[Action, ...]:
        out: list[Action] = []
        for i, spec in enumerate(specs):
            action = self.action_values(spec.values, (*path, i, "values"))
            if action is not None:
                out.append(action)
        return tuple(out)
