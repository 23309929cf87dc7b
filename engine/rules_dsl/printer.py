"""Syntax tree → canonical source text (the unparser).

``parse(to_source(parse(t)))`` equals ``parse(t)``: the printer adds parentheses exactly where
precedence needs them. The designer uses it to show expressions in one canonical form.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from engine.rules_dsl.nodes import (
    Binary,
    BoolOp,
    Call,
    Conditional,
    Lambda,
    ListLit,
    Literal,
    Member,
    Name,
    Node,
    Unary,
)

__all__ = ["to_source", "format_duration", "quote_string"]

# Binding strength of each form, weakest first; mirrors grammar.lark.
_CONDITIONAL, _OR, _AND, _NOT, _COMPARE, _ADD, _MUL, _NEG, _POSTFIX = range(9)
_BINARY_PREC = {
    **{op: _COMPARE for op in ("==", "!=", "<", "<=", ">", ">=", "in", "not in")},
    "+": _ADD,
    "-": _ADD,
    "*": _MUL,
    "/": _MUL,
    "%": _MUL,
}
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def quote_string(value: str) -> str:
    out = []
    for ch in value:
        if ch in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[ch])
        elif ord(ch) < 0x20 or ch in "\x7f\u2028\u2029" or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def format_duration(value: timedelta) -> str:
    """``timedelta(hours=1, minutes=30)`` → ``"1h30m"`` (the literal syntax)."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _literal(node: Literal) -> tuple[str, int]:
    value = node.value
    if node.kind == "string":
        return quote_string(str(value)), _POSTFIX
    if node.kind == "boolean":
        return ("true" if value else "false"), _POSTFIX
    if node.kind == "null":
        return "null", _POSTFIX
    if node.kind == "duration":
        assert isinstance(value, timedelta)
        return format_duration(value), _POSTFIX
    assert isinstance(value, int | Decimal)
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return text, (_NEG if text.startswith("-") else _POSTFIX)


def _wrap(node: Node, minimum: int) -> str:
    text, prec = _render(node)
    return f"({text})" if prec < minimum else text


def _render(node: Node) -> tuple[str, int]:
    if isinstance(node, Literal):
        return _literal(node)
    if isinstance(node, Name):
        return node.name, _POSTFIX
    if isinstance(node, ListLit):
        return "[" + ", ".join(_wrap(i, _CONDITIONAL) for i in node.items) + "]", _POSTFIX
    if isinstance(node, Member):
        return f"{_wrap(node.target, _POSTFIX)}.{node.name}", _POSTFIX
    if isinstance(node, Call):
        return f"{node.name}(" + ", ".join(
            _wrap(a, _CONDITIONAL) for a in node.args
        ) + ")", _POSTFIX
    if isinstance(node, Lambda):
        return f"{node.param} -> {_wrap(node.body, _CONDITIONAL)}", _CONDITIONAL
    if isinstance(node, Unary):
        if node.op == "not":
            return f"not {_wrap(node.operand, _NOT)}", _NOT
        return f"-{_wrap(node.operand, _NEG)}", _NEG
    if isinstance(node, Binary):
        prec = _BINARY_PREC[node.op]
        # Comparisons do not chain, so both sides bind tighter; + - * / % are left-associative.
        left_min = prec + 1 if prec == _COMPARE else prec
        return f"{_wrap(node.left, left_min)} {node.op} {_wrap(node.right, prec + 1)}", prec
    if isinstance(node, BoolOp):
        prec = _OR if node.op == "or" else _AND
        return f" {node.op} ".join(_wrap(o, prec + 1) for o in node.operands), prec
    if isinstance(node, Conditional):
        text = (
            f"if {_wrap(node.cond, _CONDITIONAL)} then {_wrap(node.then, _CONDITIONAL)}"
            f" else {_wrap(node.otherwise, _CONDITIONAL)}"
        )
        return text, _CONDITIONAL
    raise TypeError(f"not a syntax node: {node!r}")


def to_source(node: Node) -> str:
    """The canonical text of ``node``."""
    return _render(node)[0]
