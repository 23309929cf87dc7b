"""Field ``default:``s apply on every create path: the API's create and the records
automations, channels and imports create through ``RecordService.create_in``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.workflows.lab import T0

PACK = {
    "pack.yaml": "name: defaults_lab\nversion: 0.1.0\ntitle: Defaults lab\n",
    "objects/order.yaml": (
        "object: order\nlabel: Order\nfields:\n"
        "  title: {type: string, required: true}\n"),
    "objects/step.yaml": (
        "object: step\nlabel: Step\nfields:\n"
        "  order: {type: reference, to: order, on_delete: cascade, required: true}\n"
        "  body: {type: text, required: true}\n"
        "  level: {type: enum, options: [info, warning], default: info}\n"
        "  attempts: {type: integer, default: 3}\n"
        "  labels: {type: tags, default: [fresh]}\n"
        "  stamped: {type: boolean, default: true, read_only: true}\n"),
    "automations/first_step.yaml": (
        "automation: first_step\nobject: order\nwhen: {type: created}\nactions:\n"
        "  - type: create_record\n    object: step\n    values: {order: id}\n"
        "    templates: {body: \"Step for {{ record.title }}\"}\n"),
}


def _runtime(tmp_path: Path, db_engine: Engine) -> Runtime:
    for name, text in PACK.items():
        path = tmp_path / "pack" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    registry = load_registry([tmp_path / "pack"])
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    return build_runtime(registry, db_engine, ManualClock(T0))


def test_a_record_an_automation_creates_gets_the_defaults_of_the_fields_it_leaves_out(
        tmp_path: Path, db_engine: Engine) -> None:
    runtime = _runtime(tmp_path, db_engine)
    order = runtime.records.create("order", {"title": "Desk"}, "alice")
    [step] = runtime.records.list("step").items
    assert (step["order"], step["body"]) == (order["id"], "Step for Desk")
    assert (step["level"], step["attempts"], step["labels"], step["stamped"]) == (
        "info", 3, ["fresh"], True)


def test_create_in_keeps_given_values_and_gives_each_record_its_own_list_default(
        tmp_path: Path, db_engine: Engine) -> None:
    runtime = _runtime(tmp_path, db_engine)
    order = runtime.records.create("order", {"title": "Desk"}, "alice")
    with runtime.records.command("importer") as uow:
        first = runtime.records.create_in(
            uow, "step", {"order": order["id"], "body": "a", "level": "warning",
                          "attempts": None})
        second = runtime.records.create_in(uow, "step", {"order": order["id"], "body": "b"})
    assert (first["level"], first["attempts"], first["labels"]) == ("warning", None, ["fresh"])
    assert (second["level"], second["attempts"]) == ("info", 3)
    first["labels"].append("changed")
    assert runtime.records.get("step", second["id"])["labels"] == ["fresh"]
