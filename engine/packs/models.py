"""The pack format, declared once as pydantic models: the manifest, objects, forms and
workflows here, each further folder in a module of its own (``automation_models``,
``sla_models``, ``routing_models``, ``role_models``, ``calendar_models``, ``report_models``).

These models describe what a pack's YAML files may say. ``flowdesk schema pack`` prints their
JSON Schema; editors and the designer use it. Each key's docstring becomes its description.
Models forbid unknown keys; the loader turns pydantic's errors into ``file:line:col`` problems.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from engine.packs.merge import MergeKeys
from engine.packs.search_models import SearchSpec

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
    "TransitionCheckSpec",
    "WorkflowSpec",
    "DslText",
    "DurationText",
    "StateCategory",
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
    timezone: str | None = None
    """The IANA time zone (``Asia/Shanghai``) the pack's rules take dates in: ``today()``,
    ``date(created_at)``, ``year(...)``, ``add_months(...)`` of a datetime. The last pack that
    gives one wins; UTC when none does. ``date(x, "zone")`` and ``today("zone")`` name their
    own."""

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
    from_user: str | None = None
    """A rule-DSL expression over the signed-in user (``user.name``, ``user.site``) that
    fills this field when a user creates a record without giving it. A role that lists the
    field in its ``read_only`` may not give it at all: the engine owns it for that role (a
    message's author cannot be forged). Records made by automations and intake take
    ``default``."""

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


class ConversationSpec(_Spec):
    """Which child object holds a record's conversation (replies, notes, mail), so a UI can
    show it in the record's timeline and add to it (``conversation:`` on the object)."""

    object: Identifier
    """The child object: each of its records is one message."""
    reference: Identifier
    """Its reference field that points at this object."""
    body: Identifier
    """Its text field holding the message."""
    kind: Identifier | None = None
    """Its enum field telling public messages from internal notes (none: all are public)."""
    public: str | None = None
    """The ``kind`` option of a public message."""
    internal: str | None = None
    """The ``kind`` option of an internal note (only those who may read notes see them)."""


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
    search: SearchSpec | None = None
    """What full-text search indexes of the records (see docs/search.md)."""
    conversation: ConversationSpec | None = None
    """The child object holding each record's conversation (for the web app)."""

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

    name: Identifier | None = None
    """The section's name: an extending pack's ``extend:`` form adds fields to it by this
    name."""
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
    name of a base pack's form replaces that form's layout; a file that says ``extend: <form>``
    adds to it instead (sections by ``name``, their fields by ``field``)."""

    merge_keys: ClassVar[MergeKeys] = MergeKeys(
        "form", {"sections": "name", "sections.[].fields": "field"})

    form: Identifier
    """The form's name."""
    object: Identifier
    """The object whose records it edits."""
    label: Label | None = None
    """The form's title."""
    purpose: Literal["create", "edit", "view", "portal"] = "edit"
    """Where the form is used: creating records, editing them, a read-only view, or the
    self-service portal."""
    roles: list[Identifier] = Field(default_factory=list)
    """The roles this form is for (empty: everyone). A user gets, for a purpose, the first
    form whose roles include one of theirs, else the first form for everyone."""
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


class TransitionCheckSpec(_Spec):
    """A check a transition must pass before it is saved: a rule over the record as the
    transition would leave it (values given, ``set`` and state actions applied), which may read
    related records (``ticket.status``) and the acting user. A check that does not hold refuses
    the command with its message (422 ``validation_failed``, issue type ``transition_check``)
    and nothing is written."""

    name: Identifier
    """The check's name; an extending pack replaces or removes a check by its name."""
    rule: DslText
    """A boolean rule-DSL expression that must hold, e.g. ``report != null and
    len(report) >= 20``. Null counts as not holding."""
    message: Label
    """What the user is told when it does not hold."""
    fields: list[Identifier] = Field(default_factory=list)
    """The fields the message is shown next to (empty: the whole record)."""

    _coerce_label = field_validator("message", mode="before")(
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
    checks: list[TransitionCheckSpec] = Field(default_factory=list)
    """Checks the record must pass before the transition is saved, each refusing the
    command with its own message (after the guard, which only says whether the transition is
    available)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class WorkflowSpec(_Spec):
    """A file under ``workflows/``: the state machine of one object's status field. A later
    pack's workflow with the same name replaces the base pack's whole; a file that says
    ``extend: <workflow>`` adds states and transitions or changes them by name instead."""

    merge_keys: ClassVar[MergeKeys] = MergeKeys(
        "workflow", {"transitions": "name", "transitions.[].checks": "name"})

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


#: A duration as the DSL writes it: ``15m``, ``4h``, ``3d``, ``1h30m``; a leading ``-`` means
#: "before" where an offset allows it.
DurationText = Annotated[str, StringConstraints(pattern=r"^-?([0-9]+[wdhms])+$")]

#: The meaning of a workflow state across workflows (reports and SLA clocks read it).
StateCategory = Literal["new", "open", "pending", "resolved", "closed"]
