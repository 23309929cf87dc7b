"""Mistakes in ``roles/`` and ``users/`` files, each reported at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.objects.permissions import RecordFilter
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack

THING = """
object: thing
fields:
  name: {type: string}
  owner: {type: string}
  size: {type: integer}
  kind: {type: enum, options: [{value: a}, {value: b}]}
"""
WORKFLOW = """
workflow: w
object: thing
field: kind
initial: a
states: {a: {category: new}, b: {category: closed, final: true}}
transitions:
  - {name: finish, from: a, to: b, roles: [staf]}
"""
USERS = """
attributes:
  site: {type: string}
"""

CASES = [
    ("unknown object", {"roles/r.yaml": "role: r\nobjects:\n  thnig: {read: true}\n"},
     "role_unknown_object", "roles/r.yaml:3:3",
     "role 'r' names unknown object 'thnig' (did you mean 'thing'?)"),
    ("unknown field", {"roles/r.yaml": "role: r\nobjects:\n  thing: {hidden: [nmae]}\n"},
     "role_unknown_field", "roles/r.yaml:3:20",
     "role 'r': hidden names unknown field 'nmae' of 'thing' (did you mean 'name'?)"),
    ("ill-typed filter", {"roles/r.yaml": "role: r\nobjects:\n  thing:\n    read: size == \"x\"\n"},
     "dsl_type_mismatch", "roles/r.yaml:4:16", "role 'r': read filter on 'thing'"),
    ("unknown user attribute", {"roles/r.yaml": "role: r\nobjects:\n  thing:\n"
                                "    read: owner == user.sight\n"},
     "dsl_unknown_field", "roles/r.yaml:4:25", "sight"),
    ("filter outside the SQL subset", {"roles/r.yaml": "role: r\nobjects:\n  thing:\n"
                                       "    read: size > 1 and len(owner) > 2\n"},
     "role_filter_unsupported", "roles/r.yaml:4:24",
     "this part cannot run as a database filter: only fields, literals and user.<name> are "
     "allowed here"),
    ("admin declared", {"roles/admin.yaml": "role: admin\n"}, "role_reserved",
     "roles/admin.yaml:1:7", "role 'admin' is the engine's own"),
    ("unknown transition role", {"workflows/w.yaml": WORKFLOW, "roles/staff.yaml": "role: staff\n"},
     "transition_unknown_role", "workflows/w.yaml:7:5",
     "transition 'finish' names unknown role 'staf' (did you mean 'staff'?)"),
    ("reserved user attribute", {"users/u.yaml": "attributes:\n  teams: {type: string}\n"},
     "user_attribute_reserved", "users/u.yaml:2:3", "user attribute 'teams' is one every "
     "user has already"),
    ("user reference to nothing", {"users/u.yaml": "attributes:\n  home: {type: reference, "
                                   "to: thnig}\n"},
     "user_attribute_unknown_object", "users/u.yaml:2:31",
     "user attribute 'home' refers to unknown object 'thnig' (did you mean 'thing'?)"),
    ("unknown permission key", {"roles/r.yaml": "role: r\nobjects:\n  thing: {raed: true}\n"},
     "unknown_key", "roles/r.yaml:3:11", "raed"),
]


@pytest.mark.parametrize(("files", "code", "where", "words"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_role_problem_is_reported_at_its_source(
    tmp_path: Path, files: dict[str, str], code: str, where: str, words: str
) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": THING, "users/u.yaml": USERS, **files})
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    matching = [p for p in caught.value.problems if p.code == code]
    assert matching, f"no {code} among {[str(p) for p in caught.value.problems]}"
    assert str(matching[0].pos).endswith(where), str(matching[0])
    assert words in matching[0].message


def test_roles_compile_into_the_registry(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": THING, "users/u.yaml": USERS,
                                 "roles/r.yaml": """
        role: r
        label: Reader
        objects:
          thing:
            read: owner == user.id or owner == user.site
            update: true
            hidden: [size]
            read_only: [owner]
        """})
    access = load_registry([pack]).access
    assert access.role_names == ("admin", "r")
    grant = access.roles["r"].objects["thing"]
    assert isinstance(grant.read, RecordFilter)
    assert grant.read.source == "owner == user.id or owner == user.site"
    assert (grant.update, grant.create, grant.hidden, grant.read_only) == (
        True, False, frozenset({"size"}), frozenset({"owner"}))
    assert "site" in access.user_type.fields


def test_the_shipped_packs_declare_their_roles() -> None:
    repo = Path(__file__).resolve().parents[2]
    service = load_registry([repo / "packs" / "service_default"]).access
    assert service.role_names == ("admin", "agent", "anonymous", "customer", "supervisor")
    loans = load_registry([repo / "tests" / "packs" / "equipment_loans"]).access
    assert loans.role_names == ("admin", "borrower", "lender")


def test_guards_see_the_users_declared_attributes(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": THING, "users/u.yaml": USERS,
                                 "workflows/w.yaml": WORKFLOW.replace(
                                     "roles: [staf]", "guard: owner == user.site")})
    machine = load_registry([pack]).workflows["w"]
    assert machine.transitions["finish"].guard is not None
