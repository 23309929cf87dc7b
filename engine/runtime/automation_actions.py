"""What automations do: each compiled action type and the code that performs it inside the
command's transaction (``engine.runtime.automations`` decides when).

Writes go through the record and transition services, so audit rows, validation and further
automations apply; effects that leave the process (email, webhooks) are written as outbox jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.errors import FlowdeskError
from engine.objects.values import record_to_json
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext
from engine.runtime.desk_users import DeskDirectory
from engine.runtime.outbox import Outbox
from engine.runtime.records import RecordService
from engine.runtime.routing import Router
from engine.runtime.sla import SlaService
from engine.runtime.transitions import TransitionService
from engine.runtime.unit_of_work import UnitOfWork
from engine.workflows import automation as auto
from engine.workflows.action_registry import ActionRegistry
from engine.workflows.automation import Automation
from engine.workflows.state_machine import SetFields
from engine.workflows.template_records import record_view

__all__ = ["ActionState", "ActionPerformer"]


@dataclass(frozen=True, slots=True)
class ActionState:
    """What an action runs on: the record as it is now (a stored row), the record before the
    change that triggered the automation (``None`` for time, schedule and event triggers), the
    evaluation context, and the engine event's data (``None`` for change triggers)."""

    row: dict[str, Any]
    old: Mapping[str, Any] | None
    ctx: EvalContext
    event: Mapping[str, Any] | None = None


class _Call:
    """What a registered action sees (:class:`engine.workflows.action_registry.ActionCall`)."""

    def __init__(self, outbox: Outbox, uow: UnitOfWork, automation: Automation,
                 record: Mapping[str, Any], args: Mapping[str, Any]) -> None:
        self._outbox, self._uow, self._automation = outbox, uow, automation
        self.object = automation.object
        self.record_id = int(record["id"])
        self.record = record
        self.args = args
        self.now = uow.now

    def enqueue(self, kind: str, payload: Mapping[str, Any], *, key: str | None = None,
                run_at: datetime | None = None) -> None:
        self._outbox.enqueue(self._uow, kind, payload, key=key, run_at=run_at,
                                    object=self.object, record_id=self.record_id)

    def comment(self, text: str) -> None:
        self._uow.log(self.object, self.record_id, "comment",
                      note=f"{text} (automation '{self._automation.name}')")


class ActionPerformer:
    """Performs compiled automation actions."""

    def __init__(self, registry: Registry, records: RecordService,
                 transitions: TransitionService, outbox: Outbox, *,
                 actions: ActionRegistry, sla: SlaService | None, router: Router | None) -> None:
        self.registry, self.records, self.transitions, self.outbox = (
            registry, records, transitions, outbox)
        self.actions, self.sla, self.router = actions, sla, router
        #: Each object's reference fields and their targets, for templates' record views.
        self._references = {name: {f.name: f.reference_to for f in o.fields.values()
                                   if f.reference_to is not None}
                            for name, o in registry.objects.items()}
        self._directory = DeskDirectory()
        #: name -> (object, record id, now) -> a function templates may call
        self._template_functions: dict[str, Callable[[str, int, datetime], Any]] = {}
        self._perform: dict[type, Callable[[UnitOfWork, Automation, Any, ActionState, int],
                                           None]] = {
            SetFields: self._set, auto.Assign: self._assign,
            auto.TakeTransition: self._transition, auto.Comment: self._comment,
            auto.SendEmail: self._send_email, auto.CallWebhook: self._webhook,
            auto.CreateRecord: self._create_record, auto.UpdateRelated: self._update_related,
            auto.Notify: self._notify, auto.Route: self._route, auto.CallAction: self._call,
        }

    def add_template_function(self, name: str,
                              make: Callable[[str, int, datetime], Any]) -> None:
        """Let templates call ``name(...)``: ``make(object, record_id, now)`` gives the
        function for the record a template is rendered about (the engine factory wires
        ``survey_link`` this way)."""
        self._template_functions[name] = make

    def perform(self, uow: UnitOfWork, automation: Automation, action: Any,
                state: ActionState, index: int) -> None:
        """Perform the ``index``-th action of ``automation``; a refusal raises
        :class:`FlowdeskError`."""
        self._perform[type(action)](uow, automation, action, state, index)

    @staticmethod
    def writes(action: Any) -> bool:
        """Whether ``action`` may change the record it runs on."""
        return isinstance(action, _WRITES)


    def _note(self, automation: Automation) -> str:
        return f"automation '{automation.name}'"

    def _set(self, uow: UnitOfWork, a: Automation, action: SetFields, s: ActionState,
             i: int) -> None:
        row = dict(s.row)
        action.run(row, s.ctx)
        changes = {name: row[name] for name, _ in action.values}
        self.records.update_in(uow, a.object, int(row["id"]), changes, note=self._note(a))

    def _assign(self, uow: UnitOfWork, a: Automation, action: auto.Assign, s: ActionState,
                i: int) -> None:
        value = action.to.evaluate(s.row, s.ctx)
        self.records.update_in(uow, a.object, int(s.row["id"]), {action.field: value},
                               action="assign", note=self._note(a))

    def _transition(self, uow: UnitOfWork, a: Automation, action: auto.TakeTransition,
                    s: ActionState, i: int) -> None:
        self.transitions.take_in(uow, a.object, int(s.row["id"]), action.transition, {},
                                 note=self._note(a))

    def _template_context(self, uow: UnitOfWork, a: Automation, s: ActionState
                          ) -> dict[str, Any]:
        obj = self.registry.objects[a.object]
        old = s.old
        record_id = int(s.row["id"])
        load = self.records.loader(uow.conn)
        objects = self.registry.objects

        def load_json(object_name: str, ref_id: Any) -> dict[str, Any] | None:
            row = load(object_name, ref_id)
            return record_to_json(objects[object_name], row) if row is not None else None

        # Records follow references as templates read them: {{ record.asset.serial_number }}.
        references = self._references
        return {"record": record_view(a.object, record_to_json(obj, s.row), references,
                                      load_json),
                "old": record_view(a.object, record_to_json(obj, old), references, load_json)
                if old is not None else None,
                "now": uow.now, "actor": uow.actor, "automation": a.name, "object": a.object,
                "event": s.event or {},
                "sla": self.sla.template_values(uow.conn, a.object, record_id, uow.now)
                if self.sla is not None and self.sla.definition(a.object) else {},
                **{name: make(a.object, record_id, uow.now)
                   for name, make in self._template_functions.items()}}

    def _comment(self, uow: UnitOfWork, a: Automation, action: auto.Comment,
                 s: ActionState, i: int) -> None:
        text = action.text.render(self._template_context(uow, a, s))
        uow.log(a.object, int(s.row["id"]), "comment", note=text)

    def _job_key(self, uow: UnitOfWork, a: Automation, s: ActionState, i: int) -> str:
        # One change, one automation, one action, one record: a retried command or a
        # re-run timer writes the same key, so the effect is not repeated.
        return f"{uow.change_id}:{a.name}:{i}:{a.object}:{s.row['id']}"

    def _send_email(self, uow: UnitOfWork, a: Automation, action: auto.SendEmail,
                    s: ActionState, i: int) -> None:
        to = _addresses(action.to.evaluate(s.row, s.ctx))
        if not to:
            uow.log(a.object, int(s.row["id"]), "comment",
                    note=f"{self._note(a)}: no email sent, '{action.to.source}' gave no address")
            return
        cc = _addresses(action.cc.evaluate(s.row, s.ctx)) if action.cc else []
        context = self._template_context(uow, a, s)
        payload = {"to": to, "cc": cc, "subject": action.subject.render(context).strip(),
                   "body": action.body.render(context)}
        self.outbox.enqueue(uow, "email", payload, key=self._job_key(uow, a, s, i),
                            object=a.object, record_id=int(s.row["id"]))
        uow.log(a.object, int(s.row["id"]), "email_queued",
                note=f"{self._note(a)}: to {', '.join(to)}: {payload['subject']}")

    def _webhook(self, uow: UnitOfWork, a: Automation, action: auto.CallWebhook,
                 s: ActionState, i: int) -> None:
        obj = self.registry.objects[a.object]
        if action.payload:
            data = {key: _jsonable(e.evaluate(s.row, s.ctx)) for key, e in action.payload}
        else:
            data = record_to_json(obj, s.row)
        body = {"automation": a.name, "object": a.object, "record_id": int(s.row["id"]),
                "at": uow.now.isoformat(), "data": data}
        self.outbox.enqueue(uow, "webhook",
                            {"url": action.url, "secret_env": action.secret_env, "body": body},
                            key=self._job_key(uow, a, s, i), object=a.object,
                            record_id=int(s.row["id"]))

    def _create_record(self, uow: UnitOfWork, a: Automation, action: auto.CreateRecord,
                       s: ActionState, i: int) -> None:
        values = {name: e.evaluate(s.row, s.ctx) for name, e in action.values}
        context = self._template_context(uow, a, s) if action.templates else {}
        values.update((name, t.render(context)) for name, t in action.templates)
        self.records.create_in(uow, action.object, values, note=self._note(a))

    def _update_related(self, uow: UnitOfWork, a: Automation, action: auto.UpdateRelated,
                        s: ActionState, i: int) -> None:
        target = s.row.get(action.via)
        if target is None:
            return
        note = f"{self._note(a)} on {a.object} {s.row['id']}"
        values = {name: e.evaluate(s.row, s.ctx) for name, e in action.values}
        if values:
            self.records.update_in(uow, action.object, int(target), values, note=note)
        if action.transition is not None:
            self.transitions.take_in(uow, action.object, int(target), action.transition, {},
                                     note=note)

    def _route(self, uow: UnitOfWork, a: Automation, action: auto.Route, s: ActionState,
               i: int) -> None:
        if self.router is None:
            raise FlowdeskError("this engine has no router", code="automation_no_routing")
        self.router.assign_in(uow, a.object, int(s.row["id"]), queue=action.queue)

    def _notify(self, uow: UnitOfWork, a: Automation, action: auto.Notify, s: ActionState,
                i: int) -> None:
        names = set(_addresses(action.users.evaluate(s.row, s.ctx))) \
            if action.users else set()
        teams = set(_addresses(action.teams.evaluate(s.row, s.ctx))) \
            if action.teams else set()
        to = self._directory.addresses(uow.conn, names, action.roles, teams)
        record_id = int(s.row["id"])
        if not to:
            uow.log(a.object, record_id, "comment",
                    note=f"{self._note(a)}: nobody to notify (no active user with an email)")
            return
        context = self._template_context(uow, a, s)
        subject = action.subject.render(context).strip()
        self.outbox.enqueue(uow, "email", {"to": to, "cc": [], "subject": subject,
                                           "body": action.body.render(context)},
                            key=self._job_key(uow, a, s, i), object=a.object,
                            record_id=record_id)
        uow.log(a.object, record_id, "email_queued",
                note=f"{self._note(a)}: to {', '.join(to)}: {subject}")

    def _call(self, uow: UnitOfWork, a: Automation, action: auto.CallAction,
              s: ActionState, i: int) -> None:
        registered = self.actions.get(action.action)
        if registered is None:
            raise FlowdeskError(f"action '{action.action}' is not registered in this engine",
                                code="automation_unknown_action")
        args = dict.fromkeys(registered.params)
        args.update((name, e.evaluate(s.row, s.ctx)) for name, e in action.args)
        obj = self.registry.objects[a.object]
        registered.run(_Call(self.outbox, uow, a, record_to_json(obj, s.row), args))


#: Actions that may change the record they run on.
_WRITES = (SetFields, auto.Assign, auto.TakeTransition, auto.CreateRecord, auto.CallAction,
           auto.Route)


def _addresses(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v.strip() for v in items if isinstance(v, str) and v.strip()]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)
    return value
