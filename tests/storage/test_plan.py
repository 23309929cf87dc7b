"""plan(): what a change to the packs turns into, and which changes lose data or are blocked.

Each case migrates a database to ``before``, inserts ``row`` (when given), then plans ``after``
and compares the printed lines of the pack's table.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from engine.objects.model import IndexDef, ObjectType
from engine.objects.storage import ChangeKind, plan
from engine.objects.storage.tables import schema_metadata

from .object_builders import field, insert, migrate, obj, objects

#: The engine's own tables (audit, migrations, users, jobs, ...), in the order they are created.
SYSTEM_TABLES = tuple(schema_metadata({}).tables)


def full_text_changes(engine: Any) -> int:
    """A new SQLite database also gets the search index's FTS5 table: one more change (see
    engine/objects/storage/search_table.py)."""
    return 1 if engine.dialect.name == "sqlite" else 0

TICKET = obj("ticket", field("subject", max_length=80))


def ticket(*fields: Any, **kw: Any) -> ObjectType:
    return obj("ticket", *fields, **kw)


CASES: list[tuple[str, ObjectType, dict[str, Any] | None, ObjectType, list[str]]] = [
    ("no change", TICKET, None, TICKET, []),
    (
        "optional field added",
        TICKET,
        {"subject": "a"},
        ticket(field("subject", max_length=80), field("note", "text")),
        ["+ add column obj_ticket.note text"],
    ),
    (
        "required field with a default added to a table with rows",
        TICKET,
        {"subject": "a"},
        ticket(field("subject", max_length=80), field("prio", required=True, default="P3")),
        [
            "+ add column obj_ticket.prio string(255) not null "
            "(1 row(s) without a value get the default 'P3')"
        ],
    ),
    (
        "required field without a default added to a table with rows",
        TICKET,
        {"subject": "a"},
        ticket(field("subject", max_length=80), field("prio", required=True)),
        [
            "+ add column obj_ticket.prio string(255) not null  [BLOCKED: 1 row(s) would have no "
            "value for a required field with no default; give the field a default or make it "
            "optional]"
        ],
    ),
    (
        "required field without a default added to an empty table",
        TICKET,
        None,
        ticket(field("subject", max_length=80), field("prio", required=True)),
        ["+ add column obj_ticket.prio string(255) not null"],
    ),
    (
        "field renamed",
        TICKET,
        {"subject": "a"},
        ticket(field("title", max_length=80, renamed_from="subject")),
        ["~ rename column obj_ticket.subject -> title"],
    ),
    (
        "renamed_from naming a column that no longer exists adds the field",
        TICKET,
        None,
        ticket(field("subject", max_length=80), field("title", renamed_from="gone")),
        ["+ add column obj_ticket.title string(255)"],
    ),
    (
        "field removed",
        TICKET,
        {"subject": "a"},
        ticket(),
        ["- drop column obj_ticket.subject (1 value(s))  [DATA LOSS]"],
    ),
    (
        "longer string",
        TICKET,
        {"subject": "a"},
        ticket(field("subject", max_length=200)),
        ["~ widen column obj_ticket.subject: string(80) -> string(200)"],
    ),
    (
        "string to text",
        TICKET,
        {"subject": "a"},
        ticket(field("subject", "text")),
        ["~ widen column obj_ticket.subject: string(80) -> text"],
    ),
    (
        "integer to decimal",
        ticket(field("n", "integer")),
        {"n": 3},
        ticket(field("n", "decimal")),
        ["~ widen column obj_ticket.n: integer -> decimal(18,4)"],
    ),
    (
        "decimal with more digits",
        ticket(field("n", "decimal", precision=10, scale=2)),
        None,
        ticket(field("n", "decimal", precision=12, scale=3)),
        ["~ widen column obj_ticket.n: decimal(10,2) -> decimal(12,3)"],
    ),
    (
        "shorter string",
        TICKET,
        {"subject": "a much longer subject"},
        ticket(field("subject", max_length=10)),
        [
            "~ narrow column obj_ticket.subject: string(80) -> string(10) "
            "(1 value(s) longer than 10 are cut)  [DATA LOSS]"
        ],
    ),
    (
        "text to string",
        ticket(field("body", "text")),
        None,
        ticket(field("body")),
        [
            "~ narrow column obj_ticket.body: text -> string(255) "
            "(0 value(s) longer than 255 are cut)  [DATA LOSS]"
        ],
    ),
    (
        "decimal to integer",
        ticket(field("n", "decimal")),
        None,
        ticket(field("n", "integer")),
        [
            "~ narrow column obj_ticket.n: decimal(18,4) -> integer (decimals are rounded)"
            "  [DATA LOSS]"
        ],
    ),
    (
        "decimal with fewer digits after the point",
        ticket(field("n", "decimal", precision=10, scale=4)),
        None,
        ticket(field("n", "decimal", precision=10, scale=2)),
        [
            "~ narrow column obj_ticket.n: decimal(10,4) -> decimal(10,2) (values are rounded; "
            "values too large make the migration fail)  [DATA LOSS]"
        ],
    ),
    (
        "incompatible type",
        TICKET,
        {"subject": "a"},
        ticket(field("subject", "integer")),
        [
            "~ change type of column obj_ticket.subject: string(80) -> integer "
            "(stored values are discarded)  [DATA LOSS]"
        ],
    ),
    (
        "field made required, no empty values",
        TICKET,
        {"subject": "a"},
        ticket(field("subject", max_length=80, required=True)),
        ["~ make column obj_ticket.subject not null"],
    ),
    (
        "field made required, empty values and a default",
        TICKET,
        {"subject": None},
        ticket(field("subject", max_length=80, required=True, default="none")),
        [
            "~ make column obj_ticket.subject not null "
            "(1 row(s) without a value get the default 'none')  [DATA LOSS]"
        ],
    ),
    (
        "field made required, empty values and no default",
        TICKET,
        {"subject": None},
        ticket(field("subject", max_length=80, required=True)),
        [
            "~ make column obj_ticket.subject not null  [DATA LOSS]  [BLOCKED: 1 row(s) would "
            "have no value for a required field with no default; give the field a default or make "
            "it optional]"
        ],
    ),
    (
        "field made optional",
        ticket(field("subject", required=True)),
        None,
        ticket(field("subject")),
        ["~ make column obj_ticket.subject nullable"],
    ),
    (
        "field indexed",
        TICKET,
        None,
        ticket(field("subject", max_length=80, indexed=True)),
        ["+ add index ix_obj_ticket_subject on obj_ticket(subject)"],
    ),
    (
        "field made unique",
        ticket(field("subject", max_length=80, indexed=True)),
        None,
        ticket(field("subject", max_length=80, unique=True)),
        [
            "- drop index ix_obj_ticket_subject on obj_ticket(subject)",
            "+ add unique index uq_obj_ticket_subject on obj_ticket(subject)",
        ],
    ),
    (
        "unique dropped",
        ticket(field("subject", unique=True)),
        None,
        ticket(field("subject")),
        ["- drop unique index uq_obj_ticket_subject on obj_ticket(subject)"],
    ),
    (
        "indexed field renamed",
        ticket(field("subj", indexed=True)),
        None,
        ticket(field("subject", indexed=True, renamed_from="subj")),
        [
            "- drop index ix_obj_ticket_subj on obj_ticket(subj)",
            "~ rename column obj_ticket.subj -> subject",
            "+ add index ix_obj_ticket_subject on obj_ticket(subject)",
        ],
    ),
    (
        "named index kept across a rename",
        ticket(field("subj"), indexes=(IndexDef("ix_by_subject", ("subj",)),)),
        None,
        ticket(
            field("subject", renamed_from="subj"),
            indexes=(IndexDef("ix_by_subject", ("subject",)),),
        ),
        ["~ rename column obj_ticket.subj -> subject"],
    ),
    (
        "compound index added",
        TICKET,
        None,
        ticket(
            field("subject", max_length=80),
            field("prio"),
            indexes=(IndexDef("ix_ticket_prio_subject", ("prio", "subject")),),
        ),
        [
            "+ add column obj_ticket.prio string(255)",
            "+ add index ix_ticket_prio_subject on obj_ticket(prio, subject)",
        ],
    ),
    (
        "reference to itself added",
        TICKET,
        None,
        ticket(
            field("subject", max_length=80),
            field("parent", "reference", reference_to="ticket", on_delete="set_null"),
        ),
        [
            "+ add column obj_ticket.parent integer",
            "+ add index ix_obj_ticket_parent on obj_ticket(parent)",
            "+ add foreign key obj_ticket.parent -> obj_ticket (on delete set null)",
        ],
    ),
    (
        "reference field renamed",
        ticket(field("par", "reference", reference_to="ticket")),
        None,
        ticket(field("parent", "reference", reference_to="ticket", renamed_from="par")),
        [
            "- drop index ix_obj_ticket_par on obj_ticket(par)",
            "~ rename column obj_ticket.par -> parent",
            "+ add index ix_obj_ticket_parent on obj_ticket(parent)",
        ],
    ),
    (
        "reference field removed",
        ticket(field("parent", "reference", reference_to="ticket")),
        None,
        ticket(),
        [
            "- drop foreign key obj_ticket.parent -> obj_ticket",
            "- drop index ix_obj_ticket_parent on obj_ticket(parent)",
            "- drop column obj_ticket.parent (0 value(s))  [DATA LOSS]",
        ],
    ),
    (
        "on_delete of a reference changed",
        ticket(field("parent", "reference", reference_to="ticket")),
        None,
        ticket(field("parent", "reference", reference_to="ticket", on_delete="cascade")),
        [
            "- drop foreign key obj_ticket.parent -> obj_ticket",
            "+ add foreign key obj_ticket.parent -> obj_ticket (on delete cascade)",
        ],
    ),
]


@pytest.mark.parametrize(
    ("before", "row", "after", "expected"), [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_plan_lists_the_changes_from_before_to_after(
    db_engine: Engine,
    before: ObjectType,
    row: dict[str, Any] | None,
    after: ObjectType,
    expected: list[str],
) -> None:
    migrate(db_engine, objects(before))
    if row is not None:
        insert(db_engine, objects(before), "ticket", **row)

    result = plan(db_engine, objects(after))

    assert [str(c) for c in result.changes] == expected


def test_plan_on_an_empty_database_creates_every_table(db_engine: Engine) -> None:
    result = plan(db_engine, objects(TICKET))

    assert str(result).splitlines() == [
        "+ create table obj_ticket",
        *(f"+ create table {name}" for name in SYSTEM_TABLES),
        *(["+ add full-text table search_fts (FTS5) over flowdesk_search"]
          * full_text_changes(db_engine)),
    ]
    assert SYSTEM_TABLES[:2] == ("flowdesk_audit", "flowdesk_migrations")


def test_plan_drops_the_table_of_a_removed_object(db_engine: Engine) -> None:
    legacy = obj("legacy", field("x"))
    migrate(db_engine, objects(TICKET, legacy))
    insert(db_engine, objects(TICKET, legacy), "legacy", x="kept until now")

    result = plan(db_engine, objects(TICKET))

    assert str(result) == "- drop table obj_legacy (1 row(s))  [DATA LOSS]"
    assert result.data_loss_changes == result.changes


def test_plan_of_an_up_to_date_database_is_empty(db_engine: Engine) -> None:
    migrate(db_engine, objects(TICKET))

    result = plan(db_engine, objects(TICKET))

    assert result.is_empty
    assert str(result) == "database is up to date"


def test_plan_leaves_tables_the_engine_does_not_own_alone(db_engine: Engine) -> None:
    from sqlalchemy import Column, Integer, MetaData, Table

    metadata = MetaData()
    Table("someone_elses", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(db_engine)
    migrate(db_engine, objects(TICKET))

    assert plan(db_engine, objects(TICKET)).is_empty


def test_references_in_a_cycle_are_created_on_both_databases(db_engine: Engine) -> None:
    a = obj("alpha", field("beta", "reference", reference_to="beta"))
    b = obj("beta", field("alpha", "reference", reference_to="alpha"))

    result = plan(db_engine, objects(a, b))
    migrate(db_engine, objects(a, b))

    kinds = [c.kind for c in result.changes]
    assert kinds.count(ChangeKind.CREATE_TABLE) == 2 + len(SYSTEM_TABLES)
    if db_engine.dialect.name == "postgresql":
        # The second link of the cycle waits until both tables exist.
        assert kinds[-1] is ChangeKind.ADD_FOREIGN_KEY
    assert plan(db_engine, objects(a, b)).is_empty
