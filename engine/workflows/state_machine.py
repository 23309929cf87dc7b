"""Compiled workflows: the state machine that owns one enum field of an object.

Built once by the pack compiler (``engine.packs.compile_workflows``) from ``workflows/*.yaml``;
frozen afterwards. Guards and actions are compiled rule-DSL expressions; running a transition
is the runtime's job (``engine.runtime.transitions``), these classes only answer questions
about the graph and evaluate what they hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from engine.errors import SourcePos
from engine.objects.model import Text
from engine.rules_dsl import CompiledExpression, EvalContext

__all__ = ["SetFields", "Action", "State", "Guard", "TransitionCheck", "Transition",
           "StateMachine", "ANY_STATE"]

#: ``from: "*"``: every state that is not final, except the transition's own target.
ANY_STATE = "*"


@dataclass(frozen=True, slots=True)
class SetFields:
    """The ``set`` action: every expression is evaluated on the record as it was before the
    action, then all fields are assigned (so the order of the entries does not matter)."""

    values: tuple[tuple[str, CompiledExpression], ...]
    type: str = "set"

    def run(self, row: dict[str, Any], ctx: EvalContext) -> None:
        results = [(name, expression.evaluate(row, ctx)) for name, expression in self.values]
        row.update(results)


#: A compiled action; new action types join this alias.
Action = SetFields


@dataclass(frozen=True, slots=True)
class State:
    name: str
    category: str
    final: bool
    label: Text
    on_enter: tuple[Action, ...] = ()
    on_exit: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class Guard:
    """A transition's condition. ``parts`` are the top-level ``and`` operands, each compiled on
    its own, so a refusal can name the part that does not hold."""

    source: str
    check: CompiledExpression
    parts: tuple[tuple[str, CompiledExpression], ...]

    def failing_part(self, row: Any, ctx: EvalContext) -> str | None:
        """``None`` when the guard holds; otherwise the text of the first part that is false
        (the whole guard when it is not an ``and`` chain)."""
        if self.check.evaluate(row, ctx):
            return None
        for text, part in self.parts:
            if not part.evaluate(row, ctx):
                return text
        return self.source


@dataclass(frozen=True, slots=True)
class TransitionCheck:
    """A check a transition must pass before it is saved; when ``check`` does not hold the
    command is refused with ``message`` at ``fields``."""

    name: str
    check: CompiledExpression
    message: Text
    fields: tuple[str, ...] = ()
    pos: SourcePos | None = _field(default=None, compare=False)

    def holds(self, row: Any, ctx: EvalContext) -> bool:
        """Whether the record passes (null counts as not passing)."""
        return self.check.evaluate(row, ctx) is True


@dataclass(frozen=True, slots=True)
class Transition:
    name: str
    #: The states it leaves; ``None`` for ``from: "*"`` (every state that is not final,
    #: except ``to``).
    sources: frozenset[str] | None
    to: str
    label: Text
    guard: Guard | None = None
    roles: tuple[str, ...] = ()
    require: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    pos: SourcePos | None = _field(default=None, compare=False)
    checks: tuple[TransitionCheck, ...] = ()

    def leaves(self, state: str, states: Mapping[str, State]) -> bool:
        """Whether the transition may be taken from ``state``."""
        if self.sources is None:
            current = states.get(state)
            return current is not None and not current.final and state != self.to
        return state in self.sources


@dataclass(frozen=True, slots=True)
class StateMachine:
    """A workflow: the states of ``object``'s ``field`` and the transitions between them."""

    name: str
    object: str
    field: str
    label: Text
    initial: str
    states: Mapping[str, State]
    #: By name, in declaration order.
    transitions: Mapping[str, Transition]
    pos: SourcePos | None = _field(default=None, compare=False)

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        """The transitions whose ``from`` matches ``state``, in declaration order."""
        return tuple(t for t in self.transitions.values() if t.leaves(state, self.states))

    def sources_of(self, transition: Transition) -> tuple[str, ...]:
        """The states ``transition`` leaves, ``"*"`` expanded, in state order."""
        return tuple(s for s in self.states if transition.leaves(s, self.states))
