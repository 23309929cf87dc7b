"""The routing API: agents and their profiles, availability (offline re-routes), and
explanations of routing decisions, each guarded by who may use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.api.app import create_app
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer

from .routing_lab import MONDAY, add_agent, add_teams, inquiry, lab_runtime


@pytest.fixture
def lab(db_engine: Engine) -> Runtime:
    runtime = lab_runtime(db_engine, ManualClock(MONDAY))
    add_teams(runtime)
    add_agent(runtime, "ann", ["billing"], skills=["en"])
    add_agent(runtime, "bob", ["billing", "rota"], capacity=2)
    return runtime


@pytest.fixture
def api(lab: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(lab), raise_server_exceptions=False) as client:
        yield client


def _as(lab: Runtime, name: str, roles: tuple[str, ...] = ("helper",)) -> dict[str, str]:
    return bearer(lab, name, roles)


def test_staff_list_agents_with_profiles_and_load(lab: Runtime, api: TestClient) -> None:
    lab.router.assign("inquiry", inquiry(lab, topic="billing", language="en"), "test")
    answer = api.get("/api/agents", headers=_as(lab, "ann"))
    assert answer.status_code == 200, answer.text
    agents = {a["user"]: a for a in answer.json()["items"]}
    assert agents["ann"]["skills"] == ["en"] and agents["ann"]["availability"] == "online"
    assert agents["ann"]["load"] == {"inquiry": 1}
    assert agents["bob"]["teams"] == ["billing", "rota"]


def test_outsiders_may_not_see_agents(lab: Runtime, api: TestClient) -> None:
    answer = api.get("/api/agents", headers=_as(lab, "zoe"))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "permission_denied"
    assert "for the desk's staff" in answer.json()["error"]["message"]


def test_a_supervisor_sets_a_profile(lab: Runtime, api: TestClient) -> None:
    answer = api.put("/api/agents/bob/profile", headers=_as(lab, "lea", ("lead",)),
                     json={"skills": ["en", "de"], "capacity": 7, "calendar": "day_shift"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["skills"], answer.json()["capacity"],
            answer.json()["calendar"]) == (["en", "de"], 7, "day_shift")
    cleared = api.put("/api/agents/bob/profile", headers=_as(lab, "lea", ("lead",)),
                      json={"calendar": None})
    assert cleared.json()["calendar"] is None and cleared.json()["capacity"] == 7


def test_an_agent_may_not_set_profiles(lab: Runtime, api: TestClient) -> None:
    answer = api.put("/api/agents/ann/profile", headers=_as(lab, "ann"),
                     json={"capacity": 99})
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == \
        "only admins and supervisors may change agents' profiles"


def test_an_unknown_calendar_is_refused(lab: Runtime, api: TestClient) -> None:
    answer = api.put("/api/agents/ann/profile", headers=_as(lab, "root", ("admin",)),
                     json={"calendar": "night"})
    assert answer.status_code == 422
    [detail] = answer.json()["error"]["details"]
    assert (detail["loc"], detail["type"]) == (["calendar"], "unknown_calendar")


def test_an_agent_sets_their_own_availability_and_offline_reroutes(
        lab: Runtime, api: TestClient) -> None:
    rid = inquiry(lab, topic="billing", language="en")
    assert lab.router.assign("inquiry", rid, "test").assignee == "ann"
    answer = api.put("/api/agents/ann/availability", headers=_as(lab, "ann"),
                     json={"availability": "offline"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["availability"] == "offline"
    assert [d["assignee"] for d in answer.json()["rerouted"]] == ["bob"]
    assert lab.records.get("inquiry", rid)["owner"] == "bob"


def test_an_agent_may_not_set_anothers_availability(lab: Runtime, api: TestClient) -> None:
    answer = api.put("/api/agents/bob/availability", headers=_as(lab, "ann"),
                     json={"availability": "away"})
    assert answer.status_code == 403
    assert "change another agent's availability" in answer.json()["error"]["message"]


def test_an_unknown_agent_is_404(lab: Runtime, api: TestClient) -> None:
    answer = api.put("/api/agents/nobody/availability", headers=_as(lab, "root", ("admin",)),
                     json={"availability": "away"})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "agent_not_found"


def test_explain_a_stored_record(lab: Runtime, api: TestClient) -> None:
    add_agent(lab, "cy", ["tech"])
    inquiry(lab, owner="bob")
    rid = inquiry(lab, topic="billing", language="en")
    answer = api.post("/api/routing/explain", headers=_as(lab, "lea", ("lead",)),
                      json={"object": "inquiry", "record_id": rid})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["rule"], body["queue"], body["skills"], body["assignee"], body["reason"]) == (
        "billing", "billing", ["en"], "ann", "least_loaded")
    assert "ann has the least open work (next: bob)" in body["explanation"]
    agents = {a["agent"]: a for a in body["agents"]}
    assert (agents["ann"]["rank"], agents["bob"]["rank"]) == (1, 2)
    assert (agents["cy"]["eligible"], agents["cy"]["why_not"]) == (False, "not_member")
    assert lab.records.get("inquiry", rid)["owner"] is None  # explaining changes nothing


def test_explain_values_not_stored(lab: Runtime, api: TestClient) -> None:
    answer = api.post("/api/routing/explain", headers=_as(lab, "bob"),
                      json={"object": "inquiry", "values": {"subject": "x", "topic": "tech",
                                                            "language": "en"}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["rule"], body["queue"], body["assignee"], body["reason"]) == (
        "tech", "tech", None, "no_eligible_agent")
    assert body["record_id"] is None


@pytest.mark.parametrize("body", [{"object": "inquiry"},
                                  {"object": "inquiry", "record_id": 1, "values": {}}])
def test_explain_needs_a_record_or_values(lab: Runtime, api: TestClient,
                                          body: dict[str, object]) -> None:
    answer = api.post("/api/routing/explain", headers=_as(lab, "bob"), json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "routing_explain_input"


def test_explain_an_object_without_routing(lab: Runtime, api: TestClient) -> None:
    answer = api.post("/api/routing/explain", headers=_as(lab, "root", ("admin",)),
                      json={"object": "client_org", "values": {}})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "routing_not_configured"
