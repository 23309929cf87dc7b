"""The Registry: everything a set of packs declares, compiled and immutable.

Built once by :func:`engine.packs.compile_packs`; the runtime reads it and never re-parses text.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import NotFound, did_you_mean
from engine.objects.macro_definition import MacroSetup
from engine.objects.model import FormDef, ObjectType, Text, frozen_map
from engine.objects.permissions import AccessPolicy
from engine.objects.report_definition import Report
from engine.objects.survey_definition import SurveyKind
from engine.objects.view_definition import RelatedView, View
from engine.packs.channel_definition import EmailChannel
from engine.rules_dsl import FunctionRegistry
from engine.rules_dsl.builtin_functions import frozen_default_functions
from engine.workflows.automation import Automation
from engine.workflows.calendar import BusinessCalendar
from engine.workflows.routing import RoutingPolicy
from engine.workflows.sla import SlaDefinition
from engine.workflows.state_machine import StateMachine

__all__ = ["PackInfo", "Registry"]


@dataclass(frozen=True, slots=True)
class PackInfo:
    name: str
    version: str
    path: Path
    title: Text | None = None
    description: Text | None = None
    extends: tuple[str, ...] = ()
    default_locale: str = "en"


@dataclass(frozen=True, slots=True)
class Registry:
    """Compiled packs. ``packs`` lists them base first; the last is the one that was asked for."""

    packs: tuple[PackInfo, ...]
    objects: Mapping[str, ObjectType] = field(default_factory=frozen_map)
    forms: Mapping[str, FormDef] = field(default_factory=frozen_map)
    workflows: Mapping[str, StateMachine] = field(default_factory=frozen_map)
    #: business calendars by name (``calendars/``)
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=frozen_map)
    #: the DSL functions the pack's rules compiled against (built-ins plus calendar functions);
    #: compile run-time expressions (``flowdesk eval``, rule checks) against it too
    functions: FunctionRegistry = field(default_factory=frozen_default_functions)
    automations: Mapping[str, Automation] = field(default_factory=frozen_map)
    #: service level agreements by name (``sla/``); an object has at most one
    slas: Mapping[str, SlaDefinition] = field(default_factory=frozen_map)
    #: roles, their permissions and the user attributes (``roles/``, ``users/``)
    access: AccessPolicy = field(default_factory=AccessPolicy)
    #: routing policies by name (``routing/``); at most one per object
    routing: Mapping[str, RoutingPolicy] = field(default_factory=frozen_map)
    #: reports by name (``reports/``), computed in SQL by the runtime
    reports: Mapping[str, Report] = field(default_factory=frozen_map)
    #: channels by name (``channels/``): how messages map onto records
    channels: Mapping[str, EmailChannel] = field(default_factory=frozen_map)
    #: saved lists by name (``views/``) and what is shown around a record (``related/``)
    views: Mapping[str, View] = field(default_factory=frozen_map)
    related: Mapping[str, RelatedView] = field(default_factory=frozen_map)
    #: where each object's macros live and what applying one does (``macros/``)
    macros: Mapping[str, MacroSetup] = field(default_factory=frozen_map)
    #: survey link kinds by name (``surveys/``): what an answer by link becomes
    surveys: Mapping[str, SurveyKind] = field(default_factory=frozen_map)

    def object(self, name: str) -> ObjectType:
        """The object named ``name``; :class:`NotFound` (with a suggestion) when there is none."""
        try:
            return self.objects[name]
        except KeyError:
            raise NotFound(
                f"unknown object '{name}'{did_you_mean(name, self.objects)}",
                code="unknown_object",
            ) from None

    def workflow(self, name: str) -> StateMachine:
        """The workflow named ``name``; :class:`NotFound` (with a suggestion) when there is none."""
        try:
            return self.workflows[name]
        except KeyError:
            raise NotFound(
                f"unknown workflow '{name}'{did_you_mean(name, self.workflows)}",
                code="unknown_workflow",
            ) from None

    def calendar(self, name: str) -> BusinessCalendar:
        """The calendar named ``name``; :class:`NotFound` (with a suggestion) when there is none."""
        try:
            return self.calendars[name]
        except KeyError:
            raise NotFound(
                f"unknown calendar '{name}'{did_you_mean(name, self.calendars)}",
                code="unknown_calendar",
            ) from None

    def routing_for(self, object_name: str) -> RoutingPolicy | None:
        """The routing policy of ``object_name``, if it has one."""
        return next((r for r in self.routing.values() if r.object == object_name), None)

    def workflow_for(self, object_name: str) -> StateMachine | None:
        """The workflow that owns a status field of ``object_name``, if it has one."""
        return next((w for w in self.workflows.values() if w.object == object_name), None)

    def form(self, name: str) -> FormDef:
        try:
            return self.forms[name]
        except KeyError:
            raise NotFound(
                f"unknown form '{name}'{did_you_mean(name, self.forms)}", code="unknown_form"
            ) from None

    def forms_for(self, object_name: str) -> tuple[FormDef, ...]:
        return tuple(f for f in self.forms.values() if f.object == object_name)

    def default_form(self, object_name: str, purpose: str = "edit",
                     roles: Collection[str] = ()) -> FormDef | None:
        """The first form of ``object_name`` for ``purpose`` (falling back to any ``edit`` form)
        among those for one of ``roles``, else among those for everyone. A form for other roles
        only is never the answer."""
        forms = self.forms_for(object_name)
        for mine in (True, False):
            for wanted in (purpose, "edit"):
                for form in forms:
                    if form.purpose == wanted and (
                            bool(set(form.roles) & set(roles)) if mine else not form.roles):
                        return form
        return next((f for f in forms if not f.roles), None)
