"""The pack format of ``reports/*.yaml``: a report declares an object, what to group its records
by and what to measure, and the engine computes it in SQL (``GET /api/reports/{name}``).

Kept apart from :mod:`engine.packs.models` (which it builds on) because it is one concept with
its own vocabulary: dimensions, measures, aggregations.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from engine.packs.merge import MergeKeys
from engine.packs.models import DslText, DurationText, Identifier, Label, _label_from_str, _Spec

__all__ = [
    "AGGREGATIONS",
    "BUCKETS",
    "SLA_OUTCOMES",
    "UNITS",
    "ReportGroupSpec",
    "ReportMeasureSpec",
    "ReportConditionSpec",
    "ReportSlaSpec",
    "ReportSpec",
]

AggregationName = Literal["count", "sum", "avg", "min", "max", "percent", "nps"]
BucketName = Literal["day", "week", "month"]
UnitName = Literal["seconds", "minutes", "hours", "days"]
SlaOutcomeName = Literal["met", "breached", "running", "cancelled"]

AGGREGATIONS: tuple[str, ...] = AggregationName.__args__  # type: ignore[attr-defined]
BUCKETS: tuple[str, ...] = BucketName.__args__  # type: ignore[attr-defined]
UNITS: tuple[str, ...] = UnitName.__args__  # type: ignore[attr-defined]
SLA_OUTCOMES: tuple[str, ...] = SlaOutcomeName.__args__  # type: ignore[attr-defined]


class ReportGroupSpec(_Spec):
    """One dimension rows are grouped by. In YAML a plain field name is shorthand for
    ``{field: name}``. Give ``field`` (its values; with ``bucket`` a date or datetime field is
    cut into days, weeks or months) or ``age`` with ``buckets`` (how long ago a date or
    datetime field lies, in ranges)."""

    field: Identifier | None = None
    """The field whose values make the groups (not a list, JSON or long-text field)."""
    bucket: BucketName | None = None
    """For a date or datetime ``field``: group by the day, the ISO week (starting Monday) or
    the month it falls in, in the report's timezone (``tz``, default UTC). Rows show the
    first day of the bucket (``2026-03-02``)."""
    age: Identifier | None = None
    """A date or datetime field: group by how long ago it lies (at the time the report runs)."""
    buckets: list[DurationText] | None = None
    """For ``age``: the upper bounds of the ranges, ascending, e.g. ``[1d, 3d, 7d, 30d]``
    gives ``<1d``, ``1d-3d``, ``3d-7d``, ``7d-30d`` and ``>=30d``."""
    name: Identifier | None = None
    """The column's name in the output and in ``?group_by=``; defaults to the field's name
    (``age`` for an age dimension)."""
    label: Label | None = None
    """The column's heading; defaults to the field's label."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class ReportSlaSpec(_Spec):
    """Records whose SLA clock of ``metric`` has one of the ``outcome``s (read from the SLA
    clock table): ``met`` (stopped within target), ``breached`` (past its target, stopped or
    not), ``running`` (running or paused, not breached yet), ``cancelled``."""

    metric: Identifier
    """A metric of the object's SLA (``sla/``)."""
    outcome: SlaOutcomeName | list[SlaOutcomeName]
    """One outcome or a list of them (any of which counts)."""


class ReportConditionSpec(_Spec):
    """Which records count: a record filter and/or an SLA outcome (both must hold)."""

    where: DslText | None = None
    """A boolean rule-DSL filter over the record, in the subset that runs as SQL (the one role
    filters use): comparisons, ``in``, ``and``/``or``/``not``, fields, literals."""
    sla: ReportSlaSpec | None = None
    """An SLA clock outcome the record's clock must have."""


class ReportMeasureSpec(_Spec):
    """One computed column. ``agg`` says how: ``count`` records; ``sum``, ``avg``, ``min``,
    ``max`` of a number or duration ``field`` or of the time between two date/datetime fields
    (``duration``); ``percent`` of the records (of those ``of`` selects) for which ``where``
    and ``sla`` hold; ``nps`` of a 0-10 ``field``: % promoters (9-10) minus % detractors
    (0-6). ``where`` and ``sla`` narrow any measure to the records they select."""

    name: Identifier
    """The column's name in the output."""
    agg: AggregationName
    """The aggregation."""
    label: Label | None = None
    """The column's heading; defaults to the name."""
    field: Identifier | None = None
    """The field aggregated (integer, decimal or duration; integer for ``nps``)."""
    duration: Annotated[list[Identifier], Field(min_length=2, max_length=2)] | None = None
    """``[start, end]``: aggregate the time from one date/datetime field to another (a record
    missing either is left out)."""
    calendar: Identifier | None = None
    """With ``duration`` (``sum``, ``avg``, ``min``, ``max``): count only the business time
    of this calendar (``calendars/``) between the two instants, e.g. average business hours
    to resolve. Computed in Python over the counted records, not in SQL (see the docs)."""
    unit: UnitName | None = None
    """The unit a duration is shown in (default: hours for ``duration``, seconds for a
    duration field)."""
    where: DslText | None = None
    """A record filter (SQL subset) the measure counts only the records of; for ``percent``
    the records counted as a hit."""
    sla: ReportSlaSpec | None = None
    """An SLA outcome the measure counts only the records of; for ``percent`` a hit."""
    of: ReportConditionSpec | None = None
    """For ``percent``: the records the percentage is of (default: every record of the row)."""
    decimals: int = Field(default=2, ge=0, le=6)
    """Digits after the point of averages, percentages and durations (a decimal field's sum,
    average, minimum and maximum keep the field's own ``scale`` instead)."""
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    """For a measure of a decimal ``field``: the ISO 4217 code of the money it adds up. Its
    values then come out as ``{"amount": "350.50", "currency": "CNY"}`` instead of
    ``"350.50"``."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


def _group_shorthand(value: Any) -> Any:
    if isinstance(value, list):
        return [{"field": v} if isinstance(v, str) else v for v in value]
    return value


class ReportSpec(_Spec):
    """A file under ``reports/``: one report over one object's records, grouped by dimensions
    and measured by aggregations, computed in the database. Users run the reports whose object
    they may read (``roles`` narrows who); only the records they may read are counted. A later
    pack's report of the same name replaces the base pack's; a file that says
    ``extend: <name>`` merges into it by name instead."""

    merge_keys: ClassVar[MergeKeys] = MergeKeys(
        "report", {"measures": "name", "group_by": "name|age|field"})

    report: Identifier
    """The report's name (``GET /api/reports/{name}``)."""
    object: Identifier
    """The object whose records it counts."""
    label: Label | None = None
    """The report's title."""
    description: Label | None = None
    """What it shows."""
    date_field: Identifier | None = None
    """The date or datetime field ``?from=`` and ``?to=`` filter on (e.g. ``created_at``)."""
    filter: DslText | None = None
    """A boolean rule-DSL filter (SQL subset) every counted record must pass, e.g.
    ``status != "new"``."""
    group_by: list[ReportGroupSpec] = Field(default_factory=list)
    """The dimensions, in order (empty: one row of totals)."""
    measures: list[ReportMeasureSpec] = Field(min_length=1)
    """The computed columns, in order."""
    roles: list[Identifier] = Field(default_factory=list)
    """Roles that may run it besides ``admin`` (empty: every role that may read the object)."""

    _coerce_labels = field_validator("label", "description", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
    _coerce_groups = field_validator("group_by", mode="before")(
        classmethod(lambda cls, v: _group_shorthand(v))
    )
