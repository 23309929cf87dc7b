"""apply(): changes run in one transaction, keep data unless told otherwise, and are recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from engine.objects.model import ObjectType
from engine.objects.storage import (
    MigrationBlocked,
    MigrationDataLoss,
    MigrationFailed,
    MigrationStale,
    apply,
    ensure_schema,
    plan,
    schema_metadata,
)

from .object_builders import PACKS, Pack, field, insert, live_columns, migrate, obj, objects, rows
from .test_plan import CASES, SYSTEM_TABLES, full_text_changes

TICKET = obj("ticket", field("subject", max_length=80))


@pytest.mark.parametrize(
    ("before", "row", "after"),
    [pytest.param(*case[1:4], id=case[0]) for case in CASES if "BLOCKED" not in str(case[4])],
)
def test_after_apply_the_plan_is_empty(
    db_engine: Engine, before: ObjectType, row: dict[str, Any] | None, after: ObjectType
) -> None:
    migrate(db_engine, objects(before))
    if row is not None:
        insert(db_engine, objects(before), "ticket", **row)

    migrate(db_engine, objects(after))

    assert plan(db_engine, objects(after)).is_empty


def test_rename_keeps_the_data(db_engine: Engine) -> None:
    migrate(db_engine, objects(TICKET))
    insert(db_engine, objects(TICKET), "ticket", subject="printer on fire")
    renamed = objects(obj("ticket", field("title", max_length=80, renamed_from="subject")))

    apply(db_engine, plan(db_engine, renamed), packs=PACKS)

    assert rows(db_engine, renamed, "ticket", "title") == [("printer on fire",)]


def test_dropping_a_column_is_refused_without_allow_data_loss(db_engine: Engine) -> None:
    before = objects(obj("ticket", field("subject"), field("legacy")))
    migrate(db_engine, before)
    insert(db_engine, before, "ticket", subject="s", legacy="keep me")
    after = objects(obj("ticket", field("subject")))

    with pytest.raises(MigrationDataLoss) as refused:
        apply(db_engine, plan(db_engine, after), packs=PACKS)

    assert refused.value.code == "migration_data_loss"
    assert "- drop column obj_ticket.legacy (1 value(s))  [DATA LOSS]" in str(refused.value)
    assert "legacy" in live_columns(db_engine, "obj_ticket")
    assert rows(db_engine, before, "ticket", "legacy") == [("keep me",)]


def test_dropping_a_column_with_allow_data_loss_drops_it(db_engine: Engine) -> None:
    before = objects(obj("ticket", field("subject"), field("legacy")))
    migrate(db_engine, before)
    insert(db_engine, before, "ticket", subject="s", legacy="x")
    after = objects(obj("ticket", field("subject")))

    apply(db_engine, plan(db_engine, after), packs=PACKS, allow_data_loss=True)

    assert "legacy" not in live_columns(db_engine, "obj_ticket")
    assert rows(db_engine, after, "ticket", "subject") == [("s",)]


@pytest.mark.parametrize(
    ("before", "value", "after"),
    [
        pytest.param(
            field("v", max_length=80), "abcdefghijkl", field("v", max_length=5), id="shorter string"
        ),
        pytest.param(
            field("v", "text"), "abcdefghijkl", field("v", max_length=5), id="text to string"
        ),
        pytest.param(
            field("v", "decimal"), Decimal("2.75"), field("v", "integer"), id="decimal to integer"
        ),
    ],
)
def test_narrowing_is_refused_and_keeps_values(
    db_engine: Engine, before: Any, value: Any, after: Any
) -> None:
    old, new = objects(obj("ticket", before)), objects(obj("ticket", after))
    migrate(db_engine, old)
    insert(db_engine, old, "ticket", v=value)

    with pytest.raises(MigrationDataLoss):
        apply(db_engine, plan(db_engine, new), packs=PACKS)

    assert rows(db_engine, old, "ticket", "v") == [(value,)]


@pytest.mark.parametrize(
    ("before", "value", "after", "expected"),
    [
        pytest.param(
            field("v", max_length=80),
            "abcdefghijkl",
            field("v", max_length=5),
            "abcde",
            id="shorter string cuts",
        ),
        pytest.param(
            field("v", "decimal"),
            Decimal("2.75"),
            field("v", "integer"),
            3,
            id="decimal to integer rounds",
        ),
        pytest.param(
            field("v", "decimal", scale=4),
            Decimal("2.1250"),
            field("v", "decimal", scale=2),
            Decimal("2.13"),
            id="fewer decimals rounds",
        ),
        pytest.param(field("v"), "x", field("v", "integer"), None, id="incompatible type discards"),
    ],
)
def test_narrowing_with_allow_data_loss_converts_values(
    db_engine: Engine, before: Any, value: Any, after: Any, expected: Any
) -> None:
    old, new = objects(obj("ticket", before)), objects(obj("ticket", after))
    migrate(db_engine, old)
    insert(db_engine, old, "ticket", v=value)

    apply(db_engine, plan(db_engine, new), packs=PACKS, allow_data_loss=True)

    assert rows(db_engine, new, "ticket", "v") == [(expected,)]
    assert plan(db_engine, new).is_empty


@pytest.mark.parametrize(
    ("before", "value", "after", "expected"),
    [
        pytest.param(
            field("v", max_length=5),
            "abcde",
            field("v", max_length=500),
            "abcde",
            id="longer string",
        ),
        pytest.param(
            field("v", max_length=5), "abcde", field("v", "text"), "abcde", id="string to text"
        ),
        pytest.param(
            field("v", "integer"), 42, field("v", "decimal"), Decimal("42"), id="integer to decimal"
        ),
        pytest.param(
            field("v", "decimal", precision=6, scale=2),
            Decimal("1234.56"),
            field("v", "decimal", precision=12, scale=4),
            Decimal("1234.56"),
            id="more decimal digits",
        ),
        pytest.param(field("v", "enum"), "open", field("v"), "open", id="enum to string"),
    ],
)
def test_widening_keeps_values(
    db_engine: Engine, before: Any, value: Any, after: Any, expected: Any
) -> None:
    old, new = objects(obj("ticket", before)), objects(obj("ticket", after))
    migrate(db_engine, old)
    insert(db_engine, old, "ticket", v=value)

    applied = apply(db_engine, plan(db_engine, new), packs=PACKS)

    assert not applied.data_loss_changes
    assert rows(db_engine, new, "ticket", "v") == [(expected,)]


def test_required_field_with_a_default_fills_existing_rows(db_engine: Engine) -> None:
    migrate(db_engine, objects(TICKET))
    insert(db_engine, objects(TICKET), "ticket", subject="a")
    after = objects(
        obj(
            "ticket",
            field("subject", max_length=80),
            field("prio", required=True, default="P3"),
            field("tags", "tags", required=True, default=["new"]),
        )
    )

    apply(db_engine, plan(db_engine, after), packs=PACKS)

    assert rows(db_engine, after, "ticket", "prio", "tags") == [("P3", ["new"])]


def test_making_a_field_required_fills_empty_values_with_its_default(db_engine: Engine) -> None:
    migrate(db_engine, objects(TICKET))
    insert(db_engine, objects(TICKET), "ticket", subject=None)
    insert(db_engine, objects(TICKET), "ticket", subject="kept")
    after = objects(obj("ticket", field("subject", max_length=80, required=True, default="-")))

    apply(db_engine, plan(db_engine, after), packs=PACKS, allow_data_loss=True)

    assert rows(db_engine, after, "ticket", "subject") == [("-",), ("kept",)]


def test_blocked_change_is_refused_even_when_data_loss_is_allowed(db_engine: Engine) -> None:
    migrate(db_engine, objects(TICKET))
    insert(db_engine, objects(TICKET), "ticket", subject="a")
    after = objects(obj("ticket", field("subject", max_length=80), field("prio", required=True)))

    with pytest.raises(MigrationBlocked) as blocked:
        apply(db_engine, plan(db_engine, after), packs=PACKS, allow_data_loss=True)

    assert blocked.value.code == "migration_blocked"
    assert "give the field a default or make it optional" in str(blocked.value)
    assert "prio" not in live_columns(db_engine, "obj_ticket")


def test_a_failure_in_the_middle_rolls_every_change_back(db_engine: Engine) -> None:
    migrate(db_engine, objects(TICKET))
    insert(db_engine, objects(TICKET), "ticket", subject="same")
    insert(db_engine, objects(TICKET), "ticket", subject="same")
    after = objects(
        obj("ticket", field("subject", max_length=200, unique=True), field("note")),
        obj("customer", field("name")),
    )
    steps = plan(db_engine, after)

    with pytest.raises(MigrationFailed) as failed:
        apply(db_engine, steps, packs=PACKS)

    assert failed.value.code == "migration_failed"
    assert "uq_obj_ticket_subject" in str(failed.value)
    # The table, column and widening that ran before the unique index are gone again.
    assert plan(db_engine, after).changes == steps.changes
    assert live_columns(db_engine, "obj_ticket") == [
        "id",
        "created_at",
        "updated_at",
        "created_by",
        "version",
        "subject",
    ]


def test_a_reference_to_missing_records_fails_and_rolls_back(db_engine: Engine) -> None:
    before = objects(obj("customer", field("name")), obj("ticket", field("customer", "integer")))
    migrate(db_engine, before)
    insert(db_engine, before, "ticket", customer=999)
    after = objects(
        obj("customer", field("name")),
        obj("ticket", field("customer", "reference", reference_to="customer")),
    )

    with pytest.raises(MigrationFailed):
        apply(db_engine, plan(db_engine, after), packs=PACKS)

    assert not plan(db_engine, after).is_empty


def test_rebuilding_a_referenced_table_keeps_the_rows_that_reference_it(
    db_engine: Engine,
) -> None:
    # On SQLite, widening a column copies the table; with foreign keys enforced, dropping the
    # old copy would cascade to the tickets.
    customer = obj("customer", field("name", max_length=20))
    ticket = obj(
        "ticket", field("customer", "reference", reference_to="customer", on_delete="cascade")
    )
    before = objects(customer, ticket)
    migrate(db_engine, before)
    cid = insert(db_engine, before, "customer", name="ACME")
    insert(db_engine, before, "ticket", customer=cid)
    after = objects(obj("customer", field("name", max_length=200)), ticket)

    apply(db_engine, plan(db_engine, after), packs=PACKS)

    assert rows(db_engine, after, "ticket", "customer") == [(cid,)]
    assert plan(db_engine, after).is_empty


def test_every_applied_plan_is_recorded(db_engine: Engine) -> None:
    at = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    steps = plan(db_engine, objects(TICKET))

    apply(db_engine, steps, packs=[Pack("service_default", "2.1.0")], now=at)

    table = schema_metadata({}).tables["flowdesk_migrations"]
    with db_engine.connect() as conn:
        recorded = conn.execute(select(table)).mappings().one()
    assert recorded["applied_at"] == at
    assert recorded["packs"] == [{"name": "service_default", "version": "2.1.0"}]
    assert recorded["changes"][0] == {
        "kind": "create_table",
        "object": "ticket",
        "field": None,
        "description": "create table obj_ticket",
        "data_loss": False,
    }
    assert len(recorded["changes"]) == 1 + len(SYSTEM_TABLES) + full_text_changes(db_engine)
    assert recorded["allow_data_loss"] is False


def test_an_empty_plan_records_nothing(db_engine: Engine) -> None:
    migrate(db_engine, objects(TICKET))

    apply(db_engine, plan(db_engine, objects(TICKET)), packs=PACKS)

    table = schema_metadata({}).tables["flowdesk_migrations"]
    with db_engine.connect() as conn:
        assert len(conn.execute(select(table.c.id)).all()) == 1


def test_a_plan_made_before_the_database_changed_is_refused(db_engine: Engine) -> None:
    steps = plan(db_engine, objects(TICKET))
    migrate(db_engine, objects(obj("ticket", field("other"))))

    with pytest.raises(MigrationStale) as stale:
        apply(db_engine, steps, packs=PACKS, allow_data_loss=True)

    assert stale.value.code == "migration_stale"
    assert "other" in live_columns(db_engine, "obj_ticket")


def test_ensure_schema_creates_tables_and_refuses_to_lose_data(db_engine: Engine) -> None:
    before = objects(obj("ticket", field("subject"), field("legacy")))

    created = ensure_schema(db_engine, before, PACKS)
    again = ensure_schema(db_engine, before, PACKS)

    assert len(created.changes) == 1 + len(SYSTEM_TABLES) + full_text_changes(db_engine)
    assert again.is_empty
    with pytest.raises(MigrationDataLoss):
        ensure_schema(db_engine, objects(obj("ticket", field("subject"))), PACKS)


def test_objects_that_reference_each_other_can_be_removed_together(db_engine: Engine) -> None:
    a = obj("alpha", field("beta", "reference", reference_to="beta"))
    b = obj("beta", field("alpha", "reference", reference_to="alpha"))
    migrate(db_engine, objects(TICKET, a, b))

    apply(db_engine, plan(db_engine, objects(TICKET)), packs=PACKS, allow_data_loss=True)

    assert plan(db_engine, objects(TICKET)).is_empty
