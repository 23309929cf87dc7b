"""Bulk actions: each record is its own versioned command with its own audit entry, and the
answer says per record what happened (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.views.conftest import Desk


@pytest.fixture
def world(desk: Desk) -> dict[str, Any]:
    users = desk.runtime.auth.users
    users.create_team("billing")
    acme = desk.create("customer", {"name": "Acme"})["id"]
    desk.login("ann", ["agent"], teams=["billing"])
    desk.login("pat", ["customer"], attributes={"customer": acme})
    ids = [desk.create("ticket", {"subject": f"t{i}", "queue": "billing", "customer": acme,
                                  "assignee": "ann"})["id"] for i in range(4)]
    sales = desk.create("ticket", {"subject": "s", "queue": "sales", "customer": acme})["id"]
    return {"ids": ids, "sales": sales}


def _bulk(desk: Desk, user: str, body: dict[str, Any], object_name: str = "ticket") -> Any:
    return desk.clients[user].post(f"/api/records/{object_name}/bulk", json=body)


def _version(desk: Desk, record_id: int) -> int:
    return int(desk.runtime.records.get("ticket", record_id)["version"])


def test_each_record_gets_its_own_outcome(desk: Desk, world: dict[str, Any]) -> None:
    a, b, c, d = world["ids"]
    stale_version = _version(desk, c)
    desk.runtime.records.update("ticket", c, {"subject": "changed meanwhile"},
                                expected_version=stale_version, actor="setup")
    answer = _bulk(desk, "ann", {"action": "transition", "transition": "start", "ids": [
        a, {"id": b, "version": _version(desk, b)}, {"id": c, "version": stale_version},
        world["sales"], 99999]})
    assert answer.status_code == 200, answer.text
    results = {r["id"]: r for r in answer.json()["results"]}
    assert [r["status"] for r in answer.json()["results"]] == [
        "done", "done", "stale", "not_found", "not_found"]
    assert results[a]["version"] == _version(desk, a)
    assert desk.runtime.records.get("ticket", a)["status"] == "open"
    assert desk.runtime.records.get("ticket", c)["status"] == "new"
    # each record's change is in its own history
    entries = desk.clients["ann"].get(f"/api/records/ticket/{b}/history").json()["items"]
    assert any(e.get("note", "") and "transition 'start'" in e["note"] for e in entries)
    # taking it again is refused by the state machine, with the reason
    again = _bulk(desk, "ann", {"action": "transition", "transition": "start", "ids": [a]})
    refused = again.json()["results"][0]
    assert refused["status"] == "refused"
    assert refused["error"]["code"] == "transition_not_allowed"


def test_a_guard_refusal_says_which_part_failed(desk: Desk, world: dict[str, Any]) -> None:
    a = world["ids"][0]
    first = _bulk(desk, "ann", {"action": "transition", "transition": "escalate", "ids": [a]})
    assert first.json()["results"][0]["status"] == "done"
    second = _bulk(desk, "ann", {"action": "transition", "transition": "escalate", "ids": [a]})
    result = second.json()["results"][0]
    assert (result["status"], result["error"]["code"]) == ("refused", "guard_failed")
    assert "not escalated" in result["error"]["message"]


def test_a_role_that_may_not_take_the_transition_is_forbidden(
        desk: Desk, world: dict[str, Any]) -> None:
    a = world["ids"][0]
    answer = _bulk(desk, "pat", {"action": "transition", "transition": "start", "ids": [a]})
    result = answer.json()["results"][0]
    assert (result["status"], result["error"]["code"]) == ("forbidden", "transition_forbidden")
    assert desk.runtime.records.get("ticket", a)["status"] == "new"


def test_update_and_assign_change_each_record_or_say_why_not(
        desk: Desk, world: dict[str, Any]) -> None:
    a, b = world["ids"][:2]
    done = _bulk(desk, "ann", {"action": "assign", "values": {"assignee": "bob"}, "ids": [a, b]})
    assert [r["status"] for r in done.json()["results"]] == ["done", "done"]
    assert desk.runtime.records.get("ticket", b)["assignee"] == "bob"
    bad = _bulk(desk, "ann", {"action": "update", "values": {"priority": "P9"}, "ids": [a]})
    result = bad.json()["results"][0]
    assert result["status"] == "invalid"
    assert result["error"]["details"][0]["loc"] == ["priority"]
    hidden = _bulk(desk, "pat", {"action": "update", "values": {"priority": "P1"}, "ids": [a]})
    assert hidden.json()["results"][0]["error"]["details"][0]["msg"] == "'priority' is read-only"


@pytest.mark.parametrize(("body", "loc", "words"), [
    ({"action": "assign", "values": {"priority": "P1"}, "ids": [1]}, ["body", "values",
     "priority"], "'assign' sets assignee, queue only"),
    ({"action": "archive", "ids": [1]}, ["body", "action"], "expected one of update"),
    ({"action": "update", "values": {"subject": "x"}, "ids": [1, 1]}, ["body", "ids", 1],
     "record 1 is listed twice"),
    ({"action": "update", "values": {"subject": "x"}, "ids": ["1"]}, ["body", "ids", 0],
     "expected a record id"),
    ({"action": "transition", "ids": [1]}, ["body", "transition"], "is required"),
    ({"action": "transition", "transition": "strat", "ids": [1]}, ["body", "transition"],
     "'ticket' has no transition 'strat'"),
    ({"action": "update", "ids": [1]}, ["body", "values"], "give the fields to set"),
])
def test_a_malformed_request_is_refused_whole(desk: Desk, world: dict[str, Any],
                                              body: dict[str, Any], loc: list[Any],
                                              words: str) -> None:
    before = _version(desk, world["ids"][0])
    answer = _bulk(desk, "ann", body)
    assert answer.status_code == 422, answer.text
    details = answer.json()["error"]["details"]
    assert details[0]["loc"] == loc and words in details[0]["msg"], details
    assert _version(desk, world["ids"][0]) == before


def test_more_records_than_the_limit_is_a_clear_422(desk: Desk, world: dict[str, Any]) -> None:
    answer = _bulk(desk, "ann", {"action": "update", "values": {"subject": "x"},
                                 "ids": list(range(1, 102))})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "bulk_too_many"
    assert "101 records: a bulk action takes at most 100" in error["message"]
    assert desk.runtime.records.get("ticket", world["ids"][0])["subject"] == "t0"


def test_the_loans_pack_bulk_transitions_and_has_nothing_to_assign(loans_desk: Desk) -> None:
    d = loans_desk
    kit = d.create("equipment", {"name": "Scope", "category": "microscope"})["id"]
    amy = d.create("borrower", {"name": "Amy", "email": "amy@lab.test"})["id"]
    loans = [d.create("loan", {"equipment": kit, "borrower": amy,
                               "borrowed_at": "2026-03-02T09:00:00Z",
                               "due_back": "2026-03-16"})["id"] for _ in range(2)]
    client = d.login("lena", ["lender"])
    answer = client.post("/api/records/loan/bulk", json={
        "action": "transition", "transition": "hand_out", "ids": loans})
    assert [r["status"] for r in answer.json()["results"]] == ["done", "done"]
    assign = client.post("/api/records/loan/bulk", json={
        "action": "assign", "values": {"notes": "x"}, "ids": loans})
    assert assign.status_code == 422
    assert "no assignment fields" in assign.json()["error"]["details"][0]["msg"]


def test_an_id_too_large_for_any_record_is_refused_as_malformed(
        desk: Desk, world: dict[str, Any]) -> None:
    answer = _bulk(desk, "ann", {"action": "update", "values": {"subject": "x"},
                                 "ids": [2**63]})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["loc"] == ["body", "ids", 0]
