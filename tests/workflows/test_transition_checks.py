"""A transition's ``checks:`` refuse the command with the pack's own message before anything is
saved; a check reads the record as the transition would leave it and the acting user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from engine.errors import PackError, ValidationFailed
from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER
from tests.runtime.record_objects import T0

from .task_pack import WORKFLOW, write_task_pack

CHECKED = WORKFLOW.replace("""    set: {finished_at: now()}
""", """    set: {finished_at: now()}
    checks:
      - name: not_your_own_review
        rule: reviewer != user.name
        message: {en: Someone else must approve your review., zh-CN: 不能审批自己的评审。}
        fields: [reviewer]
      - name: finished_when_approved
        rule: finished_at != null and points >= 1
        message: Only estimated work is approved.
""")


@pytest.fixture
def checked(db_engine: Engine, tmp_path: Path) -> Runtime:
    registry = load_registry([write_task_pack(tmp_path, CHECKED)])
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    return build_runtime(registry, db_engine, ManualClock(T0), password_hasher=CHEAP_HASHER)


def _in_review(runtime: Runtime, points: int) -> dict[str, Any]:
    task = runtime.records.create("task", {"title": "Docs", "points": points}, "alice")
    for name, values in (("start", {}), ("submit", {"reviewer": "bob"})):
        task = runtime.transitions.transition("task", task["id"], name, values=values,
                                              expected_version=task["version"], actor="alice")
    return task


def test_a_failing_check_refuses_with_its_message_and_writes_nothing(checked: Runtime) -> None:
    task = _in_review(checked, points=3)
    with pytest.raises(ValidationFailed) as refused:
        checked.transitions.transition("task", task["id"], "approve",
                                       expected_version=task["version"], actor="bob")
    assert [(i.loc, i.msg, i.type) for i in refused.value.issues] == [
        (("reviewer",), "Someone else must approve your review.", "transition_check")]
    after = checked.records.get("task", task["id"])
    assert (after["stage"], after["version"], after["finished_at"]) == ("review", task["version"],
                                                                      None)


def test_every_failing_check_is_listed(checked: Runtime) -> None:
    task = _in_review(checked, points=3)
    task = checked.records.update("task", task["id"], {"points": 0},
                                  expected_version=task["version"], actor="alice")
    with pytest.raises(ValidationFailed) as refused:
        checked.transitions.transition("task", task["id"], "approve",
                                       expected_version=task["version"], actor="bob")
    assert [i.msg for i in refused.value.issues] == [
        "Someone else must approve your review.", "Only estimated work is approved."]


def test_a_passing_transition_sees_the_values_its_set_wrote(checked: Runtime) -> None:
    task = _in_review(checked, points=3)
    done = checked.transitions.transition("task", task["id"], "approve",
                                          expected_version=task["version"], actor="carol")
    assert done["stage"] == "done" and done["finished_at"] is not None


@pytest.mark.parametrize(("check", "code", "words"), [
    ("{name: c, rule: points, message: m}", "dsl_type_mismatch", "check 'c'"),
    ("{name: c, rule: 'true', message: m, fields: [pionts]}", "workflow_unknown_field",
     "did you mean 'points'?"),
    ("{name: c, rule: 'true', message: m}, {name: c, rule: 'false', message: n}",
     "workflow_duplicate_check", "two checks named 'c'"),
])
def test_a_bad_check_is_reported_at_load(tmp_path: Path, check: str, code: str,
                                         words: str) -> None:
    workflow = WORKFLOW.replace("    set: {finished_at: now()}\n",
                                f"    set: {{finished_at: now()}}\n    checks: [{check}]\n")
    with pytest.raises(PackError) as exc:
        load_registry([write_task_pack(tmp_path, workflow)])
    found = [(p.code, p.message) for p in exc.value.problems]
    assert len(found) == 1 and found[0][0] == code and words in found[0][1], found
