"""Macros at run time: which macros apply to a record, what one would do (preview), and
applying it as one command: the field changes, the transition and the rendered reply commit
together or not at all.

A macro is a record of the pack's macro object (``macros/*.yaml`` says which, and which of
its fields hold the template, the changes and the target state). Its template is rendered in
the sandboxed Jinja2 environment of :mod:`engine.workflows.templates`, over the record as the
user sees it, the records it references that the user may read, the user and the macro.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engine.errors import (
    Conflict,
    FieldIssue,
    FlowdeskError,
    Forbidden,
    NotFound,
    ValidationFailed,
    did_you_mean,
)
from engine.objects.macro_definition import MacroSetup
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext
from engine.runtime.access import ObjectAccess, UserAccess
from engine.runtime.records import RecordService
from engine.runtime.transitions import TransitionService
from engine.workflows.state_machine import Transition
from engine.workflows.templates import compile_template, template_environment

__all__ = ["Macros", "MacroPlan"]

_EMPTY: tuple[Any, ...] = (None, "", [])


@dataclass(frozen=True, slots=True)
class MacroPlan:
    """What applying a macro to a record does: its reply text, the field changes (JSON
    values) and the transition taken."""

    macro: dict[str, Any]
    reply: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    transition: Transition | None = None

    def as_json(self) -> dict[str, Any]:
        return {"reply": self.reply, "changes": self.changes,
                "transition": self.transition.name if self.transition else None}


class Macros:
    """The macros the packs declare, over ``records`` and ``transitions``."""

    def __init__(self, registry: Registry, records: RecordService,
                 transitions: TransitionService) -> None:
        self._registry = registry
        self._records = records
        self._transitions = transitions
        self._env = template_environment()

    def setup(self, object_name: str) -> MacroSetup:
        """The macro declaration of ``object_name``; 404 ``no_macros`` when it has none."""
        found = next((m for m in self._registry.macros.values() if m.object == object_name),
                     None)
        if found is None:
            raise NotFound(f"'{object_name}' has no macros (no macros/ declaration names it)",
                           code="no_macros")
        return found

    # -- which macros -------------------------------------------------------------------

    def _all(self, access: UserAccess, setup: MacroSetup) -> list[dict[str, Any]]:
        """The active macros the user may read, by name."""
        source = access.access(setup.source)
        if source.grants["read"] is False:
            raise Forbidden(f"your roles may not read {setup.source} records",
                            code="permission_denied")
        table = self._records.table(setup.source)
        condition = access.scope(source, "read")
        if setup.active_field is not None:
            condition = condition & (table.c[setup.active_field].is_(True))
        page = self._records.list(setup.source, (), (), limit=500, scope=condition)
        items = [access.strip(source, r) for r in page.items]
        return sorted(items, key=lambda m: str(m.get(setup.name_field) or ""))

    @staticmethod
    def _matches(setup: MacroSetup, macro: Mapping[str, Any],
                 record: Mapping[str, Any]) -> bool:
        return all(macro.get(m) in _EMPTY or macro.get(m) == record.get(r)
                   for m, r in setup.match.items())

    def offered(self, access: UserAccess, object_name: str, record_id: int
                ) -> list[dict[str, Any]]:
        """The macros that apply to the record (the user must read it)."""
        record = access.get(object_name, record_id)
        setup = self.setup(access.access(object_name).obj.name)
        return [m for m in self._all(access, setup) if self._matches(setup, m, record)]

    def _find(self, access: UserAccess, setup: MacroSetup, record: Mapping[str, Any],
              name: str) -> dict[str, Any]:
        macros = self._all(access, setup)
        for m in macros:
            if str(m.get(setup.name_field)) == name or str(m["id"]) == name:
                if not self._matches(setup, m, record):
                    raise Conflict(f"macro '{name}' does not apply to this record "
                                   f"({', '.join(setup.match)} differ)",
                                   code="macro_not_applicable")
                return m
        names = [str(m.get(setup.name_field)) for m in macros]
        raise NotFound(f"unknown macro '{name}'{did_you_mean(name, names)}",
                       code="unknown_macro")

    # -- what it does -------------------------------------------------------------------

    def _context(self, access: UserAccess, object_access: ObjectAccess,
                 record: dict[str, Any], macro: dict[str, Any]) -> dict[str, Any]:
        obj = object_access.obj
        context: dict[str, Any] = {"record": record, "macro": macro,
                                   "user": access.principal.dsl_user()}
        context.setdefault(obj.name, record)
        for name, f in obj.fields.items():
            if f.reference_to is None or name not in record or name in context:
                continue
            value = record[name]
            try:
                context[name] = (access.get(f.reference_to, value)
                                 if value is not None else None)
            except NotFound:
                context[name] = None  # a record the user may not read renders as empty
        return context

    def _render(self, setup: MacroSetup, text: str, context: Mapping[str, Any],
                fields: Mapping[str, object]) -> str:
        where = ("macro", setup.template_field or "template")
        template, problems = compile_template(self._env, text, context.keys(), fields)
        if template is None:
            raise ValidationFailed([FieldIssue(where, p.message, p.code) for p in problems],
                                   code="macro_template_invalid")
        try:
            return template.render(context)
        except FlowdeskError as exc:
            raise ValidationFailed([FieldIssue(where, exc.message, exc.code)],
                                   code="macro_template_invalid") from None

    def _transition(self, access: UserAccess, setup: MacroSetup, object_name: str,
                    record: Mapping[str, Any], target: Any) -> Transition | None:
        machine = self._registry.workflow_for(object_name)
        if target in _EMPTY or machine is None or record.get(machine.field) == target:
            return None
        roles = access.principal.roles
        for t in machine.transitions_from(str(record.get(machine.field))):
            if t.to == target and (not t.roles or access.principal.is_admin
                                   or set(t.roles) & roles):
                return t
        raise Conflict(f"no transition you may take leads from '{record.get(machine.field)}' "
                       f"to '{target}'", code="macro_transition_unavailable")

    def plan(self, access: UserAccess, object_name: str, record_id: int,
             name: str) -> MacroPlan:
        """What applying macro ``name`` to the record would do; nothing is written."""
        object_access = access.access(object_name)
        record = access.get(object_access.obj.name, record_id)
        setup = self.setup(object_access.obj.name)
        macro = self._find(access, setup, record, name)
        changes: dict[str, Any] = {}
        for target, source in setup.changes.items():
            value = macro.get(source)
            if value in _EMPTY:
                continue
            if target not in record:
                raise Forbidden(f"macro '{name}' changes '{target}', which your roles may "
                                "not see", code="permission_denied")
            current = record[target]
            if object_access.obj.fields[target].type.is_list:
                have = list(current or [])
                value = have + [v for v in (value or []) if v not in have]
            if value != current:
                changes[target] = value
        transition = None
        if setup.state_field is not None:
            transition = self._transition(access, setup, object_access.obj.name, record,
                                          macro.get(setup.state_field))
        reply = None
        text = macro.get(setup.template_field) if setup.template_field else None
        if text not in _EMPTY:
            context = self._context(access, object_access, record, macro)
            reply = self._render(setup, str(text), context, object_access.view.fields)
        return MacroPlan(macro, reply, changes, transition)

    # -- applying -----------------------------------------------------------------------

    def _check_update(self, access: UserAccess, object_access: ObjectAccess,
                      record_id: int, changes: Mapping[str, Any], values: Mapping[str, Any]
                      ) -> None:
        """The user may change the record, these fields, into what it becomes."""
        refused = (object_access.hidden | object_access.read_only) & set(changes)
        if refused:
            raise ValidationFailed([FieldIssue(("changes", f), f"'{f}' is read-only for you",
                                               "read_only") for f in sorted(refused)])
        grant = object_access.grants["update"]
        if grant is True:
            return
        table = self._records.table(object_access.obj.name)
        with self._records.database.connect() as conn:
            found = conn.execute(select(table).where(
                table.c.id == record_id, access.scope(object_access, "update"))
            ).mappings().first()
            if found is None or grant is False:
                raise Forbidden(f"your roles may not update {object_access.obj.name} "
                                f"{record_id}", code="permission_denied")
            ctx = EvalContext(now=self._records.clock.now(), load=self._records.loader(conn),
                              user=access.principal.dsl_user())
            row = dict(found) | dict(values)
            if not any(f.check.evaluate(row, ctx) is True for f in grant):
                raise Forbidden(f"your roles may not make {object_access.obj.name} "
                                f"{record_id} into one with these values",
                                code="permission_denied")

    def _check_create(self, access: UserAccess, object_name: str,
                      values: Mapping[str, Any]) -> None:
        reply_access = access.access(object_name)
        grant = reply_access.grants["create"]
        if grant is True:
            return
        if grant is not False:
            with self._records.database.connect() as conn:
                ctx = EvalContext(now=self._records.clock.now(),
                                  load=self._records.loader(conn),
                                  user=access.principal.dsl_user())
                row = dict.fromkeys(reply_access.obj.fields) | dict(values)
                if any(f.check.evaluate(row, ctx) is True for f in grant):
                    return
        raise Forbidden(f"your roles may not create {object_name} records such as this "
                        "macro's reply", code="permission_denied")

    def apply(self, access: UserAccess, object_name: str, record_id: int, name: str, *,
              expected_version: int) -> dict[str, Any]:
        """Apply macro ``name`` as one command: changes, transition and reply commit
        together. Returns the record after, as the user sees it."""
        plan = self.plan(access, object_name, record_id, name)
        object_access = access.access(object_name)
        obj = object_access.obj
        setup = self.setup(obj.name)
        records = self._records
        changes = records.compiled(obj.name).validator.validate_update(plan.changes)
        self._check_update(access, object_access, record_id, plan.changes, changes)
        reply_values: dict[str, Any] | None = None
        if plan.reply is not None and setup.reply is not None:
            r = setup.reply
            given: dict[str, Any] = dict(r.values)
            given.update((f, plan.macro.get(m)) for f, m in r.from_macro.items()
                         if plan.macro.get(m) not in _EMPTY)
            given.update({r.link: record_id, r.body: plan.reply})
            if r.author is not None:
                given[r.author] = access.principal.name
            reply_values = records.compiled(r.object).validator.validate_create(given)
            self._check_create(access, r.object, reply_values)
        note = f"macro '{plan.macro.get(setup.name_field)}'"
        with records.command(access.principal.name) as uow:
            records.update_in(uow, obj.name, record_id, changes,
                              expected_version=expected_version, note=note)
            if plan.transition is not None:
                self._transitions.take_in(uow, obj.name, record_id, plan.transition.name, {},
                                          user=access.principal.dsl_user(), note=note)
            if reply_values is not None and setup.reply is not None:
                records.create_in(uow, setup.reply.object, reply_values, note=note)
            records.settle(uow)
        return access.get(obj.name, record_id)
