"""``POST /api/rules/check``: the designer checks a rule as the admin types it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.factory import build_engine
from tests.auth_helpers import bearer

SERVICE = Path(__file__).resolve().parents[2] / "packs" / "service_default"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    runtime = build_engine([SERVICE], f"sqlite:///{tmp_path / 'rules.db'}")
    with TestClient(create_app(runtime), raise_server_exceptions=False,
                    headers=bearer(runtime, "admin")) as c:
        yield c
    runtime.close()


CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"expression": 'priority in ["P1", "P2"] and customer.tier == "gold"',
         "object": "ticket", "expected": "boolean"},
        {"ok": True, "type": "boolean", "errors": []},
    ),
    (
        {"expression": 'priority == "P5"', "object": "ticket"},
        {"ok": False, "code": "dsl_unknown_enum_value", "line": 1, "col": 13},
    ),
    (
        {"expression": "customer.tierr", "object": "ticket"},
        {"ok": False, "code": "dsl_unknown_field", "words": "did you mean 'tier'?"},
    ),
    (
        {"expression": "subject", "object": "ticket", "expected": "boolean"},
        {"ok": False, "code": "dsl_type_mismatch"},
    ),
    (
        {"expression": "priority ==\n  == \"P1\"", "object": "ticket"},
        {"ok": False, "code": "dsl_syntax", "line": 2, "col": 3},
    ),
    (
        {"expression": "changed(priority) and old.priority > priority", "object": "ticket",
         "change_context": True},
        {"ok": True, "type": "boolean", "errors": []},
    ),
]


@pytest.mark.parametrize(("body", "expected"), CASES, ids=[c[0]["expression"] for c in CASES])
def test_rule_check_reports_type_and_positioned_errors(
    client: TestClient, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = client.post("/api/rules/check", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is expected["ok"]
    if expected["ok"]:
        assert result == expected
        return
    error = result["errors"][0]
    assert error["code"] == expected["code"]
    for key in ("line", "col"):
        if key in expected:
            assert error[key] == expected[key]
    assert expected.get("words", "") in error["message"]


def test_rule_check_on_an_unknown_object_is_404_with_a_suggestion(client: TestClient) -> None:
    response = client.post("/api/rules/check", json={"expression": "1", "object": "tickets"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_object"
    assert "did you mean 'ticket'?" in response.json()["error"]["message"]


def test_rule_check_with_a_bad_expected_type_is_400(client: TestClient) -> None:
    response = client.post("/api/rules/check",
                           json={"expression": "1", "expected": "bolean"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_type_spec"
