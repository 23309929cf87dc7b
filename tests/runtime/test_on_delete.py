"""Deleting a record honours each referencing field's on_delete, audited, all or nothing."""

from __future__ import annotations

import pytest

from engine.errors import Conflict, NotFound
from engine.runtime.records import RecordService


@pytest.fixture
def world(records: RecordService) -> dict[str, int]:
    account = records.create("account", {"name": "Acme"}, "alice")["id"]
    lead = records.create("member", {"name": "Lead", "account": account}, "alice")["id"]
    junior = records.create("member", {"name": "Junior", "account": account, "mentor": lead},
                            "alice")["id"]
    note = records.create("note", {"body": "hello", "about": account}, "alice")["id"]
    return {"account": account, "lead": lead, "junior": junior, "note": note}


def test_restrict_refuses_naming_the_referencing_object(
    records: RecordService, world: dict[str, int]
) -> None:
    device = records.create("device", {"serial": "D1", "owner": world["account"]}, "alice")
    with pytest.raises(Conflict) as caught:
        records.delete("account", world["account"], actor="bob")
    assert caught.value.code == "delete_restricted"
    assert caught.value.message == (
        f"cannot delete account {world['account']}: device records refer to it through "
        f"'owner' (ids {device['id']}); change or delete them first"
    )
    assert records.get("account", world["account"])["version"] == 1
    assert records.list("member").total == 2


def test_cascade_deletes_referencing_records_and_set_null_clears_fields(
    records: RecordService, world: dict[str, int]
) -> None:
    records.delete("account", world["account"], actor="bob")
    assert records.list("member").total == 0
    note = records.get("note", world["note"])
    assert (note["about"], note["version"]) == (None, 2)
    cleared = records.history("note", world["note"])[-1]
    assert (cleared.action, cleared.field, cleared.old, cleared.new, cleared.actor) == (
        "update", "about", world["account"], None, "bob")
    assert cleared.note == f"set_null: account {world['account']} was deleted"
    gone = records.history("member", world["junior"])[-1]
    assert (gone.action, gone.note) == (
        "delete", f"cascade: account {world['account']} was deleted")
    change_ids = {records.history(o, world[k])[-1].change_id
                  for o, k in [("account", "account"), ("member", "junior"), ("note", "note")]}
    assert len(change_ids) == 1  # one command, one change


def test_set_null_on_a_self_reference(records: RecordService, world: dict[str, int]) -> None:
    records.delete("member", world["lead"], actor="bob")
    junior = records.get("member", world["junior"])
    assert (junior["mentor"], junior["version"]) == (None, 2)


def test_cascade_into_a_restricted_record_refuses_the_whole_delete(
    records: RecordService, world: dict[str, int]
) -> None:
    records.create("badge", {"label": "Gold", "holder": world["junior"]}, "alice")
    with pytest.raises(Conflict, match="badge records refer to it through 'holder'"):
        records.delete("account", world["account"], actor="bob")
    assert records.get("account", world["account"])
    assert records.list("member").total == 2
    assert records.get("note", world["note"])["about"] == world["account"]


def test_deleted_record_is_gone(records: RecordService, world: dict[str, int]) -> None:
    records.delete("note", world["note"], actor="bob")
    with pytest.raises(NotFound):
        records.get("note", world["note"])
