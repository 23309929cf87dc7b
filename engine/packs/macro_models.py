"""The pack format of ``macros/*.yaml``: where an object's macros live and what applying one
does (a templated reply, field changes, a transition)."""

from __future__ import annotations

from pydantic import Field

from engine.packs.models import Identifier, _Spec

__all__ = ["MacroReplySpec", "MacrosSpec"]


class MacroReplySpec(_Spec):
    """The record a macro's rendered text becomes: one of ``object``, linked by ``link``."""

    object: Identifier
    """The object the reply is created as (a message, a comment)."""
    link: Identifier
    """Its reference field to the record the macro is applied to."""
    body: Identifier
    """Its text field that receives the rendered template."""
    author: Identifier | None = None
    """A field set to the acting user's name."""
    values: dict[Identifier, str | int | float | bool] = Field(default_factory=dict)
    """Fixed values of the reply's fields."""
    from_macro: dict[Identifier, Identifier] = Field(default_factory=dict)
    """Reply field → the macro field whose value it takes (when the macro gives one)."""


class MacrosSpec(_Spec):
    """A file under ``macros/``: macros for the records of ``object``, kept as records of
    ``source`` (so people manage them like any record)."""

    macros: Identifier
    """The declaration's name."""
    object: Identifier
    """The object macros are applied to."""
    source: Identifier
    """The object whose records are the macros."""
    name_field: Identifier
    """The macro's field naming it (``POST .../macros/{name}/apply``; the id works too)."""
    active_field: Identifier | None = None
    """A boolean field of the macro: inactive macros are not offered or applied."""
    match: dict[Identifier, Identifier] = Field(default_factory=dict)
    """Macro field → record field: a macro applies when its field is empty or equals the
    record's."""
    template_field: Identifier | None = None
    """The macro's text field holding the reply template (Jinja2, sandboxed). It reads
    ``record`` (also under the object's own name), each record it references under the
    reference field's name, ``user`` and ``macro``."""
    changes: dict[Identifier, Identifier] = Field(default_factory=dict)
    """Record field → macro field: the macro's value is set on the record when it gives one
    (a list field gets the values added)."""
    state_field: Identifier | None = None
    """A macro field naming a state of the record's workflow: the transition from the
    record's state to it is taken."""
    reply: MacroReplySpec | None = None
    """The record a rendered template becomes; required with ``template_field``."""
