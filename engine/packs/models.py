"""The pack format, declared once as pydantic models.

These models describe what a pack's YAML files may say. ``flowdesk schema pack`` prints their
JSON Schema; editors and the designer use it. Each key's docstring becomes its description.
Models forbid unknown keys; the loader turns pydantic's errors into ``file:line:col`` problems.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

__all__ = [
    "Identifier",
    "Label",
    "PackManifest",
    "OptionSpec",
    "FieldSpec",
    "IndexSpec",
    "ValidationRuleSpec",
    "ObjectSpec",
    "FormFieldSpec",
    "FormSectionSpec",
    "FormSpec",
    "SetFieldsAction",
    "ActionSpec",
    "StateSpec",
    "TransitionSpec",
    "WorkflowSpec",
    "AutomationSpec",
    "SlaSpec",
    "AutomationActionSpec",
    "TriggerSpec",
    "CalendarSpec",
    "HolidaySpec",
    "WorkingDaySpec",
    "RoutingSpec",
    "QueueSpec",
    "RoutingRuleSpec",
    "FIELD_TYPES",
    "LOCALES",
]

#: Names of objects, fields, forms and packs: lower snake case, safe as SQL identifiers.
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]

#: Locales a label may carry; ``en`` is the fallback.
LOCALES = ("en", "zh-CN")

FieldTypeName = Literal[
    "string",
    "text",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "duration",
    "enum",
    "multi_enum",
    "tags",
    "email",
    "phone",
    "url",
    "reference",
    "json",
]

#: The field types, in the order the docs list them.
FIELD_TYPES: tuple[str, ...] = get_args(FieldTypeName)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Label(_Spec):
    """A text in several languages. In YAML a plain string means the English text."""

    en: str
    """English text; also the fallback for any other locale."""
    zh_CN: str | None = Field(default=None, alias="zh-CN")
    """Simplified Chinese text."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    def get(self, locale: str) -> str:
        if locale == "zh-CN" and self.zh_CN:
            return self.zh_CN
        return self.en

    def as_dict(self) -> dict[str, str]:
        out = {"en": self.en}
        if self.zh_CN:
            out["zh-CN"] = self.zh_CN
        return out


def _label_from_str(value: Any) -> Any:
    return {"en": value} if isinstance(value, str) else value


class PackManifest(_Spec):
    """``pack.yaml``: who the pack is and which packs it builds on."""

    name: Identifier
    """The pack's name, unique among loaded packs."""
    version: str = "0.1.0"
    """The pack's own version (semantic versioning recommended)."""
    title: Label | None = None
    """A human title."""
    description: Label | None = None
    """What the pack is for."""
    extends: list[str] = Field(default_factory=list)
    """Packs this one builds on, as paths relative to this pack's folder or names of packs
    found beside it. Base packs load first; this pack adds to and overrides them."""
    default_locale: Literal["en", "zh-CN"] = "en"
    """The locale the UI starts in."""

    _coerce_title = field_validator("title", "description", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class OptionSpec(_Spec):
    """One choice of an ``enum``, ``multi_enum`` or ``tags`` field."""

    value: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    """The stored value; rules compare against it."""
    label: Label | None = None
    """What users see; defaults to the value."""
    color: str | None = None
    """An optional CSS colour for badges."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class FieldSpec(_Spec):
    """One field of an object. In an ``extend:`` file only the keys given override the base."""

    type: FieldTypeName | None = None
    """The field type. Required for a new field; may not change when extending."""
    label: Label | None = None
    """What users see; defaults to the field name."""
    help: Label | None = None
    """A help text shown under the input."""
    required: bool | None = None
    """A value must be given when the record is created and may never be cleared."""
    unique: bool | None = None
    """No two records may share a value (a unique index)."""
    indexed: bool | None = None
    """Create an index on this field for fast filters and sorting."""
    default: Any = None
    """The value a new record gets when none is given."""
    min: float | int | None = None
    """Smallest allowed value (integer, decimal, duration in seconds)."""
    max: float | int | None = None
    """Largest allowed value (integer, decimal, duration in seconds)."""
    min_length: int | None = Field(default=None, ge=0)
    """Shortest allowed text."""
    max_length: int | None = Field(default=None, ge=1)
    """Longest allowed text; also the column width for ``string``."""
    pattern: str | None = None
    """A regular expression the whole text must match."""
    precision: int | None = Field(default=None, ge=1, le=38)
    """Total digits of a ``decimal`` (default 18)."""
    scale: int | None = Field(default=None, ge=0, le=18)
    """Digits after the point of a ``decimal`` (default 4)."""
    options: list[OptionSpec] | None = None
    """Choices of an ``enum`` / ``multi_enum`` / ``tags`` field. Extending adds options and
    overrides the labels of existing ones."""
    to: Identifier | None = None
    """The object a ``reference`` points to."""
    on_delete: Literal["restrict", "set_null", "cascade"] | None = None
    """What deleting the referenced record does: refuse (default), clear this field, or delete
    this record too."""
    renamed_from: Identifier | None = None
    """The field's previous name: migrations rename the column and keep its data."""
    read_only: bool | None = None
    """Users cannot set it through forms or the API; the engine (workflows, automations) can."""
    computed: str | None = None
    """A rule-DSL expression the engine evaluates on every create and update to set this field
    (e.g. ``purchase_amount / purchase_frequency``). Computed fields are read-only to users;
    the expression must have the field's type."""

    _coerce_labels = field_validator("label", "help", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )

    @field_validator("options", mode="before")
    @classmethod
    def _options_shorthand(cls, value: Any) -> Any:
        # ``options: [P1, P2]`` is shorthand for ``[{value: P1}, {value: P2}]``.
        if isinstance(value, list):
            return [{"value": str(v)} if isinstance(v, str | int) else v for v in value]
        return value


class ValidationRuleSpec(_Spec):
    """A rule every record of the object must keep, checked on create and update after the
    field checks (like Salesforce validation rules). A change that breaks it is refused."""

    name: Identifier
    """The rule's name; an extending pack replaces a rule by giving the same name."""
    rule: str
    """A boolean rule-DSL expression that must hold, e.g. ``due_back >= today()``. Null counts
    as not holding."""
    message: Label
    """What the user is told when the rule does not hold."""
    fields: list[Identifier] = Field(default_factory=list)
    """The fields the message is shown next to (empty: the whole record)."""
    on: Literal["always", "create", "update"] = "always"
    """When the rule is checked."""

    _coerce_label = field_validator("message", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class IndexSpec(_Spec):
    """An index over one or more fields."""

    fields: list[Identifier] = Field(min_length=1)
    """The indexed fields, in order."""
    unique: bool = False
    """No two records may share the combination."""
    name: Identifier | None = None
    """The index name; generated from the fields when omitted."""


class ObjectSpec(_Spec):
    """A file under ``objects/``: one custom object (``object:``) or additions to an object of
    a base pack (``extend:``)."""

    object: Identifier | None = None
    """The name of a new object."""
    extend: Identifier | None = None
    """The name of a base pack's object this file adds to."""
    label: Label | None = None
    """The object's name as users see it (singular)."""
    plural: Label | None = None
    """The plural, for lists and menus."""
    description: Label | None = None
    """What the object is for."""
    title_field: Identifier | None = None
    """The field shown as a record's title (defaults to the first string field)."""
    fields: dict[Identifier, FieldSpec] = Field(default_factory=dict)
    """The object's fields, in display order. System fields (id, created_at, updated_at,
    created_by, version) are added by the engine and may not be declared."""
    indexes: list[IndexSpec] = Field(default_factory=list)
    """Extra indexes."""
    validations: list[ValidationRuleSpec] = Field(default_factory=list)
    """Rules every record must keep, in rule DSL."""

    _coerce_labels = field_validator("label", "plural", "description", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class FormFieldSpec(_Spec):
    """A field placed on a form. In YAML a plain field name is shorthand for ``{field: name}``."""

    field: Identifier
    """The object's field."""
    widget: (
        Literal[
            "text", "textarea", "richtext", "select", "radio", "checkboxes", "checkbox",
            "date", "datetime", "duration", "number", "email", "phone", "url", "reference",
            "tags", "json", "hidden",
        ]
        | None
    ) = None
    """How the field is edited; defaults from the field type."""
    read_only: bool = False
    """Shown but not editable on this form."""
    label: Label | None = None
    """Overrides the field's label on this form."""
    help: Label | None = None
    """Overrides the field's help text on this form."""
    placeholder: Label | None = None
    """Text shown in an empty input."""

    _coerce_labels = field_validator("label", "help", "placeholder", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


def _form_field_shorthand(value: Any) -> Any:
    if isinstance(value, list):
        return [{"field": v} if isinstance(v, str) else v for v in value]
    return value


class FormSectionSpec(_Spec):
    """A titled group of fields on a form."""

    title: Label | None = None
    """The section heading."""
    description: Label | None = None
    """A text under the heading."""
    columns: int = Field(default=1, ge=1, le=4)
    """How many columns the section lays its fields out in."""
    fields: list[FormFieldSpec] = Field(min_length=1)
    """The fields, in order."""

    _coerce_labels = field_validator("title", "description", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
    _coerce_fields = field_validator("fields", mode="before")(
        classmethod(lambda cls, v: _form_field_shorthand(v))
    )


class FormSpec(_Spec):
    """A file under ``forms/``: how records of an object are entered and shown. A form with the
    name of a base pack's form replaces that form's layout."""

    form: Identifier
    """The form's name."""
    object: Identifier
    """The object whose records it edits."""
    label: Label | None = None
    """The form's title."""
    purpose: Literal["create", "edit", "view", "portal"] = "edit"
    """Where the form is used: creating records, editing them, a read-only view, or the
    self-service portal."""
    sections: list[FormSectionSpec] = Field(min_length=1)
    """The sections, in order."""

    _coerce_labels = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


#: A rule-DSL expression in YAML. Plain ``true``/``false``/numbers are read as DSL literals.
DslText = str | bool | int | float


class SetFieldsAction(_Spec):
    """Set fields of the record: each value is a rule-DSL expression evaluated on the record
    as it was before this action (so ``a: b`` and ``b: a`` swap)."""

    type: Literal["set"]
    """The action type. ``set`` is the only one so far; later ones are told apart by it."""
    values: dict[Identifier, DslText] = Field(min_length=1)
    """Field name → rule-DSL expression of the field's type, e.g. ``resolved_at: now()``."""


#: An action a state or a transition runs. Actions are told apart by ``type:``; new types join
#: this alias as a discriminated union.
ActionSpec = SetFieldsAction


class StateSpec(_Spec):
    """One state of a workflow. Its name must be an option of the workflow's status field."""

    category: Literal["new", "open", "pending", "resolved", "closed"]
    """What the state means across workflows (reports and SLA clocks read it)."""
    final: bool = False
    """A final state has no way out; every other state needs a transition leaving it."""
    label: Label | None = None
    """What users see; defaults to the status option's label."""
    on_enter: list[ActionSpec] = Field(default_factory=list)
    """Actions run when a transition enters this state (after the transition's own ``set``)."""
    on_exit: list[ActionSpec] = Field(default_factory=list)
    """Actions run when a transition leaves this state (before the transition's ``set``)."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class TransitionSpec(_Spec):
    """A move from one or more states to another that users (or later automations) take."""

    name: Identifier
    """The transition's name, unique in the workflow; the API addresses it by this name."""
    from_: str | list[str] = Field(alias="from")
    """The state (or list of states) it leaves; ``"*"`` means every state that is not final,
    except ``to``."""
    to: str
    """The state it enters."""
    label: Label | None = None
    """What users see on the button; defaults to the name."""
    guard: str | None = None
    """A boolean rule-DSL expression over the record (with the values given to the
    transition applied) that must hold, e.g. ``reopen_count < 3``."""
    roles: list[str] = Field(default_factory=list)
    """Roles allowed to take the transition (empty: anyone who may update the record). Each
    must be ``admin`` or a role the packs declare."""
    require: list[Identifier] = Field(default_factory=list)
    """Fields that must have a value after the values given to the transition are applied.
    A read-only field listed here may be given through the transition."""
    set_: dict[Identifier, DslText] = Field(default_factory=dict, alias="set")
    """Fields to set: field name → rule-DSL expression, e.g. ``closed_at: now()``."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class WorkflowSpec(_Spec):
    """A file under ``workflows/``: the state machine of one object's status field. A later
    pack's workflow with the same name replaces the base pack's whole."""

    workflow: Identifier
    """The workflow's name."""
    object: Identifier
    """The object whose records move through it; an object has at most one workflow."""
    field: Identifier
    """The object's ``enum`` field that holds the state. The workflow owns it: records start in
    ``initial`` and only transitions change it."""
    label: Label | None = None
    """The workflow's name as users see it."""
    initial: str
    """The state every new record starts in."""
    states: dict[str, StateSpec] = Field(min_length=1)
    """The states, each an option of ``field`` (a subset of the options is fine)."""
    transitions: list[TransitionSpec] = Field(default_factory=list)
    """The transitions, in the order they are offered."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


# -- automations ------------------------------------------------------------------------------

#: A duration as the DSL writes it: ``15m``, ``4h``, ``3d``, ``1h30m``; a leading ``-`` means
#: "before" where an offset allows it.
DurationText = Annotated[str, StringConstraints(pattern=r"^-?([0-9]+[wdhms])+$")]


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
    datetime ``field`` (a negative ``after`` fires before it). The timer is cancelled when the
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
    same name replaces the base pack's."""

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
Permission = bool | str


class RoleObjectSpec(_Spec):
    """What one role may do with the records of one object. Anything not granted is denied."""

    create: Permission = False
    """Whether the role may create records: ``true``, or a filter the new record must pass."""
    read: Permission = False
    """Which records the role sees: ``true`` (all) or a filter. Others look missing (404)."""
    update: Permission = False
    """Which of the records it sees the role may change (fields and transitions)."""
    delete: Permission = False
    """Which of the records it sees the role may delete."""
    hidden: list[Identifier] = Field(default_factory=list)
    """Fields the role never sees: absent from every answer, history entry, filter and sort."""
    read_only: list[Identifier] = Field(default_factory=list)
    """Fields the role sees but may not change once the record exists (it may give them when
    it creates one, where the ``create`` filter still applies)."""


class RoleSpec(_Spec):
    """A file under ``roles/``: one role and its permissions per object. A later pack's role
    with the same name replaces the base pack's whole. ``admin`` is the engine's own role (it
    may do everything) and cannot be declared."""

    role: Identifier
    """The role's name, as given to users (``flowdesk user create NAME --role NAME``)."""
    label: Label | None = None
    """The role's name as people see it."""
    description: Label | None = None
    """What the role is for."""
    objects: dict[Identifier, RoleObjectSpec] = Field(default_factory=dict)
    """Object name → what the role may do with its records. Unlisted objects are denied."""

    _coerce_labels = field_validator("label", "description", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class UserAttributeSpec(_Spec):
    """An attribute every user carries, set by an admin, readable in rules as
    ``user.<name>``."""

    type: Literal["string", "integer", "boolean", "reference"]
    """The attribute's type."""
    to: Identifier | None = None
    """For a ``reference``: the object it points to (``user.<name>`` holds that id)."""
    label: Label | None = None
    """The attribute's name as people see it."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class UsersSpec(_Spec):
    """A file under ``users/``: the attributes users carry besides id, name, email, roles and
    teams. Later packs add attributes or replace one of the same name."""

    attributes: dict[Identifier, UserAttributeSpec] = Field(default_factory=dict)
    """Attribute name → its declaration, e.g. ``site: {type: reference, to: site}``."""


# -- calendars --------------------------------------------------------------------------------

def _date_shorthand(value: Any) -> Any:
    # ``- 2026-01-01`` is shorthand for ``- {date: 2026-01-01}``.
    if isinstance(value, list):
        return [{"date": v} if isinstance(v, str | Date) else v for v in value]
    return value


class HolidaySpec(_Spec):
    """A day (``date``) or a run of days (``from`` ... ``to``, both included) without working
    time. In YAML a plain date is shorthand for ``{date: ...}``."""

    date: Date | None = None
    """The holiday, a local date in the calendar's timezone."""
    from_: Date | None = Field(default=None, alias="from")
    """The first day of a run of holidays."""
    to: Date | None = None
    """The last day of a run of holidays (included)."""
    label: Label | None = None
    """What the holiday is called."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class WorkingDaySpec(_Spec):
    """A make-up working day: a date that works although its weekday (or a holiday) would not,
    as in China's adjusted public-holiday schedule. In YAML a plain date is shorthand for
    ``{date: ...}``."""

    date: Date
    """The working day, a local date in the calendar's timezone."""
    hours: list[str] | None = None
    """Its working intervals (``HH:MM-HH:MM``); by default those of the calendar's first
    weekday, Monday to Sunday, that has working hours."""
    label: Label | None = None
    """Why the day works, e.g. the holiday it makes up for."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class CalendarSpec(_Spec):
    """A file under ``calendars/``: one business calendar, which SLA targets and business-time
    DSL functions name. A later pack's calendar with the same name replaces the base one."""

    calendar: Identifier
    """The calendar's name."""
    label: Label | None = None
    """What users see."""
    timezone: str
    """The IANA timezone its hours and dates are read in, e.g. ``Asia/Shanghai``."""
    hours: dict[str, list[str]] | None = None
    """Weekly working hours: weekday (``mon``), range (``mon-fri``) or list (``sat,sun``) →
    working intervals ``HH:MM-HH:MM`` (an interval may end at ``24:00``; several a day)."""
    always: bool = False
    """Open around the clock (24x7), instead of ``hours``. Holidays still close it."""
    holidays: list[HolidaySpec] = Field(default_factory=list)
    """Dates without working time."""
    working_days: list[WorkingDaySpec] = Field(default_factory=list)
    """Make-up working days (e.g. a Saturday that works)."""
    include: list[Identifier] = Field(default_factory=list)
    """Calendars whose holidays and make-up days apply here too (their hours and timezone do
    not: their dates are read as local dates of this calendar). This calendar's own dates win;
    a later included calendar wins over an earlier one."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
    _coerce_dates = field_validator("holidays", "working_days", mode="before")(
        classmethod(lambda cls, v: _date_shorthand(v))
    )


# -- service level agreements --------------------------------------------------------------------

StateCategory = Literal["new", "open", "pending", "resolved", "closed"]


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
    same name replaces the base one."""

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


# -- routing ----------------------------------------------------------------------------------

#: How a queue picks an agent among its team's eligible members.
RoutingStrategyName = Literal["round_robin", "least_loaded", "skills", "sticky", "manual"]


class QueueSpec(_Spec):
    """A queue: where routed records wait, the team whose members work it, and how one of them
    is chosen."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_. -]{0,63}$")]
    """The queue's name, written into the record's ``queue_field``. Name it after its team, so
    that role filters such as ``queue in user.teams`` let the team see its records."""
    label: Label | None = None
    """What users see; defaults to the name."""
    team: str | None = None
    """The team (``flowdesk team``, ``/api/admin/teams``) whose members work the queue;
    defaults to the queue's name."""
    strategy: RoutingStrategyName = "least_loaded"
    """``round_robin``: the member least recently assigned in this queue. ``least_loaded``: the
    one with the least open work (under capacity). ``skills``: only members with every required
    skill, then the least loaded. ``sticky``: the member who last handled a record with the same
    ``sticky_by`` value, when eligible; else the least loaded. ``manual``: queue only, nobody
    is assigned."""
    sticky_by: Identifier | None = None
    """For ``sticky``: the record field whose value ties records together (e.g. the
    requester's organisation)."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class RoutingRuleSpec(_Spec):
    """One routing rule: when ``when`` holds, the record goes to ``queue``. Rules are tried in
    order; the first that holds wins."""

    name: Identifier
    """The rule's name (explanations and the audit note name it)."""
    when: DslText
    """A boolean rule-DSL expression over the record, e.g. ``category == "billing"``."""
    queue: str
    """The queue the record goes to."""
    skills: DslText | list[DslText] = Field(default_factory=list)
    """Skills an agent needs: rule-DSL expressions, each a string (or enum) or a list of them,
    e.g. ``[language, product]`` (the record's values) or ``'["vip"]'``. Null and empty values
    are left out."""


class RoutingSpec(_Spec):
    """A file under ``routing/``: how records of one object are put in queues and assigned to
    agents. A later pack's routing of the same name replaces the base pack's."""

    routing: Identifier
    """The routing policy's name."""
    object: Identifier
    """The routed object; an object has at most one routing policy."""
    label: Label | None = None
    """What admins see."""
    queue_field: Identifier
    """The record field (string or enum) that holds the queue's name."""
    assignee_field: Identifier
    """The record field (string) that holds the assigned agent's user name."""
    open_states: list[StateCategory] = Field(
        default_factory=lambda: list[StateCategory](["new", "open", "pending"]))
    """The workflow state categories that count as an agent's open work (their load). An
    object without a workflow counts every assigned record."""
    queues: list[QueueSpec] = Field(min_length=1)
    """The queues, each with its team and strategy."""
    rules: list[RoutingRuleSpec] = Field(default_factory=list)
    """Routing rules, in order: the first whose ``when`` holds chooses the queue."""
    fallback: str
    """The queue a record goes to when no rule holds."""
    supervisors: list[Identifier] = Field(default_factory=list)
    """Roles (besides ``admin``) that may set agents' skills, capacity, calendar and
    availability."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
