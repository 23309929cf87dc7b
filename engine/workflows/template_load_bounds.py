"""Refusing at load what a template's text makes unbounded: ``range()`` of a literal over the
sandbox's limit, literal loops nesting past the iteration budget, constant expressions too big
to build (``'x' * 10**10``). The rest is bounded at run time
(:mod:`engine.workflows.template_budget`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import MAX_RANGE

from engine.workflows.template_budget import (
    DEFAULT_LIMITS,
    OPERATORS,
    RenderBudget,
    TemplateBudgetExceeded,
    TemplateLimits,
    check_binop,
    fmt_count,
)

__all__ = ["unbounded_problems"]


class _Unbounded(Exception):
    pass


def _const_value(node: nodes.Node, limits: TemplateLimits) -> Any:
    """The value of a constant expression, refusing (``_Unbounded``) one too big to build;
    ``None`` when the expression is not constant."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.Neg):
        inner = _const_value(node.node, limits)
        return -inner if isinstance(inner, (int, float)) else None
    ops: dict[type[nodes.Node], str] = {nodes.Mul: "*", nodes.Pow: "**", nodes.Add: "+"}
    op = ops.get(type(node))
    if op is None or not isinstance(node, nodes.BinExpr):
        return None
    left, right = _const_value(node.left, limits), _const_value(node.right, limits)
    if left is None or right is None:
        return None
    budget = RenderBudget(TemplateLimits(
        limits.loop_iterations, limits.value_size, limits.output_chars, float("inf"),
        limits.int_bits))
    try:
        check_binop(budget, op, left, right)
        return budget.checked(OPERATORS[op](left, right), f"'{op}'")
    except TemplateBudgetExceeded as exc:
        raise _Unbounded(str(exc)) from None
    except (TypeError, ValueError, ArithmeticError):
        return None


def _literal_range(node: nodes.Node, limits: TemplateLimits) -> int | None:
    """How many items ``range(<constants>)`` gives, else None."""
    if not (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
            and node.node.name == "range" and not node.kwargs):
        return None
    values = [_const_value(arg, limits) for arg in node.args]
    if not values or not all(isinstance(v, int) for v in values):
        return None
    try:
        return len(range(*values))
    except (TypeError, ValueError):
        return None


def _walk_loops(node: nodes.Node, outer: int, limits: TemplateLimits,
                found: list[tuple[str, int]]) -> None:
    for child in node.iter_child_nodes():
        runs = outer
        if isinstance(child, nodes.For):
            count = _literal_range(child.iter, limits)
            if count is not None and count > MAX_RANGE:
                found.append((f"range() of {fmt_count(count)} items is over the sandbox's "
                              f"{fmt_count(MAX_RANGE)}", child.lineno))
            elif count is not None:
                runs = outer * max(count, 1)
                if runs > limits.loop_iterations >= outer:
                    found.append((f"its nested loops run {fmt_count(runs)} times, more than the "
                                  f"{fmt_count(limits.loop_iterations)} iterations a template may",
                                  child.lineno))
        _walk_loops(child, runs, limits, found)


def _walk_constants(node: nodes.Node, limits: TemplateLimits) -> Iterator[tuple[str, int]]:
    for expr in node.find_all(nodes.BinExpr):
        try:
            _const_value(expr, limits)
        except _Unbounded as exc:
            yield str(exc).removeprefix("over its budget: "), expr.lineno


def unbounded_problems(tree: nodes.Template,
                       limits: TemplateLimits = DEFAULT_LIMITS) -> list[tuple[str, int]]:
    """``(message, line)`` for what the template's text makes unbounded: literal ranges over
    the sandbox's limit, literal nested loops over the iteration budget, constant expressions
    too big to build."""
    found: list[tuple[str, int]] = []
    _walk_loops(tree, 1, limits, found)
    seen = {line for _, line in found}
    for message, line in _walk_constants(tree, limits):
        if line not in seen:  # the outermost expression of a line says enough
            found.append((message, line))
            seen.add(line)
    return [(f"template is unbounded: {message}", line) for message, line in found]
