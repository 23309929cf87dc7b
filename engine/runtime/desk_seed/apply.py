"""Creating the seed's missing teams and users and setting routing profiles, so running it
twice changes nothing the first run did not (a user made since keeps what an admin gave)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from engine.errors import FlowdeskError, PackError, Problem
from engine.packs.desk_seed import DeskSeedFile
from engine.runtime.factory import Runtime

__all__ = ["DeskSeedReport", "apply_desk_seeds"]

ACTOR = "desk-seed"


@dataclass(slots=True)
class DeskSeedReport:
    """What a run did."""

    teams_created: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    users_kept: list[str] = field(default_factory=list)
    profiles_set: list[str] = field(default_factory=list)


@contextmanager
def _at(seed: DeskSeedFile, path: tuple[object, ...]) -> Iterator[None]:
    """A refusal inside becomes a pack problem at ``path`` of the seed file."""
    try:
        yield
    except FlowdeskError as exc:
        raise PackError([Problem(exc.code, f"desk seed: {exc.message}",
                                 seed.doc.pos(tuple(path)))]) from None


def apply_desk_seeds(runtime: Runtime, seeds: Sequence[DeskSeedFile]) -> DeskSeedReport:
    """Apply ``seeds`` in order. A refusal (an unknown role, a bad attribute) raises
    :class:`PackError` at the user's position in its file, after the users before it."""
    report = DeskSeedReport()
    users = runtime.auth.users
    known = {t.name for t in users.teams()}
    for seed in seeds:
        wanted: list[tuple[tuple[object, ...], str, str | None]] = [
            (("teams", i), t.name, t.label) for i, t in enumerate(seed.spec.teams)]
        wanted += [(("users", i, "teams"), name, None)
                   for i, u in enumerate(seed.spec.users) for name in u.teams]
        for path, name, label in wanted:
            if name not in known:
                with _at(seed, path):
                    users.create_team(name, label)
                known.add(name)
                report.teams_created.append(name)
        for i, u in enumerate(seed.spec.users):
            if users.by_name(u.name) is None:
                with _at(seed, ("users", i)):
                    users.create(u.name, roles=u.roles, actor=ACTOR, email=u.email,
                                 teams=u.teams, attributes=u.attributes)
                report.users_created.append(u.name)
            else:
                report.users_kept.append(u.name)
            if u.agent is None:
                continue
            with _at(seed, ("users", i, "agent")), runtime.records.command(ACTOR) as uow:
                runtime.router.profiles.change(
                    uow, u.name, skills=u.agent.skills, capacity=u.agent.capacity,
                    availability=u.agent.availability, calendar=u.agent.calendar)
            report.profiles_set.append(u.name)
    return report
