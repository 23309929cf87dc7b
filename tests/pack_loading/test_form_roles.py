"""A form may be for some roles only: each user gets the form meant for one of their roles,
else the form for everyone."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack
from tests.workflows.problems import assert_one_problem

FIELD_SERVICE = Path(__file__).resolve().parents[2] / "packs" / "field_service"


@pytest.mark.parametrize(("roles", "form"), [
    ({"technician"}, "work_order_technician"),
    ({"agent", "technician"}, "work_order_technician"),
    ({"agent"}, "work_order"),
    (set(), "work_order"),
])
def test_each_user_gets_the_form_for_their_role(roles: set[str], form: str) -> None:
    registry = load_registry([FIELD_SERVICE])
    chosen = registry.default_form("work_order", "edit", roles)
    assert chosen is not None and chosen.name == form


def test_a_form_for_an_unknown_role_is_reported(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {
        "objects/case.yaml": "object: case\nfields:\n  title: {type: string}\n",
        "roles/clerk.yaml": "role: clerk\nobjects:\n  case: {read: true}\n",
        "forms/case.yaml": "form: case\nobject: case\nroles: [clerk, clerc]\n"
                           "sections:\n  - fields: [title]\n",
    })
    with pytest.raises(PackError) as exc:
        load_registry([pack])
    assert_one_problem(exc.value.problems, "form_unknown_role", "3:16",
                       "form 'case' is for unknown role 'clerc' (did you mean 'clerk'?)",
                       "forms/case.yaml")
