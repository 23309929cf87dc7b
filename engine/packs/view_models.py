"""The pack format of ``views/*.yaml`` (saved lists the desk shows with their counts) and
``related/*.yaml`` (one record's surroundings in one request: a 360° page).

A view is a record filter in the SQL subset of :mod:`engine.objects.filter_sql` (it may read
``user``, as role filters do), an optional SLA state, a default sort and the columns to show.
A related view lists, for one record, sections of other records that reference it (or that it
references), each a filtered list or a monthly aggregate.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from engine.packs.models import DslText, Identifier, Label, _label_from_str, _Spec

__all__ = ["SLA_STATES", "ViewSlaSpec", "ViewSpec", "RelatedAggregateSpec", "RelatedSectionSpec",
           "RelatedSpec"]

SlaStateName = Literal["running", "at_risk", "breached"]
SLA_STATES: tuple[str, ...] = SlaStateName.__args__  # type: ignore[attr-defined]


class ViewSlaSpec(_Spec):
    """Records whose SLA clocks are in ``state``: ``running`` (running or paused, not
    breached), ``at_risk`` (a warning reached, nothing breached) or ``breached``."""

    state: SlaStateName
    """The clock state a record must have (on any metric, or on ``metric``)."""
    metric: Identifier | None = None
    """One metric of the object's SLA; without it any metric counts."""


class ViewSpec(_Spec):
    """A file under ``views/``: a saved list of one object's records. ``GET /api/views``
    lists the views a user may see with how many records each holds."""

    view: Identifier
    """The view's name (``GET /api/views/{name}/records``)."""
    object: Identifier
    """The object whose records the view lists."""
    label: Label
    """The view's name as people see it."""
    filter: DslText | None = None
    """A record filter (rule DSL, the subset role filters use), e.g.
    ``assignee == user.id and status in ["new", "open"]``. ``user`` is the signed-in user."""
    sla: SlaStateName | ViewSlaSpec | None = None
    """Only records whose SLA clocks are in this state (``running``, ``at_risk``,
    ``breached``), or ``{state, metric}`` for one metric."""
    sort: str = "-updated_at"
    """The default order: fields separated by commas, a minus for descending."""
    columns: list[Identifier] = Field(default_factory=list)
    """The fields a list shows, in order (fields hidden from a user are left out for them)."""
    roles: list[Identifier] = Field(default_factory=list)
    """The roles that see the view (besides admin); empty: every role that may read the
    object."""
    per: Identifier | None = None
    """A field holding a team's name: the view is shown once per team of the user, as
    ``<view>:<team>``, each listing the records whose field holds that team."""
    refresh_seconds: int = Field(default=60, ge=5, le=86400)
    """How often a screen showing the view should fetch it again."""
    order: int = 100
    """Where the view is listed (lower first; then by name)."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class RelatedAggregateSpec(_Spec):
    """A monthly figure instead of a list: ``count`` of the records, or ``avg`` of a number
    ``field``, per month of the ``by`` date or datetime field, over the last ``months``."""

    function: Literal["count", "avg"]
    """``count`` the records or ``avg`` a number field."""
    field: Identifier | None = None
    """For ``avg``: the integer, decimal or duration field averaged."""
    by: Identifier
    """The date or datetime field whose month groups the records."""
    months: int = Field(default=12, ge=1, le=120)
    """How many months back (the current one included)."""


class RelatedSectionSpec(_Spec):
    """One section of a related view: records of ``object`` linked to the record shown."""

    name: Identifier
    """The section's name in the answer."""
    label: Label
    """The section's heading."""
    object: Identifier
    """The object whose records the section lists."""
    via: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
    """A reference field of ``object`` pointing at the record shown, or a chain of them
    (``parent.owner``: the records whose parent's owner is the record shown). Give ``via``
    or ``through``."""
    through: Identifier | None = None
    """A reference field of the shown record pointing at ``object`` (the one record it
    references)."""
    filter: DslText | None = None
    """A record filter over ``object`` (the subset role filters use; may read ``user``)."""
    sla: SlaStateName | ViewSlaSpec | None = None
    """Only records whose SLA clocks are in this state."""
    sort: str = "-updated_at"
    """The order, as in views."""
    limit: int = Field(default=10, ge=1, le=100)
    """How many records the section lists (``total`` counts them all)."""
    columns: list[Identifier] = Field(default_factory=list)
    """The fields shown."""
    aggregate: RelatedAggregateSpec | None = None
    """A monthly figure in place of the list."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class RelatedSpec(_Spec):
    """A file under ``related/``: what the desk shows around one record of ``object``
    (``GET /api/records/{object}/{id}/related/{name}``)."""

    related: Identifier
    """The related view's name."""
    object: Identifier
    """The object whose records it is shown for."""
    label: Label
    """Its name as people see it."""
    roles: list[Identifier] = Field(default_factory=list)
    """The roles that see it (besides admin); empty: every role that may read the object."""
    sections: list[RelatedSectionSpec] = Field(min_length=1)
    """The sections, in the order shown."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
