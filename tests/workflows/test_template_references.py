"""Templates follow references as the rule DSL does: the path is checked against the objects
when the pack loads, and resolves (lazily, null-safe) when the template renders."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from engine.errors import FlowdeskError
from engine.objects.model import FieldType
from engine.workflows.template_records import MAX_LOADS_PER_RENDER, record_view
from engine.workflows.templates import compile_template, template_environment


def _object(name: str, **fields: FieldType | str) -> SimpleNamespace:
    """An object type as templates see it: fields with a ``type`` and a ``reference_to``."""
    return SimpleNamespace(name=name, fields={
        fname: SimpleNamespace(type=kind, reference_to=None) if isinstance(kind, FieldType)
        else SimpleNamespace(type=FieldType.REFERENCE, reference_to=kind)
        for fname, kind in fields.items()})


OBJECTS = {
    "claim": _object("claim", subject=FieldType.STRING, purchase="purchase",
                     parent="claim"),
    "purchase": _object("purchase", customer_name=FieldType.STRING, store="store"),
    "store": _object("store", city=FieldType.STRING),
}
REFERENCES = {"claim": {"purchase": "purchase", "parent": "claim"},
              "purchase": {"store": "store"}}
ROWS = {("purchase", 7): {"id": 7, "customer_name": "Li Na", "store": 3},
        ("store", 3): {"id": 3, "city": "Suzhou"}}


def _render(text: str, record: Mapping[str, Any]) -> str:
    template, problems = compile_template(template_environment(), text, ["record"],
                                          OBJECTS["claim"].fields, OBJECTS)
    assert problems == [] and template is not None, problems
    loads: list[tuple[str, Any]] = []

    def load(object_name: str, record_id: Any) -> Mapping[str, Any] | None:
        loads.append((object_name, record_id))
        return ROWS.get((object_name, record_id))

    return template.render({"record": record_view("claim", record, REFERENCES, load)})


@pytest.mark.parametrize(("text", "record", "expected"), [
    ("{{ record.purchase.customer_name }}", {"purchase": 7}, "Li Na"),
    ("{{ record.purchase.store.city }}", {"purchase": 7}, "Suzhou"),
    ("#{{ record.purchase }}", {"purchase": 7}, "#7"),
    ("[{{ record.purchase.customer_name }}]", {"purchase": None}, "[]"),
    ("{% if record.purchase %}yes{% else %}no{% endif %}", {"purchase": None}, "no"),
    ("[{{ record.purchase.customer_name }}]", {"purchase": 99}, "[]"),
])
def test_a_template_reads_fields_through_references(text: str, record: dict[str, Any],
                                                     expected: str) -> None:
    assert _render(text, {"id": 1, "subject": "Wobbly chair", "parent": None, **record}) \
        == expected


@pytest.mark.parametrize(("text", "words"), [
    ("{{ record.purchase.customer_nme }}",
     "unknown field 'record.purchase.customer_nme' (did you mean 'customer_name'?)"),
    ("{{ record.purchase.store.cty }}", "unknown field 'record.purchase.store.cty'"),
    ("{{ record.subject.length }}", "'record.subject' is a string field, not a reference"),
    ("{{ record.purchse.customer_name }}", "(did you mean 'purchase'?)"),
])
def test_a_wrong_path_is_a_load_error_naming_the_field(text: str, words: str) -> None:
    template, problems = compile_template(template_environment(), text, ["record"],
                                          OBJECTS["claim"].fields, OBJECTS)
    assert template is None
    assert [p.code for p in problems] == ["template_unknown_field"]
    assert words in problems[0].message


def test_following_references_is_bounded_per_render() -> None:
    chain = "record" + ".parent" * (MAX_LOADS_PER_RENDER + 1) + ".subject"
    template, problems = compile_template(template_environment(), "{{ " + chain + " }}",
                                          ["record"], OBJECTS["claim"].fields, OBJECTS)
    assert template is not None, problems
    rows = {("claim", 1): {"id": 1, "subject": "x", "parent": 1}}
    view = record_view("claim", rows[("claim", 1)], REFERENCES,
                       lambda o, i: rows.get((o, i)))
    with pytest.raises(FlowdeskError) as failed:
        template.render({"record": view})
    assert failed.value.code == "template_failed"
    assert f"more than {MAX_LOADS_PER_RENDER} references" in str(failed.value)
