"""Workflow transitions: which ones a record may take now, and taking one.

A transition is one command, one transaction: load the record, check its version and state,
apply the values the user gave, check the required fields and the guard, run the actions
(``on_exit`` of the state left, the transition's ``set``, ``on_enter`` of the state entered),
run the object's computed fields and validation rules, and write with ``version + 1`` (so of
two concurrent transitions of one version exactly one wins), audited as ``transition``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import Conflict, FieldIssue, NotFound, ValidationFailed, did_you_mean
from engine.objects.model import ObjectType, frozen_map
from engine.objects.validation import RecordValidator
from engine.objects.values import record_to_json
from engine.rules_dsl import EvalContext
from engine.runtime.compiled_object import CompiledObject
from engine.runtime.records import RecordService, status_field_managed
from engine.runtime.unit_of_work import UnitOfWork
from engine.workflows.state_machine import StateMachine, Transition

__all__ = ["TransitionService", "AvailableTransitions"]


@dataclass(frozen=True, slots=True)
class AvailableTransitions:
    """Where a record stands: its state and version, the transitions it may take now, and
    those whose ``from`` matches but whose guard does not hold (with the failing part)."""

    object: str
    record_id: int
    state: str
    version: int
    allowed: tuple[Transition, ...]
    blocked: tuple[tuple[Transition, str], ...]

    def as_json(self) -> dict[str, Any]:
        def entry(t: Transition) -> dict[str, Any]:
            return {"name": t.name, "label": t.label.as_dict(), "to": t.to,
                    "require": list(t.require), "roles": list(t.roles)}

        return {
            "state": self.state,
            "version": self.version,
            "transitions": [entry(t) for t in self.allowed],
            "blocked": [entry(t) | {"guard": t.guard.source if t.guard else None,
                                    "reason": f"'{part}' does not hold"}
                        for t, part in self.blocked],
        }


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _user(actor: str, user: Mapping[str, Any] | None) -> Mapping[str, Any]:
    # Callers without an authenticated user (scripts, tests) act by name only.
    if user is not None:
        return user
    return {"id": actor, "name": actor, "email": None, "roles": [], "teams": []}


class TransitionService:
    """Transitions of every object that has a workflow, over ``records``' storage."""

    def __init__(self, records: RecordService) -> None:
        self._records = records
        self._registry = records.registry
        self._machines = {w.object: w for w in self._registry.workflows.values()}
        # A transition may fill the read-only fields it requires: each such transition gets
        # a validator over the object with those fields writable.
        self._validators: dict[tuple[str, str], RecordValidator] = {}
        for machine in self._machines.values():
            obj = self._registry.objects[machine.object]
            for t in machine.transitions.values():
                opened = [f for f in t.require if obj.fields[f].read_only]
                if opened:
                    self._validators[(machine.object, t.name)] = RecordValidator(
                        _writable(obj, opened))

    def machine(self, object_name: str) -> StateMachine:
        """The workflow of ``object_name``; :class:`NotFound` ``no_workflow`` if it has none."""
        obj = self._registry.object(object_name)
        machine = self._machines.get(obj.name)
        if machine is None:
            raise NotFound(f"object '{obj.name}' has no workflow", code="no_workflow")
        return machine

    def available(self, object_name: str, record_id: int, actor: str,
                  user: Mapping[str, Any] | None = None) -> AvailableTransitions:
        """The transitions the record may take now (``from`` matches and the guard holds), and
        the ones its guard blocks."""
        machine = self.machine(object_name)
        c = self._records.compiled(object_name)
        with self._records._engine.connect() as conn:
            row = self._records.load_row(conn, c, record_id)
            ctx = EvalContext(now=self._records._clock.now(),
                              load=self._records.loader(conn), user=_user(actor, user))
            allowed: list[Transition] = []
            blocked: list[tuple[Transition, str]] = []
            for t in machine.transitions_from(row[machine.field]):
                failing = t.guard.failing_part(row, ctx) if t.guard else None
                if failing is None:
                    allowed.append(t)
                else:
                    blocked.append((t, failing))
        return AvailableTransitions(c.name, record_id, row[machine.field], row["version"],
                                    tuple(allowed), tuple(blocked))

    def transition(
        self,
        object_name: str,
        record_id: int,
        name: str,
        *,
        values: Mapping[str, Any] | None = None,
        expected_version: int,
        actor: str,
        user: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Take transition ``name`` if the record is still at ``expected_version``; returns the
        record as JSON. ``values`` are fields to change with it (validated like a PATCH).

        Raises :class:`Conflict` ``stale_version``, ``transition_not_allowed`` (wrong state)
        or ``guard_failed``; :class:`ValidationFailed` for bad values or missing required ones.
        """
        machine = self.machine(object_name)
        t = machine.transitions.get(name)
        if t is None:
            raise NotFound(
                f"workflow '{machine.name}' has no transition '{name}'"
                f"{did_you_mean(name, machine.transitions)}", code="unknown_transition")
        given = dict(values or {})
        if machine.field in given:
            raise status_field_managed(machine)
        c = self._records.compiled(object_name)
        validator = self._validators.get((c.name, t.name), c.validator)
        changes = validator.validate_update(given)
        records = self._records
        with records.command(actor) as uow:
            new_json = self.take_in(uow, c.name, record_id, t.name, changes,
                                    expected_version=expected_version, user=_user(actor, user))
            if records.settle(uow):
                new_json = record_to_json(c.obj, records.load_row(uow.conn, c, record_id))
        return new_json

    def take_in(self, uow: UnitOfWork, object_name: str, record_id: int, name: str,
                changes: Mapping[str, Any], *, expected_version: int | None = None,
                user: Mapping[str, Any] | None = None, note: str | None = None
                ) -> dict[str, Any]:
        """Take transition ``name`` inside ``uow``'s transaction, with validated ``changes``;
        ``expected_version`` ``None`` takes the record as it is now (automations do). Raises
        like :meth:`transition`; returns the record as JSON."""
        machine = self.machine(object_name)
        t = machine.transitions[name]
        c = self._records.compiled(object_name)
        records = self._records
        old = records.load_row(uow.conn, c, record_id)
        if expected_version is not None and old["version"] != expected_version:
            raise records._stale(c, record_id, expected_version, old["version"])
        state = old[machine.field]
        if not t.leaves(state, machine.states):
            sources = ", ".join(machine.sources_of(t)) or "no state"
            available = ", ".join(x.name for x in machine.transitions_from(state))
            raise Conflict(
                f"{c.name} {record_id} is '{state}': transition '{t.name}' goes from "
                f"{sources} only (available now: {available or 'none'})",
                code="transition_not_allowed")
        new = {**old, **changes}
        missing = [f for f in t.require if _empty(new[f])]
        if missing:
            raise ValidationFailed([
                FieldIssue((f,), f"required by transition '{t.name}'", "required")
                for f in missing
            ])
        ctx = EvalContext(now=uow.now, load=records.loader(uow.conn),
                          user=_user(uow.actor, user))
        if t.guard is not None:
            failing = t.guard.failing_part(new, ctx)
            if failing is not None:
                detail = "" if failing == t.guard.source else f": '{failing}' is false"
                raise Conflict(
                    f"transition '{t.name}' of {c.name} {record_id} is blocked by its "
                    f"guard '{t.guard.source}'{detail}", code="guard_failed")
        for action in machine.states[state].on_exit:
            action.run(new, ctx)
        new[machine.field] = t.to
        for action in t.actions:
            action.run(new, ctx)
        for action in machine.states[t.to].on_enter:
            action.run(new, ctx)
        if not c.rules.empty:
            c.rules.apply(new, creating=False, now=uow.now, load=records.loader(uow.conn))
        _check(t, new, ctx)
        what = f"transition '{t.name}': {state} -> {t.to}"
        new_json, changed = self._write(uow, c, record_id, old, new, old["version"],
                                        note=f"{what} ({note})" if note else what)
        if records.watches(c.name):
            new.update(updated_at=uow.now, version=old["version"] + 1)
            uow.emit("transitioned", c.name, record_id, old, new, frozenset(changed),
                     transition=t.name, from_state=state, to_state=t.to)
        return new_json

    def _write(self, uow: UnitOfWork, c: CompiledObject, record_id: int, old: dict[str, Any],
               new: dict[str, Any], expected_version: int, note: str
               ) -> tuple[dict[str, Any], list[str]]:
        old_json = record_to_json(c.obj, old)
        new_json = record_to_json(c.obj, new)
        changed = [name for name in new if old_json[name] != new_json[name]]
        # A transition always writes a new version, even a self-loop that changes nothing
        # else: it is an event in the record's life.
        self._records._write_version(uow, c, record_id, old_json, new_json, new, changed,
                                     expected_version=expected_version, action="transition",
                                     note=note)
        if not changed:
            uow.log(c.name, record_id, "transition", note=note)
        return new_json, changed


def _check(t: Transition, new: Mapping[str, Any], ctx: EvalContext) -> None:
    """Refuse the transition, with each failing check's message at its fields, unless the
    record as the transition leaves it passes every check."""
    issues = [FieldIssue((f,) if f else (), check.message.en, "transition_check")
              for check in t.checks if not check.holds(new, ctx)
              for f in (check.fields or ("",))]
    if issues:
        raise ValidationFailed(issues)


def _writable(obj: ObjectType, names: list[str]) -> ObjectType:
    fields = {n: dataclasses.replace(f, read_only=False) if n in names else f
              for n, f in obj.fields.items()}
    return dataclasses.replace(obj, fields=frozen_map(fields))
