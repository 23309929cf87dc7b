"""Every mistake in an automation file is reported at its line and column, with a stable code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import compile_registry
from engine.packs.loader import load_packs
from engine.rules_dsl import STRING
from engine.workflows.action_registry import ActionRegistry

from .problems import assert_one_problem

LAB = Path(__file__).resolve().parent.parent / "packs" / "automation_lab"

PROBE = '''automation: probe
object: incident
when: {type: updated, fields: [severity]}
condition: severity == "urgent"
actions:
  - type: set
    values: {summary: title}
  - type: send_email
    to: reporter_email
    subject: "About {{ record.title }}"
    body: "Hello"
  - type: create_record
    object: incident_note
    values: {incident: id}
    templates: {body: "{{ record.title }}"}
'''

UPDATED = "when: {type: updated, fields: [severity]}"
SET = "  - type: set\n    values: {summary: title}"

# (case, text replaced in PROBE, replacement, code, line:col, words in the message)
CASES = [
    ("unknown_object", "object: incident\n", "object: incidnt\n", "automation_unknown_object",
     "2:9", "did you mean 'incident'"),
    ("unknown_trigger_field", "fields: [severity]", "fields: [severty]",
     "automation_unknown_field", "3:32", "did you mean 'severity'"),
    ("unknown_trigger_type", UPDATED, "when: {type: changed}", "invalid_value", "3:14",
     "'changed'"),
    ("condition_not_boolean", 'condition: severity == "urgent"', "condition: severity",
     "dsl_type_mismatch", "4:12", "condition"),
    ("old_without_a_change", f'{UPDATED}\ncondition: severity == "urgent"',
     'when: {type: time, state: waiting, after: 3d}\ncondition: old.severity == "low"',
     "dsl_no_change_context",
     "4:12", "old"),
    ("set_the_status_field", "values: {summary: title}", "values: {phase: title}",
     "automation_field_not_settable", "7:21", "only the transition's 'to' sets it"),
    ("set_an_engine_field", "values: {summary: title}", "values: {version: 2}",
     "automation_field_not_settable", "7:23", "engine field"),
    ("set_wrong_type", "values: {summary: title}", "values: {summary: 3}",
     "dsl_type_mismatch", "7:23", "set 'summary'"),
    ("email_to_not_an_address", "to: reporter_email", "to: bounces",
     "automation_bad_address", "9:9", "give a string or a list of strings"),
    ("template_unknown_field", "About {{ record.title }}", "About {{ record.titel }}",
     "template_unknown_field", "10:14", "did you mean 'title'"),
    ("template_unknown_name", 'body: "Hello"', 'body: "Hello {{ recrd.title }}"',
     "template_unknown_name", "11:11", "did you mean 'record'"),
    ("template_syntax", 'body: "Hello"', 'body: "Hello {{ record.title"',
     "template_syntax", "11:11", "template syntax error"),
    ("create_unknown_object", "object: incident_note", "object: incident_nte",
     "automation_unknown_object", "13:13", "did you mean 'incident_note'"),
    ("create_missing_required", "values: {incident: id}", 'values: {public: "true"}',
     "automation_missing_value", "13:13", "requires incident"),
    ("unknown_transition_action", SET, "  - type: transition\n    transition: slove",
     "automation_unknown_transition", "7:17", "did you mean 'solve'"),
    ("unknown_timer_state", UPDATED, "when: {type: time, state: wating, after: 3d}",
     "automation_unknown_state", "3:27", "did you mean 'waiting'"),
    ("timer_without_anchor", UPDATED, "when: {type: time, after: 3d}",
     "automation_time_anchor", "3:7", "exactly one of 'state'"),
    ("timer_on_a_text_field", UPDATED, "when: {type: time, field: title, after: 1h}",
     "automation_time_field_type", "3:27", "a time trigger counts from a datetime field"),
    ("unknown_calendar", UPDATED,
     "when: {type: time, state: waiting, after: 3d, calendar: lab_hour}",
     "automation_unknown_calendar", "3:57", "did you mean 'lab_hours'"),
    ("bad_cron", UPDATED, 'when: {type: schedule, cron: "0 9 * *"}', "automation_bad_cron",
     "3:30", "five fields"),
    ("unknown_timezone", UPDATED,
     'when: {type: schedule, cron: "0 9 * * 1", timezone: Europe/Berln}',
     "automation_unknown_timezone", "3:53", "did you mean 'Europe/Berlin'"),
    ("event_outside_an_event_trigger", 'condition: severity == "urgent"',
     'condition: event.metric == "resolution"', "dsl_unknown_field", "4:12", "event"),
    ("unknown_event_field", f'{UPDATED}\ncondition: severity == "urgent"',
     'when: {type: event, event: sla_breached}\ncondition: event.metrc == "resolution"',
     "dsl_unknown_field", "4:18", "did you mean 'metric'"),
    ("unknown_event", UPDATED, "when: {type: event, event: sla_breach}",
     "automation_unknown_event", "3:28", "did you mean 'sla_breached'"),
    ("unknown_transition_trigger", UPDATED, "when: {type: transitioned, transitions: [slove]}",
     "automation_unknown_transition", "3:42", "did you mean 'solve'"),
    ("update_related_via_not_a_reference", SET,
     "  - type: update_related\n    via: title\n    values: {summary: title}",
     "automation_not_a_reference", "7:10", "'via' names a reference field"),
    ("notify_nobody", SET, "  - type: notify\n    subject: x\n    body: y",
     "automation_nothing_to_do", "6:5", "notify needs 'users', 'roles' or 'teams'"),
    ("notify_unknown_role", SET,
     "  - type: notify\n    roles: [supervisr]\n    subject: x\n    body: y",
     "automation_unknown_role", "7:13", "unknown role 'supervisr'"),
    ("route_without_routing", SET, "  - type: route", "automation_no_routing", "6:5",
     "has no routing policy"),
    ("create_record_value_and_template", "values: {incident: id}",
     "values: {incident: id, body: title}",
     "automation_duplicate_value", "15:23", "given in both 'values' and 'templates'"),
    ("template_into_a_boolean", "    templates: {body: \"{{ record.title }}\"}",
     "    templates: {body: \"{{ record.title }}\", public: \"yes\"}",
     "automation_template_field_type", "15:53", "templates fill text fields"),
    ("registered_action_unknown_argument", SET,
     "  - type: call\n    action: page_on_call\n    args: {team: '\"x\"', tem: '\"y\"'}",
     "automation_unknown_argument", "8:30", "takes no argument 'tem'"),
    ("unknown_registered_action", SET, "  - type: call\n    action: page_oncall",
     "automation_unknown_action", "7:13", "did you mean 'page_on_call'"),
    ("registered_action_wrong_argument_type", SET,
     "  - type: call\n    action: page_on_call\n    args: {team: bounces}",
     "dsl_type_mismatch", "8:18", "argument 'team'"),
    ("registered_action_missing_argument", SET, "  - type: call\n    action: page_on_call",
     "automation_missing_argument", "7:13", "needs team"),
]


def _actions() -> ActionRegistry:
    registry = ActionRegistry()
    registry.register("page_on_call", {"team": STRING}, lambda call: None)
    return registry


@pytest.mark.parametrize(("old", "new", "code", "where", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_automation_mistake_is_reported_at_its_position(
    tmp_path: Path, old: str, new: str, code: str, where: str, words: str
) -> None:
    assert old in PROBE
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "automations" / "probe.yaml").write_text(PROBE.replace(old, new, 1),
                                                     encoding="utf-8")
    with pytest.raises(PackError) as info:
        compile_registry(load_packs([pack]), actions=_actions())
    assert_one_problem(info.value.problems, code, where, words, "automations/probe.yaml")


def test_the_probe_itself_compiles(tmp_path: Path) -> None:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "automations" / "probe.yaml").write_text(PROBE, encoding="utf-8")
    registry = compile_registry(load_packs([pack]), actions=_actions())
    probe = registry.automations["probe"]
    assert [a.type for a in probe.actions] == ["set", "send_email", "create_record"]


def test_a_route_into_an_unknown_queue_is_refused(tmp_path: Path) -> None:
    from engine.packs import load_registry

    pack = tmp_path / "desk"
    shutil.copytree(LAB.parent.parent.parent / "packs" / "service_default", pack)
    breach = pack / "automations" / "sla_breach.yaml"
    breach.write_text(breach.read_text(encoding="utf-8").replace(
        "queue: escalations", "queue: escalation"), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert problem.code == "automation_unknown_queue"
    assert "unknown queue 'escalation' (did you mean 'escalations'?)" in problem.message
    assert str(problem.pos).endswith("automations/sla_breach.yaml:12:12")
