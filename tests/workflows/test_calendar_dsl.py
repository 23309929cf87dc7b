"""The calendar functions of the rule DSL: checked at compile time, evaluated on the calendars
of the pack the rules belong to."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from engine.rules_dsl import TypeEnv, check_expression
from engine.rules_dsl.vectors import load_vectors, run_case
from tests.pack_loading.packs_on_disk import write_pack

ROOT = Path(__file__).resolve().parents[2]
VECTORS = Path(__file__).parent / "calendar_dsl_vectors.yaml"
_CASES = load_vectors(VECTORS)


@pytest.fixture(scope="module")
def functions():  # type: ignore[no-untyped-def]
    return load_registry([ROOT / "packs/service_default"]).functions


@pytest.mark.parametrize("case", _CASES, ids=[c.id for c in _CASES])
def test_calendar_function_vector(case, functions) -> None:  # type: ignore[no-untyped-def]
    result = run_case(case, functions)
    assert result.passed, result.detail


def test_the_plain_dsl_has_no_calendar_functions() -> None:
    result = check_expression('is_open(now(), "always")', TypeEnv())
    assert [e.code for e in result.errors] == ["dsl_unknown_function"]


THING = """
object: thing
fields:
  opened_at: {type: datetime}
  due_at:
    type: datetime
    computed: add_business(opened_at, 4h, "offise")
"""

OFFICE = "calendar: office\ntimezone: UTC\nhours: {mon-fri: ['09:00-17:00']}\n"


def test_an_unknown_calendar_in_a_pack_rule_is_reported_at_the_character(
    tmp_path: Path,
) -> None:
    pack = write_pack(tmp_path, {
        "objects/thing.yaml": THING,
        "calendars/office.yaml": OFFICE,
    })
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert problem.code == "dsl_unknown_choice"
    assert "unknown calendar 'offise' (did you mean 'office'?)" in problem.message
    assert str(problem.pos).endswith("objects/thing.yaml:6:43")


def test_a_pack_rule_computes_with_its_calendar(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    pack = write_pack(tmp_path, {
        "objects/thing.yaml": THING.replace("offise", "office"),
        "calendars/office.yaml": OFFICE,
    })
    due = load_registry([pack]).object("thing").fields["due_at"].computed
    assert due is not None
    # Friday 15:00 + 4 business hours = Monday 11:00.
    got = due.evaluate({"opened_at": datetime(2026, 3, 6, 15, tzinfo=UTC)}, None)
    assert got == datetime(2026, 3, 9, 11, tzinfo=UTC)
