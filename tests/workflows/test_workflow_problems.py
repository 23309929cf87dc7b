"""Every mistake in a workflow file is reported at its line and column, with a stable code."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry

from .problems import assert_one_problem
from .task_pack import WORKFLOW, write_task_pack

# (case, text replaced in the valid workflow, replacement, code, line:col, words in the message)
CASES = [
    ("unknown_object", "object: task", "object: tsk", "workflow_unknown_object", "2:9",
     "did you mean 'task'"),
    ("unknown_status_field", "field: stage", "field: stag", "workflow_unknown_field", "3:8",
     "did you mean 'stage'"),
    ("status_field_not_enum", "field: stage", "field: title", "workflow_field_not_enum", "3:8",
     "must be an enum"),
    ("state_not_an_option", "  review: {category: pending}",
     "  review: {category: pending}\n  paused: {category: pending}",
     "workflow_state_not_option", "14:3", "'paused' is not an option"),
    ("unknown_initial_state", "initial: todo", "initial: tod", "workflow_unknown_state",
     "5:10", "did you mean 'todo'"),
    ("unknown_to_state", "{name: rework, from: review, to: doing}",
     "{name: rework, from: review, to: doin}", "workflow_unknown_state", "23:38",
     "did you mean 'doing'"),
    ("unknown_from_state_in_list", "    from: doing\n", "    from: [doing, reveiw]\n",
     "workflow_unknown_state", "19:19", "did you mean 'review'"),
    ("unknown_source_state",
     "  - {name: start, from: todo, to: doing, label: {en: Start, zh-CN: 开始}}",
     "  - {name: start, from: todo, to: doing, label: {en: Start, zh-CN: 开始}}\n"
     "  - {name: shelve, from: archived, to: todo}",
     "workflow_unknown_state", "18:26", "unknown state 'archived'"),
    ("state_never_entered", "  dropped: {category: closed, final: true}",
     "  dropped: {category: closed, final: true}\n  archived: {category: closed, final: true}",
     "workflow_unreachable_state", "16:3", "'archived' cannot be reached"),
    ("dead_end", "  dropped: {category: closed, final: true}", "  dropped: {category: closed}",
     "workflow_dead_end", "15:3", "'dropped' is not final"),
    ("leaving_a_final_state", "{name: rework, from: review, to: doing}",
     "{name: rework, from: done, to: doing}", "workflow_final_state_exit", "23:26",
     "'done' is final"),
    ("duplicate_transition", "{name: rework,", "{name: start,",
     "workflow_duplicate_transition", "23:12", "two transitions are named 'start'"),
    ("guard_not_boolean", 'guard: points > 0 and points <= 8 and title != "wip"',
     "guard: points + 1", "dsl_type_mismatch", "21:12", "guard"),
    ("guard_unknown_field", 'guard: points > 0 and points <= 8 and title != "wip"',
     "guard: points > 0 and pionts <= 8", "dsl_unknown_field", "21:27",
     "did you mean 'points'"),
    ("guard_uses_old", 'guard: points > 0 and points <= 8 and title != "wip"',
     "guard: old.points > 0", "dsl_no_change_context", "21:12", "old"),
    ("set_wrong_type", "set: {finished_at: now()}", "set: {finished_at: today()}",
     "dsl_type_mismatch", "27:24", "set 'finished_at'"),
    ("set_unknown_field", "set: {finished_at: now()}", "set: {finshed_at: now()}",
     "workflow_unknown_field", "27:23", "did you mean 'finished_at'"),
    ("set_the_status_field", "set: {finished_at: now()}", "set: {stage: stage}",
     "workflow_field_not_settable", "27:18", "only the transition's 'to' sets it"),
    ("on_enter_wrong_type", "values: {attempts: attempts + 1}", "values: {attempts: title}",
     "dsl_type_mismatch", "12:28", "set 'attempts'"),
    ("require_unknown_field", "require: [reviewer]", "require: [reveiwer]",
     "workflow_unknown_field", "22:15", "did you mean 'reviewer'"),
    ("require_engine_field", "require: [reason]", "require: [version]",
     "workflow_field_not_settable", "31:15", "engine field"),
    ("bad_category", "review: {category: pending}", "review: {category: waiting}",
     "invalid_value", "13:22", "'waiting' is not one of"),
    ("unknown_action_type", "- type: set", "- type: email", "invalid_value", "11:15",
     "'email' is not one of"),
    ("unknown_key", "    guard: points", "    gaurd: points", "unknown_key", "21:5",
     "did you mean 'guard'"),
]


@pytest.mark.parametrize(("old", "new", "code", "where", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_workflow_mistake_is_reported_at_its_position(
    tmp_path: Path, old: str, new: str, code: str, where: str, words: str
) -> None:
    assert old in WORKFLOW
    pack = write_task_pack(tmp_path, WORKFLOW.replace(old, new, 1))
    with pytest.raises(PackError) as info:
        load_registry([pack])
    assert_one_problem(info.value.problems, code, where, words, "workflows/task.yaml")


def test_two_workflows_for_one_object_are_refused(tmp_path: Path) -> None:
    pack = write_task_pack(tmp_path)
    other = WORKFLOW.replace("workflow: task_flow", "workflow: task_flow_2")
    (pack / "workflows" / "task_2.yaml").write_text(other.lstrip("\n"), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert problem.code == "workflow_duplicate_object"
    assert str(problem.pos).endswith("workflows/task_2.yaml:2:9")


def test_an_extending_pack_replaces_a_workflow_of_the_same_name_whole(tmp_path: Path) -> None:
    from tests.pack_loading.packs_on_disk import write_pack

    write_task_pack(tmp_path)
    smaller = """
workflow: task_flow
object: task
field: stage
initial: todo
states:
  todo: {category: new}
  done: {category: closed, final: true}
transitions:
  - {name: finish, from: todo, to: done}
"""
    ext = write_pack(tmp_path, {"pack.yaml": "name: ext\nextends: [demo]\n",
                                "workflows/task.yaml": smaller}, name="ext")
    machine = load_registry([ext]).workflow("task_flow")
    assert list(machine.states) == ["todo", "done"]
    assert list(machine.transitions) == ["finish"]


def test_the_shipped_packs_compile_their_workflows() -> None:
    root = Path(__file__).resolve().parents[2]
    ticket = load_registry([root / "packs/service_default"]).workflow("ticket_lifecycle")
    assert ticket.object == "ticket" and ticket.field == "status" and ticket.initial == "new"
    assert ticket.transitions["reopen"].guard is not None
    assert ticket.transitions["merge"].require == ("merged_into",)
    loans = load_registry([root / "tests/packs/equipment_loans"]).workflow("loan_cycle")
    assert (loans.object, loans.field, loans.initial) == ("loan", "state", "reserved")
