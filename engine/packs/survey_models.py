"""The pack format of ``surveys/*.yaml``: a kind of survey link (``survey_link('csat')`` in
an email template) and the record an answer by that link becomes."""

from __future__ import annotations

from pydantic import Field, field_validator

from engine.packs.models import DslText, DurationText, Identifier, Label, _label_from_str, _Spec

__all__ = ["SurveySpec"]


class SurveySpec(_Spec):
    """A file under ``surveys/``: links of this kind are made for records of ``about``; an
    answer creates a record of ``object`` from the fields of ``form`` and ``values``."""

    survey: Identifier
    """The link kind, as templates name it: ``{{ survey_link('csat') }}``."""
    label: Label
    """The page's title."""
    about: Identifier
    """The object whose records links are made for (the record of the email)."""
    object: Identifier
    """The object an answer is stored as, through the runtime (its automations run)."""
    form: Identifier
    """A form of ``object``: the fields the person fills in, as JSON Schema + uiSchema."""
    values: dict[Identifier, DslText] = Field(default_factory=dict)
    """Fields of the answer taken from the record the link is about: field → a rule-DSL
    expression over that record, e.g. ``{kind: '"csat"', about: id, owner: owner}``."""
    answered_at: Identifier | None = None
    """A datetime field of ``object`` set to the time of the answer."""
    expires: DurationText = "14d"
    """How long a link stays valid after it is made."""
    context: list[Identifier] = Field(default_factory=list)
    """Fields of the ``about`` record shown on the page (a subject, say)."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
