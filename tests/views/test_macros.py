"""Macros: the ones that apply to a record, a preview that writes nothing, and applying one as
a single command (reply, field changes and transition together), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.views.conftest import Desk

TEMPLATE = ("Hello {{ contact.name }}, about \"{{ ticket.subject }}\" (#{{ record.id }}): "
            "please send the logs. {{ user.name }}")


@pytest.fixture
def world(desk: Desk) -> dict[str, Any]:
    desk.runtime.auth.users.create_team("technical")
    acme = desk.create("customer", {"name": "Acme"})["id"]
    li = desk.create("contact", {"customer": acme, "name": "Li Lei"})["id"]
    desk.login("ann", ["agent"], teams=["technical"])
    desk.login("pat", ["customer"], attributes={"customer": acme})
    for values in (
        {"name": "Ask for logs", "category": "technical", "body_template": TEMPLATE,
         "sets_status": "pending_customer", "sets_priority": "P2", "add_tags": ["logs"]},
        {"name": "Billing thanks", "category": "billing", "body_template": "Thanks"},
        {"name": "Any topic note", "message_kind": "note", "body_template": "Looked at it"},
        {"name": "Retired", "body_template": "old", "active": False},
        {"name": "Broken", "body_template": "Hi {{ nobody }}"},
    ):
        desk.create("macro", values)
    ticket = desk.create("ticket", {"subject": "Printer jams", "category": "technical",
                                    "queue": "technical", "customer": acme, "contact": li,
                                    "tags": ["printer"]})["id"]
    start = desk.clients["ann"].post(f"/api/records/ticket/{ticket}/transitions/start",
                                     json={"version": _record(desk, ticket)["version"]})
    assert start.status_code == 200, start.text
    return {"ticket": ticket}


def _record(desk: Desk, record_id: int) -> dict[str, Any]:
    return desk.runtime.records.get("ticket", record_id)


def _messages(desk: Desk, ticket: int) -> list[dict[str, Any]]:
    page = desk.runtime.records.list("ticket_message", limit=100)
    return [m for m in page.items if m["ticket"] == ticket and m["author_type"] == "agent"]


def test_the_macros_offered_are_the_active_ones_matching_the_record(
        desk: Desk, world: dict[str, Any]) -> None:
    answer = desk.clients["ann"].get(f"/api/records/ticket/{world['ticket']}/macros")
    assert answer.status_code == 200, answer.text
    assert [m["name"] for m in answer.json()["items"]] == ["Any topic note", "Ask for logs",
                                                           "Broken"]


def test_preview_renders_the_reply_and_writes_nothing(desk: Desk,
                                                      world: dict[str, Any]) -> None:
    ticket = world["ticket"]
    before = _record(desk, ticket)
    answer = desk.clients["ann"].post(
        f"/api/records/ticket/{ticket}/macros/Ask for logs/preview")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "reply": f"Hello Li Lei, about \"Printer jams\" (#{ticket}): please send the logs. ann",
        "changes": {"priority": "P2", "tags": ["printer", "logs"]},
        "transition": "wait_for_customer"}
    assert _record(desk, ticket)["version"] == before["version"]
    assert _messages(desk, ticket) == []


def test_apply_is_one_command_with_reply_changes_and_transition(
        desk: Desk, world: dict[str, Any]) -> None:
    ticket = world["ticket"]
    version = _record(desk, ticket)["version"]
    answer = desk.clients["ann"].post(
        f"/api/records/ticket/{ticket}/macros/Ask for logs/apply", json={"version": version})
    assert answer.status_code == 200, answer.text
    after = answer.json()
    assert (after["status"], after["priority"], after["tags"]) == (
        "pending_customer", "P2", ["printer", "logs"])
    [reply] = _messages(desk, ticket)
    assert (reply["kind"], reply["author"], reply["channel"]) == ("reply", "ann", "web")
    assert reply["body"].startswith("Hello Li Lei")
    # the automations of the reply ran in the same command: it is the first response
    assert after["first_responded_at"] is not None
    notes = {e.note for e in desk.runtime.records.history("ticket", ticket) if e.note}
    assert any("macro 'Ask for logs'" in n for n in notes)


def test_a_stale_version_applies_nothing(desk: Desk, world: dict[str, Any]) -> None:
    ticket = world["ticket"]
    answer = desk.clients["ann"].post(
        f"/api/records/ticket/{ticket}/macros/Ask for logs/apply", json={"version": 1})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "stale_version"
    assert _messages(desk, ticket) == []
    assert _record(desk, ticket)["status"] == "open"


@pytest.mark.parametrize(("macro", "status", "code"), [
    ("Broken", 422, "macro_template_invalid"),
    ("Billing thanks", 409, "macro_not_applicable"),
    ("Retired", 404, "unknown_macro"),
    ("Ask for lgos", 404, "unknown_macro"),
])
def test_a_macro_that_cannot_apply_changes_nothing(desk: Desk, world: dict[str, Any],
                                                   macro: str, status: int, code: str) -> None:
    ticket = world["ticket"]
    version = _record(desk, ticket)["version"]
    answer = desk.clients["ann"].post(f"/api/records/ticket/{ticket}/macros/{macro}/apply",
                                      json={"version": version})
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    assert _record(desk, ticket)["version"] == version
    assert _messages(desk, ticket) == []


def test_the_template_error_names_what_is_unknown(desk: Desk, world: dict[str, Any]) -> None:
    answer = desk.clients["ann"].post(
        f"/api/records/ticket/{world['ticket']}/macros/Broken/preview")
    detail = answer.json()["error"]["details"][0]
    assert detail["loc"] == ["macro", "body_template"]
    assert detail["msg"].startswith("template reads unknown name 'nobody'")


def test_a_macro_whose_target_state_cannot_be_reached_is_refused(
        desk: Desk, world: dict[str, Any]) -> None:
    ticket = world["ticket"]
    client = desk.clients["ann"]
    client.post(f"/api/records/ticket/{ticket}/transitions/resolve",
                json={"version": _record(desk, ticket)["version"]})
    answer = client.post(f"/api/records/ticket/{ticket}/macros/Ask for logs/preview")
    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "macro_transition_unavailable", "details": [],
        "message": "no transition you may take leads from 'resolved' to 'pending_customer'"}


def test_a_portal_user_has_no_macros(desk: Desk, world: dict[str, Any]) -> None:
    answer = desk.clients["pat"].get(f"/api/records/ticket/{world['ticket']}/macros")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "unknown_object"


def test_the_version_is_required_to_apply(desk: Desk, world: dict[str, Any]) -> None:
    answer = desk.clients["ann"].post(
        f"/api/records/ticket/{world['ticket']}/macros/Ask for logs/apply", json={})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["loc"] == ["body", "version"]
