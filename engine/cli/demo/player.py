"""Plays a demo script through the runtime on a manual clock: accounts and their linked
records first, then requests arriving over the days, each living through a story whose steps
are real commands (creates and transitions), while the job worker runs every timer when it
falls due (SLA warnings and breaches, reminders, time-based automations, emails).

Deterministic: one seeded ``random.Random`` draws everything, in the order events happen, so
the same script, seed, sizes and end time make the same records.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from random import Random
from typing import Any

from sqlalchemy import func, select

from engine.cli.demo.script import DemoScript, RecordPlan, Step, Story
from engine.cli.demo.values import Scope
from engine.errors import Conflict, FlowdeskError
from engine.jobs.worker import BatchResult, Worker
from engine.objects.model import FieldType
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime

__all__ = ["DemoMailbox", "HistoryPlayer", "HistoryReport", "SYSTEM_ACTOR"]

#: Who routes requests and makes up the accounts.
SYSTEM_ACTOR = "system"
_SKIPPABLE = ("transition_not_allowed", "guard_failed")


class DemoMailbox:
    """The demo's mailer: counts the email the history sends, and sends none of it."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        self.sent += 1


@dataclass
class HistoryReport:
    """What a played history made."""

    start: datetime
    end: datetime
    records: Counter[str] = field(default_factory=Counter)
    stories: Counter[str] = field(default_factory=Counter)
    transitions: Counter[str] = field(default_factory=Counter)
    skipped_steps: int = 0
    jobs: BatchResult = field(default_factory=BatchResult)
    emails: int = 0


_Event = tuple[datetime, int, Callable[[], None]]


class HistoryPlayer:
    """One run of ``script`` over ``runtime`` (whose clock must be ``clock``)."""

    def __init__(self, runtime: Runtime, clock: ManualClock, script: DemoScript, seed: int,
                 mailbox: DemoMailbox | None = None) -> None:
        if runtime.clock is not clock:
            raise ValueError("the runtime must run on the player's manual clock")
        self.runtime, self.clock, self.script = runtime, clock, script
        self.rng = Random(seed)
        self.mailbox = mailbox
        self.worker = Worker(runtime, "seed", batch_size=100)
        self._events: list[_Event] = []
        self._order = itertools.count()
        self._cache: dict[tuple[str, int], Mapping[str, Any]] = {}
        self._members: dict[int, dict[str, list[int]]] = {}
        self._jobs = runtime.outbox.table
        machine = next((w for w in runtime.registry.workflows.values()
                        if w.object == script.request.object), None)
        self._state_field = machine.field if machine is not None else None
        calendar = script.calendar
        self._calendar = runtime.registry.calendars[calendar] if calendar else None

    # -- records --------------------------------------------------------------------------

    def _reference_to(self, object_name: str, field_name: str) -> str | None:
        f = self.runtime.registry.objects[object_name].fields.get(field_name)
        return f.reference_to if f is not None and f.type is FieldType.REFERENCE else None

    def _load(self, object_name: str, record_id: int) -> Mapping[str, Any] | None:
        cached = self._cache.get((object_name, record_id))
        if cached is not None:
            return cached
        try:
            return self.runtime.records.get(object_name, record_id)
        except FlowdeskError:
            return None

    def _scope(self, seq: int, roots: dict[str, tuple[str | None, Mapping[str, Any]]],
               members: Mapping[str, list[int]] | None = None) -> Scope:
        return Scope(self.rng, self.clock.now(), seq, roots, members or {}, self._load,
                     self._reference_to)

    def _values(self, plan: RecordPlan, scope: Scope, given: Mapping[str, Any]
                ) -> dict[str, Any]:
        """The plan's values made in order (later recipes read earlier ones as
        ``record.<field>``); nulls are left out."""
        values: dict[str, Any] = dict(given)
        scope.roots["record"] = (plan.object, values)
        for name, recipe in plan.values:
            value = recipe.make(scope)
            if value is not None:
                values[name] = value
        return values

    def _create(self, plan: RecordPlan, values: Mapping[str, Any], actor: str,
                cache: bool = False) -> dict[str, Any]:
        record = self.runtime.records.create(plan.object, values, actor)
        self.report.records[plan.object] += 1
        if cache:
            self._cache[(plan.object, int(record["id"]))] = record
        return record

    # -- time -----------------------------------------------------------------------------

    def _at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._events, (when, next(self._order), action))

    def _next_due(self) -> datetime | None:
        t = self._jobs
        with self.runtime.database.connect() as conn:
            due: datetime | None = conn.execute(
                select(func.min(t.c.run_at)).where(t.c.status == "pending")).scalar()
        return due

    def _advance(self, to: datetime) -> None:
        """Move the clock to ``to``, running each job at the time it falls due."""
        while True:
            due = self._next_due()
            if due is None:
                break
            if due.tzinfo is None:  # SQLite returns naive UTC
                due = due.replace(tzinfo=to.tzinfo)
            if due > to:
                break
            if due > self.clock.now():
                self.clock.set(due)
            result = self.worker.run_due()
            self.report.jobs += result
            if not result.ran:
                break
        if to > self.clock.now():
            self.clock.set(to)

    def _wait(self, step: Step, since: datetime) -> datetime:
        low, high = step.after
        wait = low + (high - low) * self.rng.random()
        if step.working_time and self._calendar is not None:
            return self._calendar.add(since, wait)
        return since + wait

    def _arrivals(self, start: datetime, end: datetime, count: int) -> list[datetime]:
        span = (end - start).total_seconds()
        times = []
        for _ in range(count):
            for _try in range(20):
                at = start + timedelta(seconds=int(self.rng.random() * span))
                if (self._calendar is None or self._calendar.is_open(at)
                        or self.rng.random() < self.script.off_hours_share):
                    break
            times.append(at)
        return sorted(times)

    # -- playing --------------------------------------------------------------------------

    def play(self, start: datetime, end: datetime, *, accounts: int | None = None,
             requests: int | None = None,
             after_accounts: Callable[[list[int], list[str]], None] | None = None
             ) -> HistoryReport:
        """Play the history from ``start`` to ``end``; ``accounts`` and ``requests`` override
        the script's counts. ``after_accounts`` is called with the account ids and titles
        once they exist (to create users linked to them)."""
        self.report = HistoryReport(start, end)
        self.clock.set(start)
        account_ids = self._make_accounts(accounts or self.script.account_count)
        if after_accounts is not None:
            obj = self.runtime.registry.objects[self.script.account.object]
            titles = [str(self._cache[(obj.name, i)].get(obj.title_field or "id", i))
                      for i in account_ids]
            after_accounts(account_ids, titles)
        weights = [self.rng.uniform(0.2, 3.0) for _ in account_ids]
        count = self.script.request_count if requests is None else requests
        for seq, at in enumerate(self._arrivals(start, end, count), start=1):
            self._at(at, functools.partial(self._open_request, seq, account_ids, weights))
        while self._events:
            when, _order, action = heapq.heappop(self._events)
            if when > end:
                break
            self._advance(when)
            action()
        self._advance(end)
        if self.mailbox is not None:
            self.report.emails = self.mailbox.sent
        return self.report

    def _make_accounts(self, count: int) -> list[int]:
        ids = []
        account_name = self.script.account.object
        #: each linked object numbers its records across accounts (``seq`` in its recipes)
        numbers: Counter[str] = Counter()
        for seq in range(1, count + 1):
            values = self._values(self.script.account, self._scope(seq, {}), {})
            account = self._create(self.script.account, values, SYSTEM_ACTOR, cache=True)
            account_id = int(account["id"])
            ids.append(account_id)
            members: dict[str, list[int]] = {}
            for member in self.script.members:
                low, high = member.count
                for _ in range(self.rng.randint(low, high)):
                    numbers[member.record.object] += 1
                    scope = self._scope(numbers[member.record.object],
                                        {account_name: (account_name, account)}, members)
                    made = self._create(member.record, self._values(
                        member.record, scope, {member.link: account_id}), SYSTEM_ACTOR,
                        cache=True)
                    members.setdefault(member.record.object, []).append(int(made["id"]))
            self._members[account_id] = members
        return ids

    def _open_request(self, seq: int, account_ids: list[int], weights: list[float]) -> None:
        script = self.script
        account_id = self.rng.choices(account_ids, weights=weights)[0]
        account_name = script.account.object
        account = self._cache[(account_name, account_id)]
        scope = self._scope(seq, {account_name: (account_name, account)},
                            self._members.get(account_id))
        values = self._values(script.request, scope, {script.request_link: account_id})
        actor = (script.request_actor.make(scope) if script.request_actor else None)
        record = self._create(script.request, values, str(actor or script.fallback_actor))
        request_id = int(record["id"])
        if script.route:
            self.runtime.router.assign(script.request.object, request_id, SYSTEM_ACTOR)
        story = self.rng.choices(script.stories, weights=[s.weight for s in script.stories])[0]
        self.report.stories[story.name] += 1
        if story.steps:
            self._at(self._wait(story.steps[0], self.clock.now()),
                     lambda: self._take_step(request_id, story, 0))

    def _take_step(self, request_id: int, story: Story, index: int) -> None:
        step = story.steps[index]
        try:
            self._run_step(request_id, step)
        except FlowdeskError as exc:
            raise FlowdeskError(
                f"{self.script.file}: story '{story.name}' step {index + 1} on "
                f"{self.script.request.object} {request_id} failed: {exc}",
                code="demo_step_failed") from exc
        if index + 1 < len(story.steps):
            self._at(self._wait(story.steps[index + 1], self.clock.now()),
                     lambda: self._take_step(request_id, story, index + 1))

    def _run_step(self, request_id: int, step: Step) -> None:
        name = self.script.request.object
        records = self.runtime.records
        row = records.get(name, request_id)
        if step.chance < 1.0 and self.rng.random() >= step.chance:
            return
        if (step.only_in is not None and self._state_field is not None
                and row[self._state_field] not in step.only_in):
            self.report.skipped_steps += 1
            return
        scope = self._scope(request_id, {name: (name, row)})
        actor = step.actor.make(scope) if step.actor is not None else None
        scope.actor = str(actor or self.script.fallback_actor)
        if step.transition is not None:
            values = self._values(step.values, scope, {}) if step.values else {}
            try:
                self.runtime.transitions.transition(
                    name, request_id, step.transition, values=values,
                    expected_version=int(row["version"]), actor=scope.actor)
            except Conflict as exc:
                if exc.code not in _SKIPPABLE:
                    raise
                self.report.skipped_steps += 1
                return
            self.report.transitions[step.transition] += 1
        elif step.entry is not None:
            plan = self.script.entries[step.entry]
            self._create(plan, self._values(plan, scope, {}), scope.actor)
