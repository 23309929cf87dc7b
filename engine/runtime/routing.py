"""Routing commands: put a record in a queue and assign it to an agent, inside a command.

:meth:`Router.decide` loads what a decision needs (the queue's members, their profiles, their
open work, a sticky record's agent) and asks the pure
:func:`~engine.workflows.assignment.choose_agent`. :meth:`Router.assign_in` writes the result
through the record service (audited as ``assign``, seen by automations), after locking the
chosen agent's profile row and recounting their load, so two processes assigning at once never
push an agent over capacity: the second waits for the first, sees its assignment, and chooses
again when the agent is full.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    func,
    insert,
    select,
    update,
)

from engine.errors import NotFound, did_you_mean
from engine.objects.permissions import ADMIN_ROLE
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext
from engine.runtime.agent_profiles import AgentProfile, AgentProfiles
from engine.runtime.audit import AuditTrail
from engine.runtime.records import RecordService
from engine.runtime.unit_of_work import UnitOfWork, unit_of_work
from engine.workflows.assignment import AgentState, AgentVerdict, Choice, choose_agent
from engine.workflows.routing import RouteMatch, RoutingPolicy

__all__ = ["Router", "RoutingDecision"]


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Where a record goes and why: the rule that matched (``None``: the fallback), the queue
    and its strategy, the skills required, the assignee (``None``: nobody) with a stable
    ``reason`` code and a sentence, and every agent considered."""

    object: str
    record_id: int | None
    rule: str | None
    queue: str
    strategy: str
    skills: tuple[str, ...]
    assignee: str | None
    reason: str
    explanation: str
    agents: tuple[AgentVerdict, ...]

    def note(self, policy: str) -> str:
        """The audit note of the assignment."""
        rule = f"rule '{self.rule}'" if self.rule else "no rule matched (fallback)"
        return (f"routing '{policy}': {rule} -> queue '{self.queue}' ({self.strategy}): "
                f"{self.explanation}")

    def as_json(self) -> dict[str, Any]:
        return {"object": self.object, "record_id": self.record_id, "rule": self.rule,
                "queue": self.queue, "strategy": self.strategy, "skills": list(self.skills),
                "assignee": self.assignee, "reason": self.reason,
                "explanation": self.explanation,
                "agents": [a.as_json() for a in self.agents]}


class Router:
    """Routing over every policy of ``registry``, writing through ``records``."""

    def __init__(self, registry: Registry, records: RecordService, audit: AuditTrail) -> None:
        self.registry = registry
        self._records = records
        self._audit = audit
        self.profiles = AgentProfiles(registry)
        self._turns, self._users = self.profiles.turns, self.profiles.users
        #: Locking a row is PostgreSQL's job; SQLite runs one writer at a time anyway.
        self._lock_rows = records.database.dialect.name == "postgresql"

    def policy(self, object_name: str) -> RoutingPolicy:
        """The routing policy of ``object_name``; ``routing_not_configured`` (404) if none."""
        self.registry.object(object_name)  # unknown_object first
        policy = self.registry.routing_for(object_name)
        if policy is None:
            routed = sorted(p.object for p in self.registry.routing.values())
            raise NotFound(
                f"object '{object_name}' has no routing policy (routing/*.yaml)"
                f"{did_you_mean(object_name, routed)}; routed objects: "
                f"{', '.join(routed) or 'none'}", code="routing_not_configured")
        return policy

    def may_manage(self, roles: frozenset[str]) -> bool:
        """Whether a principal with ``roles`` may change agents' profiles (admin, or a role a
        routing policy names under ``supervisors``)."""
        return ADMIN_ROLE in roles or any(roles & p.supervisors
                                       for p in self.registry.routing.values())

    def queue_teams(self) -> tuple[str, ...]:
        """Every team that works a queue."""
        return tuple(sorted({q.team for p in self.registry.routing.values()
                             for q in p.queues.values()}))

    # -- loading ------------------------------------------------------------------------------

    def _loader(self, conn: Connection) -> Any:
        def load(object_name: str, record_id: Any) -> dict[str, Any] | None:
            if record_id is None or object_name not in self.registry.objects:
                return None
            table = self._records.table(object_name)
            row = conn.execute(select(table).where(table.c.id == record_id)).mappings().first()
            return dict(row) if row is not None else None
        return load

    def load_record(self, conn: Connection, object_name: str, record_id: int,
                    *, lock: bool = False) -> dict[str, Any]:
        table = self._records.table(object_name)
        statement = select(table).where(table.c.id == record_id)
        if lock and self._lock_rows:
            statement = statement.with_for_update()
        row = conn.execute(statement).mappings().first()
        if row is None:
            raise NotFound(f"no {object_name} with id {record_id}", code="record_not_found")
        return dict(row)

    def _open_work(self, policy: RoutingPolicy) -> tuple[Table, ColumnElement[bool]]:
        """The object's table and the condition selecting assigned open records."""
        table = self._records.table(policy.object)
        condition: ColumnElement[bool] = table.c[policy.assignee_field].is_not(None)
        if policy.status_field is not None:
            condition = and_(condition, table.c[policy.status_field].in_(
                sorted(policy.open_states)))
        return table, condition

    def _loads(self, conn: Connection, policy: RoutingPolicy, names: list[str] | Select[Any],
               record_id: int | None) -> dict[str, int]:
        """Open work per agent of ``names`` (a list, or a query of names)."""
        if isinstance(names, list) and not names:
            return {}
        table, condition = self._open_work(policy)
        assignee = table.c[policy.assignee_field]
        statement = (select(assignee, func.count()).where(condition, assignee.in_(names))
                     .group_by(assignee))
        if record_id is not None:
            statement = statement.where(table.c.id != record_id)
        return {name: int(n) for name, n in conn.execute(statement).all()}

    def _sticky_agent(self, conn: Connection, policy: RoutingPolicy, match: RouteMatch,
                      row: Mapping[str, Any], record_id: int | None) -> str | None:
        by = match.queue.sticky_by
        if match.queue.strategy != "sticky" or by is None or row.get(by) is None:
            return None
        table = self._records.table(policy.object)
        assignee = table.c[policy.assignee_field]
        statement = (select(assignee).where(table.c[by] == row[by], assignee.is_not(None))
                     .order_by(table.c.updated_at.desc(), table.c.id.desc()).limit(1))
        if record_id is not None:
            statement = statement.where(table.c.id != record_id)
        found = conn.execute(statement).scalar()
        return str(found) if found is not None else None

    def _states(self, conn: Connection, policy: RoutingPolicy, match: RouteMatch,
                record_id: int | None, everyone: bool) -> list[AgentState]:
        """The agents a decision weighs: the queue team's online members (one query for them
        and their turns in the queue, one for their open work), or, for an explanation, every
        agent with why each is in or out."""
        queue = match.queue
        turns = self._turns
        if not everyone:
            statement = self.profiles.online_members(queue.team).add_columns(
                turns.c.last_assigned_at.label("turn")).outerjoin(
                turns, and_(turns.c.user_id == self._users.c.id, turns.c.queue == queue.name))
            rows = conn.execute(statement).all()
            names = self.profiles.online_members(queue.team, self._users.c.name)
            loads = self._loads(conn, policy, names, record_id) if rows else {}
            return [AgentState(
                name=r.name, teams=frozenset((queue.team,)), skills=frozenset(r.skills),
                capacity=r.capacity, availability="online", calendar=r.calendar,
                load=loads.get(r.name, 0), last_assigned_at=r.last_assigned_at,
                queue_last_assigned_at=r.turn) for r in rows]
        profiles: list[AgentProfile] = self.profiles.agents(conn, [queue.team])
        loads = self._loads(conn, policy, [p.name for p in profiles], record_id)
        queue_turns = {r.user_id: r.last_assigned_at for r in conn.execute(
            select(turns.c.user_id, turns.c.last_assigned_at)
            .where(turns.c.queue == queue.name,
                   turns.c.user_id.in_([p.user_id for p in profiles])))}
        return [AgentState(
            name=p.name, teams=frozenset(p.teams), skills=frozenset(p.skills),
            capacity=p.capacity, availability=p.availability, calendar=p.calendar,
            load=loads.get(p.name, 0), last_assigned_at=p.last_assigned_at,
            queue_last_assigned_at=queue_turns.get(p.user_id), has_profile=p.has_profile)
            for p in profiles]

    # -- deciding -----------------------------------------------------------------------------

    def decide(self, conn: Connection, object_name: str, row: Mapping[str, Any],
               now: datetime, *, everyone: bool = False,
               loads: Mapping[str, int] | None = None,
               queue: str | None = None) -> RoutingDecision:
        """Where ``row`` (a record in storage form; ``id`` may be missing) would go at ``now``.

        Reads only. ``everyone`` also considers agents outside the queue's team (for
        explanations); ``loads`` overrides counted loads (a recount under lock); ``queue``
        skips the rules and picks an agent of that queue (an escalation's)."""
        policy = self.policy(object_name)
        record_id = row.get("id")
        match = (policy.match(row, EvalContext(now=now, load=self._loader(conn)))
                 if queue is None else RouteMatch(None, policy.queues[queue], ()))
        states = self._states(conn, policy, match, record_id, everyone)
        if loads:
            states = [dataclasses.replace(s, load=loads.get(s.name, s.load)) for s in states]
        sticky = self._sticky_agent(conn, policy, match, row, record_id)
        choice: Choice = choose_agent(match.queue, match.skills, states, now,
                                      self.registry.calendars, sticky_agent=sticky)
        return RoutingDecision(
            object=policy.object, record_id=record_id, rule=match.rule,
            queue=match.queue.name, strategy=match.queue.strategy, skills=match.skills,
            assignee=choice.assignee, reason=choice.reason, explanation=choice.explanation,
            agents=choice.verdicts)

    def _reserve(self, conn: Connection, policy: RoutingPolicy, decision: RoutingDecision,
                 record_id: int) -> int | None:
        """Lock the chosen agent's profile and recount their open work; the recounted load
        when they are full, else ``None`` (the assignment may go ahead).

        On PostgreSQL the lock is taken in a savepoint that is rolled back when the agent is
        full, which releases it: a command holds at most one full agent's lock at a time, so
        two commands choosing again never wait on each other in a cycle."""
        assert decision.assignee is not None
        p = self.profiles.table
        user_ids = select(self._users.c.id).where(self._users.c.name == decision.assignee)
        statement = select(p.c.capacity).where(p.c.user_id.in_(user_ids))
        savepoint = conn.begin_nested() if self._lock_rows else None
        if savepoint is not None:
            statement = statement.with_for_update()
        capacity = conn.execute(statement).scalar()
        load = self._loads(conn, policy, [decision.assignee], record_id).get(
            decision.assignee, 0)
        full = capacity is None or load >= capacity
        if savepoint is not None:
            (savepoint.rollback if full else savepoint.commit)()
        return load if full else None

    def assign_in(self, uow: UnitOfWork, object_name: str, record_id: int,
                  *, note: str | None = None, queue: str | None = None) -> RoutingDecision:
        """Route record ``record_id`` inside ``uow``'s transaction: write its queue and
        assignee (``None`` when nobody is chosen) through the record service as an
        ``assign`` change, and remember the assignment for round robin and tie-breaks."""
        policy = self.policy(object_name)
        row = self.load_record(uow.conn, object_name, record_id, lock=True)
        full: dict[str, int] = {}
        while True:
            decision = self.decide(uow.conn, object_name, row, uow.now, loads=full,
                                   queue=queue)
            if decision.assignee is None:
                break
            recounted = self._reserve(uow.conn, policy, decision, record_id)
            if recounted is None:
                break
            full[decision.assignee] = recounted  # filled up meanwhile: choose again
        if decision.assignee is not None:
            self._remember(uow, decision)
        self._records.update_in(
            uow, object_name, record_id,
            {policy.queue_field: decision.queue, policy.assignee_field: decision.assignee},
            action="assign", note=note or decision.note(policy.name))
        return decision

    def _remember(self, uow: UnitOfWork, decision: RoutingDecision) -> None:
        user_id = uow.conn.execute(select(self._users.c.id).where(
            self._users.c.name == decision.assignee)).scalar_one()
        p = self.profiles.table
        uow.conn.execute(update(p).where(p.c.user_id == user_id)
                         .values(last_assigned_at=uow.now))
        t = self._turns
        done = uow.conn.execute(update(t).where(t.c.user_id == user_id,
                                                t.c.queue == decision.queue)
                                .values(last_assigned_at=uow.now))
        if done.rowcount == 0:
            uow.conn.execute(insert(t).values(user_id=user_id, queue=decision.queue,
                                              last_assigned_at=uow.now))

    def reassign_from(self, uow: UnitOfWork, user: str) -> list[RoutingDecision]:
        """Route again, inside ``uow``, every open record assigned to ``user`` (who is no
        longer eligible, e.g. went offline), oldest first; each change is audited."""
        out = []
        for policy in self.registry.routing.values():
            table, condition = self._open_work(policy)
            ids = uow.conn.execute(
                select(table.c.id).where(condition, table.c[policy.assignee_field] == user)
                .order_by(table.c.id)).scalars().all()
            for record_id in ids:
                decision = self.assign_in(uow, policy.object, int(record_id))
                out.append(decision)
        return out

    # -- commands -----------------------------------------------------------------------------

    def assign(self, object_name: str, record_id: int, actor: str) -> RoutingDecision:
        """Route one record as a command of its own (one transaction; automations run)."""
        with unit_of_work(self._records.database, self._records.clock, self._audit,
                          actor) as uow:
            decision = self.assign_in(uow, object_name, record_id)
            self._records.settle(uow)
        return decision

    def explain(self, object_name: str, row: Mapping[str, Any]) -> RoutingDecision:
        """What routing would decide for ``row`` now, considering every agent; changes
        nothing."""
        with self._records.database.connect() as conn:
            return self.decide(conn, object_name, row, self._records.clock.now(),
                               everyone=True)

    def set_profile(self, user: str, actor: str, **changes: Any) -> dict[str, Any]:
        """Change an agent's profile (skills, capacity, availability, calendar) as one
        command. Going offline routes their open records again in the same transaction."""
        with unit_of_work(self._records.database, self._records.clock, self._audit,
                          actor) as uow:
            before = self.profiles.change(uow, user, **changes)
            rerouted = []
            if changes.get("availability") == "offline" and before.availability != "offline":
                rerouted = self.reassign_from(uow, user)
            self._records.settle(uow)
            after = self.profiles.get(uow.conn, user)
        return after.as_json() | {"rerouted": [d.as_json() | {"agents": None}
                                               for d in rerouted]}

    def agents(self) -> list[dict[str, Any]]:
        """Every agent (a user with a profile or in a queue's team) with their profile and
        open work per routed object."""
        with self._records.database.connect() as conn:
            profiles = self.profiles.agents(conn, self.queue_teams())
            names = [p.name for p in profiles]
            loads = {policy.object: self._loads(conn, policy, names, None)
                     for policy in self.registry.routing.values()}
        return [p.as_json() | {"load": {o: per.get(p.name, 0) for o, per in loads.items()}}
                for p in profiles]
