"""Compiled views and related views: what ``views/*.yaml`` and ``related/*.yaml`` declare,
checked against their objects and frozen. :mod:`engine.views` runs them as SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import SourcePos
from engine.objects.model import Text
from engine.objects.permissions import RecordFilter

__all__ = ["SlaState", "SortOrder", "View", "Aggregate", "RelatedSection", "RelatedView",
           "RUNNING_STATE", "AT_RISK_STATE", "BREACHED_STATE"]

RUNNING_STATE, AT_RISK_STATE, BREACHED_STATE = "running", "at_risk", "breached"

#: ``(field, descending)`` pairs, the first deciding first.
SortOrder = tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class SlaState:
    """Records with a clock in ``state`` (running, at_risk, breached), of ``metric`` or any."""

    state: str
    metric: str | None = None


@dataclass(frozen=True, slots=True)
class View:
    """A saved list of ``object``'s records for the desk."""

    name: str
    object: str
    label: Text
    filter: RecordFilter | None = None
    sla: SlaState | None = None
    sort: SortOrder = ()
    columns: tuple[str, ...] = ()
    #: roles that see it besides admin; empty: every role that may read the object
    roles: tuple[str, ...] = ()
    #: a field holding a team name: one view per team of the user
    per: str | None = None
    refresh_seconds: int = 60
    order: int = 100
    pos: SourcePos | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``count`` of records or ``avg`` of ``field`` per month of ``by``, last ``months``."""

    function: str
    by: str
    by_type: str  # date or datetime
    months: int
    field: str | None = None


@dataclass(frozen=True, slots=True)
class RelatedSection:
    """Records of ``object`` linked to the shown record: ``via`` a reference of theirs to it,
    or ``through`` a reference of the shown record to them."""

    name: str
    label: Text
    object: str
    via: str | None = None
    through: str | None = None
    filter: RecordFilter | None = None
    sla: SlaState | None = None
    sort: SortOrder = ()
    limit: int = 10
    columns: tuple[str, ...] = ()
    aggregate: Aggregate | None = None


@dataclass(frozen=True, slots=True)
class RelatedView:
    """What is shown around one record of ``object``, section by section."""

    name: str
    object: str
    label: Text
    sections: tuple[RelatedSection, ...]
    roles: tuple[str, ...] = ()
    pos: SourcePos | None = field(default=None, compare=False)
