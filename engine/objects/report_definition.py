"""Compiled reports: what a ``reports/*.yaml`` file declares, checked against its object and
frozen. :mod:`engine.runtime.reports` turns one into a single SQL query per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from engine.errors import SourcePos
from engine.objects.model import Text
from engine.rules_dsl.nodes import Node

__all__ = [
    "FIELD", "BUCKET", "AGE",
    "UNIT_SECONDS",
    "ReportFilter",
    "SlaCondition",
    "Condition",
    "Dimension",
    "Measure",
    "Report",
]

#: Dimension kinds: a field's values, a date/datetime field cut into buckets, an age range.
FIELD, BUCKET, AGE = "field", "bucket", "age"
#: Seconds in each unit a duration may be shown in.
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """A checked record filter in the SQL subset of :mod:`engine.objects.filter_sql`."""

    source: str
    tree: Node


@dataclass(frozen=True, slots=True)
class SlaCondition:
    """The record's clock of ``metric`` has one of ``outcomes`` (met, breached, running,
    cancelled)."""

    metric: str
    outcomes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Condition:
    """Which records count: both parts hold (an absent part holds)."""

    where: ReportFilter | None = None
    sla: SlaCondition | None = None

    @property
    def always(self) -> bool:
        return self.where is None and self.sla is None


@dataclass(frozen=True, slots=True)
class Dimension:
    """One group-by column. ``bucket`` is day/week/month for :data:`BUCKET`; ``bounds`` are
    the ascending upper bounds of the age ranges for :data:`AGE`, ``labels`` their names."""

    name: str
    label: Text
    kind: str
    field: str
    #: the output type: the field's type, ``date`` for buckets, ``string`` for ages
    type: str
    bucket: str | None = None
    bounds: tuple[timedelta, ...] = ()
    labels: tuple[str, ...] = ()
    #: value -> label of an enum field (or of the age ranges), for the output's columns
    options: tuple[tuple[str, Text], ...] = ()


@dataclass(frozen=True, slots=True)
class Measure:
    """One computed column. The value is the ``field`` (its type in ``field_type``) or the
    seconds from ``duration[0]`` to ``duration[1]``; ``unit`` converts durations."""

    name: str
    label: Text
    agg: str
    field: str | None = None
    field_type: str | None = None
    duration: tuple[str, str] | None = None
    unit: str | None = None
    when: Condition = Condition()
    of: Condition = Condition()
    decimals: int = 2
    #: a decimal field's digits after the point (its sums, averages, min and max keep them)
    scale: int | None = None
    #: ISO 4217 code of a money measure (``currency:``)
    currency: str | None = None
    #: business calendar the ``duration`` is measured on (computed in Python, not SQL)
    calendar: str | None = None

    @property
    def is_duration(self) -> bool:
        return self.duration is not None or self.field_type == "duration"

    @property
    def output_type(self) -> str:
        """``integer`` (counts, sums/min/max of integers), ``decimal`` (sums, averages, min
        and max of a decimal field: exact, at the field's scale) or ``number``."""
        if self.agg in ("sum", "avg", "min", "max") and self.field_type == "decimal":
            return "decimal"
        if self.agg == "count":
            return "integer"
        if self.agg in ("sum", "min", "max") and self.field_type == "integer":
            return "integer"
        return "number"


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    object: str
    label: Text
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    description: Text | None = None
    date_field: str | None = None
    #: the date field's type (``date`` or ``datetime``)
    date_type: str | None = None
    filter: ReportFilter | None = None
    #: roles that may run it besides admin (empty: whoever may read the object)
    roles: tuple[str, ...] = ()
    #: every field of the object the report reads (a user who cannot see one cannot run it)
    fields: frozenset[str] = frozenset()
    #: SLA metrics whose clocks the report joins
    sla_metrics: tuple[str, ...] = ()
    pos: SourcePos | None = field(default=None, compare=False)

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)
