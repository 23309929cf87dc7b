"""Compiled automations: a trigger, a condition and actions, frozen after load.

Built by the pack compiler (``engine.packs.compile_automations``) from ``automations/*.yaml``.
Conditions and action values are compiled rule-DSL expressions and templates are compiled
Jinja2 templates; running them is the runtime's job (``engine.runtime.automations``).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from datetime import timedelta
from typing import Any

from engine.errors import SourcePos
from engine.objects.model import Text
from engine.rules_dsl import DATETIME, INTEGER, STRING, CompiledExpression, RecordType
from engine.workflows.state_machine import SetFields
from engine.workflows.templates import TextTemplate

__all__ = [
    "OnCreated", "OnUpdated", "OnTransitioned", "AfterTime", "OnSchedule", "OnEvent", "Trigger",
    "TakeTransition", "Assign", "Comment", "SendEmail", "CallWebhook", "CreateRecord",
    "UpdateRelated", "Notify", "Route", "CallAction", "AutomationAction", "Automation",
    "MAX_CASCADE_DEPTH", "EVENT_TYPE",
]

#: What an engine event (``sla_warning``, ``sla_breached``) says, as the conditions of the
#: automations it triggers read it: ``event.metric == "arrival"``.
EVENT_TYPE = RecordType("event", {
    "name": STRING, "metric": STRING, "policy": STRING, "percent": INTEGER, "target": INTEGER,
    "due_at": DATETIME,
})

#: How deep automations may trigger each other inside one command: a change made by an
#: automation is depth 1, a change it causes is depth 2, and so on. Past it the cascade stops and
#: the record's history says where.
MAX_CASCADE_DEPTH = 8


# -- triggers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnCreated:
    type: str = "created"


@dataclass(frozen=True, slots=True)
class OnUpdated:
    #: Fire only when one of these changed (empty: any change).
    fields: frozenset[str] = frozenset()
    type: str = "updated"


@dataclass(frozen=True, slots=True)
class OnTransitioned:
    transitions: frozenset[str] = frozenset()
    to: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    type: str = "transitioned"

    def matches(self, name: str, source: str, target: str) -> bool:
        return ((not self.transitions or name in self.transitions)
                and (not self.to or target in self.to)
                and (not self.sources or source in self.sources))


@dataclass(frozen=True, slots=True)
class AfterTime:
    """``after`` counted from entering ``state`` (of ``status_field``) or from ``field``'s
    instant; business time on ``calendar`` when it is set."""

    after: timedelta
    state: str | None = None
    status_field: str | None = None
    field: str | None = None
    calendar: str | None = None
    type: str = "time"


@dataclass(frozen=True, slots=True)
class OnSchedule:
    cron: str
    timezone: str
    type: str = "schedule"


@dataclass(frozen=True, slots=True)
class OnEvent:
    event: str
    type: str = "event"


Trigger = OnCreated | OnUpdated | OnTransitioned | AfterTime | OnSchedule | OnEvent


# -- actions --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TakeTransition:
    transition: str
    type: str = "transition"


@dataclass(frozen=True, slots=True)
class Assign:
    field: str
    to: CompiledExpression
    type: str = "assign"


@dataclass(frozen=True, slots=True)
class Comment:
    text: TextTemplate
    type: str = "comment"


@dataclass(frozen=True, slots=True)
class SendEmail:
    #: Each evaluates to a string or a list of strings.
    to: CompiledExpression
    cc: CompiledExpression | None
    subject: TextTemplate
    body: TextTemplate
    type: str = "send_email"


@dataclass(frozen=True, slots=True)
class CallWebhook:
    url: str
    secret_env: str
    #: Empty: the whole record.
    payload: tuple[tuple[str, CompiledExpression], ...]
    type: str = "webhook"


@dataclass(frozen=True, slots=True)
class CreateRecord:
    object: str
    values: tuple[tuple[str, CompiledExpression], ...]
    templates: tuple[tuple[str, TextTemplate], ...]
    type: str = "create_record"


@dataclass(frozen=True, slots=True)
class UpdateRelated:
    #: The reference field of the automation's object, and the object it points to.
    via: str
    object: str
    values: tuple[tuple[str, CompiledExpression], ...]
    transition: str | None = None
    type: str = "update_related"


@dataclass(frozen=True, slots=True)
class Route:
    """Route the record with its object's routing policy (into ``queue`` when given)."""

    queue: str | None = None
    type: str = "route"


@dataclass(frozen=True, slots=True)
class Notify:
    """Email desk users: ``users`` and ``teams`` evaluate to a name or a list of names."""

    users: CompiledExpression | None
    roles: frozenset[str]
    teams: CompiledExpression | None
    subject: TextTemplate
    body: TextTemplate
    type: str = "notify"


@dataclass(frozen=True, slots=True)
class CallAction:
    """A developer's registered action (``engine.workflows.action_registry``)."""

    action: str
    args: tuple[tuple[str, CompiledExpression], ...]
    type: str = "call"


AutomationAction = (
    SetFields | TakeTransition | Assign | Comment | SendEmail | CallWebhook | CreateRecord
    | UpdateRelated | Notify | Route | CallAction
)


@dataclass(frozen=True, slots=True)
class Automation:
    """One automation of one object. ``condition`` is ``None`` when it always holds."""

    name: str
    object: str
    label: Text
    trigger: Trigger
    condition: CompiledExpression | None
    actions: tuple[AutomationAction, ...]
    order: int = 100
    enabled: bool = True
    pos: SourcePos | None = _field(default=None, compare=False)

    def holds(self, row: Any, ctx: Any) -> bool:
        """Whether the condition holds for ``row`` (null counts as false)."""
        return self.condition is None or self.condition.evaluate(row, ctx) is True
