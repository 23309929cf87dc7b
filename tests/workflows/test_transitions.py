"""Taking workflow transitions: one transaction each, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from engine.errors import Conflict, NotFound, ValidationFailed
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from tests.runtime.record_objects import T0


def _task(runtime: Runtime, **values: Any) -> dict[str, Any]:
    return runtime.records.create("task", {"title": "Write docs", **values}, "alice")


def _take(runtime: Runtime, record: dict[str, Any], name: str, **values: Any) -> dict[str, Any]:
    return runtime.transitions.transition("task", record["id"], name, values=values,
                                          expected_version=record["version"], actor="bob")


def test_a_new_record_starts_in_the_initial_state(runtime: Runtime) -> None:
    assert _task(runtime)["stage"] == "todo"
    assert _task(runtime, stage="todo")["stage"] == "todo"


def test_creating_a_record_in_another_state_is_refused(runtime: Runtime) -> None:
    with pytest.raises(ValidationFailed) as info:
        _task(runtime, stage="done")
    assert info.value.code == "status_field_managed"
    assert info.value.issues[0].loc == ("stage",)


def test_patching_the_status_field_is_refused_and_points_at_transitions(
    runtime: Runtime,
) -> None:
    task = _task(runtime)
    with pytest.raises(ValidationFailed) as info:
        runtime.records.update("task", task["id"], {"stage": "doing"}, expected_version=1,
                               actor="bob")
    assert info.value.code == "status_field_managed"
    assert "/api/records/task/{id}/transitions/{name}" in info.value.message
    # Other fields still patch as before.
    assert runtime.records.update("task", task["id"], {"points": 3}, expected_version=1,
                                  actor="bob")["points"] == 3


def test_a_full_path_runs_actions_and_audits_each_transition(
    runtime: Runtime, clock: ManualClock
) -> None:
    task = _task(runtime, points=3)
    task = _take(runtime, task, "start")
    assert (task["stage"], task["attempts"], task["version"]) == ("doing", 1, 2)
    task = _take(runtime, task, "submit", reviewer="carol")
    assert (task["stage"], task["reviewer"]) == ("review", "carol")
    task = _take(runtime, task, "rework")
    assert task["attempts"] == 2  # on_enter of 'doing' ran again
    task = _take(runtime, task, "submit", reviewer="carol")
    clock.advance(minutes=5)
    task = _take(runtime, task, "approve")
    assert task["stage"] == "done" and task["finished_at"] == "2026-03-02T09:05:00Z"
    stored = runtime.records.get("task", task["id"])
    assert stored == task
    history = [e for e in runtime.records.history("task", task["id"])
               if e.action == "transition"]
    assert [e.note for e in history if e.field == "stage"] == [
        "transition 'start': todo -> doing", "transition 'submit': doing -> review",
        "transition 'rework': review -> doing", "transition 'submit': doing -> review",
        "transition 'approve': review -> done",
    ]
    assert {e.actor for e in history} == {"bob"}


def test_available_transitions_list_allowed_and_guard_blocked_ones(runtime: Runtime) -> None:
    task = _take(runtime, _task(runtime), "start")
    available = runtime.transitions.available("task", task["id"], "bob").as_json()
    assert available["state"] == "doing" and available["version"] == 2
    assert [t["name"] for t in available["transitions"]] == ["drop"]
    [blocked] = available["blocked"]
    assert blocked["name"] == "submit" and blocked["reason"] == "'points > 0' does not hold"


def test_a_transition_from_the_wrong_state_is_refused_naming_the_state(
    runtime: Runtime,
) -> None:
    task = _task(runtime)
    with pytest.raises(Conflict) as info:
        _take(runtime, task, "approve")
    assert info.value.code == "transition_not_allowed"
    assert info.value.message == (
        f"task {task['id']} is 'todo': transition 'approve' goes from review only "
        "(available now: start, drop)"
    )


@pytest.mark.parametrize(("values", "failing"), [
    ({"points": 0}, "points > 0"),
    ({"points": 13}, "points <= 8"),
    ({"points": 3, "title": "wip"}, 'title != "wip"'),
])
def test_a_failing_guard_names_the_part_that_is_false(
    runtime: Runtime, values: dict[str, Any], failing: str
) -> None:
    task = _take(runtime, _task(runtime), "start")
    with pytest.raises(Conflict) as info:
        _take(runtime, task, "submit", reviewer="carol", **values)
    assert info.value.code == "guard_failed"
    assert info.value.message == (
        f"transition 'submit' of task {task['id']} is blocked by its guard "
        f"'points > 0 and points <= 8 and title != \"wip\"': '{failing}' is false"
    )
    assert runtime.records.get("task", task["id"])["version"] == 2  # nothing written


def test_required_fields_must_be_filled(runtime: Runtime) -> None:
    task = _take(runtime, _task(runtime, points=2), "start")
    with pytest.raises(ValidationFailed) as info:
        _take(runtime, task, "submit")
    assert [(i.loc, i.type) for i in info.value.issues] == [(("reviewer",), "required")]
    with pytest.raises(ValidationFailed) as info:
        _take(runtime, task, "drop", reason="  ")
    assert info.value.issues[0].loc == ("reason",)


def test_values_are_validated_like_a_patch(runtime: Runtime) -> None:
    task = _take(runtime, _task(runtime), "start")
    with pytest.raises(ValidationFailed) as info:
        _take(runtime, task, "submit", reviewer="carol", points="many")
    assert info.value.issues[0].loc == ("points",)
    with pytest.raises(ValidationFailed) as info:
        _take(runtime, task, "submit", attempts=9)  # read-only and not required here
    assert info.value.issues[0].loc == ("attempts",)
    with pytest.raises(ValidationFailed) as info:
        _take(runtime, task, "drop", stage="done", reason="x")
    assert info.value.code == "status_field_managed"


def test_a_stale_version_is_refused(runtime: Runtime) -> None:
    task = _task(runtime)
    runtime.records.update("task", task["id"], {"points": 1}, expected_version=1, actor="bob")
    with pytest.raises(Conflict) as info:
        _take(runtime, task, "start")
    assert info.value.code == "stale_version"


def test_star_leaves_every_state_that_is_not_final(runtime: Runtime) -> None:
    task = _take(runtime, _task(runtime), "drop", reason="duplicate")
    assert task["stage"] == "dropped"
    with pytest.raises(Conflict) as info:
        _take(runtime, task, "drop", reason="again")
    assert info.value.code == "transition_not_allowed"


def test_unknown_transitions_and_objects_without_workflow_are_not_found(
    runtime: Runtime,
) -> None:
    task = _task(runtime)
    with pytest.raises(NotFound) as info:
        _take(runtime, task, "strat")
    assert info.value.code == "unknown_transition" and "did you mean 'start'" in info.value.message


WRITERS = 6


def test_concurrent_transitions_of_one_version_let_exactly_one_win(runtime: Runtime) -> None:
    task = _task(runtime)
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def take(n: int) -> None:
        name = "start" if n % 2 else "drop"
        barrier.wait()
        try:
            runtime.transitions.transition("task", task["id"], name, values={"reason": "r"}
                                           if name == "drop" else {}, expected_version=1,
                                           actor=f"writer{n}")
            result = "won"
        except Conflict as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["stale_version"] * (WRITERS - 1) + ["won"]
    final = runtime.records.get("task", task["id"])
    assert final["version"] == 2
    moves = [e for e in runtime.records.history("task", task["id"])
             if e.action == "transition" and e.field == "stage"]
    assert len(moves) == 1 and moves[0].new == final["stage"]


def test_time_of_actions_comes_from_the_clock(runtime: Runtime) -> None:
    task = _take(runtime, _task(runtime, points=1), "start")
    task = _take(runtime, task, "submit", reviewer="carol")
    assert _take(runtime, task, "approve")["finished_at"] == T0.isoformat().replace(
        "+00:00", "Z")
