"""The pack format of ``automations/*.yaml``: triggers, conditions and actions, told apart
by ``type:``."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from engine.packs.merge import MergeKeys
from engine.packs.models import (
    DslText,
    DurationText,
    Identifier,
    Label,
    SetFieldsAction,
    _label_from_str,
    _Spec,
)

__all__ = [
    "CreatedTrigger", "UpdatedTrigger", "TransitionedTrigger", "TimeTrigger",
    "ScheduleTrigger", "EventTrigger", "TransitionAction", "AssignAction", "CommentAction",
    "SendEmailAction", "WebhookAction", "CreateRecordAction", "UpdateRelatedAction",
    "RouteAction", "NotifyAction", "CallAction", "AutomationSpec", "TriggerSpec",
    "AutomationActionSpec",
]


class CreatedTrigger(_Spec):
    """When a record of the object is created (by a user, the API, an import or another
    automation)."""

    type: Literal["created"]
    """The trigger type."""


class UpdatedTrigger(_Spec):
    """When a record of the object is changed (a transition is a change too). The condition
    may use ``old.field`` and ``changed(field)``."""

    type: Literal["updated"]
    """The trigger type."""
    fields: list[Identifier] = Field(default_factory=list)
    """Fire only when one of these fields changed (empty: any change)."""


class TransitionedTrigger(_Spec):
    """When a record takes a workflow transition."""

    type: Literal["transitioned"]
    """The trigger type."""
    transitions: list[Identifier] = Field(default_factory=list)
    """Only these transitions (empty: any)."""
    to: list[str] = Field(default_factory=list)
    """Only transitions entering one of these states (empty: any)."""
    from_: list[str] = Field(default_factory=list, alias="from")
    """Only transitions leaving one of these states (empty: any)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )


class TimeTrigger(_Spec):
    """A durable timer: ``after`` a record entered ``state``, or ``after`` the instant in a
    datetime ``field`` (a negative ``after`` fires before it; on a ``calendar`` it counts working
    time back: ``-8h`` is one 8-hour business day before). The timer is cancelled when the
    record leaves the state or the field changes (and then set again for the new value). The
    condition is checked when the timer fires."""

    type: Literal["time"]
    """The trigger type."""
    after: DurationText
    """How long after: ``3d``, ``4h``, ``30m``; ``-1h`` (before a field's instant)."""
    state: str | None = None
    """Start counting when the record enters this workflow state."""
    field: Identifier | None = None
    """Count from this datetime field's value (e.g. ``created_at``, ``due_at``)."""
    calendar: Identifier | None = None
    """Count business time on this calendar (``calendars/``); calendar time when omitted."""


class ScheduleTrigger(_Spec):
    """On a cron schedule: at each tick the actions run for every record of the object that
    meets the condition."""

    type: Literal["schedule"]
    """The trigger type."""
    cron: str
    """Five cron fields: minute hour day-of-month month day-of-week (``0 9 1 */3 *``: 09:00 on
    the first day of every third month)."""
    timezone: str = "UTC"
    """The IANA time zone the cron fields are read in."""


class EventTrigger(_Spec):
    """When another part of the engine raises an event about a record (``sla_warning``,
    ``sla_breached``)."""

    type: Literal["event"]
    """The trigger type."""
    event: Identifier
    """The event's name."""


TriggerSpec = Annotated[
    CreatedTrigger | UpdatedTrigger | TransitionedTrigger | TimeTrigger | ScheduleTrigger
    | EventTrigger,
    Field(discriminator="type"),
]


class TransitionAction(_Spec):
    """Take a workflow transition of the record (its guard and required fields apply)."""

    type: Literal["transition"]
    """The action type."""
    transition: Identifier
    """The transition's name in the object's workflow."""


class AssignAction(_Spec):
    """Assign the record: set ``field`` (an owner or queue field) to ``to``, audited as an
    assignment."""

    type: Literal["assign"]
    """The action type."""
    field: Identifier
    """The field that holds the assignee (a reference or string field)."""
    to: DslText
    """A rule-DSL expression of the field's type; ``null`` unassigns."""


class CommentAction(_Spec):
    """Add a comment to the record's history, rendered from a template."""

    type: Literal["comment"]
    """The action type."""
    text: str
    """A Jinja2 template (sandboxed): ``{{ record.subject }}``, ``{{ old.priority }}``,
    ``{{ now }}``, ``{{ automation }}``."""


class SendEmailAction(_Spec):
    """Send an email later, through the outbox (a durable job written with the change)."""

    type: Literal["send_email"]
    """The action type."""
    to: DslText
    """A rule-DSL expression: a string, or a list of strings (addresses). Nulls and empty
    strings are dropped; no address left means no email."""
    subject: str
    """A Jinja2 template for the subject line."""
    body: str
    """A Jinja2 template for the plain-text body."""
    cc: DslText | None = None
    """Copy to: like ``to``."""


class WebhookAction(_Spec):
    """POST a JSON document to a URL later, through the outbox, signed with HMAC-SHA256."""

    type: Literal["webhook"]
    """The action type."""
    url: Annotated[str, StringConstraints(pattern=r"^https?://")]
    """Where to POST."""
    secret_env: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
    """The name of the environment variable holding the signing secret (never the secret
    itself); the worker reads it when it sends."""
    payload: dict[Identifier, DslText] = Field(default_factory=dict)
    """Keys → rule-DSL expressions. Empty: the whole record."""


class CreateRecordAction(_Spec):
    """Create a record of another (or the same) object, e.g. a reply or a follow-up task."""

    type: Literal["create_record"]
    """The action type."""
    object: Identifier
    """The object of the new record."""
    values: dict[Identifier, DslText] = Field(default_factory=dict)
    """Field of the new record → rule-DSL expression over the triggering record (``id`` is
    the triggering record's id)."""
    templates: dict[Identifier, str] = Field(default_factory=dict)
    """Text fields of the new record → Jinja2 templates over the triggering record."""


class UpdateRelatedAction(_Spec):
    """Set fields of the record a reference field points to (the ticket of a message, say);
    nothing happens when the reference is empty."""

    type: Literal["update_related"]
    """The action type."""
    via: Identifier
    """A reference field of this automation's object."""
    values: dict[Identifier, DslText] = Field(default_factory=dict)
    """Field of the referenced record → rule-DSL expression over the triggering record (reach
    the referenced record's own values through the reference: ``parent.count + 1``)."""
    transition: Identifier | None = None
    """A transition of the referenced record's workflow to take after setting the values (a
    reply resumes the case that waited for it)."""


class RouteAction(_Spec):
    """Route the record with its object's routing policy (``routing/``): the first rule that
    holds picks the queue, the queue's strategy picks the agent; both are written as an
    assignment."""

    type: Literal["route"]
    """The action type."""
    queue: Identifier | None = None
    """Skip the rules and pick an agent of this queue (e.g. an escalations queue)."""


class NotifyAction(_Spec):
    """Email users of the desk (not customers): by name, by role and by team. Users without
    an email address or switched off are left out; one email goes to all, through the
    outbox."""

    type: Literal["notify"]
    """The action type."""
    users: DslText | None = None
    """A rule-DSL expression giving a user name or a list of them (e.g. ``assignee``)."""
    roles: list[Identifier] = Field(default_factory=list)
    """Every user with one of these roles (e.g. ``[supervisor]``)."""
    teams: DslText | None = None
    """A rule-DSL expression giving a team name or a list of them (e.g. ``queue``)."""
    subject: str
    """A Jinja2 template for the subject line."""
    body: str
    """A Jinja2 template for the plain-text body."""


class CallAction(_Spec):
    """Run an action a developer registered (entry-point group ``flowdesk.actions``)."""

    type: Literal["call"]
    """The action type."""
    action: Identifier
    """The registered action's name."""
    args: dict[Identifier, DslText] = Field(default_factory=dict)
    """Argument → rule-DSL expression of the type the action declares."""


AutomationActionSpec = Annotated[
    SetFieldsAction | TransitionAction | AssignAction | CommentAction | SendEmailAction
    | WebhookAction | CreateRecordAction | UpdateRelatedAction | NotifyAction | RouteAction
    | CallAction,
    Field(discriminator="type"),
]


class AutomationSpec(_Spec):
    """A file under ``automations/``: when something happens to a record (``when``) and the
    ``condition`` holds, run the ``actions``, in the same transaction as the change (time,
    schedule and event triggers run from the job worker). A later pack's automation of the
    same name replaces the base pack's; a file that says
    ``extend: <name>`` merges into it by name instead."""

    merge_keys: ClassVar[MergeKeys] = MergeKeys("automation", {})

    automation: Identifier
    """The automation's name."""
    object: Identifier
    """The object whose records it watches."""
    label: Label | None = None
    """What admins see."""
    description: Label | None = None
    """What it is for."""
    enabled: bool = True
    """A disabled automation is checked but never runs (an extending pack may switch one
    off)."""
    order: int = 100
    """Automations of one event run by ascending order, then by name."""
    when: TriggerSpec
    """The trigger."""
    condition: DslText | None = None
    """A boolean rule-DSL expression over the record; the actions run only when it holds."""
    actions: list[AutomationActionSpec] = Field(min_length=1)
    """What to do, in order."""

    _coerce_labels = field_validator("label", "description", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


#: A permission: ``true``/``false``, or a boolean rule-DSL record filter such as
#: ``customer == user.customer`` (the records the role may act on).
