"""Routing on a database: assignments are written through the record service and audited,
load counts open work, round robin and sticky remember earlier assignments, and an agent going
offline hands their open records back to routing in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from engine.errors import NotFound, ValidationFailed
from engine.objects.storage import ensure_schema, plan
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER

from .routing_lab import MONDAY, REPO, add_agent, add_teams, inquiry, lab_runtime


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def lab(db_engine: Engine, clock: ManualClock) -> Runtime:
    runtime = lab_runtime(db_engine, clock)
    add_teams(runtime)
    return runtime


def test_the_agent_tables_leave_no_plan_behind(lab: Runtime) -> None:
    assert plan(lab.database, lab.registry.objects).changes == ()


def test_assignment_writes_queue_and_assignee_as_an_audited_assign(lab: Runtime) -> None:
    add_agent(lab, "ann", ["billing"], skills=["en"])
    record_id = inquiry(lab, topic="billing", language="en")
    decision = lab.router.assign("inquiry", record_id, "routing")
    assert (decision.rule, decision.queue, decision.assignee, decision.reason) == (
        "billing", "billing", "ann", "least_loaded")
    record = lab.records.get("inquiry", record_id)
    assert (record["queue"], record["owner"], record["version"]) == ("billing", "ann", 2)
    assigns = [e for e in lab.records.history("inquiry", record_id) if e.action == "assign"]
    assert sorted((e.field, e.new) for e in assigns) == [("owner", "ann"), ("queue", "billing")]
    assert all("rule 'billing' -> queue 'billing'" in (e.note or "") for e in assigns)


def test_load_counts_only_open_work(lab: Runtime) -> None:
    add_agent(lab, "ann", ["billing"])
    add_agent(lab, "bob", ["billing"])
    for _ in range(2):  # two open records for ann
        lab.records.update("inquiry", rid := inquiry(lab), {"owner": "ann"},
                           expected_version=1, actor="test")
    for _ in range(3):  # three finished ones for bob: not his load
        rid = inquiry(lab, owner="bob")
        lab.transitions.transition("inquiry", rid, "finish", expected_version=1, actor="test")
    decision = lab.router.assign("inquiry", inquiry(lab, topic="billing"), "routing")
    assert decision.assignee == "bob"
    loads = {a.name: a.load for a in decision.agents}
    assert loads == {"ann": 2, "bob": 0}


def test_round_robin_takes_turns_in_the_queue(lab: Runtime, clock: ManualClock) -> None:
    for name in ("ann", "bob", "cy"):
        add_agent(lab, name, ["rota"], capacity=10)
    chosen = []
    for _ in range(6):
        clock.advance(timedelta(minutes=1))
        chosen.append(lab.router.assign("inquiry", inquiry(lab), "routing").assignee)
    assert chosen == ["ann", "bob", "cy", "ann", "bob", "cy"]


def test_sticky_sends_a_clients_next_record_to_their_last_agent(lab: Runtime,
                                                                clock: ManualClock) -> None:
    add_agent(lab, "ann", ["vip"])
    add_agent(lab, "bob", ["vip"])
    gold = lab.records.create("client_org", {"name": "Acme", "tier": "gold"}, "test")["id"]
    lab.records.update("inquiry", inquiry(lab), {"owner": "bob"}, expected_version=1,
                       actor="test")  # bob is busier, but ...
    first = lab.router.assign("inquiry", inquiry(lab, client=gold), "routing")
    assert (first.assignee, first.reason) == ("ann", "least_loaded")
    clock.advance(timedelta(minutes=5))
    second = lab.router.assign("inquiry", inquiry(lab, client=gold), "routing")
    assert (second.assignee, second.reason) == ("ann", "sticky")


def test_when_everyone_is_full_the_record_waits_unassigned(lab: Runtime) -> None:
    add_agent(lab, "ann", ["billing"], capacity=1)
    first = lab.router.assign("inquiry", inquiry(lab, topic="billing"), "routing")
    second_id = inquiry(lab, topic="billing")
    second = lab.router.assign("inquiry", second_id, "routing")
    assert (first.assignee, second.assignee, second.reason) == ("ann", None, "no_eligible_agent")
    assert [(a.name, a.why) for a in second.agents] == [("ann", "at_capacity")]
    record = lab.records.get("inquiry", second_id)
    assert (record["queue"], record["owner"]) == ("billing", None)


def test_reassigning_a_record_does_not_count_it_against_its_own_agent(lab: Runtime) -> None:
    add_agent(lab, "ann", ["billing"], capacity=1)
    record_id = inquiry(lab, topic="billing")
    lab.router.assign("inquiry", record_id, "routing")
    again = lab.router.assign("inquiry", record_id, "routing")
    assert again.assignee == "ann"


def test_going_offline_reroutes_open_records_in_the_same_transaction(lab: Runtime) -> None:
    add_agent(lab, "ann", ["rota"])
    add_agent(lab, "bob", ["rota"], availability="away")
    open_ids = [inquiry(lab) for _ in range(2)]
    for rid in open_ids:
        assert lab.router.assign("inquiry", rid, "routing").assignee == "ann"
    done = inquiry(lab, owner="ann")
    lab.transitions.transition("inquiry", done, "finish", expected_version=1, actor="test")
    lab.router.set_profile("bob", "test", availability="online")
    result = lab.router.set_profile("ann", "ann", availability="offline")
    assert [d["assignee"] for d in result["rerouted"]] == ["bob", "bob"]
    assert [lab.records.get("inquiry", rid)["owner"] for rid in open_ids] == ["bob", "bob"]
    assert lab.records.get("inquiry", done)["owner"] == "ann"  # finished work stays
    entries = [e for e in lab.records.history("inquiry", open_ids[0])
               if e.action == "assign" and e.field == "owner"]
    assert [(e.old, e.new, e.actor) for e in entries] == [(None, "ann", "routing"),
                                                          ("ann", "bob", "ann")]


def test_going_offline_with_nobody_to_take_over_unassigns(lab: Runtime) -> None:
    add_agent(lab, "ann", ["rota"])
    rid = inquiry(lab)
    lab.router.assign("inquiry", rid, "routing")
    lab.router.set_profile("ann", "ann", availability="offline")
    record = lab.records.get("inquiry", rid)
    assert (record["queue"], record["owner"]) == ("rota", None)


def test_working_calendar_keeps_an_agent_out_after_hours(lab: Runtime,
                                                         clock: ManualClock) -> None:
    add_agent(lab, "ann", ["rota"], calendar="day_shift")
    clock.set(MONDAY.replace(hour=20))
    decision = lab.router.assign("inquiry", inquiry(lab), "routing")
    assert (decision.assignee, decision.agents[0].why) == (None, "off_hours")


def test_profile_changes_are_checked(lab: Runtime) -> None:
    lab.auth.users.create("ann", roles=["helper"], actor="test")
    with pytest.raises(ValidationFailed) as info:
        lab.router.set_profile("ann", "test", calendar="day_shfit", skills=[""])
    issues = {i.loc: (i.type, i.msg) for i in info.value.issues}
    assert issues[("calendar",)][0] == "unknown_calendar"
    assert "did you mean 'day_shift'" in issues[("calendar",)][1]
    assert issues[("skills", 0)] == ("invalid_skill", "a skill is 1 to 64 characters")
    with pytest.raises(NotFound) as missing:
        lab.router.set_profile("nobody", "test", capacity=3)
    assert (missing.value.code, str(missing.value)) == ("agent_not_found",
                                                        "no user named 'nobody'")


def test_an_object_without_routing_is_refused(lab: Runtime) -> None:
    with pytest.raises(NotFound) as info:
        lab.router.policy("client_org")
    assert info.value.code == "routing_not_configured"
    assert "routed objects: inquiry" in str(info.value)


@pytest.mark.parametrize(("tier", "category", "queue"), [
    ("gold", "billing", "senior"), ("strategic", "technical", "senior"),
    ("bronze", "billing", "billing"), ("silver", "on_site", "on_site"),
    ("bronze", "account", "general"),
])
def test_the_default_pack_routes_tickets_by_tier_and_category(
        db_engine: Engine, clock: ManualClock, tier: str, category: str, queue: str) -> None:
    registry = load_registry([REPO / "packs" / "service_default"])
    ensure_schema(db_engine, registry.objects, registry.packs, now=MONDAY)
    desk = build_runtime(registry, db_engine, clock, password_hasher=CHEAP_HASHER)
    for team in ("senior", "billing", "technical", "on_site", "general"):
        desk.auth.users.create_team(team)
    desk.auth.users.create("mei", roles=["agent"], actor="test",
                           teams=["senior", "billing", "on_site", "general"])
    desk.router.set_profile("mei", "test", availability="online", capacity=5,
                            skills=["zh-CN"])
    customer = desk.records.create("customer", {"name": "Acme", "tier": tier}, "test")["id"]
    ticket = desk.records.create("ticket", {"subject": "Help", "customer": customer,
                                            "category": category, "language": "zh-CN"},
                                 "test")["id"]
    decision = desk.router.assign("ticket", ticket, "routing")
    assert (decision.queue, decision.skills, decision.assignee) == (queue, ("zh-CN",), "mei")
    assert desk.records.get("ticket", ticket)["queue"] == queue
