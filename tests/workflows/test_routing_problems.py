"""Every mistake in a routing file is reported at its line and column, with a stable code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry

from .problems import assert_one_problem

LAB = Path(__file__).resolve().parent.parent / "packs" / "routing_lab"

PROBE = '''routing: inquiry_routing
object: inquiry
queue_field: queue
assignee_field: owner
open_states: [new, open]
supervisors: [lead]
queues:
  - {name: vip, strategy: sticky, sticky_by: client}
  - {name: billing, strategy: least_loaded}
  - {name: rota, strategy: round_robin}
rules:
  - {name: vip, when: 'client.tier == "gold"', queue: vip}
  - {name: billing, when: 'topic == "billing"', queue: billing, skills: [language]}
fallback: rota
'''

# (case, text replaced in PROBE, replacement, code, line:col, words in the message)
CASES = [
    ("unknown_object", "object: inquiry", "object: inquiri", "routing_unknown_object", "2:9",
     "did you mean 'inquiry'"),
    ("unknown_queue_field", "queue_field: queue", "queue_field: queu", "routing_unknown_field",
     "3:14", "did you mean 'queue'"),
    ("assignee_field_not_text", "assignee_field: owner", "assignee_field: client",
     "routing_field_type", "4:17", "it must be a string field"),
    ("queue_field_is_the_status", "queue_field: queue", "queue_field: stage",
     "routing_field_not_settable", "3:14", "only the transition's 'to' sets it"),
    ("queue_field_is_an_engine_field", "queue_field: queue", "queue_field: created_by",
     "routing_field_not_settable", "3:14", "engine field"),
    ("unknown_state_category", "[new, open]", "[new, opne]", "invalid_value", "5:20",
     "'opne' is not one of"),
    ("unknown_strategy", "strategy: least_loaded", "strategy: least_load", "invalid_value",
     "9:31", "did you mean 'least_loaded'"),
    ("unknown_key", "{name: rota, strategy: round_robin}",
     "{name: rota, strategy: round_robin, teem: x}", "unknown_key", "10:41",
     "did you mean 'team'"),
    ("duplicate_queue", "round_robin}\n", "round_robin}\n  - {name: rota, strategy: manual}\n",
     "routing_duplicate_queue", "11:12", "declared twice"),
    ("rule_names_an_unknown_queue", "queue: billing,", "queue: biling,",
     "routing_unknown_queue", "13:56", "did you mean 'billing'"),
    ("fallback_is_not_a_queue", "fallback: rota", "fallback: general",
     "routing_unknown_queue", "14:11", "queues: vip, billing, rota"),
    ("condition_not_boolean", "when: 'topic == \"billing\"'", "when: topic",
     "dsl_type_mismatch", "13:27", "rule 'billing'"),
    ("condition_unknown_field", "when: 'topic == \"billing\"'", "when: 'topik == \"billing\"'",
     "dsl_unknown_field", "13:28", "did you mean 'topic'"),
    ("skills_not_strings", "skills: [language]", "skills: [client]", "routing_bad_skills",
     "13:74", "give a string or a list of strings"),
    ("skills_ill_typed", "skills: [language]", "skills: [language + 1]", "dsl_type_mismatch",
     "13:83", "skills"),
    ("sticky_without_sticky_by", "strategy: sticky, sticky_by: client", "strategy: sticky",
     "routing_sticky_by_missing", "8:27", "say which field ties records"),
    ("sticky_by_without_sticky", "strategy: sticky, sticky_by", "strategy: skills, sticky_by",
     "routing_sticky_by_unused", "8:46", "needs strategy 'sticky'"),
    ("sticky_by_unknown_field", "sticky_by: client", "sticky_by: clinet",
     "routing_unknown_field", "8:46", "did you mean 'client'"),
    ("duplicate_rule", "{name: billing, when", "{name: vip, when", "routing_duplicate_rule",
     "13:12", "declared twice"),
    ("unknown_supervisor_role", "supervisors: [lead]", "supervisors: [leader]",
     "routing_unknown_role", "6:15", "did you mean 'lead'"),
]


def _write(tmp_path: Path, text: str) -> Path:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "routing" / "inquiry.yaml").write_text(text, encoding="utf-8")
    return pack


@pytest.mark.parametrize(("old", "new", "code", "where", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_routing_mistake_is_reported_at_its_position(
    tmp_path: Path, old: str, new: str, code: str, where: str, words: str
) -> None:
    assert old in PROBE
    with pytest.raises(PackError) as info:
        load_registry([_write(tmp_path, PROBE.replace(old, new, 1))])
    assert_one_problem(info.value.problems, code, where, words, "routing/inquiry.yaml")


def test_the_probe_itself_compiles(tmp_path: Path) -> None:
    registry = load_registry([_write(tmp_path, PROBE)])
    policy = registry.routing["inquiry_routing"]
    assert list(policy.queues) == ["vip", "billing", "rota"]
    assert policy.open_states == {"fresh", "working"}
    assert registry.routing_for("inquiry") is policy


def test_queues_must_be_options_of_an_enum_queue_field(tmp_path: Path) -> None:
    text = PROBE.replace("queue_field: queue", "queue_field: topic")
    with pytest.raises(PackError) as info:
        load_registry([_write(tmp_path, text)])
    found = [(p.code, f"{p.pos.line}:{p.pos.col}") for p in info.value.problems if p.pos]
    assert found == [("routing_queue_not_an_option", "8:12"),
                     ("routing_queue_not_an_option", "10:12")]
    assert "not an option of enum field 'topic'" in info.value.problems[0].message


def test_open_states_need_a_workflow(tmp_path: Path) -> None:
    pack = _write(tmp_path, PROBE)
    (pack / "routing" / "client.yaml").write_text(
        "routing: client_routing\nobject: client_org\nqueue_field: name\n"
        "assignee_field: name\nopen_states: [open]\nqueues: [{name: rota}]\nfallback: rota\n",
        encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert (problem.code, problem.pos and problem.pos.line) == ("routing_no_workflow", 5)
    assert "has no workflow" in problem.message


def test_an_object_has_one_routing_policy(tmp_path: Path) -> None:
    pack = _write(tmp_path, PROBE)
    (pack / "routing" / "more.yaml").write_text(
        PROBE.replace("routing: inquiry_routing", "routing: more_routing"), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert problem.code == "routing_duplicate_object"
    assert "is routed by 'inquiry_routing' already" in problem.message
