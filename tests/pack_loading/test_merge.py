"""``extend: <name>`` changes a base pack's workflow, SLA, routing, form, report, role,
automation or calendar by name, without copying the file; every value keeps its origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from engine.packs.loader import latest_by_name, load_packs
from engine.packs.merge import MergeKeys, document_from_data, merge_document, merge_spec
from engine.packs.models import WorkflowSpec
from tests.pack_loading.packs_on_disk import write_pack
from tests.workflows.problems import assert_one_problem

DEFAULT_PACK = Path(__file__).resolve().parents[2] / "packs" / "service_default"

BASE = {
    "objects/case.yaml": """
        object: case
        fields:
          title: {type: string, required: true}
          status:
            type: enum
            options: [new, open, visit, done]
          category: {type: enum, options: [general, billing]}
          queue: {type: string}
          assignee: {type: string}
          due: {type: date}
        """,
    "workflows/case.yaml": """
        workflow: case_flow
        object: case
        field: status
        initial: new
        states:
          new: {category: new}
          open: {category: open}
          done: {category: closed, final: true}
        transitions:
          - {name: start, from: new, to: open}
          - {name: finish, from: open, to: done, guard: 'title != ""'}
        """,
    "forms/case.yaml": """
        form: case
        object: case
        sections:
          - name: main
            fields: [title, category]
          - name: planning
            fields: [due]
        """,
    "routing/case.yaml": """
        routing: case_routing
        object: case
        queue_field: queue
        assignee_field: assignee
        queues:
          - {name: general, strategy: manual}
          - {name: billing, strategy: manual}
        rules:
          - {name: billing, when: 'category == "billing"', queue: billing}
          - {name: everything, when: 'true', queue: general}
        fallback: general
        """,
}


def _extended(tmp_path: Path, files: dict[str, str]) -> Path:
    write_pack(tmp_path, BASE, name="base")
    return write_pack(tmp_path, {"pack.yaml": "name: ext\nextends: [base]\n", **files},
                      name="ext")


def _problems(tmp_path: Path, files: dict[str, str]) -> list:  # type: ignore[type-arg]
    with pytest.raises(PackError) as exc:
        load_registry([_extended(tmp_path, files)])
    return exc.value.problems


def test_a_category_with_its_queue_rule_and_sla_policy_extends_the_default_pack(
        tmp_path: Path) -> None:
    ext = write_pack(tmp_path, {
        "pack.yaml": f"name: warranty\nextends: ['{DEFAULT_PACK}']\n",
        "objects/ticket.yaml": """
            extend: ticket
            fields:
              category: {options: [warranty]}
            """,
        "routing/ticket.yaml": """
            extend: ticket_routing
            queues: [{name: warranty, strategy: least_loaded}]
            rules:
              - {name: warranty, when: 'category == "warranty"', queue: warranty, before: billing}
            """,
        "sla/ticket.yaml": """
            extend: ticket_sla
            policies:
              - name: warranty
                when: category == "warranty"
                targets: {first_response: 8h, resolution: 5d}
                before: strategic_p1
            """,
    }, name="warranty")
    registry = load_registry([ext])
    routing = registry.routing_for("ticket")
    assert routing is not None
    assert [r.name for r in routing.rules][:3] == ["strategic_and_gold", "warranty", "billing"]
    assert list(routing.queues)[-1] == "warranty"
    sla = next(iter(registry.slas.values()))
    assert [p.name for p in sla.policies][:2] == ["warranty", "strategic_p1"]
    assert len(sla.policies) == len(load_registry([DEFAULT_PACK]).slas[sla.name].policies) + 1


def test_a_workflow_gains_a_state_and_a_transition_and_changes_a_guard(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"workflows/case.yaml": """
        extend: case_flow
        states:
          visit: {category: open}
        transitions:
          - {name: plan_visit, from: open, to: visit, after: start}
          - {name: finish, from: [open, visit], guard: 'due != null'}
        """})
    workflow = load_registry([ext]).workflow_for("case")
    assert workflow is not None
    assert list(workflow.states) == ["new", "open", "done", "visit"]
    assert list(workflow.transitions) == ["start", "plan_visit", "finish"]
    finish = workflow.transitions["finish"]
    assert finish.guard is not None and finish.guard.source == "due != null"
    assert finish.to == "done"


def test_merged_values_keep_the_file_and_line_that_declared_or_changed_them(
        tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"workflows/case.yaml": """
        extend: case_flow
        transitions:
          - name: finish
            guard: 'due != null'
        """})
    chosen, problems = latest_by_name(load_packs([ext]), "workflows", "workflow")
    assert problems == []
    doc = chosen[0].doc
    guard = doc.pos(("transitions", 1, "guard"))
    to = doc.pos(("transitions", 1, "to"))
    assert (guard.file.endswith("ext/workflows/case.yaml"), guard.line, guard.col) == (
        True, 4, 12)
    assert to.file.endswith("base/workflows/case.yaml") and to.line == 11


def test_a_form_field_is_added_to_a_named_section_after_a_named_field(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"forms/case.yaml": """
        extend: case
        sections:
          - name: main
            fields: [{field: queue, after: title}]
        """})
    form = load_registry([ext]).form("case")
    assert [[f.field for f in s.fields] for s in form.sections] == [
        ["title", "queue", "category"], ["due"]]


def test_remove_drops_an_element_and_replace_swaps_it_whole(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"routing/case.yaml": """
        extend: case_routing
        rules:
          - {name: billing, remove: true}
          - {name: everything, replace: true, when: 'category == "general"', queue: general}
        """})
    routing = load_registry([ext]).routing_for("case")
    assert routing is not None
    assert [r.name for r in routing.rules] == ["everything"]
    assert routing.rules[0].condition.source == 'category == "general"'


def test_a_later_declaration_replaces_the_base_file_whole(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"routing/case.yaml": """
        routing: case_routing
        object: case
        queue_field: queue
        assignee_field: assignee
        queues: [{name: general, strategy: manual}]
        fallback: general
        """})
    routing = load_registry([ext]).routing_for("case")
    assert routing is not None
    assert list(routing.rules) == []


def test_extensions_of_two_packs_apply_in_pack_order(tmp_path: Path) -> None:
    _extended(tmp_path, {"routing/case.yaml": """
        extend: case_routing
        rules: [{name: everything, when: 'category == "general"'}]
        """})
    top = write_pack(tmp_path, {"pack.yaml": "name: top\nextends: [ext]\n",
                                "routing/case.yaml": """
        extend: case_routing
        rules: [{name: vip, when: 'title == "vip"', queue: billing, before: everything}]
        """}, name="top")
    routing = load_registry([top]).routing_for("case")
    assert routing is not None
    assert [r.name for r in routing.rules] == ["billing", "vip", "everything"]
    assert routing.rules[2].condition.source == 'category == "general"'


@pytest.mark.parametrize(("files", "code", "where", "words"), [
    ({"routing/case.yaml": "extend: case_routng\nrules: []\n"},
     "pack_extend_unknown", "1:9", "did you mean 'case_routing'?"),
    ({"routing/case.yaml": """
        extend: case_routing
        rules:
          - {name: vip, when: 'true', queue: general, before: biling}
        """}, "pack_merge_position", "3:55", "'before: biling' names no element of the list "
     "(did you mean 'billing'?)"),
    ({"routing/case.yaml": """
        extend: case_routing
        rules:
          - {name: everythin, remove: true}
        """}, "pack_merge_unknown", "3:5", "(did you mean 'everything'?)"),
    ({"workflows/case.yaml": """
        extend: case_flow
        states:
          opne: {label: Opened}
        """}, "missing_key", "3:9", "states.opne is new here, so it needs every required key; "
     "to change an existing one, use its name (did you mean 'open'?)"),
    ({"routing/case.yaml": """
        extend: case_routing
        rules:
          - {name: billing, replace: yes please}
        """}, "pack_merge_marker", "3:30", "'replace:' takes only 'true'"),
])
def test_merges_that_make_no_sense_are_reported_where_they_are_written(
        tmp_path: Path, files: dict[str, str], code: str, where: str, words: str) -> None:
    suffix = next(iter(files))
    assert_one_problem(_problems(tmp_path, files), code, where, words, suffix)


def test_an_overlay_from_the_database_merges_like_a_file() -> None:
    keys = MergeKeys("routing", {"rules": "name"})
    base = document_from_data({"routing": "r", "rules": [{"name": "a", "when": "true"},
                                                         {"name": "b", "when": "false"}]},
                              "base")
    overlay = document_from_data({"extend": "r", "rules": [
        {"name": "c", "when": "x", "after": "a"}, {"name": "b", "when": "y"}]},
        "designer overlay 7")
    result = merge_document(base, overlay, keys, "r")
    assert result.problems == []
    assert result.document.data == {"routing": "r", "rules": [
        {"name": "a", "when": "true"}, {"name": "c", "when": "x"}, {"name": "b", "when": "y"}]}
    assert str(result.document.pos(("rules", 1))) == "designer overlay 7:1:1"
    assert str(result.document.pos(("rules", 0, "when"))) == "base:1:1"
    assert base.data["rules"][1]["when"] == "false"  # the base document is left as it was


def test_a_time_triggers_after_is_data_not_a_position_marker(tmp_path: Path) -> None:
    write_pack(tmp_path, {**BASE, "automations/close.yaml": """
        automation: close_late
        object: case
        when: {type: time, field: created_at, after: 7d}
        actions: [{type: comment, text: late}]
        """}, name="base")
    ext = write_pack(tmp_path, {"pack.yaml": "name: ext\nextends: [base]\n",
                                "automations/close.yaml": """
        extend: close_late
        when: {after: 30d}
        """}, name="ext")
    chosen, problems = latest_by_name(load_packs([ext]), "automations", "automation")
    assert problems == []
    assert chosen[0].doc.data["when"] == {"type": "time", "field": "created_at", "after": "30d"}


def test_a_designer_overlay_merges_into_a_pack_model_like_a_file(tmp_path: Path) -> None:
    packs = load_packs([write_pack(tmp_path, BASE, name="base")])
    workflow = packs[0].specs("workflows")[0].spec
    assert isinstance(workflow, WorkflowSpec)
    changed = merge_spec(workflow, {"extend": "case_flow", "transitions": [
        {"name": "finish", "guard": "due != null"},
        {"name": "reopen", "from": "done", "to": "open", "before": "finish"}]},
        "designer overlay 3")
    assert [t.name for t in changed.transitions] == ["start", "reopen", "finish"]
    assert changed.transitions[2].guard == "due != null" and changed.transitions[2].to == "done"
    assert workflow.transitions[1].guard == 'title != ""'  # the base model is left as it was
    with pytest.raises(PackError) as exc:
        merge_spec(workflow, {"extend": "case_flow", "transitions": [
            {"name": "finnish", "guard": "true"}]}, "designer overlay 4")
    assert [str(p.pos) for p in exc.value.problems] == ["designer overlay 4:1:1"] * 2
    assert "did you mean 'finish'?" in exc.value.problems[0].message


def test_extend_in_a_folder_that_cannot_merge_says_so(tmp_path: Path) -> None:
    problems = _problems(tmp_path, {"users/attributes.yaml": "extend: attributes\n"})
    assert_one_problem(problems, "pack_extend_unsupported", "1:1",
                       "files under users/ cannot say 'extend:' yet", "users/attributes.yaml")
