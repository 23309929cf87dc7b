"""Record commands: create, get, update, delete, list and history of any object.

Each command is one transaction (see :mod:`engine.runtime.unit_of_work`): the record, the
records its deletion touches and every audit row commit together or not at all. The service is
generic; it knows objects only through the compiled registry.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, Connection, Engine, Table, select, update
from sqlalchemy.exc import IntegrityError

from engine.errors import BadRequest, Conflict, FieldIssue, NotFound, ValidationFailed
from engine.objects.storage.tables import build_metadata
from engine.objects.values import record_to_json, to_json
from engine.packs.registry import Registry
from engine.runtime.audit import AuditTrail, HistoryEntry
from engine.runtime.clock import Clock
from engine.runtime.compiled_object import CompiledObject, compile_objects
from engine.runtime.integrity import integrity_error_to_flowdesk
from engine.runtime.list_query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Filter,
    ListQuery,
    SortKey,
    check_list_query,
)
from engine.runtime.queries import count_select, page_select
from engine.runtime.unit_of_work import UnitOfWork, unit_of_work
from engine.workflows.state_machine import StateMachine

__all__ = ["RecordService", "RecordPage", "MAX_ACTOR_LENGTH", "status_field_managed",
           "reference_not_found"]

MAX_ACTOR_LENGTH = 128


def status_field_managed(machine: StateMachine, where: tuple[str, ...] = ()) -> ValidationFailed:
    """The refusal of a write to a field a workflow owns."""
    return ValidationFailed(
        [FieldIssue((*where, machine.field),
                    f"'{machine.field}' is managed by workflow '{machine.name}': change it with a "
                    f"transition (POST /api/records/{machine.object}/{{id}}/transitions/{{name}})",
                    "status_field_managed")],
        code="status_field_managed",
    )


def reference_not_found(field: str, target: str, record_id: Any) -> FieldIssue:
    """The one answer to a reference whose record is missing, or that the writer may not read
    (:mod:`engine.runtime.user_writes`): the two must not be told apart."""
    return FieldIssue((field,), f"no {target} with id {record_id}", "reference_not_found")


class RecordIndex(Protocol):
    """An index kept with the records in each command's transaction (full-text search)."""

    def written(self, conn: Connection, object_name: str, record_id: int,
                row: Mapping[str, Any], changed: Iterable[str] | None = None) -> None: ...

    def deleted(self, conn: Connection, object_name: str, record_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class RecordPage:
    """One page of a list: the records, how many match in all, and where the page starts."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or ``None`` on the last one."""
        following = self.offset + len(self.items)
        return following if self.items and following < self.total else None


class RecordService:
    """The record commands over every object of ``registry``, stored through ``engine``.

    Built once at start-up: tables, validators and statements are compiled here, not per call.
    """

    def __init__(
        self,
        registry: Registry,
        engine: Engine,
        clock: Clock,
        *,
        audit: AuditTrail | None = None,
        max_limit: int = MAX_LIMIT,
    ) -> None:
        self.registry = registry
        self._engine = engine
        self._clock = clock
        self._audit = audit or AuditTrail()
        self._max_limit = max_limit
        self._dialect = engine.dialect.name
        metadata = build_metadata(registry.objects)
        tables = {name: metadata.tables[obj.table_name] for name, obj in registry.objects.items()}
        self._objects = compile_objects(registry.objects, tables)
        #: object name -> the workflow that owns one of its fields
        self._workflows = {w.object: w for w in registry.workflows.values()}
        #: Runs the automations a command's changes trigger, before it commits; objects no
        #: automation watches emit no events. Wired by the engine factory.
        self._settle: Callable[[UnitOfWork], None] | None = None
        self._watched: frozenset[str] = frozenset()
        self._index: RecordIndex | None = None

    def index_with(self, index: RecordIndex) -> None:
        """Have ``index`` told of every write and delete, on the command's connection (the
        full-text search index; wired by the engine factory)."""
        self._index = index

    def on_changes(self, settle: Callable[[UnitOfWork], None], watched: frozenset[str]) -> None:
        """Have ``settle`` handle the changes to ``watched`` objects before each command
        commits (the automation runner)."""
        self._settle, self._watched = settle, watched

    def watches(self, object_name: str) -> bool:
        return object_name in self._watched

    def settle(self, uow: UnitOfWork) -> bool:
        """Let automations handle the command's changes; whether there were any."""
        if not uow.events or self._settle is None:
            return False
        self._settle(uow)
        return True

    # -- lookups -----------------------------------------------------------------------------

    def compiled(self, object_name: str) -> CompiledObject:
        """The object's compiled table, statements and validators; :class:`NotFound`
        (``unknown_object``) when there is none."""
        compiled = self._objects.get(object_name)
        if compiled is None:
            self.registry.object(object_name)  # raises NotFound with a suggestion
            raise NotFound(f"unknown object '{object_name}'", code="unknown_object")
        return compiled

    @property
    def database(self) -> Engine:
        """The database the records live in."""
        return self._engine

    @property
    def clock(self) -> Clock:
        return self._clock

    def table(self, object_name: str) -> Table:
        """The SQL table of ``object_name`` (to build conditions over it, as access does)."""
        return self.compiled(object_name).table

    def load_row(self, conn: Connection, c: CompiledObject, record_id: int) -> dict[str, Any]:
        """The stored row of a record, read on ``conn``; :class:`NotFound`
        (``record_not_found``) when there is none."""
        row = conn.execute(c.select_by_id, {"id": record_id}).mappings().first()
        if row is None:
            raise NotFound(f"no {c.name} with id {record_id}", code="record_not_found")
        return dict(row)

    def loader(self, conn: Connection) -> Callable[[str, Any], dict[str, Any] | None]:
        """Follows references for rule evaluation, inside the command's transaction."""

        def load(object_name: str, record_id: Any) -> dict[str, Any] | None:
            c = self._objects.get(object_name)
            if c is None or record_id is None:
                return None
            row = conn.execute(c.select_by_id, {"id": record_id}).mappings().first()
            return dict(row) if row is not None else None

        return load

    @contextmanager
    def command(self, actor: str) -> Iterator[UnitOfWork]:
        """One command's transaction, acted by ``actor`` (automations, the worker and the
        scenario runner open theirs here too)."""
        if not actor or len(actor) > MAX_ACTOR_LENGTH:
            raise BadRequest(
                f"the actor must be 1 to {MAX_ACTOR_LENGTH} characters", code="invalid_actor"
            )
        with unit_of_work(self._engine, self._clock, self._audit, actor) as uow:
            yield uow

    def _check_references(
        self, conn: Connection, c: CompiledObject, values: Mapping[str, Any]
    ) -> None:
        # Checked before writing so the error names the field on both databases (SQLite's
        # foreign-key errors do not say which key failed); the FK itself still guards races.
        issues = []
        for name, target_name in c.references.items():
            value = values.get(name)
            target = self._objects.get(target_name)
            if value is None or target is None:
                continue
            if conn.execute(target.exists_by_id, {"id": value}).first() is None:
                issues.append(reference_not_found(name, target_name, value))
        if issues:
            raise ValidationFailed(issues)

    @staticmethod
    def _stale(c: CompiledObject, record_id: int, expected: int, current: int | None) -> Conflict:
        now = f"it is now at version {current}" if current is not None else "it has changed"
        return Conflict(
            f"{c.name} {record_id} was changed by someone else: you sent version {expected}, "
            f"{now}; reload it and apply your change again",
            code="stale_version",
        )

    # -- commands ----------------------------------------------------------------------------

    def create(self, object_name: str, payload: Mapping[str, Any], actor: str) -> dict[str, Any]:
        """Validate ``payload`` and store a new record; returns it as JSON, with its id."""
        c = self.compiled(object_name)
        machine = self._workflows.get(c.name)
        if machine is not None and isinstance(payload, Mapping) and machine.field in payload:
            # Naming the initial state is harmless; any other state skips the workflow.
            if payload[machine.field] != machine.initial:
                raise status_field_managed(machine)
            payload = {k: v for k, v in payload.items() if k != machine.field}
        values = c.validator.validate_create(payload)
        with self.command(actor) as uow:
            record = self.create_in(uow, c.name, values)
            if self.settle(uow):
                record = record_to_json(c.obj, self.load_row(uow.conn, c, record["id"]))
        return record

    def create_in(self, uow: UnitOfWork, object_name: str, values: Mapping[str, Any],
                  note: str | None = None) -> dict[str, Any]:
        """Store a new record from already validated ``values`` inside ``uow``'s transaction
        (defaults, the workflow's initial state, computed fields and rules apply); returns it
        as JSON. Automations use it to create related records."""
        c = self.compiled(object_name)
        machine = self._workflows.get(c.name)
        self._check_references(uow.conn, c, values)
        row: dict[str, Any] = dict.fromkeys(c.obj.fields)
        for name, default in c.create_defaults.items():
            if name not in values:
                # Lists and JSON defaults are mutable: each record gets its own copy.
                row[name] = copy.deepcopy(default)
        row.update(values)
        if machine is not None:
            row[machine.field] = machine.initial
        row.update(created_at=uow.now, updated_at=uow.now, created_by=uow.actor, version=1)
        if not c.rules.empty:
            c.rules.apply(row, creating=True, now=uow.now, load=self.loader(uow.conn))
        del row["id"]
        try:
            result = uow.conn.execute(c.insert, row)
        except IntegrityError as exc:
            raise integrity_error_to_flowdesk(
                exc, c.constraints, object_name=c.name, writing_fields=tuple(values)
            ) from None
        key = result.inserted_primary_key
        assert key is not None  # a single-row INSERT always reports its key
        record_id = int(key[0])
        row["id"] = record_id
        record = record_to_json(c.obj, row)
        # One row holds every initial value (as a delete's row holds the deleted record):
        # a row per field would make creating the costliest command for no gain.
        initial = {name: record[name] for name in c.audited_fields
                   if record[name] is not None}
        uow.log(c.name, record_id, "create", new=initial, note=note)
        if self._index is not None:
            self._index.written(uow.conn, c.name, record_id, row)
        if c.name in self._watched:
            uow.emit("created", c.name, record_id, None, row,
                     frozenset(k for k, v in row.items() if v is not None))
        return record

    def get(self, object_name: str, record_id: int) -> dict[str, Any]:
        """The record as JSON; :class:`NotFound` (``record_not_found``) if there is none."""
        c = self.compiled(object_name)
        with self._engine.connect() as conn:
            return record_to_json(c.obj, self.load_row(conn, c, record_id))

    def update(
        self,
        object_name: str,
        record_id: int,
        patch: Mapping[str, Any],
        *,
        expected_version: int,
        actor: str,
    ) -> dict[str, Any]:
        """Change the fields in ``patch`` if the record is still at ``expected_version``.

        A stale version raises :class:`Conflict` (``stale_version``) and changes nothing. A
        patch that changes no value returns the record as it is, without a new version.
        """
        c = self.compiled(object_name)
        machine = self._workflows.get(c.name)
        if machine is not None and isinstance(patch, Mapping) and machine.field in patch:
            raise status_field_managed(machine)
        changes = c.validator.validate_update(patch)
        with self.command(actor) as uow:
            new_json = self.update_in(uow, c.name, record_id, changes,
                                      expected_version=expected_version)
            if self.settle(uow):
                new_json = record_to_json(c.obj, self.load_row(uow.conn, c, record_id))
        return new_json

    def update_in(self, uow: UnitOfWork, object_name: str, record_id: int,
                  changes: Mapping[str, Any], *, expected_version: int | None = None,
                  action: str = "update", note: str | None = None) -> dict[str, Any]:
        """Change fields of a record inside ``uow``'s transaction (``changes`` are validated
        values; read-only fields included, so automations may set them); returns it as JSON.
        ``expected_version`` ``None`` takes the record as it is now."""
        c = self.compiled(object_name)
        old = self.load_row(uow.conn, c, record_id)
        if expected_version is not None and old["version"] != expected_version:
            raise self._stale(c, record_id, expected_version, old["version"])
        new = {**old, **changes}
        if not c.rules.empty:
            c.rules.apply(new, creating=False, now=uow.now, load=self.loader(uow.conn))
        old_json = record_to_json(c.obj, old)
        new_json = record_to_json(c.obj, new)
        changed = [name for name in new if old_json[name] != new_json[name]]
        if not changed:
            return old_json
        self._write_version(uow, c, record_id, old_json, new_json, new, changed,
                            expected_version=old["version"], action=action, note=note)
        if c.name in self._watched:
            new.update(updated_at=uow.now, version=old["version"] + 1)
            uow.emit("updated", c.name, record_id, old, new, frozenset(changed))
        return new_json

    def _write_version(
        self,
        uow: UnitOfWork,
        c: CompiledObject,
        record_id: int,
        old_json: dict[str, Any],
        new_json: dict[str, Any],
        new: dict[str, Any],
        changed: Sequence[str],
        *,
        expected_version: int,
        action: str,
        note: str | None = None,
    ) -> None:
        """Write ``changed`` fields of ``new`` as the record's next version, audit each change
        as ``action``, and bring ``new_json``'s updated_at and version up to date.

        Refuses a stale version (another command won the race) with ``stale_version``."""
        self._check_references(uow.conn, c, {name: new[name] for name in changed})
        table = c.table
        statement = (
            update(table)
            .where(table.c.id == record_id, table.c.version == expected_version)
            .values(
                {name: new[name] for name in changed}
                | {"updated_at": uow.now, "version": expected_version + 1}
            )
        )
        try:
            result = uow.conn.execute(statement)
        except IntegrityError as exc:
            raise integrity_error_to_flowdesk(
                exc, c.constraints, object_name=c.name, writing_fields=tuple(changed)
            ) from None
        # The version in WHERE makes concurrent writes race safely: the loser matches
        # no row (PostgreSQL re-checks WHERE after the winner commits).
        if result.rowcount != 1:
            raise self._stale(c, record_id, expected_version, None)
        for name in changed:
            uow.log(c.name, record_id, action, name, old_json[name], new_json[name], note=note)
        if self._index is not None:
            self._index.written(uow.conn, c.name, record_id, new, changed)
        new_json["updated_at"] = to_json(uow.now, c.obj.fields["updated_at"])
        new_json["version"] = expected_version + 1

    def delete(
        self,
        object_name: str,
        record_id: int,
        *,
        expected_version: int | None = None,
        actor: str,
    ) -> None:
        """Delete the record, applying each referencing field's ``on_delete``: ``restrict``
        refuses (:class:`Conflict` ``delete_restricted``), ``set_null`` clears the field and
        ``cascade`` deletes the referencing records too, all audited in this one transaction."""
        c = self.compiled(object_name)
        with self.command(actor) as uow:
            row = self.load_row(uow.conn, c, record_id)
            if expected_version is not None and row["version"] != expected_version:
                raise self._stale(c, record_id, expected_version, row["version"])
            try:
                _Deletion(self._objects, uow, self._watched, self._index).delete(c, row)
            except IntegrityError as exc:
                raise integrity_error_to_flowdesk(
                    exc, c.constraints, object_name=c.name, writing_fields=(), deleting=True
                ) from None
            self.settle(uow)

    def list(
        self,
        object_name: str,
        filters: Sequence[Filter] = (),
        sort: Sequence[SortKey] = (),
        *,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        scope: ColumnElement[bool] | None = None,
    ) -> RecordPage:
        """The records matching every filter, sorted (then by id), one page of them, with the
        number matching in all. ``scope`` is a further SQL condition (the records the acting
        user may see, from :mod:`engine.runtime.access`); the total counts within it."""
        c = self.compiled(object_name)
        query = ListQuery(tuple(filters), tuple(sort), limit, offset)
        check_list_query(c.obj, query, max_limit=self._max_limit)
        count, page = (count_select(c.table, c.obj, query, self._dialect),
                       page_select(c.table, c.obj, query, self._dialect))
        if scope is not None:
            count, page = count.where(scope), page.where(scope)
        with self._engine.connect() as conn:
            total = conn.execute(count).scalar_one()
            rows = conn.execute(page).mappings()
            items = [record_to_json(c.obj, cast(Mapping[str, Any], row)) for row in rows]
        return RecordPage(items, int(total), limit, offset)

    def history(self, object_name: str, record_id: int) -> builtins.list[HistoryEntry]:
        """Every audit row of the record, oldest first (also after it was deleted)."""
        c = self.compiled(object_name)
        with self._engine.connect() as conn:
            entries = self._audit.history(conn, c.name, record_id)
            if not entries:
                self.load_row(conn, c, record_id)  # raises record_not_found
        return entries


class _Deletion:
    """One delete command walking the references that point at what it deletes."""

    def __init__(self, objects: Mapping[str, CompiledObject], uow: UnitOfWork,
                 watched: frozenset[str] = frozenset(), index: RecordIndex | None = None,
                 ) -> None:
        self._objects = objects
        self._uow = uow
        self._watched = watched
        self._index = index
        self._in_progress: set[tuple[str, int]] = set()

    def delete(self, c: CompiledObject, row: Mapping[str, Any], note: str | None = None) -> None:
        record_id = int(row["id"])
        self._in_progress.add((c.name, record_id))
        conn = self._uow.conn
        for ref in c.incoming:
            source = self._objects[ref.source]
            column = source.table.c[ref.field]
            if ref.on_delete == "restrict":
                self._refuse_if_referenced(c, record_id, source, ref.field)
                continue
            rows = conn.execute(
                select(source.table).where(column == record_id).order_by(source.table.c.id)
            ).mappings()
            for other in [dict(r) for r in rows]:
                if (source.name, other["id"]) in self._in_progress:
                    continue  # a cycle of cascades: that record is being deleted already
                if ref.on_delete == "cascade":
                    self.delete(source, other, f"cascade: {c.name} {record_id} was deleted")
                else:
                    self._clear(source, other, ref.field, c.name, record_id)
        conn.execute(c.delete_by_id, {"id": record_id})
        if self._index is not None:
            self._index.deleted(conn, c.name, record_id)
        self._uow.log(c.name, record_id, "delete", old=record_to_json(c.obj, row), note=note)
        if c.name in self._watched:  # its timers and SLA clocks go with it
            self._uow.emit("deleted", c.name, record_id, dict(row), dict(row), frozenset())

    def _refuse_if_referenced(
        self, c: CompiledObject, record_id: int, source: CompiledObject, field: str
    ) -> None:
        column = source.table.c[field]
        ids = [
            i
            for i in self._uow.conn.execute(
                select(source.table.c.id).where(column == record_id).order_by(source.table.c.id)
                .limit(6)
            ).scalars()
            if (source.name, i) not in self._in_progress
        ]
        if ids:
            shown = ", ".join(str(i) for i in ids[:5]) + (", ..." if len(ids) > 5 else "")
            raise Conflict(
                f"cannot delete {c.name} {record_id}: {source.name} records refer to it "
                f"through '{field}' (ids {shown}); change or delete them first",
                code="delete_restricted",
            )

    def _clear(
        self, source: CompiledObject, row: Mapping[str, Any], field: str, deleted: str,
        deleted_id: int,
    ) -> None:
        table = source.table
        self._uow.conn.execute(
            update(table)
            .where(table.c.id == row["id"])
            .values(
                {field: None, "updated_at": self._uow.now, "version": table.c.version + 1}
            )
        )
        self._uow.log(
            source.name, int(row["id"]), "update", field, row[field], None,
            note=f"set_null: {deleted} {deleted_id} was deleted",
        )

