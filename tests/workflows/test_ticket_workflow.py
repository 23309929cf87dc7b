"""The default pack's ticket workflow: resolve, reopen (at most three times), merge."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.errors import Conflict
from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.runtime.record_objects import T0

PACK = Path(__file__).resolve().parents[2] / "packs" / "service_default"


@pytest.fixture
def desk(db_engine: Engine) -> Runtime:
    registry = load_registry([PACK])
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    return build_runtime(registry, db_engine, ManualClock(T0))


def test_a_ticket_reopens_three_times_then_the_guard_refuses(desk: Runtime) -> None:
    ticket = desk.records.create("ticket", {"subject": "Printer jams"}, "alice")
    assert ticket["status"] == "new"

    def take(name: str, **values: object) -> None:
        nonlocal ticket
        ticket = desk.transitions.transition("ticket", ticket["id"], name, values=values,
                                             expected_version=ticket["version"], actor="bob")

    take("start")
    for _ in range(3):
        take("resolve")
        assert ticket["resolved_at"] == "2026-03-02T09:00:00Z"
        take("reopen")
        assert ticket["resolved_at"] is None
    assert ticket["reopen_count"] == 3
    take("resolve")
    with pytest.raises(Conflict) as info:
        take("reopen")
    assert info.value.code == "guard_failed" and "reopen_count < 3" in info.value.message
    take("close")
    assert ticket["status"] == "closed" and ticket["closed_at"] is not None


def test_a_duplicate_is_merged_into_another_ticket(desk: Runtime) -> None:
    keep = desk.records.create("ticket", {"subject": "VPN down"}, "alice")
    dup = desk.records.create("ticket", {"subject": "VPN down again"}, "alice")
    merged = desk.transitions.transition("ticket", dup["id"], "merge",
                                         values={"merged_into": keep["id"]},
                                         expected_version=dup["version"], actor="bob")
    assert (merged["status"], merged["merged_into"]) == ("closed", keep["id"])


@pytest.mark.parametrize(("before", "after"), [("P4", "P3"), ("P3", "P2"), ("P2", "P1"),
                                               ("P1", "P1")])
def test_escalating_raises_priority_one_step_once(desk: Runtime, before: str,
                                                  after: str) -> None:
    ticket = desk.records.create("ticket", {"subject": "Down", "priority": before}, "alice")
    ticket = desk.transitions.transition("ticket", ticket["id"], "escalate", values={},
                                         expected_version=ticket["version"], actor="bob")
    assert (ticket["priority"], ticket["escalated"], ticket["status"]) == (after, True, "open")
    with pytest.raises(Conflict) as caught:
        desk.transitions.transition("ticket", ticket["id"], "escalate", values={},
                                    expected_version=ticket["version"], actor="bob")
    assert caught.value.code == "guard_failed"


def test_a_ticket_reopens_only_within_seven_days_of_resolution(desk: Runtime) -> None:
    ticket = desk.records.create("ticket", {"subject": "Printer jams"}, "alice")
    ticket = desk.transitions.transition("ticket", ticket["id"], "start",
                                         expected_version=ticket["version"], actor="bob")
    ticket = desk.transitions.transition("ticket", ticket["id"], "resolve",
                                         expected_version=ticket["version"], actor="bob")
    clock = desk.clock
    assert isinstance(clock, ManualClock)
    clock.advance(days=7, seconds=1)
    with pytest.raises(Conflict) as info:
        desk.transitions.transition("ticket", ticket["id"], "reopen",
                                    expected_version=ticket["version"], actor="bob")
    assert info.value.code == "guard_failed"
    assert "'now() - resolved_at <= 7d' is false" in info.value.message
