"""The scenario runner as docs/scenarios.md describes it: how failures are reported (file:line:col
and what differed), `error:` steps, aliases, and time that runs due jobs at their own instants."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.scenarios.runner import ScenarioResult, run_scenario

PACK = Path(__file__).resolve().parents[2] / "packs" / "service_default"

HEAD = """\
scenario: runner case
start: 2026-03-02T10:00:00+08:00
given:
  gold: {object: customer, values: {name: Goldfinch, tier: gold}}
steps:
"""


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry([PACK])


def _run(registry: Registry, tmp_path: Path, steps: str, head: str = HEAD) -> ScenarioResult:
    path = tmp_path / "case.yaml"
    path.write_text(head + steps, encoding="utf-8")
    return run_scenario(registry, path)


def test_a_passing_scenario_resolves_aliases_and_interpolates_ids(
        registry: Registry, tmp_path: Path) -> None:
    result = _run(registry, tmp_path, """\
  - create: wang
    object: contact
    values: {customer: $gold, name: Wang Wei, email: wang@gold.example}
  - create: t1
    object: ticket
    values: {subject: Hello, priority: P2, customer: $gold, contact: $wang}
    expect:
      record: t1
      fields: {customer: $gold, contact: $wang}
      emails: [{to: wang@gold.example, subject: "[#${t1}] Hello"}]
      count: {object: ticket_message, where: {ticket: $t1}, equals: 1}
""")
    assert result.passed, result.line()
    assert result.steps_run == 2


FAILURES = [
    ("a field that differs, at the expected value",
     """\
  - create: t1
    object: ticket
    values: {subject: Hello, priority: P2, customer: $gold}
    expect: {record: t1, fields: {status: open}}
""", "case.yaml:9:43", "t1.status: expected 'open', found 'new'"),
    ("an SLA due instant that differs, as instants",
     """\
  - create: t1
    object: ticket
    values: {subject: Hello, priority: P2, customer: $gold}
    expect:
      record: t1
      sla: {first_response: {due_at: "2026-03-02T11:01:00+08:00"}}
""", "case.yaml:11:38",
     "SLA first_response.due_at: expected '2026-03-02T11:01:00+08:00', found "
     "'2026-03-02T03:00:00Z'"),
    ("an error step that succeeds",
     """\
  - create: t1
    object: ticket
    values: {subject: Hello, priority: P2}
    error: validation_failed
""", "case.yaml:6:5", "expected the step to fail with 'validation_failed', it succeeded"),
    ("a step that fails with another code",
     """\
  - create: t1
    object: ticket
    values: {subject: Hello}
  - transition: t1
    name: close
    error: guard_failed
""", "case.yaml:9:5",
     "the step failed: ticket 1 is 'new': transition 'close' goes from resolved only"),
    ("an unknown alias",
     """\
  - update: t9
    values: {priority: P1}
""", "case.yaml:6:5", "no record is called 't9' (records so far: gold)"),
    ("time going back",
     """\
  - at: 2026-03-02T09:00:00+08:00
""", "case.yaml:6:5", "time cannot go back: it is 2026-03-02T02:00:00+00:00"),
    ("an email that was not queued",
     """\
  - create: t1
    object: ticket
    values: {subject: Hello}
    expect:
      emails: [{subject_contains: Hello}]
""", "case.yaml:10:16", "no email matches {'subject_contains': 'Hello'}; emails: []"),
    ("a count that differs",
     """\
  - expect:
      count: {object: customer, where: {tier: silver}, equals: 1}
""", "case.yaml:7:14", "expected 1 customer records matching {'tier': 'silver'}, found 0"),
]


@pytest.mark.parametrize(("case", "steps", "where", "message"), FAILURES,
                         ids=[c[0] for c in FAILURES])
def test_a_failure_names_the_step_position_and_what_differed(
        registry: Registry, tmp_path: Path, case: str, steps: str, where: str,
        message: str) -> None:
    result = _run(registry, tmp_path, steps)
    assert not result.passed
    assert str(result.where).endswith(where), (case, str(result.where))
    assert result.failure is not None and result.failure.startswith(message), result.failure


def test_a_file_that_is_not_a_scenario_fails_at_the_problem(
        registry: Registry, tmp_path: Path) -> None:
    result = _run(registry, tmp_path, "  - advanse: 1h\n")
    assert not result.passed and result.steps_run == 0
    assert str(result.where).endswith("case.yaml:6:5")
    assert result.failure is not None and "advanse" in result.failure


def test_moving_time_runs_each_due_job_at_its_own_instant(
        registry: Registry, tmp_path: Path) -> None:
    # The first response breaches at 11:00 on the way to 18:00; the escalation it causes
    # happens then, so the resolution clock's new policy counts from 11:00 on.
    result = _run(registry, tmp_path, """\
  - create: t1
    object: ticket
    values: {subject: Hello, priority: P2, customer: $gold}
  - at: 2026-03-02T18:00:00+08:00
    expect:
      record: t1
      fields: {priority: P1, escalated: true}
      sla:
        first_response: {breached_at: "2026-03-02T11:00:00+08:00"}
      history: ["transition 'escalate': new -> open (automation 'sla_breach_escalate')"]
""")
    assert result.passed, result.line()


def test_unquoted_yaml_dates_are_dates_and_decimals_compare_by_value(
        registry: Registry, tmp_path: Path) -> None:
    result = _run(registry, tmp_path, """\
  - create: a1
    object: asset
    values: {name: Press, customer: $gold, purchased_on: 2026-01-31, warranty_until: 2027-01-31}
    expect:
      record: a1
      fields: {purchased_on: 2026-01-31, warranty_until: "2027-01-31"}
""")
    assert result.passed, result.line()


@pytest.mark.parametrize(("expected", "actual", "same"), [
    ("350.00", 350.0, True), (350.5, "350.50", True), ("350.50", 350.0, False),
    ("0123", "123", False), (True, "true", False),
])
def test_numbers_compare_by_value_but_texts_stay_texts(expected: object, actual: object,
                                                       same: bool) -> None:
    from engine.scenarios.runner import _same
    assert _same(expected, actual) is same


def test_as_names_a_user_of_the_scenario(registry: Registry, tmp_path: Path) -> None:
    result = _run(registry, tmp_path, """\
  - create: t1
    object: ticket
    as: nobody
    values: {subject: Hello, priority: P2, customer: $gold}
""")
    assert not result.passed and str(result.where).endswith("case.yaml:8:9")
    assert result.failure == "'as: nobody' names no user of the scenario (users: none)"
