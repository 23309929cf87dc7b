"""The import mapping: which column fills which field, and how, declared in YAML.

A mapping file holds one sheet's mapping or several (``sheets:``), each for one object::

    object: <object>            # the records the rows become
    sheet: <sheet name>         # XLSX only; the first sheet by default
    header_row: 2               # default: the first row with two different texts
    key: [<column>, ...]        # the external key: a second run updates, never duplicates
    as_of: <column>             # the record's original creation time
    timezone: Asia/Shanghai     # for dates and times written without an offset
    phone_region: CN            # for phone numbers written without +country
    automations: muted          # or run
    batch_size: 500
    columns:
      <column>: <field>
      <column>: {field: <field>, values: {<cell text>: <option>}, lookup: <field>,
                 format: "%d.%m.%Y"}
    duplicates: {match: [<field>, ...], fuzzy: <field>, threshold: 90, action: merge,
                 decisions: {<first row of a group>: keep}}

Mappings are data: the engine learns an object's fields from the registry, never from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.errors import did_you_mean
from engine.imports.errors import ImportRefused
from engine.objects.model import ObjectType

__all__ = ["ColumnMapping", "DuplicateRules", "SheetMapping", "load_mappings", "parse_mappings",
           "check_mapping"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnMapping(_Strict):
    """How one column becomes one field."""

    field: str
    #: Cell text -> stored value (enum options, booleans...); matched after normalisation.
    values: dict[str, Any] = Field(default_factory=dict)
    #: For a reference: the field of the referenced object whose value the cell holds.
    lookup: str | None = None
    #: A ``strptime`` format tried before the built-in date formats.
    format: str | None = None


class DuplicateRules(_Strict):
    """How rows that are one record are found, and what becomes of them."""

    #: Fields compared exactly (after cleansing), each on its own: same email = same record.
    match: list[str] = Field(default_factory=list)
    #: A field compared fuzzily (rapidfuzz), e.g. a name spelled several ways.
    fuzzy: str | None = None
    #: The fuzzy score (0-100) at or above which two values are the same.
    threshold: Annotated[int, Field(ge=50, le=100)] = 90
    #: ``merge``: one record, later rows fill its empty fields; ``skip``: the first row only;
    #: ``keep``: every row its own record (groups are still reported).
    action: Literal["merge", "skip", "keep"] = "merge"
    #: A group's own decision, by the row number of its first row (as the report lists it).
    decisions: dict[int, Literal["merge", "skip", "keep"]] = Field(default_factory=dict)


class SheetMapping(_Strict):
    """One sheet (or CSV file) becoming records of one object."""

    object: str
    sheet: str | None = None
    header_row: Annotated[int, Field(ge=1)] | None = None
    key: list[str] = Field(default_factory=list)
    as_of: str | None = None
    timezone: str = "UTC"
    phone_region: str = "CN"
    automations: Literal["muted", "run"] = "muted"
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 500
    columns: dict[str, str | ColumnMapping] = Field(default_factory=dict)
    duplicates: DuplicateRules = Field(default_factory=DuplicateRules)

    @field_validator("key", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Asia/Shanghai, UTC)") from None
        return value

    def column(self, name: str) -> ColumnMapping:
        spec = self.columns[name]
        return ColumnMapping(field=spec) if isinstance(spec, str) else spec

    def column_of(self, field: str) -> str | None:
        """The column that fills ``field``, if one does."""
        for name in self.columns:
            if self.column(name).field == field:
                return name
        return None


class _File(_Strict):
    sheets: list[SheetMapping]


def parse_mappings(data: Any, source: str = "mapping") -> list[SheetMapping]:
    """The sheet mappings in parsed YAML ``data`` (one mapping, or ``sheets:`` of them)."""
    if isinstance(data, dict) and "sheets" not in data:
        data = {"sheets": [data]}
    try:
        return _File.model_validate(data).sheets
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
        raise ImportRefused(f"{source}: {problems}", code="import_mapping_invalid") from None


def load_mappings(path: Path) -> list[SheetMapping]:
    """The mappings in the YAML file at ``path``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportRefused(f"{path}: cannot read the mapping: {exc}",
                            code="import_mapping_invalid") from None
    return parse_mappings(data, str(path))


def check_mapping(mapping: SheetMapping, obj: ObjectType, headers: tuple[str, ...],
                  objects: dict[str, ObjectType], source: str = "mapping") -> None:
    """Refuse a mapping that names a column the sheet lacks or a field the object lacks."""
    problems: list[str] = []
    writable = {n for n, f in obj.fields.items() if not f.system and f.computed is None}
    for column in mapping.columns:
        spec = mapping.column(column)
        if column not in headers:
            problems.append(f"columns.{column}: the sheet has no column '{column}'"
                            f"{did_you_mean(column, headers)}")
        if spec.field not in writable:
            problems.append(f"columns.{column}: '{spec.field}' is not a field {obj.name} "
                            f"records take{did_you_mean(spec.field, writable)}")
            continue
        f = obj.fields[spec.field]
        if spec.lookup is not None:
            target = objects.get(f.reference_to or "")
            if target is None:
                problems.append(f"columns.{column}: lookup is for reference fields; "
                                f"'{spec.field}' is a {f.type}")
            elif spec.lookup not in target.fields:
                problems.append(f"columns.{column}: {target.name} has no field "
                                f"'{spec.lookup}'{did_you_mean(spec.lookup, target.fields)}")
    for column in [*mapping.key, *([mapping.as_of] if mapping.as_of else [])]:
        if column not in headers:
            problems.append(f"key/as_of: the sheet has no column '{column}'"
                            f"{did_you_mean(column, headers)}")
    rules = mapping.duplicates
    for name in [*rules.match, *([rules.fuzzy] if rules.fuzzy else [])]:
        if mapping.column_of(name) is None:
            problems.append(f"duplicates: no column is mapped to '{name}'")
    if problems:
        raise ImportRefused(f"{source} ({mapping.object}): " + "; ".join(problems),
                            code="import_mapping_invalid")
