"""``extends:`` lets an implementer build on a base pack without copying it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack

BASE = {
    "objects/case.yaml": """
        object: case
        label: {en: Case, zh-CN: 案例}
        fields:
          title: {type: string, required: true, label: Title}
          priority:
            type: enum
            default: low
            options:
              - {value: high, label: {en: High, zh-CN: 高}}
              - {value: low, label: Low}
        """,
    "forms/case.yaml": """
        form: case
        object: case
        sections:
          - fields: [title, priority]
        """,
}


def _extended(tmp_path: Path, files: dict[str, str]) -> Path:
    write_pack(tmp_path, BASE, name="base")
    return write_pack(tmp_path, {"pack.yaml": "name: ext\nextends: [base]\n", **files},
                      name="ext")


def test_extension_adds_fields_options_and_overrides_labels(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"objects/case.yaml": """
        extend: case
        label: {en: Claim, zh-CN: 理赔}
        fields:
          policy_number: {type: string, max_length: 20}
          priority:
            label: Urgency
            options:
              - {value: critical, label: Critical}
              - {value: high, label: {en: Very high}}
        """})
    registry = load_registry([ext])
    case = registry.object("case")
    assert [p.name for p in registry.packs] == ["base", "ext"]
    assert case.label.en == "Claim" and case.label.zh_cn == "理赔"
    assert list(case.fields)[-3:] == ["title", "priority", "policy_number"]
    priority = case.fields["priority"]
    assert priority.label.en == "Urgency"
    assert priority.option_values == ("high", "low", "critical")
    assert priority.options[0].label.en == "Very high"
    assert priority.default == "low"


def test_extension_adds_objects_and_replaces_forms(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {
        "objects/visit.yaml": """
            object: visit
            fields:
              case: {type: reference, to: case, on_delete: cascade}
            """,
        "forms/case.yaml": """
            form: case
            object: case
            sections:
              - title: Only the title
                fields: [title]
            """,
    })
    registry = load_registry([ext])
    assert registry.object("visit").fields["case"].reference_to == "case"
    assert registry.form("case").field_names == ("title",)


def test_extension_may_not_change_a_field_type(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"objects/case.yaml": """
        extend: case
        fields:
          title: {type: text}
        """})
    with pytest.raises(PackError) as caught:
        load_registry([ext])
    (problem,) = caught.value.problems
    assert problem.code == "field_type_change"
    assert "may not change its type" in problem.message
    assert str(problem.pos).endswith("ext/objects/case.yaml:3:17")


def test_extension_cannot_redeclare_a_base_object(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"objects/case.yaml": "object: case\n"})
    with pytest.raises(PackError) as caught:
        load_registry([ext])
    assert caught.value.problems[0].code == "object_duplicate"
    assert "use 'extend: case'" in caught.value.problems[0].message


def test_extension_overriding_a_missing_field_suggests_the_name(tmp_path: Path) -> None:
    ext = _extended(tmp_path, {"objects/case.yaml": """
        extend: case
        fields:
          titel: {label: Heading}
        """})
    with pytest.raises(PackError) as caught:
        load_registry([ext])
    assert caught.value.problems[0].code == "field_unknown"
    assert "did you mean 'title'?" in caught.value.problems[0].message


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    write_pack(tmp_path, {"pack.yaml": "name: a\nextends: [b]\n"}, name="a")
    write_pack(tmp_path, {"pack.yaml": "name: b\nextends: [a]\n"}, name="b")
    with pytest.raises(PackError) as caught:
        load_registry([tmp_path / "a"])
    assert caught.value.problems[0].code == "pack_extends_cycle"
    assert "a -> b -> a" in caught.value.problems[0].message


def test_a_base_shared_by_two_packs_loads_once(tmp_path: Path) -> None:
    write_pack(tmp_path, BASE, name="base")
    write_pack(tmp_path, {"pack.yaml": "name: left\nextends: [base]\n"}, name="left")
    write_pack(tmp_path, {"pack.yaml": "name: right\nextends: [base]\n"}, name="right")
    registry = load_registry([tmp_path / "left", tmp_path / "right"])
    assert [p.name for p in registry.packs] == ["base", "left", "right"]


def test_extending_a_missing_pack_points_at_the_extends_entry(tmp_path: Path) -> None:
    ext = write_pack(tmp_path, {"pack.yaml": "name: ext\nextends: [nowhere]\n"}, name="ext")
    with pytest.raises(PackError) as caught:
        load_registry([ext])
    problem = caught.value.problems[0]
    assert problem.code == "pack_not_found"
    assert str(problem.pos).endswith("ext/pack.yaml:2:11")
