"""Service history: threads (records with a workflow) with their items (messages, notes) and
their state changes, from a documented intermediate format, written as of their own times.

The format is JSON Lines. The first line says which objects hold what; each further line is
one thread::

    {"format": "flowdesk-history/1", "thread": "<object>", "item": "<object>",
     "link": "<the item's reference field to its thread>"}
    {"key": "Z-1001", "created_at": "2025-03-01T09:00:00+08:00",
     "values": {<field>: <JSON value>, ...},
     "lookups": {<reference field>: {"<field of the target>": "<value>"}},
     "states": [{"state": "<state>", "at": "<ISO time>"}, ...],
     "items": [{"key": "Z-1001/1", "created_at": "...", "values": {...}, "lookups": {...}}]}

Values are what the record API takes (the converters cleanse spreadsheets into it). A thread
is created with its values at ``created_at``, moved through ``states`` at their times (audited
as transitions, so SLA replay and reports see the history), and its items are created at theirs.
Automations are muted. Keys make a second run add only what is new: a known thread is left as
it is, and only its unknown items are added.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from engine.errors import FlowdeskError, ValidationFailed
from engine.imports.cleansing import match_key
from engine.imports.errors import ImportRefused
from engine.imports.key_store import ImportKeys, ImportRuns
from engine.runtime.audit import AuditTrail
from engine.runtime.records import RecordService
from engine.runtime.unit_of_work import UnitOfWork

__all__ = ["HISTORY_FORMAT", "HistoryResult", "import_history", "read_history"]

HISTORY_FORMAT = "flowdesk-history/1"


@dataclass(slots=True)
class HistoryResult:
    """Counts, and the lines refused with their reasons."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("threads", "unchanged", "items", "states", "rejected"), 0))
    problems: list[tuple[int, str]] = field(default_factory=list)
    resumed_after: int = 0


@dataclass(frozen=True, slots=True)
class _Header:
    thread: str
    item: str | None
    link: str | None


def read_history(text: str, name: str = "history") -> tuple[_Header, list[tuple[int, Any]]]:
    """The header and the (line number, thread) pairs of a history file."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    parsed: list[tuple[int, Any]] = []
    for number, line in lines:
        try:
            parsed.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ImportRefused(f"{name}:{number}:{exc.colno}: not JSON: {exc.msg}",
                                code="import_unreadable") from None
    if not parsed or not isinstance(parsed[0][1], dict) or \
            parsed[0][1].get("format") != HISTORY_FORMAT:
        raise ImportRefused(f"{name}:1: the first line must be the header "
                            f'{{"format": "{HISTORY_FORMAT}", "thread": ..., "item": ..., '
                            f'"link": ...}}', code="import_mapping_invalid")
    head = parsed[0][1]
    header = _Header(str(head.get("thread", "")), head.get("item"), head.get("link"))
    return header, parsed[1:]


def _time(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _LineProblem(f"{where}: '{value}' is not an ISO time with an offset") from None
    if moment.tzinfo is None:
        raise _LineProblem(f"{where}: '{value}' has no offset (add Z or +08:00)")
    return moment.astimezone(UTC)


class _LineProblem(Exception):
    pass


def import_history(records: RecordService, audit: AuditTrail, text: str, name: str, *,
                   actor: str = "import", run_id: str | None = None,
                   batch_size: int = 200, apply: bool = True) -> HistoryResult:
    """Write the threads of history file ``text`` (see the module's docstring). Without
    ``apply`` every batch is written and rolled back: the counts and problems are a dry run's."""
    header, threads = read_history(text, name)
    records.compiled(header.thread)  # unknown_object if there is none
    machine = next((w for w in records.registry.workflows.values()
                    if w.object == header.thread), None)
    item_c = records.compiled(header.item) if header.item else None

    if item_c is not None and (header.link is None
                               or item_c.obj.fields.get(header.link) is None
                               or item_c.obj.fields[header.link].reference_to != header.thread):
        raise ImportRefused(f"{name}:1: link: '{header.link}' is not a field of {header.item} "
                            f"that refers to {header.thread}", code="import_mapping_invalid")
    runs = ImportRuns()
    rid = run_id or f"history:{name}"[:96]
    result = HistoryResult()
    if apply:
        with records.database.begin() as conn:
            state = runs.start(conn, rid, object_name=header.thread, source=name, actor=actor,
                               now=records.clock.now())
        result.resumed_after = int(state["last_row"])
        result.counts.update(state["counts"] or {})
    todo = [(n, t) for n, t in threads if n > result.resumed_after]
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        with contextlib.suppress(_DryRun):
            _batch(records, audit, header, machine, batch, result, rid, actor,
                   done=start + batch_size >= len(todo), apply=apply)
    return result


class _DryRun(Exception):
    """Rolls a dry run's batch back."""


def _batch(records: RecordService, audit: AuditTrail, header: _Header, machine: Any,
           batch: list[tuple[int, Any]], result: HistoryResult, rid: str, actor: str, *,
           done: bool, apply: bool) -> None:
    runs, keys = ImportRuns(), ImportKeys()
    with records.command(actor) as uow:
        known = keys.load(uow.conn, header.thread)
        known_items = keys.load(uow.conn, header.item) if header.item else {}
        fresh: dict[str, int] = {}
        fresh_items: dict[str, int] = {}
        for number, thread in batch:
            savepoint = uow.conn.begin_nested()
            try:
                _thread(records, audit, uow, header, machine, thread, known, known_items,
                        fresh, fresh_items, result, number, rid)
                savepoint.commit()
            except (_LineProblem, FlowdeskError) as exc:
                savepoint.rollback()
                message = exc.message if isinstance(exc, FlowdeskError) else str(exc)
                result.problems.append((number, message))
                result.counts["rejected"] += 1
            finally:
                uow.entries.clear()
                uow.events.clear()
        keys.remember(uow.conn, header.thread, fresh)
        if header.item:
            keys.remember(uow.conn, header.item, fresh_items)
        if not apply:
            raise _DryRun
        runs.advance(uow.conn, rid, last_row=batch[-1][0], counts=result.counts,
                     now=uow.now, done=done)


def _values(records: RecordService, uow: UnitOfWork, object_name: str, entry: dict[str, Any],
            where: str, link: dict[str, int] | None = None) -> dict[str, Any]:
    values = entry.get("values", {})
    if not isinstance(values, dict):
        raise _LineProblem(f"{where}.values: expected an object")
    values = {**values, **(link or {})}
    obj = records.compiled(object_name).obj
    for name, by in (entry.get("lookups") or {}).items():
        f = obj.fields.get(name)
        if f is None or f.reference_to is None or not isinstance(by, dict) or len(by) != 1:
            raise _LineProblem(f"{where}.lookups.{name}: expected a reference field and "
                               "{\"<field>\": \"<value>\"}")
        [(target_field, wanted)] = by.items()
        table = records.table(f.reference_to)
        if target_field not in table.c:
            raise _LineProblem(f"{where}.lookups.{name}: {f.reference_to} has no field "
                               f"'{target_field}'")
        ids = [i for i, v in uow.conn.execute(select(table.c.id, table.c[target_field]))
               if v is not None and match_key(v) == match_key(wanted)]
        if len(ids) != 1:
            raise _LineProblem(f"{where}.lookups.{name}: "
                               + (f"no {f.reference_to} with {target_field} '{wanted}'"
                                  if not ids else f"{len(ids)} {f.reference_to} records have "
                                  f"{target_field} '{wanted}'"))
        values[name] = ids[0]
    try:
        return records.compiled(object_name).validator.validate_create(values)
    except ValidationFailed as exc:
        raise _LineProblem(f"{where}: {exc.message}") from None


def _thread(records: RecordService, audit: AuditTrail, uow: UnitOfWork, header: _Header,
            machine: Any, thread: Any, known: dict[str, int], known_items: dict[str, int],
            fresh: dict[str, int], fresh_items: dict[str, int], result: HistoryResult,
            number: int, run_id: str) -> None:
    if not isinstance(thread, dict) or not isinstance(thread.get("key"), str):
        raise _LineProblem("expected a thread object with a string key")
    note = f"import {run_id}: line {number}"
    key = thread["key"]
    batch_now = uow.now
    try:
        thread_id = known.get(key) or fresh.get(key)
        if thread_id is None:
            values = _values(records, uow, header.thread, thread, "thread")
            uow.now = _time(thread.get("created_at"), "created_at")
            record = records.create_in(uow, header.thread, values, note=note)
            thread_id = int(record["id"])
            _flush(audit, uow)
            for i, change in enumerate(thread.get("states") or []):
                if machine is None:
                    raise _LineProblem(f"states: {header.thread} has no workflow")
                target = change.get("state") if isinstance(change, dict) else None
                if target not in machine.states:
                    raise _LineProblem(f"states[{i}]: '{target}' is not a state of "
                                       f"{machine.name} ({', '.join(machine.states)})")
                uow.now = _time(change.get("at"), f"states[{i}].at")
                records.update_in(uow, header.thread, thread_id, {machine.field: target},
                                  action="transition", note=note)
                _flush(audit, uow)
                result.counts["states"] += 1
            fresh[key] = thread_id
            result.counts["threads"] += 1
        else:
            result.counts["unchanged"] += 1
        for i, item in enumerate(thread.get("items") or []):
            if header.item is None or header.link is None:
                raise _LineProblem("items: the header names no item object")
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise _LineProblem(f"items[{i}]: expected an object with a string key")
            if item["key"] in known_items or item["key"] in fresh_items:
                continue
            values = _values(records, uow, header.item, item, f"items[{i}]",
                             {header.link: thread_id})
            uow.now = _time(item.get("created_at"), f"items[{i}].created_at")
            created = records.create_in(uow, header.item, values, note=note)
            _flush(audit, uow)
            fresh_items[item["key"]] = int(created["id"])
            result.counts["items"] += 1
    finally:
        uow.events.clear()  # history raises no automation
        uow.now = batch_now


def _flush(audit: AuditTrail, uow: UnitOfWork) -> None:
    """Write the audit rows so far at the time they happened."""
    audit.write(uow.conn, uow.entries, change_id=uow.change_id, actor=uow.actor, at=uow.now)
    uow.entries.clear()


