"""A converter from a flat helpdesk export (one row per message, the thread's columns repeated
on each row, as a generic ticket CSV or Zammad's article export has them) to the service
history format (:mod:`engine.imports.history`). The spec (YAML) says which column is what::

    thread:
      object: <object>
      key: <column>               # rows with the same key are one thread
      created_at: <column>
      state: <column>             # the thread's last state ...
      state_at: <column>          # ... and when it was reached
      states: {<cell text>: <state>}
      columns: {<column>: <field>}              # cleansed as imports cleanse cells
      lookups: {<column>: {field: <field>, by: <target field>}}
    item:
      object: <object>
      link: <field>
      key: <column>
      created_at: <column>
      columns: {<column>: <field>}
    timezone: Asia/Shanghai
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.imports.cell_values import blank, cell_converter
from engine.imports.cleansing import CellProblem, clean_datetime, clean_text
from engine.imports.errors import ImportRefused
from engine.imports.history import HISTORY_FORMAT
from engine.imports.mapping import ColumnMapping
from engine.imports.readers import SourceTable
from engine.packs.registry import Registry

__all__ = ["ThreadCsvSpec", "convert_thread_csv", "parse_thread_spec"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Lookup(_Strict):
    field: str
    by: str


class _Thread(_Strict):
    object: str
    key: str
    created_at: str
    state: str | None = None
    state_at: str | None = None
    states: dict[str, str] = Field(default_factory=dict)
    columns: dict[str, str] = Field(default_factory=dict)
    lookups: dict[str, _Lookup] = Field(default_factory=dict)


class _Item(_Strict):
    object: str
    link: str
    key: str
    created_at: str
    columns: dict[str, str] = Field(default_factory=dict)


class ThreadCsvSpec(_Strict):
    thread: _Thread
    item: _Item | None = None
    timezone: str = "UTC"
    phone_region: str = "CN"


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if Decimal(repr(float(value))) == value else str(value)
    return str(value)


def parse_thread_spec(data: Any, source: str = "spec") -> ThreadCsvSpec:
    try:
        return ThreadCsvSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise ImportRefused(f"{source}: {problems}", code="import_mapping_invalid") from None


def convert_thread_csv(registry: Registry, table: SourceTable,
                       spec: ThreadCsvSpec) -> tuple[str, list[str]]:
    """The history file (JSON Lines) for ``table``, and the problems of rows left out."""
    zone = ZoneInfo(spec.timezone)
    needed = [spec.thread.key, spec.thread.created_at, *spec.thread.columns,
              *spec.thread.lookups, *([spec.thread.state] if spec.thread.state else []),
              *([spec.thread.state_at] if spec.thread.state_at else [])]
    if spec.item:
        needed += [spec.item.key, spec.item.created_at, *spec.item.columns]
    missing = [c for c in needed if c not in table.headers]
    if missing:
        raise ImportRefused(f"{table.name}: no column {', '.join(map(repr, missing))}",
                            code="import_mapping_invalid")

    def converters(object_name: str, columns: dict[str, str]) -> dict[str, Any]:
        obj = registry.object(object_name)
        made = {}
        for column, name in columns.items():
            if name not in obj.fields:
                raise ImportRefused(f"spec: {object_name} has no field '{name}'",
                                    code="import_mapping_invalid")
            made[column] = (name, cell_converter(obj.fields[name], ColumnMapping(field=name),
                                                 zone=zone, phone_region=spec.phone_region))
        return made

    thread_cols = converters(spec.thread.object, spec.thread.columns)
    item_cols = converters(spec.item.object, spec.item.columns) if spec.item else {}
    threads: dict[str, dict[str, Any]] = {}
    problems: list[str] = []

    def values(cells: dict[str, Any], cols: dict[str, Any], row: int) -> dict[str, Any]:
        out = {}
        for column, (name, convert) in cols.items():
            if not blank(cells.get(column)):
                try:
                    out[name] = convert(cells[column])
                except CellProblem as exc:
                    raise CellProblem(f"row {row}, column '{column}': {exc}") from None
        return out

    def when(cells: dict[str, Any], column: str, row: int) -> str:
        try:
            return clean_datetime(cells.get(column), zone).isoformat()
        except CellProblem as exc:
            raise CellProblem(f"row {row}, column '{column}': {exc}") from None

    for row in table.rows:
        cells = row.cells
        try:
            key = clean_text(cells.get(spec.thread.key) or "")
            if not key:
                raise CellProblem(f"row {row.number}: the key column "
                                  f"'{spec.thread.key}' is empty")
            thread = threads.get(key)
            if thread is None:
                thread = {"key": key,
                          "created_at": when(cells, spec.thread.created_at, row.number),
                          "values": values(cells, thread_cols, row.number),
                          "lookups": {look.field: {look.by: clean_text(cells[column])}
                                      for column, look in spec.thread.lookups.items()
                                      if not blank(cells.get(column))},
                          "states": [], "items": []}
                if spec.thread.state and not blank(cells.get(spec.thread.state)):
                    text = clean_text(cells[spec.thread.state])
                    state = spec.thread.states.get(text, text)
                    at = when(cells, spec.thread.state_at or spec.thread.created_at,
                              row.number)
                    thread["states"] = [{"state": state, "at": at}]
                threads[key] = thread
            if spec.item and not blank(cells.get(spec.item.key)):
                thread["items"].append({
                    "key": f"{key}/{clean_text(cells[spec.item.key])}",
                    "created_at": when(cells, spec.item.created_at, row.number),
                    "values": values(cells, item_cols, row.number)})
        except CellProblem as exc:
            problems.append(str(exc))
    header = {"format": HISTORY_FORMAT, "thread": spec.thread.object,
              "item": spec.item.object if spec.item else None,
              "link": spec.item.link if spec.item else None}
    lines = [json.dumps(header)] + [json.dumps(t, ensure_ascii=False, default=_json)
                                    for t in threads.values()]
    return "\n".join(lines) + "\n", problems
