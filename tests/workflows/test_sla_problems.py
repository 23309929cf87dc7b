"""Every mistake in an SLA file is reported at its line and column, with a stable code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry

from .lab import LAB
from .problems import assert_one_problem

SLA = (LAB / "sla" / "incident.yaml").read_text(encoding="utf-8")

# (case, text replaced in the lab's SLA, replacement, code, line:col, words in the message)
CASES = [
    ("unknown_object", "object: incident\n", "object: incidnt\n", "sla_unknown_object", "2:9",
     "did you mean 'incident'"),
    ("unknown_calendar", "calendar: lab_hours", "calendar: lab_hour", "sla_unknown_calendar",
     "3:11", "did you mean 'lab_hours'"),
    ("unknown_policy_calendar", "calendar: always_on", "calendar: always_of",
     "sla_unknown_calendar", "21:15", "did you mean 'always_on'"),
    ("unknown_metric", "targets: {first_response: 4h,", "targets: {first_respons: 4h,",
     "sla_unknown_metric", "24:30", "did you mean 'first_response'"),
    ("bad_target", "resolution: 16h}", "resolution: 0m}", "sla_bad_target", "24:66",
     "must be a positive duration"),
    ("duplicate_policy", "  - name: standard", "  - name: urgent", "sla_duplicate_policy",
     "23:11", "two policies are named 'urgent'"),
    ("condition_not_boolean", 'when: severity == "urgent"', "when: severity",
     "dsl_type_mismatch", "20:11", "policy 'urgent' when"),
    ("unknown_field_in_condition", "stop: responded_at != null\n", "stop: respondd_at != null\n",
     "dsl_unknown_field", "6:11", "did you mean 'responded_at'"),
    ("unknown_category", "pause_in: [pending]", "pause_in: [waiting]", "invalid_value", "16:16",
     "'waiting' is not one of"),
]


@pytest.mark.parametrize(("old", "new", "code", "where", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_sla_mistake_is_reported_at_its_position(
    tmp_path: Path, old: str, new: str, code: str, where: str, words: str
) -> None:
    assert old in SLA
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "sla" / "incident.yaml").write_text(SLA.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_registry([pack])
    assert_one_problem(info.value.problems, code, where, words, "sla/incident.yaml")


def test_a_second_sla_for_one_object_is_refused(tmp_path: Path) -> None:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "sla" / "other.yaml").write_text(SLA.replace("sla: incident_sla", "sla: other_sla"),
                                             encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert problem.code == "sla_duplicate_object"
    assert "already has sla 'incident_sla'" in problem.message


def test_categories_without_a_workflow_are_refused(tmp_path: Path) -> None:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "sla" / "note.yaml").write_text(
        "sla: note_sla\nobject: incident_note\ncalendar: always_on\n"
        "metrics:\n  reading:\n    stop_in: [resolved]\n"
        "policies:\n  - {name: all, targets: {reading: 1h}}\n", encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert (problem.code, problem.pos.line if problem.pos else 0) == ("sla_no_workflow", 6)
    assert "use a condition instead" in problem.message
