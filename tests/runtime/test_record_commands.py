"""create / get / update / delete: system fields, validation, versions, database errors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from engine.errors import BadRequest, Conflict, NotFound, ValidationFailed
from engine.runtime.clock import ManualClock
from engine.runtime.records import RecordService


def test_create_sets_system_fields_from_clock_and_actor(records: RecordService) -> None:
    account = records.create("account", {"name": "Acme", "balance": 12.5}, "alice")
    assert account["id"] >= 1
    assert account["version"] == 1
    assert account["created_by"] == "alice"
    assert account["created_at"] == account["updated_at"] == "2026-03-02T09:00:00Z"
    assert account["region"] == "north"  # default applied
    assert account["balance"] == 12.5
    assert account["notes"] is None  # every field is present
    assert records.get("account", account["id"]) == account


def test_values_of_every_type_read_back_as_written(records: RecordService) -> None:
    payload = {
        "name": "Typed",
        "region": "east",
        "score": 999,
        "balance": Decimal("123.45"),
        "active": False,
        "tags": ["vip", "beta"],
        "opened_on": "2025-12-31",
        "last_seen": "2026-01-01T08:30:00+08:00",
        "notes": "long text",
        "website": "https://example.com/x",
        "settings": {"a": [1, 2, {"b": None}]},
    }
    created = records.create("account", payload, "alice")
    stored = records.get("account", created["id"])
    assert stored == created
    assert stored["balance"] == 123.45
    assert stored["last_seen"] == "2026-01-01T00:30:00Z"
    assert stored["settings"] == {"a": [1, 2, {"b": None}]}


def test_update_bumps_version_and_updated_at(records: RecordService, clock: ManualClock) -> None:
    account = records.create("account", {"name": "Acme"}, "alice")
    clock.advance(minutes=10)
    updated = records.update(
        "account", account["id"], {"score": 7}, expected_version=1, actor="bob"
    )
    assert updated["version"] == 2
    assert updated["score"] == 7
    assert updated["updated_at"] == "2026-03-02T09:10:00Z"
    assert updated["created_at"] == "2026-03-02T09:00:00Z"
    assert updated["created_by"] == "alice"
    assert records.get("account", account["id"]) == updated


def test_update_that_changes_nothing_keeps_the_version(records: RecordService) -> None:
    account = records.create("account", {"name": "Acme", "score": 3}, "alice")
    same = records.update("account", account["id"], {"score": 3}, expected_version=1,
                          actor="bob")
    assert same == account
    assert [e.action for e in records.history("account", account["id"])].count("update") == 0


def test_stale_update_is_rejected_and_changes_nothing(records: RecordService) -> None:
    account = records.create("account", {"name": "Acme"}, "alice")
    records.update("account", account["id"], {"score": 1}, expected_version=1, actor="bob")
    with pytest.raises(Conflict) as caught:
        records.update("account", account["id"], {"score": 2}, expected_version=1, actor="eve")
    assert caught.value.code == "stale_version"
    assert "you sent version 1, it is now at version 2" in caught.value.message
    assert records.get("account", account["id"])["score"] == 1


@pytest.mark.parametrize(
    ("payload", "loc", "type_"),
    [
        ({}, ("name",), "required"),
        ({"name": "x", "score": -1}, ("score",), "minimum"),
        ({"name": "x", "region": "up"}, ("region",), "enum"),
        ({"name": "x", "nme": 1}, ("nme",), "additionalProperties"),
        ({"name": "x", "version": 4}, ("version",), "additionalProperties"),
        ({"name": "x", "last_seen": "2026-01-01T00:00:00"}, ("last_seen",), "format"),
    ],
    ids=["missing required", "below minimum", "not an option", "unknown field",
         "system field", "naive datetime"],
)
def test_invalid_payload_is_refused_with_the_field_path(
    records: RecordService, payload: dict[str, object], loc: tuple[str, ...], type_: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        records.create("account", payload, "alice")
    assert (loc, type_) in [(i.loc, i.type) for i in caught.value.issues]
    assert records.list("account").total == 0


def test_duplicate_unique_value_is_a_validation_error_naming_the_field(
    records: RecordService,
) -> None:
    records.create("account", {"name": "Acme"}, "alice")
    with pytest.raises(ValidationFailed) as caught:
        records.create("account", {"name": "Acme"}, "alice")
    assert [(i.loc, i.type) for i in caught.value.issues] == [(("name",), "unique")]
    other = records.create("account", {"name": "Other"}, "alice")
    with pytest.raises(ValidationFailed, match="must be unique"):
        records.update("account", other["id"], {"name": "Acme"}, expected_version=1,
                       actor="bob")
    assert records.get("account", other["id"])["version"] == 1


def test_reference_to_a_missing_record_is_a_validation_error(records: RecordService) -> None:
    with pytest.raises(ValidationFailed) as caught:
        records.create("member", {"name": "M", "account": 404}, "alice")
    assert [(i.loc, i.msg, i.type) for i in caught.value.issues] == [
        (("account",), "no account with id 404", "reference_not_found")
    ]


@pytest.mark.parametrize(
    ("call", "error", "code", "message"),
    [
        (lambda r: r.get("acount", 1), NotFound, "unknown_object",
         "unknown object 'acount' (did you mean 'account'?)"),
        (lambda r: r.get("account", 99), NotFound, "record_not_found", "no account with id 99"),
        (lambda r: r.update("account", 99, {}, expected_version=1, actor="a"), NotFound,
         "record_not_found", "no account with id 99"),
        (lambda r: r.delete("account", 99, actor="a"), NotFound, "record_not_found",
         "no account with id 99"),
        (lambda r: r.history("account", 99), NotFound, "record_not_found",
         "no account with id 99"),
        (lambda r: r.create("account", {"name": "x"}, "a" * 129), BadRequest, "invalid_actor",
         "the actor must be 1 to 128 characters"),
    ],
    ids=["unknown object", "get missing", "update missing", "delete missing",
         "history missing", "actor too long"],
)
def test_errors_a_caller_can_cause_have_codes_and_messages(
    records: RecordService, call, error, code, message  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(error) as caught:
        call(records)
    assert caught.value.code == code
    assert caught.value.message == message


def test_delete_with_stale_version_is_refused(records: RecordService, clock: ManualClock) -> None:
    account = records.create("account", {"name": "Acme"}, "alice")
    records.update("account", account["id"], {"score": 1}, expected_version=1, actor="bob")
    with pytest.raises(Conflict, match="stale|changed") as caught:
        records.delete("account", account["id"], expected_version=1, actor="bob")
    assert caught.value.code == "stale_version"
    clock.advance(timedelta(seconds=1))
    records.delete("account", account["id"], expected_version=2, actor="bob")
    with pytest.raises(NotFound):
        records.get("account", account["id"])
