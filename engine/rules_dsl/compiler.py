"""The DSL's front door: ``compile_expression`` and ``check_expression``.

parse → type-check → generate Python → compile, once. A ``CompiledExpression`` evaluates by
calling the generated function; it never parses text again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DslError
from engine.rules_dsl.builtin_functions import frozen_default_functions
from engine.rules_dsl.checker import Annotations, check_tree
from engine.rules_dsl.codegen import generate
from engine.rules_dsl.environment import TypeEnv
from engine.rules_dsl.functions import FunctionRegistry
from engine.rules_dsl.nodes import (
    Binary,
    BoolOp,
    Call,
    Conditional,
    Lambda,
    ListLit,
    Member,
    Name,
    Node,
    Unary,
)
from engine.rules_dsl.parser import parse
from engine.rules_dsl.runtime import EvalContext
from engine.rules_dsl.types import ERROR, DslType

__all__ = ["CompiledExpression", "CheckResult", "compile_expression", "check_expression"]


@dataclass(frozen=True, eq=False)
class CompiledExpression:
    """A checked, compiled expression.

    ``type`` is its result type; ``paths_read`` the field paths it reads (``"priority"``,
    ``"customer.tier"``, ``"old.status"``), so callers know when to re-evaluate;
    ``python_source`` the generated code, for debugging.
    """

    source: str
    type: DslType
    paths_read: frozenset[str]
    python_source: str = field(repr=False)
    _function: Any = field(repr=False)

    def __post_init__(self) -> None:
        # Bind the generated function straight onto the instance: evaluate() costs one call.
        object.__setattr__(self, "evaluate", self._function)

    def evaluate(self, bindings: Mapping[str, Any], ctx: EvalContext | None = None) -> Any:
        """The value of the expression for ``bindings`` (field name → runtime value)."""
        return self._function(bindings, ctx)  # pragma: no cover - replaced per instance


@dataclass(frozen=True)
class CheckResult:
    """Every problem with an expression, for the designer's live check."""

    source: str
    type: DslType | None
    errors: tuple[DslError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """``{"ok", "type", "errors": [{"code", "message", "line", "col"}]}`` for JSON."""
        return {
            "ok": self.ok,
            "type": None if self.type is None or self.type == ERROR else str(self.type),
            "errors": [
                {"code": e.code, "message": e.message, "line": e.line, "col": e.col}
                for e in self.errors
            ],
        }


def _check(
    text: str, env: TypeEnv, expected: DslType | None, functions: FunctionRegistry | None
) -> tuple[Node, DslType, Annotations]:
    tree = parse(text)
    result, notes = check_tree(text, tree, env, functions or frozen_default_functions(), expected)
    return tree, result, notes


def compile_expression(
    text: str,
    env: TypeEnv,
    *,
    expected: DslType | None = None,
    functions: FunctionRegistry | None = None,
) -> CompiledExpression:
    """Parse, check and compile ``text`` against ``env``; raises the first ``DslError``.

    Pass ``expected=BOOLEAN`` for conditions: the result must then be boolean, and a null
    result evaluates to ``False``.
    """
    tree, result, notes = _check(text, env, expected, functions)
    if notes.errors:
        raise notes.errors[0]
    generated = generate(tree, notes, text=text, expected=expected)
    return CompiledExpression(
        source=text,
        type=result,
        paths_read=frozenset(paths_read(tree, notes)),
        python_source=generated.source,
        _function=generated.function,
    )


def check_expression(
    text: str,
    env: TypeEnv,
    *,
    expected: DslType | None = None,
    functions: FunctionRegistry | None = None,
) -> CheckResult:
    """Every error in ``text`` (empty when it compiles); never raises for bad input."""
    try:
        _tree, result, notes = _check(text, env, expected, functions)
    except DslError as exc:
        return CheckResult(text, None, (exc,))
    return CheckResult(text, result, tuple(notes.errors))


def paths_read(tree: Node, notes: Annotations) -> set[str]:
    """The field paths ``tree`` reads; a lambda variable reads ``<list path>.<field>``."""
    found: set[str] = set()

    def path(node: Node, scope: Mapping[str, str | None]) -> str | None:
        if isinstance(node, Name):
            kind, name = notes.names.get(id(node), ("", node.name))
            return scope.get(name) if kind == "lambda" else name
        if isinstance(node, Member):
            base = path(node.target, scope)
            if base is None:
                walk(node.target, scope)
                return None
            return f"{base}.{node.name}"
        return None

    def walk(node: Node, scope: Mapping[str, str | None]) -> None:
        if isinstance(node, Name | Member):
            p = path(node, scope)
            if p is not None and p != "":
                found.add(p)
            return
        if isinstance(node, Call):
            kind = notes.calls.get(id(node), ("", None))[0]
            if kind == "changed":
                return
            if kind == "macro" and len(node.args) == 2 and isinstance(node.args[1], Lambda):
                walk(node.args[0], scope)
                fn = node.args[1]
                walk(fn.body, {**scope, fn.param: path(node.args[0], scope)})
                return
            for arg in node.args:
                walk(arg, scope)
            return
        children: tuple[Node, ...] = ()
        if isinstance(node, ListLit):
            children = node.items
        elif isinstance(node, Unary):
            children = (node.operand,)
        elif isinstance(node, Binary):
            children = (node.left, node.right)
        elif isinstance(node, BoolOp):
            children = node.operands
        elif isinstance(node, Conditional):
            children = (node.cond, node.then, node.otherwise)
        elif isinstance(node, Lambda):
            children = (node.body,)
        for child in children:
            walk(child, scope)

    walk(tree, {})
    return found
