"""Routing vectors as data: agents (teams, skills, capacity, availability, calendar, load,
last assignments), a record's values and the instant; the expected rule, queue, assignee,
reason and why each ineligible agent was passed over. Run against the routing lab pack."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext
from engine.workflows.assignment import AgentState, choose_agent

HERE = Path(__file__).resolve().parent
LAB = HERE.parent / "packs" / "routing_lab"
DEFAULT_NOW = "2026-03-02T10:00:00Z"  # a Monday, inside day_shift's hours


def _cases() -> list[Any]:
    out = []
    for file in sorted((HERE / "routing_vectors").glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8"))["cases"]:
            out.append(pytest.param(case, id=f"{file.stem}:{case['name']}"))
    return out


CASES = _cases()


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry([LAB])


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _agent(spec: Mapping[str, Any]) -> AgentState:
    return AgentState(
        name=spec["name"], teams=frozenset(spec["teams"]),
        skills=frozenset(spec.get("skills", ())), capacity=spec.get("capacity", 5),
        availability=spec.get("availability", "online"), calendar=spec.get("calendar"),
        load=spec.get("load", 0), last_assigned_at=_at(spec.get("last_assigned")),
        queue_last_assigned_at=_at(spec.get("queue_last_assigned")),
        has_profile=spec.get("has_profile", True))


def test_there_are_at_least_thirty_vectors() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES)
def test_routing_vector(registry: Registry, case: dict[str, Any]) -> None:
    policy = registry.routing["inquiry_routing"]
    now = _at(case.get("now", DEFAULT_NOW))
    assert now is not None
    row = dict.fromkeys(registry.objects["inquiry"].fields) | case["record"]
    match = policy.match(row, EvalContext(now=now))
    choice = choose_agent(match.queue, match.skills, [_agent(a) for a in case["agents"]], now,
                          registry.calendars, sticky_agent=case.get("sticky"))
    expect = case["expect"]
    assert (match.rule, match.queue.name) == (expect.get("rule"), expect["queue"])
    assert list(match.skills) == expect.get("skills", list(match.skills))
    assert (choice.assignee, choice.reason) == (expect.get("assignee"), expect["reason"]), \
        choice.explanation
    verdicts = {v.name: v for v in choice.verdicts}
    for name, why in expect.get("why_not", {}).items():
        assert verdicts[name].why == why, verdicts[name].detail
    if "ranking" in expect:
        assert [v.name for v in choice.verdicts if v.eligible] == expect["ranking"]
    if "explanation" in expect:
        assert expect["explanation"] in choice.explanation
