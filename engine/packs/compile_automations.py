"""Checking and compiling ``automations/*.yaml`` into :class:`Automation`s.

Every reference (object, field, state, transition, calendar, event, registered action), every
condition and value expression and every template is checked here, at load, and reported at
its file, line and column. A later pack's automation of the same name replaces the base one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import croniter

from engine.errors import DslError, Problem, did_you_mean
from engine.objects.dsl_types import field_dsl_type, record_types
from engine.objects.model import FieldType, ObjectType, Text
from engine.packs.automation_models import (
    AssignAction,
    AutomationSpec,
    CallAction,
    CommentAction,
    CreatedTrigger,
    CreateRecordAction,
    EventTrigger,
    NotifyAction,
    RouteAction,
    ScheduleTrigger,
    SendEmailAction,
    SetFieldsAction,
    TimeTrigger,
    TransitionAction,
    TransitionedTrigger,
    UpdatedTrigger,
    UpdateRelatedAction,
    WebhookAction,
)
from engine.packs.compile_objects import text_of
from engine.packs.compile_rules import dsl_problem
from engine.packs.compile_workflows import dsl_text, why_not_settable
from engine.packs.loader import LoadedPack, latest_by_name, unknown_object
from engine.packs.models import DslText
from engine.packs.source import SourceDocument
from engine.rules_dsl import BOOLEAN, STRING, CompiledExpression, TypeEnv, compile_expression
from engine.rules_dsl.functions import FunctionRegistry
from engine.rules_dsl.parser import parse_duration_text
from engine.rules_dsl.types import INTEGER, ListType, RecordType, RefType, accepts
from engine.workflows import automation as auto
from engine.workflows.action_registry import ActionRegistry
from engine.workflows.state_machine import SetFields, StateMachine
from engine.workflows.templates import TextTemplate, compile_template, template_environment
from engine.workflows.webhook_targets import (
    address_refusal,
    literal_host_address,
    never_a_receiver,
)

__all__ = ["compile_automations", "ENGINE_EVENTS", "TEMPLATE_ROOTS"]

#: Events other parts of the engine raise about a record, with what each means.
ENGINE_EVENTS: Mapping[str, str] = {
    "sla_warning": "an SLA clock of the record passed its warning threshold",
    "sla_breached": "an SLA clock of the record passed its target",
}

#: What a template may read: the record (and the record before the change), when, who, and
#: which automation is running.
#: ``survey_link`` is the engine's template function ``survey_link('<kind>')`` (surveys/).
TEMPLATE_ROOTS = ("record", "old", "now", "actor", "automation", "object", "event", "sla",
                  "survey_link")

_CHANGE_TRIGGERS = (CreatedTrigger, UpdatedTrigger, TransitionedTrigger)
_TEXT_TYPES = (FieldType.STRING, FieldType.TEXT, FieldType.EMAIL, FieldType.URL, FieldType.PHONE)


def compile_automations(
    packs: list[LoadedPack],
    objects: Mapping[str, ObjectType],
    declared: set[str],
    workflows: Mapping[str, StateMachine],
    *,
    calendars: Collection[str] | None = None,
    actions: ActionRegistry | None = None,
    functions: FunctionRegistry | None = None,
    roles: Collection[str] | None = None,
    routed: Mapping[str, Collection[str]] | None = None,
) -> tuple[dict[str, auto.Automation], list[Problem]]:
    """Compile every pack's automations. ``calendars`` names the calendars a time trigger may
    count business time on; ``actions`` holds the developer actions ``type: call`` may name;
    ``roles`` the roles ``notify`` may name; ``routed`` the objects ``route`` may route, with
    their queues."""
    chosen, problems = latest_by_name(packs, "automations", "automation")
    records = record_types(objects)
    machines = {m.object: m for m in workflows.values()}
    compiled: dict[str, auto.Automation] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, AutomationSpec)
        if spec.object not in objects:
            problems += unknown_object("automation", spec.automation, spec.object, declared, doc)
            continue
        result = _Compiler(
            spec, doc, objects, records, machines, problems,
            calendars=calendars, actions=actions or ActionRegistry(), functions=functions,
            roles=roles, routed=routed).compile()
        if result is not None:
            compiled[result.name] = result
    return compiled, problems


def _is_integer(value: DslText, env: TypeEnv, functions: FunctionRegistry | None) -> bool:
    try:
        return compile_expression(dsl_text(value), env, functions=functions).type == INTEGER
    except DslError:
        return False


class _Compiler:
    """One automation file: each check appends its problems; ``compile`` returns ``None`` when
    there were any."""

    def __init__(self, spec: AutomationSpec, doc: SourceDocument,
                 objects: Mapping[str, ObjectType], records: Mapping[str, RecordType],
                 machines: Mapping[str, StateMachine], problems: list[Problem], *,
                 calendars: Collection[str] | None, actions: ActionRegistry,
                 functions: FunctionRegistry | None, roles: Collection[str] | None,
                 routed: Mapping[str, Collection[str]] | None) -> None:
        self.spec, self.doc, self.objects, self.records = spec, doc, objects, records
        self.obj = objects[spec.object]
        self.machines, self.problems = machines, problems
        self.machine = machines.get(spec.object)
        self.calendars, self.actions, self.functions = calendars, actions, functions
        self.roles, self.routed = roles, routed
        self.before = len(problems)
        changes = isinstance(spec.when, _CHANGE_TRIGGERS)
        self.env = TypeEnv.for_record(
            records, self.obj.name, change_context=changes,
            event_type=auto.EVENT_TYPE if isinstance(spec.when, EventTrigger) else None)
        self.template_env = template_environment()

    def bad(self, code: str, message: str, path: tuple[Any, ...]) -> None:
        self.problems.append(Problem(
            code, f"automation '{self.spec.automation}': {message}", self.doc.pos(path)))

    def compile(self) -> auto.Automation | None:
        spec = self.spec
        trigger = self.trigger()
        condition = (self.expression(spec.condition, ("condition",), "condition", BOOLEAN)
                     if spec.condition is not None else None)
        actions = tuple(
            a for i, a_spec in enumerate(spec.actions)
            if (a := self.action(a_spec, ("actions", i))) is not None
        )
        if len(self.problems) > self.before or trigger is None:
            return None
        return auto.Automation(
            name=spec.automation, object=self.obj.name,
            label=text_of(spec.label, spec.automation.replace("_", " ").capitalize())
            or Text(spec.automation),
            trigger=trigger, condition=condition, actions=actions, order=spec.order,
            enabled=spec.enabled, pos=self.doc.pos(("automation",)))

    # -- pieces ------------------------------------------------------------------------------

    def expression(self, text: DslText, path: tuple[Any, ...], what: str,
                   expected: Any = None, env: TypeEnv | None = None) -> CompiledExpression | None:
        try:
            return compile_expression(dsl_text(text), env or self.env, expected=expected,
                                      functions=self.functions)
        except DslError as exc:
            self.problems.append(dsl_problem(exc, self.doc, path,
                                             f"automation '{self.spec.automation}': {what}"))
            return None

    def template(self, text: str, path: tuple[Any, ...], what: str) -> TextTemplate | None:
        roots = TEMPLATE_ROOTS if isinstance(self.spec.when, _CHANGE_TRIGGERS) else tuple(
            r for r in TEMPLATE_ROOTS if r != "old")
        compiled, template_problems = compile_template(self.template_env, text, roots,
                                                       self.obj.fields, self.objects)
        for p in template_problems:
            start = self.doc.pos(path)
            # Block scalars start on the line after their indicator.
            style = self.doc.scalar_styles.get(tuple(path))
            line = start.line + p.line - (0 if style in ("|", ">") else 1)
            self.problems.append(Problem(
                p.code, f"automation '{self.spec.automation}': {what}: {p.message}",
                start.__class__(start.file, line, start.col if p.line == 1 else 1)))
        return compiled

    def field(self, obj: ObjectType, fname: str, path: tuple[Any, ...], what: str,
              *, settable: bool, status_field: str | None = None) -> bool:
        if fname not in obj.fields:
            self.bad("automation_unknown_field",
                     f"{what} names unknown field '{fname}' of '{obj.name}'"
                     f"{did_you_mean(fname, obj.fields)}", path)
            return False
        why = why_not_settable(obj, fname, status_field) if settable else None
        if why is not None:
            self.bad("automation_field_not_settable", f"{what}: '{fname}' {why}", path)
            return False
        return True

    def state(self, name: str, path: tuple[Any, ...]) -> bool:
        assert self.machine is not None
        if name in self.machine.states:
            return True
        self.bad("automation_unknown_state",
                 f"workflow '{self.machine.name}' has no state '{name}'"
                 f"{did_you_mean(name, self.machine.states)}", path)
        return False

    def need_workflow(self, path: tuple[Any, ...], what: str) -> bool:
        if self.machine is not None:
            return True
        self.bad("automation_no_workflow",
                 f"{what} needs a workflow, and object '{self.obj.name}' has none", path)
        return False

    # -- triggers ------------------------------------------------------------------------------

    def trigger(self) -> auto.Trigger | None:
        when, path = self.spec.when, ("when",)
        if isinstance(when, CreatedTrigger):
            return auto.OnCreated()
        if isinstance(when, UpdatedTrigger):
            for i, fname in enumerate(when.fields):
                self.field(self.obj, fname, (*path, "fields", i), "'fields'", settable=False)
            return auto.OnUpdated(frozenset(when.fields))
        if isinstance(when, TransitionedTrigger):
            if not self.need_workflow(path, "a 'transitioned' trigger"):
                return None
            assert self.machine is not None
            for i, name in enumerate(when.transitions):
                if name not in self.machine.transitions:
                    self.bad("automation_unknown_transition",
                             f"workflow '{self.machine.name}' has no transition '{name}'"
                             f"{did_you_mean(name, self.machine.transitions)}",
                             (*path, "transitions", i))
            for key, names in (("to", when.to), ("from", when.from_)):
                for i, name in enumerate(names):
                    self.state(name, (*path, key, i))
            return auto.OnTransitioned(frozenset(when.transitions), frozenset(when.to),
                                       frozenset(when.from_))
        if isinstance(when, TimeTrigger):
            return self.time_trigger(when, path)
        if isinstance(when, ScheduleTrigger):
            return self.schedule_trigger(when, path)
        assert isinstance(when, EventTrigger)
        if when.event not in ENGINE_EVENTS:
            self.bad("automation_unknown_event",
                     f"unknown event '{when.event}'{did_you_mean(when.event, ENGINE_EVENTS)}; "
                     f"events: {', '.join(ENGINE_EVENTS)}", (*path, "event"))
            return None
        return auto.OnEvent(when.event)

    def time_trigger(self, when: TimeTrigger, path: tuple[Any, ...]) -> auto.AfterTime | None:
        negative = when.after.startswith("-")
        after = parse_duration_text(when.after.lstrip("-"))
        if after is None:
            self.bad("automation_bad_duration",
                     f"'{when.after}' is not a duration (e.g. 30m, 4h, 3d, 1h30m)",
                     (*path, "after"))
            return None
        if (when.state is None) == (when.field is None):
            self.bad("automation_time_anchor",
                     "a time trigger counts from exactly one of 'state' (entering a workflow "
                     "state) or 'field' (a datetime field)", path)
            return None
        if when.calendar is not None and self.calendars is not None \
                and when.calendar not in self.calendars:
            self.bad("automation_unknown_calendar",
                     f"unknown calendar '{when.calendar}'"
                     f"{did_you_mean(when.calendar, self.calendars)}", (*path, "calendar"))
        if when.state is not None:
            if negative:
                self.bad("automation_bad_duration",
                         "'after' cannot be negative when counting from entering a state",
                         (*path, "after"))
            if not self.need_workflow((*path, "state"), "'state'") \
                    or not self.state(when.state, (*path, "state")):
                return None
            assert self.machine is not None
            return auto.AfterTime(after, state=when.state, status_field=self.machine.field,
                                  calendar=when.calendar)
        assert when.field is not None
        if not self.field(self.obj, when.field, (*path, "field"), "'field'", settable=False):
            return None
        if self.obj.fields[when.field].type is not FieldType.DATETIME:
            self.bad("automation_time_field_type",
                     f"'{when.field}' is a {self.obj.fields[when.field].type} field; a time "
                     "trigger counts from a datetime field", (*path, "field"))
            return None
        return auto.AfterTime(-after if negative else after, field=when.field,
                              calendar=when.calendar)

    def schedule_trigger(self, when: ScheduleTrigger,
                         path: tuple[Any, ...]) -> auto.OnSchedule | None:
        try:
            zone = ZoneInfo(when.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.bad("automation_unknown_timezone",
                     f"unknown time zone '{when.timezone}'"
                     f"{did_you_mean(when.timezone, available_timezones())}",
                     (*path, "timezone"))
            return None
        if len(when.cron.split()) != 5 or not croniter.is_valid(when.cron):
            self.bad("automation_bad_cron",
                     f"'{when.cron}' is not a cron schedule of five fields (minute hour "
                     "day-of-month month day-of-week), e.g. '0 9 * * 1-5'", (*path, "cron"))
            return None
        croniter(when.cron, datetime(2026, 1, 1, tzinfo=zone)).get_next(datetime)
        return auto.OnSchedule(when.cron, when.timezone)

    # -- actions -------------------------------------------------------------------------------

    def action(self, spec: Any, path: tuple[Any, ...]) -> auto.AutomationAction | None:
        status = self.machine.field if self.machine else None
        if isinstance(spec, SetFieldsAction):
            values = self.values(self.obj, spec.values, (*path, "values"), "set",
                                 status_field=status)
            return SetFields(values) if values is not None else None
        if isinstance(spec, TransitionAction):
            if not self.need_workflow((*path, "transition"), "a 'transition' action"):
                return None
            assert self.machine is not None
            if spec.transition not in self.machine.transitions:
                self.bad("automation_unknown_transition",
                         f"workflow '{self.machine.name}' has no transition '{spec.transition}'"
                         f"{did_you_mean(spec.transition, self.machine.transitions)}",
                         (*path, "transition"))
                return None
            return auto.TakeTransition(spec.transition)
        if isinstance(spec, AssignAction):
            if not self.field(self.obj, spec.field, (*path, "field"), "assign", settable=True,
                              status_field=status):
                return None
            to = self.expression(spec.to, (*path, "to"), f"assign '{spec.field}'",
                                 field_dsl_type(self.obj.fields[spec.field]))
            return auto.Assign(spec.field, to) if to is not None else None
        if isinstance(spec, CommentAction):
            text = self.template(spec.text, (*path, "text"), "comment")
            return auto.Comment(text) if text is not None else None
        if isinstance(spec, SendEmailAction):
            return self.send_email(spec, path)
        if isinstance(spec, WebhookAction):
            target = literal_host_address(spec.url)
            if target is not None and never_a_receiver(target):
                self.bad("webhook_url_refused",
                         f"webhook: {spec.url} is a {address_refusal(target)} address (cloud "
                         "metadata and the like), which webhooks never reach; give the "
                         "receiver's public address", (*path, "url"))
                return None
            payload = [(key, e) for key, value in spec.payload.items()
                       if (e := self.expression(value, (*path, "payload", key),
                                                f"webhook payload '{key}'")) is not None]
            if len(payload) < len(spec.payload):
                return None
            return auto.CallWebhook(spec.url, spec.secret_env, tuple(payload))
        if isinstance(spec, CreateRecordAction):
            return self.create_record(spec, path)
        if isinstance(spec, UpdateRelatedAction):
            return self.update_related(spec, path)
        if isinstance(spec, NotifyAction):
            return self.notify(spec, path)
        if isinstance(spec, RouteAction):
            if self.routed is not None and self.obj.name not in self.routed:
                self.bad("automation_no_routing",
                         f"route: object '{self.obj.name}' has no routing policy (routing/)",
                         path)
                return None
            queues = self.routed.get(self.obj.name, ()) if self.routed is not None else None
            if spec.queue is not None and queues is not None and spec.queue not in queues:
                self.bad("automation_unknown_queue",
                         f"route: unknown queue '{spec.queue}'{did_you_mean(spec.queue, queues)}"
                         f"; queues: {', '.join(queues)}", (*path, "queue"))
                return None
            return auto.Route(spec.queue)
        assert isinstance(spec, CallAction)
        return self.call(spec, path)

    def values(self, target: ObjectType, values: Mapping[str, DslText], path: tuple[Any, ...],
               what: str, *, status_field: str | None
               ) -> tuple[tuple[str, CompiledExpression], ...] | None:
        out = []
        ok = True
        for fname, value in values.items():
            if not self.field(target, fname, (*path, fname), what, settable=True,
                              status_field=status_field):
                ok = False
                continue
            expected = field_dsl_type(target.fields[fname])
            if isinstance(expected, RefType) and _is_integer(value, self.env, self.functions):
                expected = INTEGER  # a record id, e.g. ``incident: id`` for a related record
            e = self.expression(value, (*path, fname), f"{what} '{fname}'", expected)
            if e is None:
                ok = False
                continue
            out.append((fname, e))
        return tuple(out) if ok else None

    def addresses(self, text: DslText, path: tuple[Any, ...], what: str
                  ) -> CompiledExpression | None:
        e = self.expression(text, path, what)
        if e is not None and not (accepts(STRING, e.type) or accepts(ListType(STRING), e.type)):
            self.bad("automation_bad_address",
                     f"{what}: '{e.source}' is a {e.type}; give a string or a list of strings",
                     path)
            return None
        return e

    def send_email(self, spec: SendEmailAction, path: tuple[Any, ...]) -> auto.SendEmail | None:
        to = self.addresses(spec.to, (*path, "to"), "send_email 'to'")
        cc = self.addresses(spec.cc, (*path, "cc"), "send_email 'cc'") \
            if spec.cc is not None else None
        subject = self.template(spec.subject, (*path, "subject"), "send_email 'subject'")
        body = self.template(spec.body, (*path, "body"), "send_email 'body'")
        if to is None or subject is None or body is None or (spec.cc is not None and cc is None):
            return None
        return auto.SendEmail(to, cc, subject, body)

    def create_record(self, spec: CreateRecordAction,
                      path: tuple[Any, ...]) -> auto.CreateRecord | None:
        target = self.objects.get(spec.object)
        if target is None:
            self.bad("automation_unknown_object",
                     f"create_record: unknown object '{spec.object}'"
                     f"{did_you_mean(spec.object, self.objects)}", (*path, "object"))
            return None
        values = self.values(target, spec.values, (*path, "values"), "create_record",
                             status_field=None)
        templates = []
        for fname, text in spec.templates.items():
            where = (*path, "templates", fname)
            if not self.field(target, fname, where, "create_record", settable=True):
                continue
            if target.fields[fname].type not in _TEXT_TYPES:
                self.bad("automation_template_field_type",
                         f"create_record: '{fname}' is a {target.fields[fname].type} field; "
                         "templates fill text fields", where)
                continue
            if fname in spec.values:
                self.bad("automation_duplicate_value",
                         f"create_record: '{fname}' is given in both 'values' and 'templates'",
                         where)
                continue
            t = self.template(text, where, f"create_record '{fname}'")
            if t is not None:
                templates.append((fname, t))
        given = set(spec.values) | set(spec.templates)
        missing = [f.name for f in target.fields.values()
                   if f.required and f.default is None and not f.system and f.computed is None
                   and f.name not in given]
        if missing:
            self.bad("automation_missing_value",
                     f"create_record: '{spec.object}' requires {', '.join(missing)}; give "
                     "them in 'values' or 'templates'", (*path, "object"))
        if values is None or len(templates) < len(spec.templates) or missing:
            return None
        return auto.CreateRecord(target.name, values, tuple(templates))

    def update_related(self, spec: UpdateRelatedAction,
                       path: tuple[Any, ...]) -> auto.UpdateRelated | None:
        if not self.field(self.obj, spec.via, (*path, "via"), "update_related", settable=False):
            return None
        via = self.obj.fields[spec.via]
        if via.type is not FieldType.REFERENCE or via.reference_to is None \
                or via.reference_to not in self.objects:
            self.bad("automation_not_a_reference",
                     f"update_related: '{spec.via}' is a {via.type} field; 'via' names a "
                     "reference field", (*path, "via"))
            return None
        target = self.objects[via.reference_to]
        machine = self.machines.get(target.name)
        values = self.values(target, spec.values, (*path, "values"), "update_related",
                             status_field=machine.field if machine else None)
        if spec.transition is not None:
            if machine is None:
                self.bad("automation_no_workflow",
                         f"update_related: object '{target.name}' has no workflow to take "
                         f"'{spec.transition}' in", (*path, "transition"))
                return None
            if spec.transition not in machine.transitions:
                self.bad("automation_unknown_transition",
                         f"workflow '{machine.name}' has no transition '{spec.transition}'"
                         f"{did_you_mean(spec.transition, machine.transitions)}",
                         (*path, "transition"))
                return None
        elif not spec.values:
            self.bad("automation_nothing_to_do",
                     "update_related needs 'values', a 'transition', or both", path)
            return None
        if values is None:
            return None
        return auto.UpdateRelated(spec.via, target.name, values, spec.transition)

    def notify(self, spec: NotifyAction, path: tuple[Any, ...]) -> auto.Notify | None:
        users = self.addresses(spec.users, (*path, "users"), "notify 'users'") \
            if spec.users is not None else None
        teams = self.addresses(spec.teams, (*path, "teams"), "notify 'teams'") \
            if spec.teams is not None else None
        for i, role in enumerate(spec.roles):
            if self.roles is not None and role not in self.roles:
                self.bad("automation_unknown_role",
                         f"notify: unknown role '{role}'{did_you_mean(role, self.roles)}",
                         (*path, "roles", i))
        if spec.users is None and spec.teams is None and not spec.roles:
            self.bad("automation_nothing_to_do",
                     "notify needs 'users', 'roles' or 'teams' to send to", path)
        subject = self.template(spec.subject, (*path, "subject"), "notify 'subject'")
        body = self.template(spec.body, (*path, "body"), "notify 'body'")
        if subject is None or body is None or (spec.users is not None and users is None) \
                or (spec.teams is not None and teams is None):
            return None
        return auto.Notify(users, frozenset(spec.roles), teams, subject, body)

    def call(self, spec: CallAction, path: tuple[Any, ...]) -> auto.CallAction | None:
        registered = self.actions.get(spec.action)
        if registered is None:
            known = self.actions.names()
            self.bad("automation_unknown_action",
                     f"no registered action '{spec.action}'{did_you_mean(spec.action, known)}"
                     f" (registered: {', '.join(known) or 'none'})", (*path, "action"))
            return None
        args = []
        ok = True
        for name, value in spec.args.items():
            if name not in registered.params:
                self.bad("automation_unknown_argument",
                         f"action '{spec.action}' takes no argument '{name}'"
                         f"{did_you_mean(name, registered.params)}", (*path, "args", name))
                ok = False
                continue
            e = self.expression(value, (*path, "args", name), f"argument '{name}'",
                                registered.params[name])
            if e is None:
                ok = False
                continue
            args.append((name, e))
        missing = [n for n in registered.params
                   if n not in spec.args and n not in registered.optional]
        if missing:
            self.bad("automation_missing_argument",
                     f"action '{spec.action}' needs {', '.join(missing)}", (*path, "action"))
            ok = False
        return auto.CallAction(spec.action, tuple(args)) if ok else None
