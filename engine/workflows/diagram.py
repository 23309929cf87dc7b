"""Workflows as Mermaid ``stateDiagram-v2`` text (for docs, reviews and the designer)."""

from __future__ import annotations

from engine.workflows.state_machine import StateMachine

__all__ = ["mermaid_diagram"]


def _quoted(text: str) -> str:
    return text.replace('"', "'")


def mermaid_diagram(machine: StateMachine, locale: str = "en") -> str:
    """The machine as a Mermaid state diagram: the initial arrow, every state with its label,
    one arrow per transition and source state (``from: "*"`` expanded), and final states
    pointing at the end marker."""
    lines = ["stateDiagram-v2"]
    for state in machine.states.values():
        lines.append(f'    state "{_quoted(state.label.get(locale))}" as {state.name}')
    lines.append(f"    [*] --> {machine.initial}")
    for transition in machine.transitions.values():
        label = _quoted(transition.label.get(locale)).replace(":", " ")
        for source in machine.sources_of(transition):
            lines.append(f"    {source} --> {transition.to} : {label}")
    for state in machine.states.values():
        if state.final:
            lines.append(f"    {state.name} --> [*]")
    return "\n".join(lines) + "\n"
