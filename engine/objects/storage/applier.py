"""Applying a migration plan: every change in one transaction, recorded in
``flowdesk_migrations``, or nothing at all.

DDL goes through Alembic's operations. On SQLite, whatever plain ``ALTER TABLE`` cannot do
(type and nullability changes, dropping columns, foreign keys) runs in Alembic's batch mode,
which copies the table into a new one.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, Connection, Engine, ForeignKeyConstraint, Table, func, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateIndex, CreateTable

from engine.objects.model import ObjectType, frozen_map
from engine.objects.storage.migration_errors import (
    MigrationBlocked,
    MigrationDataLoss,
    MigrationFailed,
    MigrationStale,
)
from engine.objects.storage.migration_plan import Change, MigrationPlan
from engine.objects.storage.pack_set import (
    PackSetMismatch,
    pack_entries,
    recorded_pack_set,
    same_pack_set,
    same_versions,
)
from engine.objects.storage.planner import diff_schema
from engine.objects.storage.search_table import FULL_TEXT_DDL
from engine.objects.storage.system_tables import MIGRATIONS
from engine.objects.storage.tables import schema_metadata

__all__ = ["apply", "ensure_schema", "PackVersion"]


class PackVersion(Protocol):
    """A pack's name and version (``engine.packs.PackInfo`` is one), recorded with a migration."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...


#: PostgreSQL advisory lock key that keeps two processes from migrating at once.
_MIGRATION_LOCK = zlib.crc32(b"flowdesk_migrations")


def apply(
    engine: Engine,
    plan: MigrationPlan,
    *,
    packs: Sequence[PackVersion],
    allow_data_loss: bool = False,
    now: datetime | None = None,
) -> MigrationPlan:
    """Carry out ``plan`` in one transaction and record it in ``flowdesk_migrations``.

    Raises :class:`MigrationDataLoss` when a change would lose data and ``allow_data_loss`` is
    false, :class:`MigrationBlocked` when a change cannot be made, :class:`MigrationStale` when
    the database no longer matches the plan, and :class:`MigrationFailed` when the database
    refuses a change. In every one of those cases nothing is changed. Returns the plan applied.
    """
    return _migrate(
        engine, plan.objects, plan, packs=packs, allow_data_loss=allow_data_loss, now=now
    )


def ensure_schema(
    engine: Engine,
    objects: Mapping[str, ObjectType],
    packs: Sequence[PackVersion],
    *,
    now: datetime | None = None,
) -> MigrationPlan:
    """Bring the database to ``objects`` unless that would lose data (plan and apply in one
    locked transaction; for start-up and tests). Returns what was applied."""
    return _migrate(engine, frozen_map(objects), None, packs=packs, allow_data_loss=False, now=now)


def _migrate(
    engine: Engine,
    objects: Mapping[str, ObjectType],
    expected: MigrationPlan | None,
    *,
    packs: Sequence[PackVersion],
    allow_data_loss: bool,
    now: datetime | None,
) -> MigrationPlan:
    with _migration_connection(engine) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
        # Plan again inside the transaction: what runs is what the database holds now.
        changes = diff_schema(conn, objects)
        if expected is not None and [c.identity for c in changes] != [
            c.identity for c in expected.changes
        ]:
            raise MigrationStale(expected.changes, changes)
        current = MigrationPlan(changes, objects)
        given = pack_entries(packs)
        recorded = recorded_pack_set(conn)
        if current.data_loss_changes and not allow_data_loss and recorded is not None \
                and not same_pack_set(recorded, given):
            # Say the packs differ before (instead of) proposing to drop the others' data.
            raise PackSetMismatch(recorded, given, current.data_loss_changes)
        if current.blocked_changes:
            raise MigrationBlocked(current.blocked_changes)
        if current.data_loss_changes and not allow_data_loss:
            raise MigrationDataLoss(current.data_loss_changes)
        if current.is_empty and (recorded is None or same_versions(recorded, given)):
            return current
        _ChangeRunner(conn, objects).run(changes)
        # A row also when only the pack set changed, so the database knows its packs.
        conn.execute(
            schema_metadata({})
            .tables[MIGRATIONS]
            .insert()
            .values(
                applied_at=now or datetime.now(UTC),
                packs=given,
                changes=[c.as_dict() for c in changes],
                allow_data_loss=allow_data_loss,
            )
        )
        return current


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            yield conn
            return
        # SQLite must not enforce foreign keys while batch mode rebuilds a table: dropping the
        # old copy would delete (or cascade to) the rows that reference it. The pragma only
        # takes effect outside a transaction; references are checked before commit instead.
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            yield conn
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


class _ChangeRunner:
    """Runs changes on one connection inside the caller's transaction."""

    def __init__(self, conn: Connection, objects: Mapping[str, ObjectType]) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.metadata = schema_metadata(objects)
        self.ops = Operations(MigrationContext.configure(connection=conn))

    def run(self, changes: Sequence[Change]) -> None:
        for change in changes:
            try:
                getattr(self, f"_{change.kind.value}")(change)
            except DBAPIError as exc:
                raise MigrationFailed(change, str(exc.orig).strip()) from exc
        if self.sqlite:
            broken = self.conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                table, rowid, target, _ = broken[0]
                raise MigrationFailed(
                    None,
                    f"{len(broken)} row(s) reference missing records "
                    f"(first: {table} row {rowid} -> {target})",
                )

    def _table(self, change: Change) -> Table:
        return self.metadata.tables[change.table]

    def _column(self, change: Change) -> Column[Any]:
        assert change.field is not None
        return self._table(change).c[change.field]

    @contextmanager
    def _alter(self, table: str) -> Iterator[Any]:
        """Alembic operations for one table; batch mode (a table copy) on SQLite."""
        if self.sqlite:
            with self.ops.batch_alter_table(table, recreate="auto") as batch:
                yield batch
        else:
            yield _TableOps(self.ops, table)

    # -- tables ----------------------------------------------------------------------------

    def _create_table(self, change: Change) -> None:
        table = self._table(change)
        inline = [
            fk
            for fk in table.foreign_key_constraints
            if fk.name not in change.deferred_foreign_keys
        ]
        # SQLAlchemy's CreateTable (not op.create_table) can hold back the foreign keys of a
        # cycle; later add_foreign_key changes add them.
        self.conn.execute(CreateTable(table, include_foreign_key_constraints=inline))
        for index in table.indexes:
            self.conn.execute(CreateIndex(index))

    def _drop_table(self, change: Change) -> None:
        self.ops.drop_table(change.table)

    # -- columns ---------------------------------------------------------------------------

    def _add_column(self, change: Change) -> None:
        col = self._column(change)
        # Added nullable and without its foreign key (a later change adds it): SQLite can then
        # use a plain ALTER TABLE, and existing rows can be filled before NOT NULL applies.
        self.ops.add_column(change.table, Column(col.name, col.type, nullable=True))
        if not col.nullable:
            self._fill(change)
            with self._alter(change.table) as t:
                t.alter_column(col.name, existing_type=col.type, nullable=False)

    def _drop_column(self, change: Change) -> None:
        with self._alter(change.table) as t:
            t.drop_column(change.field)

    def _rename_column(self, change: Change) -> None:
        # Plain ALTER TABLE ... RENAME COLUMN on both (SQLite 3.25+): no table copy, and SQLite
        # rewrites the indexes and foreign keys that mention the column.
        assert change.old_name is not None
        self.ops.alter_column(change.table, change.old_name, new_column_name=change.field)

    def _change_type(self, change: Change) -> None:
        self._drop_column(change)
        self._add_column(change)

    def _widen_type(self, change: Change) -> None:
        col = self._column(change)
        with self._alter(change.table) as t:
            t.alter_column(col.name, type_=col.type, existing_nullable=True)

    def _narrow_type(self, change: Change) -> None:
        col = self._column(change)
        t = sql_table(change.table, sql_column(col.name))
        target = col.type
        # Make the values fit first, so the type change itself never fails on them.
        length = getattr(target, "length", None)
        scale = getattr(target, "scale", None)
        if length:
            self.conn.execute(
                t.update()
                .where(func.length(t.c[col.name]) > length)
                .values({col.name: func.substr(t.c[col.name], 1, length)})
            )
        elif hasattr(target, "precision"):
            self.conn.execute(t.update().values({col.name: func.round(t.c[col.name], scale or 0)}))
        else:  # to integer
            self.conn.execute(t.update().values({col.name: func.round(t.c[col.name])}))
        with self._alter(change.table) as alter:
            alter.alter_column(col.name, type_=target, existing_nullable=True)

    def _set_not_null(self, change: Change) -> None:
        col = self._column(change)
        self._fill(change)
        with self._alter(change.table) as t:
            t.alter_column(col.name, existing_type=col.type, nullable=False)

    def _drop_not_null(self, change: Change) -> None:
        col = self._column(change)
        with self._alter(change.table) as t:
            t.alter_column(col.name, existing_type=col.type, nullable=True)

    def _fill(self, change: Change) -> None:
        if change.fill_value is None:
            return
        col = self._column(change)
        t = sql_table(change.table, sql_column(col.name, col.type))
        self.conn.execute(
            t.update().where(t.c[col.name].is_(None)).values({col.name: change.fill_value})
        )

    # -- indexes and foreign keys ----------------------------------------------------------

    def _add_index(self, change: Change) -> None:
        index = next(ix for ix in self._table(change).indexes if ix.name == change.name)
        self.ops.create_index(
            change.name, change.table, [c.name for c in index.columns], unique=bool(index.unique),
            **index.dialect_kwargs,  # postgresql_using="gin" for the search index
        )

    _add_unique = _add_index

    def _drop_index(self, change: Change) -> None:
        assert change.name is not None
        self.ops.drop_index(change.name, table_name=change.table)

    _drop_unique = _drop_index

    def _add_foreign_key(self, change: Change) -> None:
        fk: ForeignKeyConstraint = next(
            fk for fk in self._table(change).foreign_key_constraints if fk.name == change.name
        )
        with self._alter(change.table) as t:
            t.create_foreign_key(
                change.name,
                fk.referred_table.name,
                fk.column_keys,
                [e.column.name for e in fk.elements],
                ondelete=fk.ondelete,
            )

    def _add_full_text(self, change: Change) -> None:
        for statement in FULL_TEXT_DDL:
            self.conn.exec_driver_sql(statement)

    def _drop_foreign_key(self, change: Change) -> None:
        with self._alter(change.table) as t:
            t.drop_constraint(change.name, type_="foreignkey")


class _TableOps:
    """The few batch-style calls the runner uses, as plain Alembic operations on one table."""

    def __init__(self, ops: Operations, table: str) -> None:
        self.ops = ops
        self.table = table

    def alter_column(self, name: str, **kw: Any) -> None:
        self.ops.alter_column(self.table, name, **kw)

    def drop_column(self, name: str) -> None:
        self.ops.drop_column(self.table, name)

    def create_foreign_key(
        self, name: str, target: str, local: list[str], remote: list[str], **kw: Any
    ) -> None:
        self.ops.create_foreign_key(name, self.table, target, local, remote, **kw)

    def drop_constraint(self, name: str, type_: str) -> None:
        self.ops.drop_constraint(name, self.table, type_=type_)
