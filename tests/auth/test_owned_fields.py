"""Fields the engine fills from the signed-in user (``from_user:``): a message's author and
author type, a portal ticket's customer. Roles that list such a field as read-only cannot
forge it; others may still give it; automations keep setting it themselves. Mistakes in
``from_user`` are reported at their file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.errors import PackError
from engine.packs import load_registry
from engine.runtime.factory import build_engine
from tests.auth.desk_world import World, database_url, world
from tests.auth_helpers import bearer
from tests.pack_loading.packs_on_disk import write_pack

__all__ = ["database_url", "world"]  # the fixtures this module uses


def test_a_reply_is_written_as_the_signed_in_user(world: World) -> None:
    ticket = world.ticket("own")
    for role, kind in (("customer", "customer"), ("agent", "agent")):
        response = world.clients[role].post("/api/records/ticket_message", json={
            "ticket": ticket["id"], "body": f"from the {role}"})
        assert response.status_code == 201, response.text
        message = response.json()
        assert (message["author"], message["author_type"]) == (role, kind)


@pytest.mark.parametrize("role", ["customer", "agent"])
@pytest.mark.parametrize("forged", [{"author": "admin"}, {"author_type": "system"}])
def test_a_role_cannot_write_as_someone_else(world: World, role: str,
                                             forged: dict[str, str]) -> None:
    ticket = world.ticket("own")
    response = world.clients[role].post("/api/records/ticket_message", json={
        "ticket": ticket["id"], "body": "it was not me", **forged})
    assert response.status_code == 422
    (name,) = forged
    assert response.json()["error"]["details"] == [{
        "loc": ["body", name], "msg": f"'{name}' is read-only: it is set from the signed-in "
        "user", "type": "field_owned"}]


def test_a_supervisor_may_log_a_message_for_someone_else(world: World) -> None:
    ticket = world.ticket("own")
    response = world.clients["supervisor"].post("/api/records/ticket_message", json={
        "ticket": ticket["id"], "body": "customer called", "author": "Pat",
        "author_type": "customer", "channel": "phone"})
    assert response.status_code == 201, response.text
    assert (response.json()["author"], response.json()["author_type"]) == ("Pat", "customer")


def test_a_portal_request_without_customer_is_the_users_customers(world: World) -> None:
    response = world.clients["customer"].post("/api/records/ticket", json={
        "subject": "Printer jams", "category": "technical"})
    assert response.status_code == 201, response.text
    assert response.json()["customer"] == world.mine


def test_a_portal_request_names_no_other_customer(world: World) -> None:
    response = world.clients["customer"].post("/api/records/ticket", json={
        "subject": "Printer jams", "customer": world.theirs})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["type"] == "field_owned"


def test_a_refused_create_says_which_rule_refused_it(world: World) -> None:
    """A portal user whom no admin attached to a customer: the customer is not filled, and
    the refusal names the rule (the role's own filter, which reads no hidden field)."""
    client = world.clients["customer"]
    client.headers.update(bearer(world.runtime, "stray", ["customer"]))
    try:
        response = client.post("/api/records/ticket", json={"subject": "hello"})
    finally:
        client.headers.update(bearer(world.runtime, "customer"))
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied", "details": [],
        "message": "your roles (customer) may not create ticket records with these values: "
                   "the record must match 'user.customer != null and customer == "
                   "user.customer' (your roles' create rule)"}


def test_automations_write_messages_as_the_system(world: World) -> None:
    """The acknowledgement an automation posts is not the signed-in user's."""
    created = world.clients["customer"].post("/api/records/ticket", json={"subject": "Hi"})
    listed = world.clients["admin"].get(
        f"/api/records/ticket_message?ticket={created.json()['id']}").json()["items"]
    assert listed and all(m["author"] != "customer" for m in listed)


THING = """
object: thing
fields:
  name: {type: string}
  owner: {type: string, from_user: %s}
  frozen: {type: string, read_only: true, from_user: user.name}
"""
USERS = "attributes:\n  site: {type: string}\n"


@pytest.mark.parametrize(("expression", "code", "where", "words"), [
    ("user.teams", "dsl_type_mismatch", "objects/thing.yaml:4:", "field 'thing.owner': "
     "from_user"),
    ("user.sight", "dsl_unknown_field", "objects/thing.yaml:4:", "sight"),
    ("name", "dsl_unknown_field", "objects/thing.yaml:4:", "unknown field 'name'"),
])
def test_a_bad_from_user_is_reported_at_its_source(tmp_path: Path, expression: str, code: str,
                                                  where: str, words: str) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": THING % expression,
                                 "users/u.yaml": USERS})
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    problems = {p.code: p for p in caught.value.problems}
    assert code in problems, [str(p) for p in caught.value.problems]
    assert where in str(problems[code].pos) and words in problems[code].message
    read_only = problems["field_from_user_read_only"]
    assert str(read_only.pos).endswith("objects/thing.yaml:5:54")


def test_an_extending_pack_may_fill_a_field_from_the_user(tmp_path: Path) -> None:
    base = write_pack(tmp_path, {"objects/thing.yaml": "object: thing\nfields:\n"
                                 "  owner: {type: string}\n"}, name="base")
    top = write_pack(tmp_path, {"pack.yaml": "name: top\nextends: [base]\n",
                                "objects/thing.yaml": "extend: thing\nfields:\n"
                                "  owner: {from_user: user.name}\n"}, name="top")
    assert base.exists()
    registry = load_registry([top])
    assert registry.access.user_defaults["thing"]["owner"].source == "user.name"


def test_a_refusal_does_not_quote_a_rule_that_reads_hidden_fields(tmp_path: Path) -> None:
    """The create rule reads a field the role cannot see: the refusal does not repeat it."""
    pack = write_pack(tmp_path, {
        "objects/thing.yaml": "object: thing\nfields:\n  name: {type: string}\n"
                              "  secret: {type: string}\n",
        "roles/r.yaml": "role: r\nobjects:\n  thing:\n    create: secret == \"x\"\n"
                        "    read: true\n    hidden: [secret]\n"})
    runtime = build_engine([pack], f"sqlite:///{tmp_path / 'r.db'}")
    try:
        client = TestClient(create_app(runtime), headers=bearer(runtime, "rita", ["r"]))
        response = client.post("/api/records/thing", json={"name": "n"})
    finally:
        runtime.close()
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "your roles (r) may not create thing records with these values")
