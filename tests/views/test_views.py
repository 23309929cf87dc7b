"""Pack-declared views: each user sees the views of their roles with counts of the records
they may read; per-team views expand per team; SLA states, filters, sort and paging run in SQL
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.jobs.worker import Worker
from tests.views.conftest import Desk


@pytest.fixture
def tickets(desk: Desk) -> dict[str, Any]:
    users = desk.runtime.auth.users
    users.create_team("billing")
    users.create_team("technical")
    mine = desk.create("customer", {"name": "Mine Ltd"})["id"]
    theirs = desk.create("customer", {"name": "Theirs Ltd"})["id"]
    desk.login("ann", ["agent"], teams=["billing", "technical"])
    desk.login("bob", ["agent"], teams=["technical"])
    desk.login("sue", ["supervisor"])
    desk.login("pat", ["customer"], attributes={"customer": mine})
    made = {
        "ann_billing": desk.create("ticket", {"subject": "a", "queue": "billing",
                                              "assignee": "ann", "customer": mine}),
        "free_billing": desk.create("ticket", {"subject": "b", "queue": "billing",
                                               "customer": theirs}),
        "bob_technical": desk.create("ticket", {"subject": "c", "queue": "technical",
                                                "assignee": "bob", "customer": mine}),
        "sales": desk.create("ticket", {"subject": "d", "queue": "sales", "assignee": "zed",
                                        "customer": theirs}),
    }
    return {k: v["id"] for k, v in made.items()} | {"mine": mine}


def _views(desk: Desk, user: str, **params: str) -> dict[str, dict[str, Any]]:
    answer = desk.clients[user].get("/api/views", params=params)
    assert answer.status_code == 200, answer.text
    return {v["name"]: v for v in answer.json()["items"]}


def _ids(desk: Desk, user: str, view: str, **params: Any) -> list[int]:
    answer = desk.clients[user].get(f"/api/views/{view}/records", params=params)
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["items"]]


def test_an_agent_sees_their_views_with_counts_of_records_they_may_read(
        desk: Desk, tickets: dict[str, Any]) -> None:
    views = _views(desk, "ann")
    assert list(views) == ["my_open_work", "team_queue:billing", "team_queue:technical",
                           "unassigned", "sla_at_risk", "sla_breached", "all_open"]
    counts = {name: v["count"] for name, v in views.items()}
    # ann reads her teams' queues only: the sales ticket is not counted anywhere.
    assert counts == {"my_open_work": 1, "team_queue:billing": 2, "team_queue:technical": 1,
                      "unassigned": 1, "sla_at_risk": 0, "sla_breached": 0, "all_open": 3}
    assert views["team_queue:billing"]["label"] == "Team queue: billing"
    assert views["my_open_work"]["refresh_seconds"] == 30
    assert views["my_open_work"]["sort"] == "due_at,priority"


def test_a_supervisor_counts_every_record_and_has_no_team_queues_without_teams(
        desk: Desk, tickets: dict[str, Any]) -> None:
    counts = {n: v["count"] for n, v in _views(desk, "sue").items()}
    assert counts == {"my_open_work": 0, "unassigned": 1, "sla_at_risk": 0,
                      "sla_breached": 0, "all_open": 4}


def test_a_portal_user_sees_only_their_requests_without_hidden_columns(
        desk: Desk, tickets: dict[str, Any]) -> None:
    views = _views(desk, "pat", locale="zh-CN")
    assert list(views) == ["my_requests"]
    assert views["my_requests"]["label"] == "我的请求"
    assert views["my_requests"]["count"] == 2
    records = desk.clients["pat"].get("/api/views/my_requests/records").json()
    assert {r["id"] for r in records["items"]} == {tickets["ann_billing"],
                                                    tickets["bob_technical"]}
    assert all("queue" not in r and "assignee" not in r for r in records["items"])


def test_a_view_of_another_role_or_team_is_unknown_to_the_user(
        desk: Desk, tickets: dict[str, Any]) -> None:
    for user, name in (("pat", "all_open"), ("bob", "team_queue:billing"),
                       ("ann", "team_queue:sales")):
        answer = desk.clients[user].get(f"/api/views/{name}/records")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "unknown_view"
    answer = desk.clients["ann"].get("/api/views/all_opne/records")
    assert answer.json()["error"]["message"] == "unknown view 'all_opne' (did you mean 'all_open'?)"


def test_view_records_filter_sort_and_page_in_the_database(
        desk: Desk, tickets: dict[str, Any]) -> None:
    ids = _ids(desk, "ann", "team_queue:billing")
    assert sorted(ids) == sorted([tickets["ann_billing"], tickets["free_billing"]])
    assert _ids(desk, "ann", "all_open", sort="-id") == sorted(
        [tickets["ann_billing"], tickets["free_billing"], tickets["bob_technical"]],
        reverse=True)
    assert _ids(desk, "ann", "all_open", queue="technical") == [tickets["bob_technical"]]
    page = desk.clients["ann"].get("/api/views/all_open/records",
                                   params={"sort": "id", "limit": 2}).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert page["next"] == "/api/views/all_open/records?sort=id&limit=2&offset=2"
    bad = desk.clients["ann"].get("/api/views/all_open/records", params={"priorty": "P1"})
    assert bad.status_code == 422
    assert "did you mean 'priority'" in bad.json()["error"]["details"][0]["msg"]


def test_my_open_work_follows_the_signed_in_user(desk: Desk, tickets: dict[str, Any]) -> None:
    assert _ids(desk, "ann", "my_open_work") == [tickets["ann_billing"]]
    assert _ids(desk, "bob", "my_open_work") == [tickets["bob_technical"]]


def test_sla_views_list_records_at_risk_and_breached(desk: Desk,
                                                     tickets: dict[str, Any]) -> None:
    # ann answers her ticket (its first-response clock stops); the others wait.
    desk.create("ticket_message", {"ticket": tickets["ann_billing"], "kind": "reply",
                                   "body": "on it", "author": "ann", "author_type": "agent"})
    desk.create("ticket_message", {"ticket": tickets["free_billing"], "kind": "reply",
                                   "body": "on it", "author": "ann", "author_type": "agent"})
    # Thursday 10:00 in Beijing: 18 of the 32 business hours of resolution gone (past the
    # 50% warning); the unanswered ticket's 8-hour first response is long breached.
    desk.clock.advance(timedelta(days=2, hours=17))
    Worker(desk.runtime).run_due()
    assert _ids(desk, "ann", "sla_at_risk", sort="id") == sorted(
        [tickets["ann_billing"], tickets["free_billing"]])
    # The breaches escalated the unanswered tickets (out of ann's queues): sue sees them.
    assert _ids(desk, "sue", "sla_breached", sort="id") == sorted(
        [tickets["bob_technical"], tickets["sales"]])
    assert _ids(desk, "ann", "sla_breached") == []
    counts = {n: v["count"] for n, v in _views(desk, "sue").items()}
    assert (counts["sla_at_risk"], counts["sla_breached"]) == (2, 2)
