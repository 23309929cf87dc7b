"""A pack's demo script (``demo/*.yaml``): who works the desk, which records to make up and the
stories their requests live through. Loaded with positions and checked against the compiled
registry, so a mistake is reported at ``file:line:col`` like any pack problem."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from engine.cli.demo.values import Recipe, compile_recipe
from engine.errors import PackError, Problem, SourcePos, did_you_mean
from engine.objects.model import FieldType
from engine.packs.loader import display_path
from engine.packs.models import Identifier, Label, _Spec
from engine.packs.registry import Registry
from engine.packs.source import SourceDocument, load_yaml_document
from engine.packs.spec_errors import validate_spec

__all__ = ["DemoScript", "RecordPlan", "MemberPlan", "Step", "Story", "UserPlan",
           "PortalPlan", "find_demo_file", "load_demo_script", "DEMO_FOLDER"]

DEMO_FOLDER = "demo"
_DURATION = re.compile(r"^(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?$")

# -- the file, as written --------------------------------------------------------------------


class UserSpec(_Spec):
    """A desk user the demo creates (skipped when one of that name exists)."""

    name: str
    display_name: str | None = None
    email: str | None = None
    roles: list[str] = Field(min_length=1)
    teams: list[str] = []
    password: str
    skills: list[str] | None = None
    """Routing skills; with them (or `capacity`) the user gets an agent profile."""
    capacity: int | None = Field(default=None, ge=0)
    availability: Literal["online", "away", "offline"] = "online"
    calendar: str | None = None


class PortalUsersSpec(_Spec):
    """Portal users, one per name, linked in order to the first accounts made."""

    role: str
    attribute: str
    """The user attribute that references the account."""
    password: str
    names: list[str]


class RecordSpec(_Spec):
    object: Identifier
    values: dict[str, Any] = {}
    """Field -> value recipe (see engine/cli/demo/values.py)."""


class MemberSpec(RecordSpec):
    link: str
    """The field of this object that points at the account."""
    count: tuple[int, int] = (1, 1)
    """How many per account: [fewest, most]."""


class AccountsSpec(RecordSpec):
    count: int = Field(ge=1)
    members: list[MemberSpec] = []


class StepSpec(_Spec):
    after: tuple[str, str]
    """[shortest, longest] wait since the previous step, e.g. [15m, 1d4h]."""
    working_time: bool = False
    """Count the wait in the working hours of the script's `calendar`."""
    chance: float = Field(default=1.0, ge=0, le=1)
    only_in: list[str] | None = None
    """Take the step only while the request's workflow state is one of these."""
    as_: Any = Field(default=None, alias="as")
    """The actor: a value recipe (default: the script's `fallback_actor`)."""
    transition: str | None = None
    values: dict[str, Any] = {}
    """Field values given with the transition (recipes)."""
    create: str | None = None
    """An entry (under `entries:`) to create."""


class StorySpec(_Spec):
    name: Identifier
    weight: float = Field(gt=0)
    steps: list[StepSpec] = []


class RequestsSpec(RecordSpec):
    count: int = Field(ge=0)
    link: str
    """The field of this object that points at the account."""
    route: bool = False
    """Route each new request through the object's routing policy."""
    as_: Any = Field(default=None, alias="as")
    """Who opens a request: a value recipe (default: the script's `fallback_actor`)."""
    stories: list[StorySpec] = Field(min_length=1)


class DemoFile(_Spec):
    demo: Identifier
    label: Label | None = None
    calendar: str | None = None
    """Requests arrive, and working-time steps count, in this calendar's hours."""
    off_hours_share: float = Field(default=0.1, ge=0, le=1)
    """The share of requests arriving outside the calendar's hours."""
    fallback_actor: str
    """Who acts when a step's `as` gives nobody."""
    users: list[UserSpec] = []
    portal_users: PortalUsersSpec | None = None
    accounts: AccountsSpec
    requests: RequestsSpec
    entries: dict[Identifier, RecordSpec] = {}
    texts: dict[Identifier, dict[str, Any]] = {}
    """Text banks: language -> lines, or group -> language -> lines."""


# -- compiled ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordPlan:
    object: str
    values: tuple[tuple[str, Recipe], ...]


@dataclass(frozen=True)
class MemberPlan:
    record: RecordPlan
    link: str
    count: tuple[int, int]


@dataclass(frozen=True)
class UserPlan:
    name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    password: str
    email: str | None
    display_name: str | None
    skills: tuple[str, ...] | None
    capacity: int | None
    availability: str
    calendar: str | None

    @property
    def is_agent(self) -> bool:
        return self.skills is not None or self.capacity is not None


@dataclass(frozen=True)
class PortalPlan:
    role: str
    attribute: str
    password: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    after: tuple[timedelta, timedelta]
    working_time: bool
    chance: float
    only_in: frozenset[str] | None
    actor: Recipe | None
    transition: str | None
    values: RecordPlan | None
    entry: str | None


@dataclass(frozen=True)
class Story:
    name: str
    weight: float
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class DemoScript:
    """A checked demo script, ready to play."""

    name: str
    file: str
    calendar: str | None
    off_hours_share: float
    fallback_actor: str
    users: tuple[UserPlan, ...]
    portal: PortalPlan | None
    account: RecordPlan
    account_count: int
    members: tuple[MemberPlan, ...]
    request: RecordPlan
    request_count: int
    request_link: str
    request_actor: Recipe | None
    route: bool
    stories: tuple[Story, ...]
    entries: Mapping[str, RecordPlan]


# -- loading ----------------------------------------------------------------------------------


def find_demo_file(pack_paths: list[Path]) -> Path:
    """The demo script of the last pack given that has one (``<pack>/demo/*.yaml``, one
    file); ``demo_not_found`` when none has."""
    for pack in reversed(pack_paths):
        files = sorted((pack / DEMO_FOLDER).glob("*.yaml"))
        if len(files) > 1:
            names = ", ".join(display_path(f) for f in files)
            raise PackError([Problem("demo_not_found", f"a pack has one demo script; found "
                                     f"{names}", SourcePos(display_path(pack), 1, 1))])
        if files:
            return files[0]
    raise PackError([Problem(
        "demo_not_found",
        f"no demo script: none of {', '.join(display_path(p) for p in pack_paths)} has a "
        f"{DEMO_FOLDER}/*.yaml file (see docs/demo.md)",
        SourcePos(display_path(pack_paths[-1]), 1, 1))])


def _duration(text: str) -> timedelta | None:
    m = _DURATION.match(text.strip())
    if not m or not text.strip():
        return None
    days, hours, minutes = (int(g or 0) for g in m.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def _texts(doc: SourceDocument, raw: Mapping[str, Any], problems: list[Problem]
           ) -> dict[str, dict[str, dict[str, tuple[str, ...]]]]:
    """Banks normalised to group -> language -> lines (an ungrouped bank: group "")."""

    def lines(value: Any, path: tuple[Any, ...]) -> dict[str, tuple[str, ...]] | None:
        if isinstance(value, dict) and value and all(
                isinstance(v, list) and v and all(isinstance(x, str) for x in v)
                for v in value.values()):
            return {str(k): tuple(v) for k, v in value.items()}
        problems.append(Problem("demo_bad_recipe", "a text bank maps each language to a "
                                "non-empty list of lines (optionally under groups)",
                                doc.pos(path)))
        return None

    out: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
    for name, bank in raw.items():
        path = ("texts", name)
        grouped = all(isinstance(v, dict) for v in bank.values())
        if grouped and bank:
            groups = {str(g): lines(v, (*path, g)) for g, v in bank.items()}
            out[name] = {g: v for g, v in groups.items() if v is not None}
        else:
            single = lines(bank, path)
            out[name] = {"": single} if single else {}
    return out


class _Checker:
    """Checks names in the file against the registry and compiles recipes."""

    def __init__(self, doc: SourceDocument, registry: Registry,
                 texts: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]]) -> None:
        self.doc, self.registry, self.texts = doc, registry, texts
        self.problems: list[Problem] = []

    def unknown(self, path: tuple[Any, ...], what: str, name: str, known: Any) -> None:
        names = sorted(known)
        self.problems.append(Problem(
            "demo_unknown_name", f"unknown {what} '{name}'{did_you_mean(name, names)}; "
            f"known: {', '.join(names) or 'none'}", self.doc.pos(path)))

    def object(self, name: str, path: tuple[Any, ...]) -> bool:
        if name not in self.registry.objects:
            self.unknown(path, "object", name, self.registry.objects)
            return False
        return True

    def field(self, object_name: str, name: str, path: tuple[Any, ...],
              reference_to: str | None = None) -> None:
        obj = self.registry.objects.get(object_name)
        if obj is None:
            return
        f = obj.fields.get(name)
        if f is None:
            self.unknown(path, f"field of '{object_name}'", name, obj.fields)
        elif reference_to is not None and (f.type is not FieldType.REFERENCE
                                           or f.reference_to != reference_to):
            self.problems.append(Problem(
                "demo_unknown_name", f"field '{object_name}.{name}' is not a reference to "
                f"'{reference_to}'", self.doc.pos(path)))

    def recipe(self, raw: Any, path: tuple[Any, ...], roots: frozenset[str]) -> Recipe:
        return compile_recipe(raw, self.doc.pos, path, texts=self.texts, roots=roots,
                              problems=self.problems)

    def record(self, spec: RecordSpec, path: tuple[Any, ...], roots: frozenset[str]
               ) -> RecordPlan:
        if self.object(spec.object, (*path, "object")):
            for name in spec.values:
                self.field(spec.object, name, (*path, "values", name))
        return RecordPlan(spec.object, tuple(
            (name, self.recipe(raw, (*path, "values", name), roots | {"record"}))
            for name, raw in spec.values.items()))


def load_demo_script(path: Path, registry: Registry) -> DemoScript:
    """Load and check the demo script at ``path`` against ``registry``; :class:`PackError`
    lists every problem, each at its position."""
    doc = load_yaml_document(path, display_path(path))
    spec, problems = validate_spec(doc, DemoFile)
    if spec is None:
        raise PackError(problems)
    check = _Checker(doc, registry, _texts(doc, spec.texts, problems))
    check.problems = problems
    return _compile(spec, doc, check, registry)


def _compile(spec: DemoFile, doc: SourceDocument, check: _Checker, registry: Registry
             ) -> DemoScript:
    roles = set(registry.access.role_names)
    if spec.calendar is not None and spec.calendar not in registry.calendars:
        check.unknown(("calendar",), "calendar", spec.calendar, registry.calendars)
    users = []
    for i, u in enumerate(spec.users):
        for j, role in enumerate(u.roles):
            if role not in roles:
                check.unknown(("users", i, "roles", j), "role", role, roles)
        if u.calendar is not None and u.calendar not in registry.calendars:
            check.unknown(("users", i, "calendar"), "calendar", u.calendar, registry.calendars)
        users.append(UserPlan(u.name, tuple(u.roles), tuple(u.teams), u.password, u.email,
                              u.display_name, tuple(u.skills) if u.skills is not None else None,
                              u.capacity, u.availability, u.calendar))
    portal = None
    if spec.portal_users is not None:
        p = spec.portal_users
        if p.role not in roles:
            check.unknown(("portal_users", "role"), "role", p.role, roles)
        attribute = registry.access.user_attributes.get(p.attribute)
        if attribute is None:
            check.unknown(("portal_users", "attribute"), "user attribute", p.attribute,
                          registry.access.user_attributes)
        elif attribute.reference_to != spec.accounts.object:
            check.problems.append(Problem(
                "demo_unknown_name", f"user attribute '{p.attribute}' does not reference "
                f"'{spec.accounts.object}'", doc.pos(("portal_users", "attribute"))))
        portal = PortalPlan(p.role, p.attribute, p.password, tuple(p.names))
    base = frozenset({"seq", "now"})
    account_name = spec.accounts.object
    account = check.record(spec.accounts, ("accounts",), base)
    members = []
    for i, m in enumerate(spec.accounts.members):
        where: tuple[Any, ...] = ("accounts", "members", i)
        record = check.record(m, where, base | {account_name})
        check.field(m.object, m.link, (*where, "link"), reference_to=account_name)
        if m.count[0] > m.count[1] or m.count[0] < 0:
            check.problems.append(Problem("demo_bad_recipe", "'count' is [fewest, most]",
                                          doc.pos((*where, "count"))))
        members.append(MemberPlan(record, m.link, m.count))
    r = spec.requests
    request_name = r.object
    request = check.record(r, ("requests",), base | {account_name})
    request_actor = (check.recipe(r.as_, ("requests", "as"), base | {account_name, "record"})
                     if r.as_ is not None else None)
    check.field(r.object, r.link, ("requests", "link"), reference_to=account_name)
    if r.route and request_name in registry.objects and registry.routing_for(
            request_name) is None:
        check.problems.append(Problem("demo_unknown_name", f"'route: true' but object "
                                      f"'{request_name}' has no routing policy",
                                      doc.pos(("requests", "route"))))
    step_roots = base | {request_name, "actor"}
    entries = {name: check.record(e, ("entries", name), step_roots)
               for name, e in spec.entries.items()}
    machine = next((w for w in registry.workflows.values() if w.object == request_name), None)
    stories = []
    for i, story in enumerate(r.stories):
        steps = []
        for j, s in enumerate(story.steps):
            where = ("requests", "stories", i, "steps", j)
            steps.append(_step(s, where, check, machine, entries, request_name,
                               step_roots, doc))
        stories.append(Story(story.name, story.weight, tuple(steps)))
    if check.problems:
        raise PackError(check.problems)
    return DemoScript(
        name=spec.demo, file=doc.file, calendar=spec.calendar,
        off_hours_share=spec.off_hours_share, fallback_actor=spec.fallback_actor,
        users=tuple(users), portal=portal, account=account,
        account_count=spec.accounts.count, members=tuple(members), request=request,
        request_count=r.count, request_link=r.link, request_actor=request_actor,
        route=r.route, stories=tuple(stories), entries=entries)


def _step(s: StepSpec, where: tuple[Any, ...], check: _Checker, machine: Any,
          entries: Mapping[str, RecordPlan], request_name: str, roots: frozenset[str],
          doc: SourceDocument) -> Step:
    after = tuple(_duration(t) for t in s.after)
    if after[0] is None or after[1] is None or after[0] > after[1]:
        check.problems.append(Problem(
            "demo_bad_recipe", "'after' is [shortest, longest], each like 15m, 4h or 1d12h",
            doc.pos((*where, "after"))))
        after = (timedelta(0), timedelta(0))
    if (s.transition is None) == (s.create is None):
        check.problems.append(Problem("demo_bad_recipe", "a step has either 'transition' or "
                                      "'create'", doc.pos(where)))
    if s.transition is not None:
        if machine is None:
            check.problems.append(Problem("demo_unknown_name", f"object '{request_name}' has "
                                          "no workflow to take transitions in",
                                          doc.pos((*where, "transition"))))
        elif s.transition not in machine.transitions:
            check.unknown((*where, "transition"), "transition", s.transition,
                          machine.transitions)
    if s.create is not None and s.create not in entries:
        check.unknown((*where, "create"), "entry", s.create, entries)
    if s.only_in is not None and machine is not None:
        for k, state in enumerate(s.only_in):
            if state not in machine.states:
                check.unknown((*where, "only_in", k), "state", state, machine.states)
    values = None
    if s.values:
        values = check.record(RecordSpec(object=request_name, values=s.values), where,
                              roots - {"record"})
    actor = check.recipe(s.as_, (*where, "as"), roots) if s.as_ is not None else None
    return Step((after[0], after[1]), s.working_time, s.chance,  # type: ignore[arg-type]
                frozenset(s.only_in) if s.only_in is not None else None, actor,
                s.transition, values, s.create)
