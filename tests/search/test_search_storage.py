"""The index's schema goes through plan/apply, and `flowdesk search reindex` rebuilds it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text

from engine.cli import main
from engine.objects.storage import ChangeKind, apply, plan
from engine.runtime.factory import Runtime
from engine.runtime.record_search import RecordSearch
from engine.search import search_index_table
from tests.search.conftest import DEFAULT_PACK, as_user


def test_plan_shows_a_missing_full_text_table_and_apply_restores_it(desk: Runtime) -> None:
    if desk.database.dialect.name != "sqlite":
        pytest.skip("the FTS5 table is SQLite's; PostgreSQL's GIN index is an ordinary index")
    with desk.database.begin() as conn:
        conn.execute(text("DROP TRIGGER search_fts_insert"))
    pending = plan(desk.database, desk.registry.objects)
    assert [c.kind for c in pending.changes] == [ChangeKind.ADD_FULL_TEXT]
    assert "add full-text table search_fts (FTS5) over flowdesk_search" in str(pending)
    apply(desk.database, pending, packs=desk.registry.packs)
    assert plan(desk.database, desk.registry.objects).is_empty


def test_reindex_rebuilds_the_rows_of_existing_records(desk: Runtime, db_url: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    acme = desk.records.create("customer", {"name": "Acme"}, actor="test")["id"]
    ticket = desk.records.create("ticket", {"subject": "退款申请", "customer": acme},
                                 actor="test")["id"]
    with desk.database.begin() as conn:
        conn.execute(delete(search_index_table()))
    admin = as_user(desk, "root", ("admin",))
    assert RecordSearch(desk.records).search(admin, "退款") == []
    assert main(["search", "reindex", str(DEFAULT_PACK), "--db", db_url]) == 0
    assert "ticket: 1 record(s) indexed" in capsys.readouterr().out
    assert [h.id for h in RecordSearch(desk.records).search(admin, "退款")] == [ticket]
