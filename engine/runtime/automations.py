"""Running automations: the changes of a command, due timers, schedules and engine events.

Change triggers (created, updated, transitioned) run inside the command that made the change,
before it commits, so the change, what automations did about it, their audit rows and the jobs
they wrote commit together. Each automation runs in a savepoint: when one of its actions is
refused (a guard, a validation rule), its own work is undone, the refusal is written to the
record's history as ``automation_error``, and the user's change stands.

Changes made by automations trigger automations again, up to :data:`MAX_CASCADE_DEPTH`; past it
the cascade stops with an ``automation_error`` in the history instead of looping.

Time triggers are durable jobs (``automation.timer``) written through the outbox when a record
enters the state (or the datetime field is set) and cancelled when it leaves (or the field
changes). Schedules (``automation.schedule``) keep one pending job each, for the next tick.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import select

from engine.errors import FlowdeskError
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext, coerce_bindings
from engine.runtime.automation_actions import ActionPerformer, ActionState
from engine.runtime.events import RecordEvent
from engine.runtime.outbox import Job, JobHandler, Outbox
from engine.runtime.records import RecordService
from engine.runtime.routing import Router
from engine.runtime.sla import SLA_CHECK_JOB, SlaService
from engine.runtime.transitions import TransitionService
from engine.runtime.unit_of_work import UnitOfWork
from engine.workflows import automation as auto
from engine.workflows.action_registry import ActionRegistry
from engine.workflows.automation import MAX_CASCADE_DEPTH, Automation

__all__ = ["AutomationRunner", "ChangeObserver", "TIMER_JOB", "SCHEDULE_JOB", "SCHEDULE_BATCH"]


class ChangeObserver(Protocol):
    """Something told of each change to the objects it watches, inside the command's
    transaction, before automations run on it."""

    watched: frozenset[str]

    def on_change(self, uow: UnitOfWork, event: RecordEvent) -> None: ...

TIMER_JOB = "automation.timer"
SCHEDULE_JOB = "automation.schedule"
#: Records a schedule tick reads at a time.
SCHEDULE_BATCH = 500


def _by_order(automations: Iterable[Automation]) -> tuple[Automation, ...]:
    return tuple(sorted(automations, key=lambda a: (a.order, a.name)))


class AutomationRunner:
    """Every enabled automation of ``registry``, indexed by object and trigger."""

    def __init__(self, registry: Registry, records: RecordService,
                 transitions: TransitionService, outbox: Outbox,
                 actions: ActionRegistry | None = None, sla: SlaService | None = None,
                 router: Router | None = None,
                 observers: Sequence[ChangeObserver] = ()) -> None:
        self.registry, self.records, self.transitions, self.outbox = (
            registry, records, transitions, outbox)
        #: SLA clocks move on every change before automations look at it, so templates and
        #: conditions see them; their warnings and breaches come back as engine events.
        self.sla = sla
        #: Told of every change before automations look at it (channels send replies).
        self.observers = tuple(observers)
        self.performer = ActionPerformer(registry, records, transitions, outbox,
                                         actions=actions or ActionRegistry(), sla=sla,
                                         router=router)
        enabled = [a for a in registry.automations.values() if a.enabled]
        self._on_change: dict[str, tuple[Automation, ...]] = {}
        self._timers: dict[str, tuple[Automation, ...]] = {}
        self._events: dict[tuple[str, str], tuple[Automation, ...]] = {}
        self.schedules = _by_order(a for a in enabled if isinstance(a.trigger, auto.OnSchedule))
        for name in registry.objects:
            mine = [a for a in enabled if a.object == name]
            self._on_change[name] = _by_order(
                a for a in mine
                if isinstance(a.trigger, auto.OnCreated | auto.OnUpdated | auto.OnTransitioned))
            self._timers[name] = _by_order(a for a in mine
                                           if isinstance(a.trigger, auto.AfterTime))
            for a in mine:
                if isinstance(a.trigger, auto.OnEvent):
                    key = (name, a.trigger.event)
                    self._events[key] = _by_order((*self._events.get(key, ()), a))
        #: Objects whose changes automations look at.
        self.watched = frozenset(n for n in registry.objects
                                 if self._on_change[n] or self._timers[n]) | (
            sla.watched if sla is not None else frozenset()) | frozenset(
            name for o in self.observers for name in o.watched)

    def job_handlers(self) -> dict[str, JobHandler]:
        """The job kinds this runner owns, for the worker."""
        handlers: dict[str, JobHandler] = {TIMER_JOB: self.run_timer,
                                           SCHEDULE_JOB: self.run_schedule}
        if self.sla is not None:
            handlers[SLA_CHECK_JOB] = self.run_sla_check
        return handlers

    def run_sla_check(self, job: Job, uow: UnitOfWork) -> None:
        """An SLA timer: mark the warning or breach, then run the automations waiting for it."""
        assert self.sla is not None
        for event in self.sla.run_check(job, uow):
            self.raise_event(uow, event.object, event.record_id, event.name, event.data)

    # -- changes -------------------------------------------------------------------------------

    def settle(self, uow: UnitOfWork) -> None:
        """Handle every pending event of ``uow`` (and those its automations cause), in order."""
        while uow.events:
            event = uow.events.pop(0)
            if event.kind == "deleted":
                self._forget(uow, event)
                continue
            if self.sla is not None:
                self.sla.on_change(uow, event)
            for observer in self.observers:
                observer.on_change(uow, event)
            self._keep_timers(uow, event)
            for automation in self._on_change.get(event.object, ()):
                if _matches(automation.trigger, event):
                    self._run_for_event(uow, automation, event)

    def _forget(self, uow: UnitOfWork, event: RecordEvent) -> None:
        """A deleted record's timers are cancelled and its SLA clocks dropped."""
        for a in self._timers.get(event.object, ()):
            self.outbox.cancel(uow, self._group(a, event.object, event.record_id))
        if self.sla is not None:
            self.sla.forget(uow, event.object, event.record_id)

    def _run_for_event(self, uow: UnitOfWork, automation: Automation,
                       event: RecordEvent) -> None:
        c = self.records.compiled(event.object)
        row = self.records.load_row(uow.conn, c, event.record_id)
        ctx = EvalContext(now=uow.now, load=self.records.loader(uow.conn), old=event.old,
                          changed=event.changed, user=_system_user(uow.actor))
        if not automation.holds(row, ctx):
            return
        if event.depth >= MAX_CASCADE_DEPTH:
            chain = f" (the last change was made by automation '{event.cause}')" \
                if event.cause else ""
            uow.log(event.object, event.record_id, "automation_error", note=(
                f"automation '{automation.name}' did not run: automations triggered each "
                f"other {MAX_CASCADE_DEPTH} levels deep in one change{chain}; the cascade was "
                "stopped there. Check the automations' conditions for a loop."))
            return
        self._run(uow, automation, row, event.depth + 1, event.old, ctx)

    def _run(self, uow: UnitOfWork, automation: Automation, row: dict[str, Any], depth: int,
             old: Mapping[str, Any] | None, ctx: EvalContext,
             event: Mapping[str, Any] | None = None) -> bool:
        """Run ``automation``'s actions on ``row`` (the record as it is now) in a savepoint;
        ``False`` when one was refused (then nothing of it is kept and the history says
        why)."""
        record_id = int(row["id"])
        entries, events = len(uow.entries), len(uow.events)
        c = self.records.compiled(automation.object)
        try:
            with uow.conn.begin_nested(), self._acting(uow, automation.name, depth):
                current = row
                for i, action in enumerate(automation.actions):
                    self.performer.perform(uow, automation, action,
                                           ActionState(current, old, ctx, event), i)
                    if i + 1 < len(automation.actions) and self.performer.writes(action):
                        # The next action sees what this one wrote.
                        current = self.records.load_row(uow.conn, c, record_id)
        except FlowdeskError as exc:
            del uow.entries[entries:]
            del uow.events[events:]
            uow.log(automation.object, record_id, "automation_error",
                    note=f"automation '{automation.name}' failed and changed nothing: "
                         f"{exc.message} [{exc.code}]")
            return False
        return True

    @contextmanager
    def _acting(self, uow: UnitOfWork, name: str, depth: int) -> Iterator[None]:
        saved = uow.depth, uow.cause
        uow.depth, uow.cause = depth, name
        try:
            yield
        finally:
            uow.depth, uow.cause = saved

    # -- timers --------------------------------------------------------------------------------

    def _group(self, a: Automation, object_name: str, record_id: int) -> str:
        return f"{TIMER_JOB}:{a.name}:{object_name}:{record_id}"

    def _keep_timers(self, uow: UnitOfWork, event: RecordEvent) -> None:
        """Start the time triggers a change starts, cancel the ones whose reason is gone."""
        for a in self._timers.get(event.object, ()):
            trigger = a.trigger
            assert isinstance(trigger, auto.AfterTime)
            group = self._group(a, event.object, event.record_id)
            if trigger.state is not None:
                assert trigger.status_field is not None
                entered = event.new.get(trigger.status_field) == trigger.state and (
                    event.kind == "created" or event.kind == "transitioned")
                left = (event.old is not None
                        and event.old.get(trigger.status_field) == trigger.state
                        and event.new.get(trigger.status_field) != trigger.state)
                if left or entered:
                    self.outbox.cancel(uow, group)
                if entered:
                    self._start_timer(uow, a, event, uow.now, trigger.state)
            else:
                assert trigger.field is not None
                if event.kind != "created" and trigger.field not in event.changed:
                    continue
                if event.kind != "created":
                    self.outbox.cancel(uow, group)
                anchor = event.new.get(trigger.field)
                if isinstance(anchor, datetime):
                    self._start_timer(uow, a, event, anchor, anchor.isoformat())

    def _start_timer(self, uow: UnitOfWork, a: Automation, event: RecordEvent,
                     anchor: datetime, reason: str) -> None:
        trigger = a.trigger
        assert isinstance(trigger, auto.AfterTime)
        due = self.due_at(trigger, anchor)
        # No idempotency key: the timer commits with the change that started it, and one
        # command may start, cancel and start it again.
        self.outbox.enqueue(
            uow, TIMER_JOB, {"automation": a.name, "reason": reason}, run_at=due,
            cancel_group=self._group(a, event.object, event.record_id),
            object=event.object, record_id=event.record_id)

    def due_at(self, trigger: auto.AfterTime, anchor: datetime) -> datetime:
        """When a timer counting ``trigger.after`` from ``anchor`` fires."""
        if trigger.calendar is None:
            return anchor + trigger.after
        # A negative ``after`` counts working time back from the anchor ("a business day
        # before the visit").
        return self.registry.calendars[trigger.calendar].add(anchor, trigger.after)

    def run_timer(self, job: Job, uow: UnitOfWork) -> None:
        """Fire a due timer: when the record still stands where the timer started and the
        condition holds, run the actions."""
        a = self.registry.automations.get(str(job.payload.get("automation")))
        if a is None or not a.enabled or job.object is None or job.record_id is None:
            return  # the automation was removed or switched off since the timer started
        trigger = a.trigger
        assert isinstance(trigger, auto.AfterTime)
        c = self.records.compiled(job.object)
        found = uow.conn.execute(c.select_by_id, {"id": job.record_id}).mappings().first()
        if found is None:
            return
        row = dict(found)
        reason = job.payload.get("reason")
        if trigger.state is not None and row[trigger.status_field or ""] != reason:
            return
        if trigger.field is not None and (
                not isinstance(row[trigger.field], datetime)
                or row[trigger.field].isoformat() != reason):
            return
        self._run_unchanged(uow, a, row, event=None)

    def _run_unchanged(self, uow: UnitOfWork, a: Automation, row: dict[str, Any],
                       event: Mapping[str, Any] | None) -> None:
        # An engine event's fields (event.metric...) are typed for conditions and values.
        typed = None if event is None else coerce_bindings(auto.EVENT_TYPE, event)
        ctx = EvalContext(now=uow.now, load=self.records.loader(uow.conn),
                          user=_system_user(uow.actor), event=typed)
        if a.holds(row, ctx):
            self._run(uow, a, row, 1, None, ctx, event)
            self.settle(uow)

    # -- engine events -------------------------------------------------------------------------

    def raise_event(self, uow: UnitOfWork, object_name: str, record_id: int, event: str,
                    data: Mapping[str, Any] | None = None) -> None:
        """Run the automations waiting for ``event`` about a record (SLA warnings and
        breaches), inside ``uow``."""
        waiting = self._events.get((object_name, event), ())
        if not waiting:
            return
        c = self.records.compiled(object_name)
        for a in waiting:
            row = self.records.load_row(uow.conn, c, record_id)
            self._run_unchanged(uow, a, row, {"name": event, **(data or {})})

    # -- schedules -----------------------------------------------------------------------------

    def next_tick(self, trigger: auto.OnSchedule, after: datetime) -> datetime:
        zone = ZoneInfo(trigger.timezone)
        tick: datetime = croniter(trigger.cron, after.astimezone(zone)).get_next(datetime)
        return tick

    def start_schedules(self) -> int:
        """:meth:`ensure_schedules` in a command of its own (at engine start)."""
        if not self.schedules:
            return 0
        with self.records.command("system") as uow:
            return self.ensure_schedules(uow)

    def ensure_schedules(self, uow: UnitOfWork) -> int:
        """Make sure each schedule has its next tick pending (at start-up; idempotent).
        Returns how many ticks were written."""
        written = 0
        table = self.outbox.table
        for a in self.registry.automations.values():
            if not isinstance(a.trigger, auto.OnSchedule):
                continue
            group = f"{SCHEDULE_JOB}:{a.name}"
            pending = uow.conn.execute(
                select(table.c.payload).where(table.c.cancel_group == group,
                                              table.c.status == "pending")).scalars().all()
            if a.enabled and any(p.get("cron") == a.trigger.cron
                                 and p.get("timezone") == a.trigger.timezone for p in pending):
                continue
            self.outbox.cancel(uow, group)
            if a.enabled:
                written += self._enqueue_tick(uow, a, self.next_tick(a.trigger, uow.now))
        return written

    def _enqueue_tick(self, uow: UnitOfWork, a: Automation, tick: datetime) -> int:
        assert isinstance(a.trigger, auto.OnSchedule)
        group = f"{SCHEDULE_JOB}:{a.name}"
        key = f"{group}:{a.trigger.cron}:{a.trigger.timezone}:{tick.isoformat()}"
        written = self.outbox.enqueue(
            uow, SCHEDULE_JOB, {"automation": a.name, "cron": a.trigger.cron,
                                "timezone": a.trigger.timezone, "tick": tick.isoformat()},
            run_at=tick, key=key, cancel_group=group, object=a.object)
        return 0 if written is None else 1

    def run_schedule(self, job: Job, uow: UnitOfWork) -> None:
        """One tick: run the automation for every record meeting its condition, then write the
        next tick (after now, so ticks missed while the engine was down run once)."""
        a = self.registry.automations.get(str(job.payload.get("automation")))
        if a is None or not a.enabled or not isinstance(a.trigger, auto.OnSchedule):
            return
        c = self.records.compiled(a.object)
        table = c.table
        last_id = 0
        while True:
            rows = [dict(r) for r in uow.conn.execute(
                select(table).where(table.c.id > last_id).order_by(table.c.id)
                .limit(SCHEDULE_BATCH)).mappings()]
            if not rows:
                break
            last_id = int(rows[-1]["id"])
            for row in rows:
                self._run_unchanged(uow, a, row, {"name": "schedule",
                                                  "tick": job.payload.get("tick")})
        self._enqueue_tick(uow, a, self.next_tick(a.trigger, uow.now))


def _matches(trigger: auto.Trigger, event: RecordEvent) -> bool:
    if isinstance(trigger, auto.OnCreated):
        return event.kind == "created"
    if isinstance(trigger, auto.OnUpdated):
        return event.kind != "created" and (not trigger.fields
                                            or not trigger.fields.isdisjoint(event.changed))
    if isinstance(trigger, auto.OnTransitioned):
        return event.kind == "transitioned" and trigger.matches(
            event.transition or "", event.from_state or "", event.to_state or "")
    return False


def _system_user(actor: str) -> dict[str, Any]:
    return {"id": actor, "name": actor, "email": None, "roles": [], "teams": []}
