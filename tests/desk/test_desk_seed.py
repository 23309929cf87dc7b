"""A pack's desk seed (desk/*.yaml) sets up a new desk's teams, users and routing profiles;
running it again changes nothing it made, and a mistake is reported where it is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.errors import PackError
from engine.objects.storage import ensure_schema
from engine.packs import compile_registry
from engine.packs.desk_seed import read_desk_seeds
from engine.packs.loader import load_packs
from engine.runtime.clock import ManualClock
from engine.runtime.desk_seed import apply_desk_seeds
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER
from tests.pack_loading.packs_on_disk import write_pack
from tests.runtime.record_objects import T0
from tests.workflows.problems import assert_one_problem

FIELD_SERVICE = Path(__file__).resolve().parents[2] / "packs" / "field_service"


@pytest.fixture
def desk(db_engine: Engine) -> Runtime:
    registry = compile_registry(load_packs([FIELD_SERVICE]))
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    return build_runtime(registry, db_engine, ManualClock(T0), password_hasher=CHEAP_HASHER)


def test_the_seed_makes_teams_users_and_profiles_once(desk: Runtime) -> None:
    seeds = read_desk_seeds(load_packs([FIELD_SERVICE]))
    first = apply_desk_seeds(desk, seeds)
    assert first.teams_created == ["field_desk", "field_technicians"]
    assert first.users_created == ["fay", "tom", "nina", "sara"]
    tom = desk.auth.users.by_name("tom")
    assert tom is not None and list(tom.roles) == ["technician"]
    with desk.database.connect() as conn:
        profile = desk.router.profiles.get(conn, "tom")
    assert (profile.skills, profile.capacity, profile.availability) == (("east",), 3, "online")
    again = apply_desk_seeds(desk, seeds)
    assert (again.teams_created, again.users_created) == ([], [])
    assert again.users_kept == ["fay", "tom", "nina", "sara"]


def test_a_seed_mistake_is_reported_at_its_place(tmp_path: Path, desk: Runtime) -> None:
    pack = write_pack(tmp_path, {
        "pack.yaml": f"name: extra\nextends: ['{FIELD_SERVICE}']\n",
        "desk/people.yaml": "users:\n  - {name: ola, roles: [technicain]}\n",
    }, name="extra")
    with pytest.raises(PackError) as exc:
        apply_desk_seeds(desk, read_desk_seeds(load_packs([pack])))
    problem = exc.value.problems[-1]
    assert problem.pos is not None and problem.pos.file.endswith("desk/people.yaml")
    assert (problem.pos.line, problem.pos.col) == (2, 5)
    assert "technicain" in problem.message


def test_a_malformed_seed_file_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {
        "desk/people.yaml": "users:\n  - {name: ola, roles: [agent], emial: o@x.example}\n"})
    with pytest.raises(PackError) as exc:
        read_desk_seeds(load_packs([pack]))
    assert_one_problem(exc.value.problems, "unknown_key", "2:33", "did you mean 'email'?",
                       "desk/people.yaml")
