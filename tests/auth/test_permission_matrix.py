"""Every role x every endpoint x own / other record, with the status each must get, on the
default pack, on SQLite and PostgreSQL; and hidden fields never appear in any answer or history
entry.

"Own" is a ticket of the agent's team queue and of the portal user's customer; "other" is
neither. A record a role may not read answers 404, exactly like a missing one; a reference to
a record the writer may not read is refused exactly like one to a missing record (422
``reference_not_found``); fields the engine fills from the signed-in user cannot be forged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.clock import ManualClock
from engine.runtime.factory import build_engine
from tests.auth.desk_world import ROLES, SERVICE, World, database_url, world
from tests.auth_helpers import bearer
from tests.runtime.record_objects import T0

__all__ = ["database_url", "world"]  # the fixtures this module uses

TICKET_HIDDEN_FROM_CUSTOMER = {"queue", "assignee", "tags", "escalated", "due_at",
                               "source_message_id", "merged_into"}


Request = Callable[[World, dict[str, Any]], tuple[str, str, dict[str, Any]]]

ENDPOINTS: dict[str, Request] = {
    "get": lambda w, t: ("GET", f"/api/records/ticket/{t['id']}", {}),
    "update": lambda w, t: ("PATCH", f"/api/records/ticket/{t['id']}",
                            {"json": {"version": 1, "subject": "changed"}}),
    "delete": lambda w, t: ("DELETE", f"/api/records/ticket/{t['id']}", {}),
    "history": lambda w, t: ("GET", f"/api/records/ticket/{t['id']}/history", {}),
    "transitions": lambda w, t: ("GET", f"/api/records/ticket/{t['id']}/transitions", {}),
    "take staff transition": lambda w, t: ("POST", f"/api/records/ticket/{t['id']}/"
                                           "transitions/start", {"json": {"version": 1}}),
    # The author and author type come from the signed-in user.
    "reply": lambda w, t: ("POST", "/api/records/ticket_message", {"json": {
        "ticket": t["id"], "kind": "reply", "body": "any news?"}}),
    "reply as another author": lambda w, t: ("POST", "/api/records/ticket_message", {"json": {
        "ticket": t["id"], "kind": "reply", "body": "from the boss", "author": "admin",
        "author_type": "agent"}}),
    "create on its customer": lambda w, t: ("POST", "/api/records/ticket", {"json": {
        "subject": "new", "priority": "P3", "customer": t["customer"]}}),
    # The portal form sends no customer: a portal user's own one is filled in.
    "create without a customer": lambda w, t: ("POST", "/api/records/ticket", {"json": {
        "subject": "new", "priority": "P3"}}),
    "create with its customer's contact and asset": lambda w, t: (
        "POST", "/api/records/ticket", {"json": {
            "subject": "new", "priority": "P3", "contact": w.contact[t["customer"]],
            "asset": w.asset[t["customer"]]}}),
    "point an own ticket at its customer's contact": lambda w, t: (
        "PATCH", f"/api/records/ticket/{w.ticket('own')['id']}", {"json": {
            "version": 1, "contact": w.contact[t["customer"]]}}),
    "merge an own ticket into it": lambda w, t: (
        "POST", f"/api/records/ticket/{w.ticket('own')['id']}/transitions/merge",
        {"json": {"version": 1, "values": {"merged_into": t["id"]}}}),
}

#: endpoint -> the issue type of its 422 answers
REFUSAL = {"reply": "reference_not_found", "reply as another author": "field_owned",
           "create on its customer": "field_owned",
           "create with its customer's contact and asset": "reference_not_found",
           "point an own ticket at its customer's contact": "reference_not_found",
           "merge an own ticket into it": "reference_not_found"}

#: role -> endpoint -> (status for the own record, status for the other record)
_STAFF_WRITES = {"reply": (201, 201), "reply as another author": (201, 201),
                 "create on its customer": (201, 201), "create without a customer": (201, 201),
                 "create with its customer's contact and asset": (201, 201),
                 "point an own ticket at its customer's contact": (200, 200),
                 "merge an own ticket into it": (200, 200)}
EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    "admin": {"get": (200, 200), "update": (200, 200), "delete": (204, 204),
              "history": (200, 200), "transitions": (200, 200),
              "take staff transition": (200, 200), **_STAFF_WRITES},
    "supervisor": {"get": (200, 200), "update": (200, 200), "delete": (204, 204),
                   "history": (200, 200), "transitions": (200, 200),
                   "take staff transition": (200, 200), **_STAFF_WRITES},
    "agent": {"get": (200, 404), "update": (200, 404), "delete": (403, 404),
              "history": (200, 404), "transitions": (200, 404),
              "take staff transition": (200, 404), "reply": (201, 422),
              "reply as another author": (422, 422),
              "create on its customer": (201, 201), "create without a customer": (201, 201),
              "create with its customer's contact and asset": (201, 201),
              "point an own ticket at its customer's contact": (200, 200),
              "merge an own ticket into it": (200, 422)},
    "customer": {"get": (200, 404), "update": (200, 404), "delete": (403, 404),
                 "history": (200, 404), "transitions": (200, 404),
                 "take staff transition": (403, 404), "reply": (201, 422),
                 "reply as another author": (422, 422),
                 "create on its customer": (422, 422), "create without a customer": (201, 201),
                 "create with its customer's contact and asset": (201, 422),
                 "point an own ticket at its customer's contact": (200, 422),
                 "merge an own ticket into it": (403, 403)},
}

CASES = [(role, endpoint, which, EXPECTED[role][endpoint][i])
         for role in ROLES for endpoint in ENDPOINTS
         for i, which in enumerate(("own", "other"))]


def _keys(value: Any) -> set[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _names(value: Any) -> set[str]:
    """Every ``name`` and ``field`` value anywhere in a JSON value (fields listed as items)."""
    if isinstance(value, dict):
        own = {v for k, v in value.items() if k in ("name", "field") and isinstance(v, str)}
        return own | {n for v in value.values() for n in _names(v)}
    if isinstance(value, list):
        return {n for v in value for n in _names(v)}
    return set()


@pytest.mark.parametrize(("role", "endpoint", "which", "status"), CASES,
                         ids=[f"{r}-{e}-{w}" for r, e, w, _ in CASES])
def test_role_endpoint_record_matrix(world: World, role: str, endpoint: str, which: str,
                                     status: int) -> None:
    ticket = world.ticket(which)
    method, url, kwargs = ENDPOINTS[endpoint](world, ticket)
    response = world.clients[role].request(method, url, **kwargs)
    assert response.status_code == status, response.text
    if status == 404:
        error = response.json()["error"]
        assert error["code"] == "record_not_found"
        assert error["message"] == f"no ticket with id {ticket['id']}"
    if status == 422:
        assert {i["type"] for i in response.json()["error"]["details"]} == {REFUSAL[endpoint]}
    if role == "customer" and response.content:
        assert not _keys(response.json()) & TICKET_HIDDEN_FROM_CUSTOMER, response.text


@pytest.mark.parametrize("role", ROLES)
def test_lists_count_and_page_only_visible_records(world: World, role: str) -> None:
    own, other = world.ticket("own"), world.ticket("other")
    client = world.clients[role]
    ids: set[int] = set()
    url = "/api/records/ticket?limit=1"
    first = client.get(url).json()
    while url:
        page = client.get(url).json()
        ids |= {item["id"] for item in page["items"]}
        url = page["next"]
    assert len(ids) == first["total"]
    sees_other = role in ("admin", "supervisor")
    assert own["id"] in ids and (other["id"] in ids) == sees_other


def test_a_customer_sees_public_replies_of_own_tickets_only(world: World) -> None:
    own, other = world.ticket("own"), world.ticket("other")
    reply, note = world.message(own["id"], "reply"), world.message(own["id"], "note")
    foreign = world.message(other["id"], "reply")
    client = world.clients["customer"]
    # Automations may add messages of their own (an acknowledgement): compare with all of them.
    every = world.clients["admin"].get(f"/api/records/ticket_message?ticket={own['id']}")
    replies = [m["id"] for m in every.json()["items"] if m["kind"] == "reply"]
    assert reply["id"] in replies and note["id"] not in replies
    listed = client.get(f"/api/records/ticket_message?ticket={own['id']}").json()
    assert [m["id"] for m in listed["items"]] == replies and listed["total"] == len(replies)
    assert client.get(f"/api/records/ticket_message/{note['id']}").status_code == 404
    assert client.get(f"/api/records/ticket_message/{foreign['id']}").status_code == 404
    assert "email_message_id" not in client.get(
        f"/api/records/ticket_message/{reply['id']}").json()
    agent = world.clients["agent"].get(f"/api/records/ticket_message?ticket={own['id']}")
    assert {m["id"] for m in agent.json()["items"]} == {m["id"] for m in every.json()["items"]}


@pytest.mark.parametrize("query", ["queue=billing", "assignee__isnull=true", "sort=queue",
                                   "sort=-escalated", "tags=internal-tag"])
def test_filtering_or_sorting_by_a_hidden_field_is_an_unknown_field(
        world: World, query: str) -> None:
    response = world.clients["customer"].get(f"/api/records/ticket?{query}")
    assert response.status_code == 422
    field = query.split("=")[-1 if query.startswith("sort") else 0].lstrip("-").split("__")[0]
    # The same answer as for a field that does not exist (a suggestion may follow).
    assert response.json()["error"]["details"][0]["msg"].startswith(
        f"unknown field '{field}' on object 'ticket'")


def test_hidden_fields_never_appear_in_answers_or_history(world: World) -> None:
    ticket = world.ticket("own")
    admin, client = world.clients["admin"], world.clients["customer"]
    url = f"/api/records/ticket/{ticket['id']}"
    assert admin.patch(url, json={"version": 1, "queue": "billing-2",
                                  "assignee": "andy"}).status_code == 200
    answers = [
        client.get(url), client.get("/api/records/ticket"),
        client.patch(url, json={"version": 2, "subject": "still broken"}),
        client.get(f"{url}/history"), client.get(f"{url}/transitions"),
        client.get("/api/objects/ticket"),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        shown = _keys(response.json()) | _names(response.json())
        assert not shown & TICKET_HIDDEN_FROM_CUSTOMER, response.request.url
    history = answers[3].json()["items"]
    full = admin.get(f"{url}/history").json()["items"]
    assert any(e["field"] == "queue" for e in full)  # the admin sees the queue change...
    assert not any(e["field"] in TICKET_HIDDEN_FROM_CUSTOMER for e in history)  # ...not them
    assert history[0]["action"] == "create" and history[-1]["field"] == "subject"


def test_writing_a_hidden_or_read_only_field_is_refused(world: World) -> None:
    ticket = world.ticket("own")
    client = world.clients["customer"]
    url = f"/api/records/ticket/{ticket['id']}"
    hidden = client.patch(url, json={"version": 1, "queue": "sales"})
    assert hidden.status_code == 422
    assert hidden.json()["error"]["details"][0]["msg"] == "unknown field 'queue' on 'ticket'"
    locked = client.patch(url, json={"version": 1, "priority": "P1"})
    assert locked.status_code == 422
    assert locked.json()["error"]["details"][0]["msg"] == "'priority' is read-only"


def test_an_update_cannot_move_a_record_out_of_the_users_reach(world: World) -> None:
    ticket = world.ticket("own")
    response = world.clients["agent"].patch(f"/api/records/ticket/{ticket['id']}",
                                            json={"version": 1, "queue": "sales"})
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied", "details": [],
        "message": "your roles (agent) may not update ticket records into one with these "
                   "values: the record must match 'queue == null or queue in user.teams' "
                   "(your roles' update rule)"}


def test_staff_transitions_are_not_offered_to_customers(world: World) -> None:
    ticket = world.ticket("own")
    offered = world.clients["customer"].get(
        f"/api/records/ticket/{ticket['id']}/transitions").json()
    assert offered["transitions"] == [] and offered["blocked"] == []
    refused = world.clients["customer"].post(
        f"/api/records/ticket/{ticket['id']}/transitions/start", json={"version": 1})
    assert refused.json()["error"]["message"] == (
        "transition 'start' is for roles supervisor, agent; yours: customer")
    agent = world.clients["agent"].get(f"/api/records/ticket/{ticket['id']}/transitions")
    assert [t["name"] for t in agent.json()["transitions"]] == ["start", "escalate", "merge"]


def test_objects_a_role_may_not_touch_look_unknown(world: World) -> None:
    client = world.clients["customer"]
    names = [o["name"] for o in client.get("/api/objects").json()["items"]]
    assert "macro" not in names and "ticket" in names
    for url in ("/api/records/macro", "/api/records/macro/1", "/api/objects/macro"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == (
            "unknown_object")


@pytest.mark.parametrize("url", ["/api/admin/users", "/api/admin/teams", "/api/jobs"])
@pytest.mark.parametrize("role", ["supervisor", "agent", "customer"])
def test_admin_endpoints_are_for_admins_only(world: World, role: str, url: str) -> None:
    response = world.clients[role].get(url)
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "details": [],
                                        "message": "this endpoint is for admins"}
    assert world.clients["admin"].get(url).status_code == 200


def test_a_second_domain_declares_its_own_roles(tmp_path: Path) -> None:
    equipment_pack = SERVICE.parents[1] / "tests" / "packs" / "equipment_loans"
    runtime = build_engine([equipment_pack], f"sqlite:///{tmp_path / 'loans.db'}",
                           clock=ManualClock(T0))
    try:
        r = runtime.records
        me = r.create("borrower", {"name": "Me", "email": "me@x.org"}, "setup")["id"]
        you = r.create("borrower", {"name": "You", "email": "you@x.org"}, "setup")["id"]
        kit = r.create("equipment", {"name": "Drill", "serial": "D1", "category": "laptop",
                                     "purchase_price": 99}, "setup")["id"]
        dates = {"borrowed_at": "2026-03-02T09:00:00Z", "due_back": "2026-03-09"}
        mine = r.create("loan", {"equipment": kit, "borrower": me, "notes": "fragile",
                                 **dates}, "setup")["id"]
        r.create("loan", {"equipment": kit, "borrower": you, **dates}, "setup")
        client = TestClient(create_app(runtime), headers=bearer(
            runtime, "me", ["borrower"], attributes={"borrower": me}))
        loans = client.get("/api/records/loan").json()
        assert [loan["id"] for loan in loans["items"]] == [mine] and loans["total"] == 1
        assert "notes" not in loans["items"][0]
        drill = client.get(f"/api/records/equipment/{kit}").json()
        assert "purchase_price" not in drill and drill["name"] == "Drill"
        assert client.get(f"/api/records/borrower/{you}").status_code == 404
        reserve = client.post("/api/records/loan",
                              json={"equipment": kit, "borrower": you, **dates})
        # Another borrower's record is one this borrower cannot read: as if it did not exist.
        assert reserve.status_code == 422
        assert reserve.json()["error"]["details"] == [{
            "loc": ["body", "borrower"], "msg": f"no borrower with id {you}",
            "type": "reference_not_found"}]
        assert client.post("/api/records/loan",
                           json={"equipment": kit, "borrower": me, **dates}).status_code == 201
    finally:
        runtime.close()


def test_a_deleted_records_history_is_for_those_who_read_every_record(world: World) -> None:
    ticket = world.ticket("own")
    url = f"/api/records/ticket/{ticket['id']}"
    assert world.clients["supervisor"].delete(url).status_code == 204
    history = world.clients["supervisor"].get(f"{url}/history")
    actions = [e["action"] for e in history.json()["items"]]
    assert actions[0] == "create" and actions[-1] == "delete"
    assert world.clients["agent"].get(f"{url}/history").status_code == 404


def test_suggestions_never_name_what_is_hidden(world: World) -> None:
    client = world.clients["customer"]
    typo = client.post("/api/records/ticket", json={"subject": "s", "priority": "P3",
                                                     "queu": "x"})
    assert typo.status_code == 422
    assert typo.json()["error"]["details"][0]["msg"] == "unknown field 'queu' on 'ticket'"
    unknown = client.get("/api/records/macr")
    assert unknown.json()["error"]["message"] == "unknown object 'macr'"
    admin = world.clients["admin"].get("/api/records/macr")
    assert admin.json()["error"]["message"] == "unknown object 'macr' (did you mean 'macro'?)"
