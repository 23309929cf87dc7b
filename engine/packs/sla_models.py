"""The pack format of ``sla/*.yaml``: metrics and the policies that set their targets."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, field_validator

from engine.packs.merge import MergeKeys
from engine.packs.models import (
    DslText,
    DurationText,
    Identifier,
    Label,
    StateCategory,
    _label_from_str,
    _Spec,
)

__all__ = [
    "SlaMetricSpec", "SlaPolicySpec", "SlaSpec",
]


class SlaMetricSpec(_Spec):
    """One measured time of a record (first response, next response, resolution). Each
    condition is a boolean rule-DSL expression over the record (``old`` and ``changed(field)``
    see the change being made); ``*_in`` lists workflow state categories that count as the
    condition holding too."""

    label: Label | None = None
    """What users see."""
    start: DslText = True
    """The clock starts when this holds (default: when the record is created)."""
    stop: DslText | None = None
    """The clock stops when this holds: met if its target was not reached, else breached. A
    stopped clock runs on again when the stop no longer holds (a reopened record)."""
    stop_in: list[StateCategory] = Field(default_factory=list)
    """Stop in these state categories (e.g. ``[resolved, closed]``)."""
    pause: DslText | None = None
    """The clock is paused while this holds, and resumes when it no longer does."""
    pause_in: list[StateCategory] = Field(default_factory=list)
    """Pause in these state categories (e.g. ``[pending]``)."""
    cancel: DslText | None = None
    """The clock is cancelled (neither met nor breached) when this holds."""
    reset: DslText | None = None
    """The clock starts again from zero when this holds, e.g.
    ``changed(last_customer_reply_at)`` for a next-response metric."""
    warnings: list[Annotated[int, Field(ge=1, le=99)]] = Field(default_factory=lambda: [80])
    """Percentages of the target at which an ``sla_warning`` event is raised."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class SlaPolicySpec(_Spec):
    """Targets for the records its ``when`` selects; the first policy that holds applies."""

    name: Identifier
    """The policy's name (shown on clocks and in reports)."""
    label: Label | None = None
    """What users see."""
    when: DslText = True
    """A boolean rule-DSL expression over the record, e.g.
    ``severity == "S1" and account.plan == "enterprise"``."""
    calendar: Identifier | None = None
    """The business calendar targets count on (default: the SLA's ``calendar``)."""
    targets: dict[Identifier, DurationText] = Field(min_length=1)
    """Metric → business duration (``15m``, ``4h``, ``5d``); a metric left out has no clock
    under this policy."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class SlaSpec(_Spec):
    """A file under ``sla/``: the service levels of one object. When a record changes, the
    first policy that holds is selected; every metric's clock is recomputed. A record whose
    policy changes (a new priority) keeps the time already elapsed. A later pack's SLA of the
    same name replaces the base one; a file that says
    ``extend: <name>`` merges into it by name instead."""

    merge_keys: ClassVar[MergeKeys] = MergeKeys("sla", {"policies": "name"})

    sla: Identifier
    """The SLA's name."""
    object: Identifier
    """The object whose records it measures."""
    label: Label | None = None
    """What users see."""
    calendar: Identifier
    """The default business calendar (``calendars/``)."""
    metrics: dict[Identifier, SlaMetricSpec] = Field(min_length=1)
    """The measured times, by name."""
    policies: list[SlaPolicySpec] = Field(min_length=1)
    """The policies, in order: the first whose ``when`` holds applies."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
