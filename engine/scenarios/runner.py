"""Running scenario files against a pack: a fresh SQLite database per scenario, a manual clock,
in-memory mail and webhooks, and the job worker run whenever time moves.

Each scenario stops at its first failing step; the failure names the file, line and column of
the step and what was expected against what was found.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, select

from engine.errors import FlowdeskError, PackError, Problem, SourcePos
from engine.jobs.worker import Worker
from engine.objects.storage import create_database_engine, ensure_schema
from engine.packs.registry import Registry
from engine.packs.source import SourceDocument, load_yaml_document
from engine.packs.spec_errors import validate_spec
from engine.rules_dsl.parser import parse_duration_text
from engine.runtime.access import UserAccess
from engine.runtime.clock import ManualClock
from engine.runtime.effects import MemoryMailer, MemoryWebhookSender
from engine.runtime.factory import Runtime, build_runtime
from engine.scenarios.models import Expectation, ScenarioSpec, Step

__all__ = ["ScenarioResult", "load_scenario", "run_scenario", "run_scenarios",
           "scenario_files", "MAX_JOB_ROUNDS"]

#: A clock move runs at most this many rounds of due jobs (a job that keeps rescheduling itself
#: for the same instant would otherwise never end).
MAX_JOB_ROUNDS = 10_000
_INTERPOLATION = re.compile(r"\$\{([a-z][a-z0-9_]*)\}")


def _cheap_hasher() -> PasswordHasher:
    # Scenario users have no passwords and never log in; the default (deliberately slow) hasher
    # would cost a third of each scenario's start-up for the directory's timing-safe dummy hash.
    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@dataclass
class ScenarioResult:
    name: str
    file: str
    passed: bool
    steps_run: int
    failure: str | None = None
    where: SourcePos | None = None

    def line(self) -> str:
        if self.passed:
            return f"ok    {self.name} ({self.file}, {self.steps_run} steps)"
        return f"FAIL  {self.name}\n      {self.where or self.file}: {self.failure}"


class _Failed(Exception):
    def __init__(self, message: str, path: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.message, self.path = message, path


def scenario_files(pack: Path) -> list[Path]:
    """The scenario files of a pack's ``tests/`` folder, in name order."""
    folder = pack / "tests"
    return sorted(folder.glob("*.y*ml")) if folder.is_dir() else []


def load_scenario(path: Path) -> tuple[ScenarioSpec, SourceDocument]:
    """Read and check one scenario file; :class:`PackError` with positions when it is not
    one."""
    doc = load_yaml_document(path, str(path))
    spec, problems = validate_spec(doc, ScenarioSpec)
    if spec is None:
        raise PackError(problems)
    return spec, doc


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _same(expected: Any, actual: Any) -> bool:
    left, right = _instant(expected), _instant(actual)
    if left is not None and right is not None:
        return left == right
    if isinstance(expected, date) and not isinstance(expected, datetime):
        return expected.isoformat() == actual  # an unquoted YAML date
    left_number, right_number = _number(expected), _number(actual)
    either_a_number = not (isinstance(expected, str) and isinstance(actual, str))
    if either_a_number and left_number is not None and right_number is not None:
        # Decimals compare by value: "350.00", 350.0 and 350.5 - 0.5 + 0.5 alike.
        return left_number == right_number
    return bool(expected == actual)


def _number(value: Any) -> Decimal | None:
    """``value`` as a decimal when it is a number or a numeric text; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class _Run:
    """One scenario on its own database."""

    def __init__(self, registry: Registry, spec: ScenarioSpec, doc: SourceDocument,
                 database_url: str) -> None:
        self.spec, self.doc = spec, doc
        self.clock = ManualClock(spec.start.astimezone(UTC))
        self.database = create_database_engine(database_url)
        ensure_schema(self.database, registry.objects, registry.packs, now=self.clock.now())
        self.mailer = MemoryMailer()
        self.runtime: Runtime = build_runtime(
            registry, self.database, self.clock, mailer=self.mailer,
            mail_sender="desk@flowdesk.test", webhook_sender=MemoryWebhookSender(), environ={},
            password_hasher=_cheap_hasher())
        self.runtime.automations.start_schedules()
        self.worker = Worker(self.runtime, "scenario")
        self.ids: dict[str, tuple[str, int]] = {}

    def close(self) -> None:
        self.database.dispose()

    # -- values --------------------------------------------------------------------------------

    def resolve(self, value: Any, path: tuple[Any, ...]) -> Any:
        """``$alias`` → the record's id; ``${alias}`` inside a string → the id as text."""
        if isinstance(value, str):
            if value.startswith("$") and not value.startswith("${"):
                return self.record(value[1:], path)[1]
            return _INTERPOLATION.sub(lambda m: str(self.record(m.group(1), path)[1]), value)
        if isinstance(value, list):
            return [self.resolve(v, path) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v, path) for k, v in value.items()}
        if isinstance(value, date):  # datetime too: unquoted YAML dates and instants
            return value.isoformat()
        return value

    def record(self, alias: str, path: tuple[Any, ...]) -> tuple[str, int]:
        if alias not in self.ids:
            known = ", ".join(self.ids) or "none yet"
            raise _Failed(f"no record is called '{alias}' (records so far: {known})", path)
        return self.ids[alias]

    # -- time ----------------------------------------------------------------------------------

    def move_to(self, target: datetime, path: tuple[Any, ...]) -> None:
        """Move the clock to ``target``, running due jobs at their own times on the way."""
        if target < self.clock.now():
            raise _Failed(f"time cannot go back: it is {self.clock.now().isoformat()}, the step "
                          f"asks for {target.isoformat()}", path)
        table = self.runtime.outbox.table
        for _ in range(MAX_JOB_ROUNDS):
            with self.database.connect() as conn:
                due = conn.execute(select(func.min(table.c.run_at)).where(
                    table.c.status == "pending", table.c.run_at <= target)).scalar()
            if due is None:
                self.clock.set(target)
                self.worker.run_due()
                return
            self.clock.set(max(self.clock.now(), due.astimezone(UTC)))
            self.worker.run_due()
        raise _Failed(f"jobs kept falling due for {MAX_JOB_ROUNDS} rounds", path)

    # -- steps ---------------------------------------------------------------------------------

    def setup(self) -> None:
        users = self.runtime.auth.users
        teams = {t for u in self.spec.users for t in u.teams}
        for team in sorted(teams):
            users.create_team(team)
        # Users first (routing needs its agents when given records are created), except those
        # whose attributes name a given record: they follow the records.
        later = [i for i, u in enumerate(self.spec.users) if "$" in repr(u.attributes)]
        for i in range(len(self.spec.users)):
            if i not in later:
                self.add_user(i)
        for alias, given in self.spec.given.items():
            path = ("given", alias)
            values = self.resolve(given.values, path)
            self.create(alias, given.object, values, "scenario", path)
        for i in later:
            self.add_user(i)

    def add_user(self, i: int) -> None:
        u = self.spec.users[i]
        self.runtime.auth.users.create(
            u.name, roles=u.roles, actor="scenario", email=u.email, teams=u.teams,
            attributes=self.resolve(u.attributes, ("users", i)))
        if u.agent is not None:
            with self.runtime.records.command("scenario") as uow:
                self.runtime.router.profiles.change(
                    uow, u.name, skills=u.agent.get("skills"), capacity=u.agent.get("capacity"),
                    availability=u.agent.get("availability", "online"),
                    calendar=u.agent.get("calendar"))

    def create(self, alias: str, object_name: str, values: Mapping[str, Any], actor: str,
               path: tuple[Any, ...]) -> None:
        record = self.runtime.records.create(object_name, values, actor)
        self.ids[alias] = (object_name, int(record["id"]))

    def step(self, i: int, step: Step) -> None:
        path = ("steps", i)
        try:
            self.act(step, path)
        except FlowdeskError as exc:
            if step.error == exc.code:
                return
            raise _Failed(f"the step failed: {exc.message} [{exc.code}]", path) from None
        if step.error is not None:
            raise _Failed(f"expected the step to fail with '{step.error}', it succeeded", path)
        if step.expect is not None:
            self.check(step.expect, (*path, "expect"))

    def acting_as(self, name: str, path: tuple[Any, ...]) -> UserAccess:
        """What ``name`` may do: the pack's roles enforced, as for an API request."""
        user = self.runtime.auth.users.by_name(name)
        if user is None:
            known = ", ".join(u.name for u in self.spec.users) or "none"
            raise _Failed(f"'as: {name}' names no user of the scenario (users: {known})",
                          (*path, "as"))
        return self.runtime.access.for_user(self.runtime.auth.users.principal(user))

    def act_as(self, step: Step, values: Mapping[str, Any], path: tuple[Any, ...]) -> bool:
        """Run a create, update or transition as ``step.as_``; False for other steps."""
        assert step.as_ is not None
        user = self.acting_as(step.as_, path)
        if step.create is not None and step.object is not None:
            record = user.create(step.object, values)
            self.ids[step.create] = (step.object, int(record["id"]))
        elif step.update is not None:
            object_name, record_id = self.record(step.update, path)
            current = self.runtime.records.get(object_name, record_id)
            user.update(object_name, record_id, values, expected_version=current["version"])
        elif step.transition is not None and step.name is not None:
            object_name, record_id = self.record(step.transition, path)
            current = self.runtime.records.get(object_name, record_id)
            user.transition(object_name, record_id, step.name, values=values,
                            expected_version=current["version"])
        else:
            return False
        return True

    def act(self, step: Step, path: tuple[Any, ...]) -> None:
        runtime = self.runtime
        values = self.resolve(step.values, path)
        if step.as_ is not None and self.act_as(step, values, path):
            return
        if step.create is not None:
            if step.object is None:
                raise _Failed("'create' needs 'object'", path)
            self.create(step.create, step.object, values, step.by, path)
        elif step.update is not None:
            object_name, record_id = self.record(step.update, path)
            current = runtime.records.get(object_name, record_id)
            runtime.records.update(object_name, record_id, values,
                                   expected_version=current["version"], actor=step.by)
        elif step.transition is not None:
            if step.name is None:
                raise _Failed("'transition' needs 'name'", path)
            object_name, record_id = self.record(step.transition, path)
            current = runtime.records.get(object_name, record_id)
            runtime.transitions.transition(object_name, record_id, step.name, values=values,
                                           expected_version=current["version"], actor=step.by)
        elif step.advance is not None:
            by = parse_duration_text(step.advance) or timedelta(0)
            self.move_to(self.clock.now() + by, path)
        elif step.at is not None:
            at = step.at if step.at.tzinfo else step.at.replace(tzinfo=UTC)
            self.move_to(at.astimezone(UTC), path)
        elif step.run_jobs:
            self.worker.run_due()

    # -- expectations --------------------------------------------------------------------------

    def check(self, expect: Expectation, path: tuple[Any, ...]) -> None:
        runtime = self.runtime
        if expect.record is not None:
            object_name, record_id = self.record(expect.record, path)
            record = runtime.records.get(object_name, record_id)
            for name, wanted in self.resolve(expect.fields, path).items():
                if name not in record:
                    raise _Failed(f"{object_name} has no field '{name}'", (*path, "fields", name))
                if not _same(wanted, record[name]):
                    raise _Failed(f"{expect.record}.{name}: expected {wanted!r}, found "
                                  f"{record[name]!r}", (*path, "fields", name))
            if expect.sla:
                self.check_sla(object_name, record_id, expect, path)
            if expect.history:
                notes = [e.note or "" for e in runtime.records.history(object_name, record_id)]
                for i, text in enumerate(self.resolve(expect.history, path)):
                    if not any(text in n for n in notes):
                        raise _Failed(f"no history note of {expect.record} contains {text!r}; "
                                      f"notes: {notes}", (*path, "history", i))
        elif expect.fields or expect.sla or expect.history:
            raise _Failed("'fields', 'sla' and 'history' need 'record'", path)
        self.check_emails(expect, path)
        if expect.count is not None:
            self.check_count(expect.count, (*path, "count"))

    def check_sla(self, object_name: str, record_id: int, expect: Expectation,
                  path: tuple[Any, ...]) -> None:
        with self.database.connect() as conn:
            clocks = {c["metric"]: c for c in self.runtime.sla.clocks(
                conn, object_name, record_id, self.clock.now())}
        for metric, wanted in expect.sla.items():
            where = (*path, "sla", metric)
            clock = clocks.get(metric)
            if wanted.get("absent"):
                if clock is not None:
                    raise _Failed(f"expected no {metric} clock, found one ({clock['status']})",
                                  where)
                continue
            if clock is None:
                raise _Failed(f"no {metric} clock (clocks: {', '.join(clocks) or 'none'})",
                              where)
            for key, value in self.resolve(wanted, where).items():
                if key not in clock:
                    raise _Failed(f"an SLA clock has no '{key}' (it has {', '.join(clock)})",
                                  (*where, key))
                if not _same(value, clock[key]):
                    raise _Failed(f"SLA {metric}.{key}: expected {value!r}, found "
                                  f"{clock[key]!r}", (*where, key))

    def emails(self) -> list[dict[str, Any]]:
        table = self.runtime.outbox.table
        with self.database.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(table.c.payload).where(table.c.kind == "email").order_by(table.c.id)
            ).scalars()]

    def check_emails(self, expect: Expectation, path: tuple[Any, ...]) -> None:
        if not expect.emails and expect.email_count is None:
            return
        sent = self.emails()
        if expect.email_count is not None and len(sent) != expect.email_count:
            subjects = [e.get("subject") for e in sent]
            raise _Failed(f"expected {expect.email_count} emails, found {len(sent)}: {subjects}",
                          (*path, "email_count"))
        for i, wanted in enumerate(self.resolve(expect.emails, path)):
            if not any(_email_matches(wanted, e) for e in sent):
                shown = [(e.get("to"), e.get("subject")) for e in sent]
                raise _Failed(f"no email matches {wanted}; emails: {shown}", (*path, "emails", i))

    def check_count(self, count: Mapping[str, Any], path: tuple[Any, ...]) -> None:
        object_name = str(count.get("object"))
        where = self.resolve(dict(count.get("where", {})), path)
        page = self.runtime.records.list(object_name, limit=500)
        found = sum(1 for r in page.items if all(_same(v, r.get(k)) for k, v in where.items()))
        if found != count.get("equals"):
            raise _Failed(f"expected {count.get('equals')} {object_name} records matching "
                          f"{where}, found {found}", path)


def _email_matches(wanted: Mapping[str, Any], email: Mapping[str, Any]) -> bool:
    to = email.get("to") or []
    if "to" in wanted and wanted["to"] not in to:
        return False
    if "subject" in wanted and wanted["subject"] != email.get("subject"):
        return False
    if "subject_contains" in wanted and wanted["subject_contains"] not in str(
            email.get("subject")):
        return False
    return "body_contains" not in wanted or wanted["body_contains"] in str(email.get("body"))


def run_scenario(registry: Registry, path: Path) -> ScenarioResult:
    """Run one scenario file on a fresh database."""
    try:
        spec, doc = load_scenario(path)
    except PackError as exc:
        first: Problem = exc.problems[0]
        return ScenarioResult(path.stem, str(path), False, 0, first.message, first.pos)
    with tempfile.TemporaryDirectory() as tmp:
        run = _Run(registry, spec, doc, f"sqlite:///{Path(tmp) / 'scenario.db'}")
        steps = 0
        try:
            run.setup()
            for i, step in enumerate(spec.steps):
                run.step(i, step)
                steps += 1
        except _Failed as failed:
            return ScenarioResult(spec.scenario, str(path), False, steps, failed.message,
                                  doc.pos(failed.path))
        except FlowdeskError as exc:
            return ScenarioResult(spec.scenario, str(path), False, steps,
                                  f"setting up failed: {exc.message} [{exc.code}]",
                                  doc.pos(("given",)))
        finally:
            run.close()
    return ScenarioResult(spec.scenario, str(path), True, steps)


def run_scenarios(registry: Registry, paths: Sequence[Path]) -> Iterator[ScenarioResult]:
    for path in paths:
        yield run_scenario(registry, path)

