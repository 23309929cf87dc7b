"""Every change leaves audit rows, written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import Connection, Engine, func, select

from engine.objects.storage.system_tables import AUDIT
from engine.runtime.audit import AuditEntry, AuditTrail
from engine.runtime.clock import ManualClock
from engine.runtime.records import RecordService

from .record_objects import create_schema, registry


def rows(history: Sequence[object]) -> list[tuple[object, ...]]:
    return [(e.action, e.field, e.old, e.new, e.actor) for e in history]  # type: ignore[attr-defined]


def test_create_logs_the_initial_values_in_one_row(records: RecordService) -> None:
    account = records.create("account", {"name": "Acme", "score": 5}, "alice")
    history = records.history("account", account["id"])
    assert rows(history) == [
        ("create", None, None,
         {"name": "Acme", "region": "north", "score": 5, "active": True}, "alice"),
    ]
    assert history[0].as_json()["at"] == "2026-03-02T09:00:00Z"


def test_update_logs_one_row_per_changed_field_sharing_a_change_id(
    records: RecordService, clock: ManualClock
) -> None:
    account = records.create("account", {"name": "Acme", "score": 5}, "alice")
    clock.advance(hours=1)
    records.update("account", account["id"], {"score": 6, "tags": ["a"], "region": "north"},
                   expected_version=1, actor="bob")
    updates = [e for e in records.history("account", account["id"]) if e.action == "update"]
    assert rows(updates) == [
        ("update", "score", 5, 6, "bob"),
        ("update", "tags", None, ["a"], "bob"),
    ]  # region did not change, so it is not logged
    assert len({e.change_id for e in updates}) == 1
    assert updates[0].at == clock.now()


def test_delete_logs_the_deleted_record_and_history_outlives_it(records: RecordService) -> None:
    account = records.create("account", {"name": "Acme"}, "alice")
    records.delete("account", account["id"], actor="carol")
    last = records.history("account", account["id"])[-1]
    assert (last.action, last.field, last.actor) == ("delete", None, "carol")
    assert last.old == account


class _FailingAuditTrail(AuditTrail):
    """Fails after the record's own statement ran, as a crash mid-command would."""

    def write(self, conn: Connection, entries: Sequence[AuditEntry], *, change_id: str,
              actor: str, at: datetime) -> None:
        super().write(conn, entries, change_id=change_id, actor=actor, at=at)
        raise RuntimeError("disk on fire")


def _count(engine: Engine, table: str) -> int:
    from sqlalchemy import table as sql_table

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(sql_table(table))).scalar_one())


@pytest.mark.parametrize("command", ["create", "update", "delete"])
def test_a_failure_after_the_write_rolls_back_record_and_audit_together(
    db_engine: Engine, clock: ManualClock, command: str
) -> None:
    create_schema(db_engine)
    good = RecordService(registry(), db_engine, clock)
    failing = RecordService(registry(), db_engine, clock, audit=_FailingAuditTrail())
    account = good.create("account", {"name": "Acme"}, "alice")
    before = (_count(db_engine, "obj_account"), _count(db_engine, AUDIT))
    with pytest.raises(RuntimeError, match="disk on fire"):
        if command == "create":
            failing.create("account", {"name": "Other"}, "alice")
        elif command == "update":
            failing.update("account", account["id"], {"score": 1}, expected_version=1,
                           actor="bob")
        else:
            failing.delete("account", account["id"], actor="bob")
    assert (_count(db_engine, "obj_account"), _count(db_engine, AUDIT)) == before
    assert good.get("account", account["id"]) == account
