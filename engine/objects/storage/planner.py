"""Planning a migration: compare what the packs declare with what the database holds and list
the changes between them, each marked when it would lose data or cannot be made."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    ForeignKeyConstraint,
    MetaData,
    Table,
    func,
    select,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table

from engine.objects.model import FieldDef, ObjectType, frozen_map
from engine.objects.storage.live_schema import (
    OBJECT_TABLE_PREFIX,
    LiveTable,
    read_live_schema,
)
from engine.objects.storage.migration_plan import PHASE, Change, ChangeKind, MigrationPlan
from engine.objects.storage.search_table import SQLITE_FULL_TEXT, full_text_missing
from engine.objects.storage.tables import schema_metadata
from engine.objects.storage.type_changes import (
    TypeChange,
    column_shape,
    compare_types,
    type_label,
)

__all__ = ["plan", "diff_schema"]


def plan(engine: Engine, objects: Mapping[str, ObjectType]) -> MigrationPlan:
    """The changes that bring ``engine``'s database to ``objects`` (plus the engine's own
    tables). Reads the database, changes nothing."""
    with engine.connect() as conn:
        changes = diff_schema(conn, objects)
        conn.rollback()
    return MigrationPlan(changes, frozen_map(objects))


def diff_schema(conn: Connection, objects: Mapping[str, ObjectType]) -> tuple[Change, ...]:
    """The ordered changes from ``conn``'s live schema to ``objects``; see :func:`plan`."""
    return _SchemaDiff(conn, objects).changes()


def _ondelete(value: str | None) -> str:
    return (value or "NO ACTION").upper()


class _SchemaDiff:
    """One comparison: collects changes table by table, then orders them by phase."""

    def __init__(self, conn: Connection, objects: Mapping[str, ObjectType]) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self.metadata: MetaData = schema_metadata(objects)
        self.objects = {obj.table_name: obj for obj in objects.values()}
        self.live = read_live_schema(conn)
        self.found: list[Change] = []

    def changes(self) -> tuple[Change, ...]:
        wanted = list(self.metadata.tables.values())
        self._new_tables([t for t in wanted if t.name not in self.live])
        for table in wanted:
            if table.name in self.live:
                self._existing_table(table, self.live[table.name])
        self._dropped_tables()
        if full_text_missing(self.conn):
            self._add(ChangeKind.ADD_FULL_TEXT, SQLITE_FULL_TEXT, None,
                      f"add full-text table {SQLITE_FULL_TEXT} (FTS5) over flowdesk_search")
        # sorted() is stable: within a phase, changes keep the packs' order.
        return tuple(sorted(self.found, key=lambda c: PHASE[c.kind]))

    # -- helpers ---------------------------------------------------------------------------

    def _add(
        self, kind: ChangeKind, table: str, field: str | None, description: str, **details: Any
    ) -> None:
        obj = self.objects.get(table)
        self.found.append(
            Change(kind, obj.name if obj else table, table, field, description, **details)
        )

    def _field(self, table: str, name: str) -> FieldDef | None:
        obj = self.objects.get(table)
        return obj.fields.get(name) if obj else None

    def _count(self, table: str, where_not_null: str | None = None) -> int:
        t = sql_table(table, *([sql_column(where_not_null)] if where_not_null else []))
        query = select(func.count()).select_from(t)
        if where_not_null:
            query = query.where(t.c[where_not_null].is_not(None))
        return int(self.conn.execute(query).scalar_one())

    def _null_count(self, table: str, column: str) -> int:
        t = sql_table(table, sql_column(column))
        query = select(func.count()).select_from(t).where(t.c[column].is_(None))
        return int(self.conn.execute(query).scalar_one())

    def _longer_than(self, table: str, column: str, length: int) -> int:
        t = sql_table(table, sql_column(column))
        query = select(func.count()).select_from(t).where(func.length(t.c[column]) > length)
        return int(self.conn.execute(query).scalar_one())

    def _fill_or_block(
        self, table: str, col: Column[Any], rows_without_value: int, details: dict[str, Any]
    ) -> str:
        """For a column becoming NOT NULL while ``rows_without_value`` rows have no value: fill
        them with the field's default, or block the change. Returns text for the description."""
        if not rows_without_value:
            return ""
        f = self._field(table, col.name)
        if f is None or f.default is None:
            details["blocker"] = (
                f"{rows_without_value} row(s) would have no value for a required field with no "
                "default; give the field a default or make it optional"
            )
            return ""
        details["fill_value"] = f.default
        return f" ({rows_without_value} row(s) without a value get the default {f.default!r})"

    # -- tables ----------------------------------------------------------------------------

    def _new_tables(self, tables: list[Table]) -> None:
        existing = set(self.live)
        for table in _creation_order(tables):
            deferred = tuple(
                fk.name
                for fk in table.foreign_key_constraints
                if fk.name and not self._can_inline(table, fk.referred_table.name, existing)
            )
            self._add(
                ChangeKind.CREATE_TABLE,
                table.name,
                None,
                f"create table {table.name}",
                deferred_foreign_keys=deferred,
            )
            existing.add(table.name)
            for fk in table.foreign_key_constraints:
                if fk.name in deferred:
                    self._add_foreign_key(table.name, fk)

    def _can_inline(self, table: Table, target: str, existing: set[str]) -> bool:
        # SQLite checks references only when rows are written, so any order works there;
        # PostgreSQL needs the target first, so a cycle's last link is added afterwards.
        return self.dialect.name == "sqlite" or target == table.name or target in existing

    def _dropped_tables(self) -> None:
        dropped = [
            name
            for name in self.live
            if name.startswith(OBJECT_TABLE_PREFIX) and name not in self.metadata.tables
        ]
        for name in dropped:
            rows = self._count(name)
            self._add(
                ChangeKind.DROP_TABLE,
                name,
                None,
                f"drop table {name} ({rows} row(s))",
                data_loss=True,
            )
            if self.dialect.name == "sqlite":
                continue  # foreign keys are not enforced while a migration runs
            for fk in self.live[name].foreign_keys:
                # PostgreSQL refuses to drop a table another one still references.
                if fk.referred_table in dropped and fk.referred_table != name and fk.name:
                    self._add(
                        ChangeKind.DROP_FOREIGN_KEY,
                        name,
                        fk.column,
                        f"drop foreign key {name}.{fk.column} -> {fk.referred_table}",
                        name=fk.name,
                    )

    # -- columns ---------------------------------------------------------------------------

    def _existing_table(self, table: Table, live: LiveTable) -> None:
        name = table.name
        renamed = self._renames(table, live)  # new name -> old name
        live_name = {c.name: renamed.get(c.name, c.name) for c in table.columns}
        new_name = {old: new for new, old in renamed.items()}
        dropped = [c for c in live.columns if c not in table.columns and c not in new_name]
        replaced: set[str] = set()

        for new, old in renamed.items():
            self._add(
                ChangeKind.RENAME_COLUMN,
                name,
                new,
                f"rename column {name}.{old} -> {new}",
                old_name=old,
            )
        for gone in dropped:
            values = self._count(name, gone)
            self._add(
                ChangeKind.DROP_COLUMN,
                name,
                gone,
                f"drop column {name}.{gone} ({values} value(s))",
                data_loss=True,
            )
        for col in table.columns:
            if live_name[col.name] not in live.columns:
                self._added_column(name, col)
            elif self._changed_column(name, col, live, live_name[col.name]):
                replaced.add(col.name)
        self._indexes(table, live, new_name, set(dropped), replaced)
        self._foreign_keys(table, live, new_name, set(dropped), replaced)

    def _renames(self, table: Table, live: LiveTable) -> dict[str, str]:
        renamed: dict[str, str] = {}
        for col in table.columns:
            f = self._field(table.name, col.name)
            old = f.renamed_from if f else None
            if (
                old
                and col.name not in live.columns
                and old in live.columns
                and old not in table.columns
                and old not in renamed.values()
            ):
                renamed[col.name] = old
        return renamed

    def _added_column(self, table: str, col: Column[Any]) -> None:
        details: dict[str, Any] = {}
        extra = ""
        if not col.nullable:
            extra = self._fill_or_block(table, col, self._count(table), details)
        kind = type_label(column_shape(col.type, self.dialect))
        self._add(
            ChangeKind.ADD_COLUMN,
            table,
            col.name,
            f"add column {table}.{col.name} {kind}{'' if col.nullable else ' not null'}{extra}",
            **details,
        )

    def _changed_column(
        self, table: str, col: Column[Any], live: LiveTable, live_name: str
    ) -> bool:
        """Add the type and nullability changes of ``col``; True when it is replaced (a new
        column of an incompatible type)."""
        live_col = live.columns[live_name]
        if live_col.primary_key:
            return False  # the engine's own id; never altered
        was = column_shape(live_col.type, self.dialect)
        wanted = column_shape(col.type, self.dialect)
        change = compare_types(was, wanted)
        what = f"{table}.{col.name}: {type_label(was)} -> {type_label(wanted)}"
        if change is TypeChange.INCOMPATIBLE:
            details: dict[str, Any] = {"data_loss": True}
            extra = ""
            if not col.nullable:
                extra = self._fill_or_block(table, col, self._count(table), details)
            self._add(
                ChangeKind.CHANGE_TYPE,
                table,
                col.name,
                f"change type of column {what} (stored values are discarded){extra}",
                **details,
            )
            return True
        if change is TypeChange.WIDEN:
            self._add(ChangeKind.WIDEN_TYPE, table, col.name, f"widen column {what}")
        elif change is TypeChange.NARROW:
            self._add(
                ChangeKind.NARROW_TYPE,
                table,
                col.name,
                f"narrow column {what}{self._narrowing_note(table, live_name, wanted)}",
                data_loss=True,
            )
        if live_col.nullable and not col.nullable:
            nulls = self._null_count(table, live_name)
            details = {"data_loss": bool(nulls)}
            extra = self._fill_or_block(table, col, nulls, details)
            self._add(
                ChangeKind.SET_NOT_NULL,
                table,
                col.name,
                f"make column {table}.{col.name} not null{extra}",
                **details,
            )
        elif not live_col.nullable and col.nullable:
            self._add(
                ChangeKind.DROP_NOT_NULL,
                table,
                col.name,
                f"make column {table}.{col.name} nullable",
            )
        return False

    def _narrowing_note(self, table: str, live_name: str, wanted: Any) -> str:
        if wanted.family == "string" and wanted.size:
            longer = self._longer_than(table, live_name, wanted.size)
            return f" ({longer} value(s) longer than {wanted.size} are cut)"
        if wanted.family == "integer":
            return " (decimals are rounded)"
        return " (values are rounded; values too large make the migration fail)"

    # -- indexes and foreign keys ----------------------------------------------------------

    def _indexes(
        self,
        table: Table,
        live: LiveTable,
        new_name: dict[str, str],
        dropped: set[str],
        replaced: set[str],
    ) -> None:
        wanted: dict[str, tuple[tuple[str, ...], bool]] = {
            str(ix.name): (tuple(c.name for c in ix.columns), bool(ix.unique))
            for ix in table.indexes
        }
        kept: set[str] = set()
        for ix in live.indexes.values():
            columns = tuple(new_name.get(c, c) for c in ix.columns)
            untouched = not (set(ix.columns) & dropped or set(columns) & replaced)
            if wanted.get(ix.name) == (columns, ix.unique) and untouched:
                kept.add(ix.name)
                continue
            kind = ChangeKind.DROP_UNIQUE if ix.unique else ChangeKind.DROP_INDEX
            self._add(
                kind,
                table.name,
                ix.columns[0] if len(ix.columns) == 1 else None,
                f"drop {'unique ' if ix.unique else ''}index {ix.name} on "
                f"{table.name}({', '.join(ix.columns)})",
                name=ix.name,
            )
        for name, (columns, unique) in wanted.items():
            if name in kept:
                continue
            kind = ChangeKind.ADD_UNIQUE if unique else ChangeKind.ADD_INDEX
            self._add(
                kind,
                table.name,
                columns[0] if len(columns) == 1 else None,
                f"add {'unique ' if unique else ''}index {name} on "
                f"{table.name}({', '.join(columns)})",
                name=name,
            )

    def _foreign_keys(
        self,
        table: Table,
        live: LiveTable,
        new_name: dict[str, str],
        dropped: set[str],
        replaced: set[str],
    ) -> None:
        wanted = {
            (fk.column_keys[0], fk.referred_table.name, _ondelete(fk.ondelete)): fk
            for fk in table.foreign_key_constraints
        }
        kept: set[tuple[str, str, str]] = set()
        for live_fk in live.foreign_keys:
            column = new_name.get(live_fk.column, live_fk.column)
            signature = (column, live_fk.referred_table, live_fk.ondelete)
            if (
                signature in wanted
                and signature not in kept
                and live_fk.column not in dropped
                and column not in replaced
            ):
                kept.add(signature)
                continue
            details: dict[str, Any] = {"name": live_fk.name}
            if not live_fk.name:
                details["blocker"] = "the foreign key has no name, so it cannot be dropped"
            self._add(
                ChangeKind.DROP_FOREIGN_KEY,
                table.name,
                live_fk.column,
                f"drop foreign key {table.name}.{live_fk.column} -> {live_fk.referred_table}",
                **details,
            )
        for signature, fk in wanted.items():
            if signature not in kept:
                self._add_foreign_key(table.name, fk)

    def _add_foreign_key(self, table: str, fk: ForeignKeyConstraint) -> None:
        column = fk.column_keys[0]
        self._add(
            ChangeKind.ADD_FOREIGN_KEY,
            table,
            column,
            f"add foreign key {table}.{column} -> {fk.referred_table.name} "
            f"(on delete {_ondelete(fk.ondelete).lower()})",
            name=fk.name,
        )


def _creation_order(tables: list[Table]) -> list[Table]:
    """``tables`` with referenced tables first, as far as cycles allow."""
    by_name = {t.name: t for t in tables}
    order: list[Table] = []
    seen: set[str] = set()

    def visit(table: Table) -> None:
        if table.name in seen:
            return
        seen.add(table.name)
        for fk in table.foreign_key_constraints:
            target = by_name.get(fk.referred_table.name)
            if target is not None:
                visit(target)
        order.append(table)

    for table in tables:
        visit(table)
    return order
