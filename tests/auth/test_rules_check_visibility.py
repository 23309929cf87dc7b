"""``POST /api/rules/check`` knows only what the caller may read: objects their roles read,
without the fields hidden from them. A customer learns nothing of survey answers or desk
fields, not even through did-you-mean hints; an agent checks against what agents read; an
admin against everything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.clock import ManualClock
from engine.runtime.factory import build_engine
from tests.auth_helpers import bearer
from tests.runtime.record_objects import T0

SERVICE = Path(__file__).resolve().parents[2] / "packs" / "service_default"
ROLES = ("admin", "agent", "customer")


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, TestClient]]:
    db = tmp_path_factory.mktemp("rules") / "rules.db"
    runtime = build_engine([SERVICE], f"sqlite:///{db}", clock=ManualClock(T0))
    mine = runtime.records.create("customer", {"name": "Mine Ltd"}, "setup")["id"]
    attributes = {"customer": {"customer": mine}}
    yield {role: TestClient(create_app(runtime), raise_server_exceptions=False,
                            headers=bearer(runtime, role, [role],
                                           attributes=attributes.get(role)))
           for role in ROLES}
    runtime.close()


def _check(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/rules/check", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _messages(result: dict[str, Any]) -> list[str]:
    return [e["message"] for e in result["errors"]]


def test_an_object_the_caller_cannot_read_is_unknown_to_the_check(
        clients: dict[str, TestClient]) -> None:
    body = {"object": "survey_response", "expression": "score > 3", "expected": "boolean"}
    refused = clients["customer"].post("/api/rules/check", json=body)
    assert refused.status_code == 404
    assert refused.json()["error"] == {"code": "unknown_object", "details": [],
                                       "message": "unknown object 'survey_response'"}
    for role in ("agent", "admin"):  # agents read survey answers
        assert _check(clients[role], **body) == {"ok": True, "type": "boolean", "errors": []}


def test_an_unreadable_object_is_unknown_when_reached_through_a_type_name(
        clients: dict[str, TestClient]) -> None:
    refused = clients["customer"].post("/api/rules/check", json={
        "expression": "null", "expected": "record<survey_response>"})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "expected: not a type: unknown record type 'survey_response'")
    assert clients["admin"].post("/api/rules/check", json={
        "expression": "null", "expected": "record<survey_response>"}).status_code == 200


@pytest.mark.parametrize(("expression", "hidden"), [
    ('queue == "billing"', "queue"),
    ('queu == "billing"', "queue"),
    ("assigne", "assignee"),
    ("customer.notes", "notes"),
    ('customer.note == "x"', "notes"),
])
def test_hidden_fields_are_neither_typed_nor_suggested(
        clients: dict[str, TestClient], expression: str, hidden: str) -> None:
    seen = _check(clients["customer"], object="ticket", expression=expression)
    assert not seen["ok"]
    # The answer a field that does not exist gets: no type, no hint naming the hidden one.
    assert [e["code"] for e in seen["errors"]] == ["dsl_unknown_field"]
    assert not any(f"did you mean '{hidden}'" in m for m in _messages(seen)), seen
    admin = _check(clients["admin"], object="ticket", expression=expression)
    # The admin sees every field: the same text type-checks or gets the suggestion.
    assert admin["ok"] or any(f"did you mean '{hidden}'?" in m for m in _messages(admin))


def test_what_the_customer_may_read_still_checks(clients: dict[str, TestClient]) -> None:
    result = _check(clients["customer"], object="ticket", expected="boolean",
                    expression='customer == user.customer and priority in ["P1", "P2"]')
    assert result == {"ok": True, "type": "boolean", "errors": []}


def test_an_unknown_object_suggests_only_readable_ones(clients: dict[str, TestClient]) -> None:
    customer = clients["customer"].post("/api/rules/check", json={
        "object": "macr", "expression": "1"})
    assert customer.json()["error"]["message"] == "unknown object 'macr'"
    agent = clients["agent"].post("/api/rules/check", json={"object": "macr", "expression": "1"})
    assert agent.json()["error"]["message"] == "unknown object 'macr' (did you mean 'macro'?)"
