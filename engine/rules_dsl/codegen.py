"""Checked syntax tree → Python source → one compiled function.

The generated function is ``_expr(r, ctx=None)`` with the bindings in ``r``. Every value that
came from the expression text (strings, numbers, field names, compiled patterns) reaches the
code as a closure cell named ``_k<n>``; every identifier in the source is generated here.
Nothing of the user's text is ever spliced into the Python source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.rules_dsl import diagnostics as codes
from engine.rules_dsl.checker import Annotations
from engine.rules_dsl.diagnostics import error_at
from engine.rules_dsl.environment import EVENT, OLD, USER
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
from engine.rules_dsl.runtime import HELPERS
from engine.rules_dsl.types import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INTEGER,
    NULL,
    DslType,
    ListType,
    is_numeric,
    is_text,
)

__all__ = ["generate", "GeneratedCode"]

_CONTEXT_ATTRS = {OLD: "old", USER: "user", EVENT: "event"}
_COMPARE_HELPERS = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}
_ARITH_HELPERS = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}
_HASHABLE_LITERALS = frozenset({"string", "integer", "decimal", "boolean", "null", "duration"})


def _set_friendly(t: DslType) -> bool:
    """Whether values of ``t`` hash consistently with equality (so ``x in frozenset`` works)."""
    return is_text(t) or t in (INTEGER, DECIMAL, BOOLEAN, DATE, DATETIME, DURATION, NULL)


@dataclass
class GeneratedCode:
    source: str
    function: Callable[..., Any]
    constants: dict[str, Any] = field(default_factory=dict)


class _Generator:
    def __init__(self, notes: Annotations) -> None:
        self.notes = notes
        self.constants: dict[str, Any] = {}
        self._const_ids: dict[tuple[type, Any], str] = {}
        self._counter = 0
        self.uses_bindings = False

    # -- names -----------------------------------------------------------------------------
    def const(self, value: Any) -> str:
        try:
            key: tuple[type, Any] | None = (type(value), value)
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in self._const_ids:
            return self._const_ids[key]
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        if key is not None:
            self._const_ids[key] = name
        return name

    def temp(self, prefix: str = "_t") -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def nullable(self, node: Node) -> bool:
        return self.notes.nullable.get(id(node), True)

    def type_of(self, node: Node) -> DslType:
        return self.notes.types[id(node)]

    def truth(self, node: Node, scope: Mapping[str, str]) -> str:
        """``node`` as a strict true/false: null (or any non-boolean JSON) counts as false."""
        code = self.expr(node, scope)
        return f"({code} is True)" if self.nullable(node) else code

    # -- dispatch --------------------------------------------------------------------------
    def expr(self, node: Node, scope: Mapping[str, str]) -> str:
        if isinstance(node, Literal):
            if node.value is None or isinstance(node.value, bool):
                return repr(node.value)  # None/True/False: keywords, not user text
            return self.const(node.value)
        if isinstance(node, Name):
            return self.name(node, scope)
        if isinstance(node, Member):
            return self.member(node, scope)
        if isinstance(node, ListLit):
            if all(isinstance(i, Literal) for i in node.items):
                return self.const(tuple(i.value for i in node.items))  # type: ignore[attr-defined]
            return "[" + ", ".join(self.expr(i, scope) for i in node.items) + "]"
        if isinstance(node, Call):
            return self.call(node, scope)
        if isinstance(node, Unary):
            return self.unary(node, scope)
        if isinstance(node, Binary):
            return self.binary(node, scope)
        if isinstance(node, BoolOp):
            joined = f" {node.op} ".join(self.truth(o, scope) for o in node.operands)
            return f"({joined})"
        if isinstance(node, Conditional):
            cond = self.expr(node.cond, scope)
            if self.type_of(node.cond) == ANY:
                cond = f"({cond} is True)"
            then = self.expr(node.then, scope)
            otherwise = self.expr(node.otherwise, scope)
            return f"({then} if {cond} else {otherwise})"
        raise TypeError(f"cannot generate code for {node!r}")  # pragma: no cover

    def name(self, node: Name, scope: Mapping[str, str]) -> str:
        kind, name = self.notes.names[id(node)]
        if kind == "lambda":
            return scope[name]
        if kind == "context" and name in _CONTEXT_ATTRS:
            return f"(None if ctx is None else ctx.{_CONTEXT_ATTRS[name]})"
        self.uses_bindings = True
        return f"_g({self.const(name)})"

    def member(self, node: Member, scope: Mapping[str, str]) -> str:
        target = self.expr(node.target, scope)
        kind, object_name = self.notes.members[id(node)]
        key = self.const(node.name)
        t = self.temp()
        if kind == "record":
            return f"(None if ({t} := {target}) is None else {t}.get({key}))"
        if kind == "ref":
            obj = self.const(object_name)
            # Fast path for an already-loaded record; ids and other mappings go through _deref.
            return (
                f"({t}.get({key}) if _type({t} := {target}) is _dict "
                f"else _json_get(_deref({t}, {obj}, ctx), {key}))"
            )
        return f"_json_get({target}, {key})"

    # -- operators -------------------------------------------------------------------------
    def unary(self, node: Unary, scope: Mapping[str, str]) -> str:
        if node.op == "not":
            return f"(not {self.expr(node.operand, scope)})"
        operand = node.operand
        if isinstance(operand, Literal) and operand.kind in ("integer", "decimal", "duration"):
            return self.const(-operand.value)  # type: ignore[operator]
        t = self.type_of(operand)
        code = self.expr(operand, scope)
        if not is_numeric(t):
            return f"_neg({code})"
        if not self.nullable(operand):
            return f"(-{code})"
        tmp = self.temp()
        return f"(None if ({tmp} := {code}) is None else -{tmp})"

    def guarded(
        self, left: Node, right: Node, scope: Mapping[str, str], op: str, on_null: str
    ) -> str:
        """``left <op> right`` evaluated only when neither side is null, else ``on_null``."""
        lcode, rcode = self.expr(left, scope), self.expr(right, scope)
        checks = []
        if self.nullable(left):
            tmp = self.temp()
            checks.append(f"({tmp} := {lcode}) is None")
            lcode = tmp
        if self.nullable(right):
            tmp = self.temp()
            checks.append(f"({tmp} := {rcode}) is None")
            rcode = tmp
        body = f"{lcode} {op} {rcode}"
        if not checks:
            return f"({body})"
        return f"({on_null} if {' or '.join(checks)} else {body})"

    def binary(self, node: Binary, scope: Mapping[str, str]) -> str:
        op = node.op
        strategy = self.notes.strategies.get(id(node), "safe")
        if op in _ARITH_HELPERS:
            if strategy == "plain":
                return self.guarded(node.left, node.right, scope, op, "None")
            left, right = self.expr(node.left, scope), self.expr(node.right, scope)
            return f"{_ARITH_HELPERS[op]}({left}, {right})"
        if op in ("==", "!="):
            left, right = self.expr(node.left, scope), self.expr(node.right, scope)
            if strategy in ("ref", "list"):
                helper = "_ref_eq" if strategy == "ref" else "_list_eq"
                code = f"{helper}({left}, {right})"
                return code if op == "==" else f"(not {code})"
            return f"({left} {op} {right})"
        if op in ("in", "not in"):
            code = self.membership(node, scope, strategy)
            return code if op == "in" else f"(not {code})"
        if strategy == "rank":
            return self.rank_compare(node, scope)
        if strategy == "plain":
            return self.guarded(node.left, node.right, scope, op, "False")
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        return f"{_COMPARE_HELPERS[op]}({left}, {right})"

    def rank_compare(self, node: Binary, scope: Mapping[str, str]) -> str:
        ranks = self.notes.ranks[id(node)]
        table = self.const(dict(ranks))
        sides = []
        for side in (node.left, node.right):
            if isinstance(side, Literal) and side.kind == "string":
                rank = ranks.get(str(side.value))
                sides.append(("None" if rank is None else self.const(rank), False))
            else:
                sides.append((f"{table}.get({self.expr(side, scope)})", True))
        (lcode, lnull), (rcode, rnull) = sides
        checks = []
        if lnull:
            tmp = self.temp()
            checks.append(f"({tmp} := {lcode}) is not None")
            lcode = tmp
        if rnull:
            tmp = self.temp()
            checks.append(f"({tmp} := {rcode}) is not None")
            rcode = tmp
        if "None" in (lcode, rcode):
            return "False"
        return "(" + " and ".join([*checks, f"{lcode} {node.op} {rcode}"]) + ")"

    def membership(self, node: Binary, scope: Mapping[str, str], strategy: str) -> str:
        left = self.expr(node.left, scope)
        right_node = node.right
        if (
            strategy == "plain"
            and isinstance(right_node, ListLit)
            and all(
                isinstance(i, Literal) and i.kind in _HASHABLE_LITERALS for i in right_node.items
            )
            and _set_friendly(self.type_of(node.left))
        ):
            values = frozenset(i.value for i in right_node.items)  # type: ignore[attr-defined]
            return f"({left} in {self.const(values)})"
        right = self.expr(right_node, scope)
        if strategy == "plain":
            if not self.nullable(right_node):
                return f"({left} in {right})"
            tmp = self.temp()
            return f"(({tmp} := {right}) is not None and {left} in {tmp})"
        return f"_contains({right}, {left})"

    # -- calls -----------------------------------------------------------------------------
    def call(self, node: Call, scope: Mapping[str, str]) -> str:
        kind, info = self.notes.calls[id(node)]
        if kind == "const":
            return self.const(info)
        if kind == "changed":
            return f"(ctx is not None and {self.const(info)} in ctx.changed)"
        if kind == "matches":
            return f"{self.const(info)}({self.expr(node.args[0], scope)})"
        if kind == "macro":
            return self.macro(node, str(info), scope)
        args = [self.expr(a, scope) for a in node.args]
        if info.needs_context:
            args.insert(0, "ctx")
        return f"{self.const(info.impl)}({', '.join(args)})"

    def macro(self, node: Call, name: str, scope: Mapping[str, str]) -> str:
        source = node.args[0]
        source_code = self.expr(source, scope)
        if not isinstance(self.type_of(source), ListType):
            source_code = f"_as_list({source_code})"
        items = self.temp()
        if len(node.args) == 1:  # count(list)
            return f"(_len({items}) if ({items} := {source_code}) else 0)"
        fn = node.args[1]
        assert isinstance(fn, Lambda)
        var = self.temp("_v")
        inner = {**scope, fn.param: var}
        if name == "map":
            body = self.expr(fn.body, inner)
            return f"([{body} for {var} in {items}] if ({items} := {source_code}) else [])"
        body = (
            self.truth(fn.body, inner)
            if self.type_of(fn.body) == ANY
            else self.expr(fn.body, inner)
        )
        loop = f"for {var} in {items}"
        guard = f"if ({items} := {source_code}) else"
        if name == "any":
            return f"(_any({body} {loop}) {guard} False)"
        if name == "all":
            return f"(_all({body} {loop}) {guard} True)"
        if name == "count":
            return f"(_sum(1 {loop} if {body}) {guard} 0)"
        return f"([{var} {loop} if {body}] {guard} [])"


def generate(
    tree: Node,
    notes: Annotations,
    *,
    text: str,
    expected: DslType | None = None,
) -> GeneratedCode:
    """Generate and compile the evaluation function for a checked tree."""
    gen = _Generator(notes)
    body = gen.expr(tree, {})
    if expected == BOOLEAN and gen.nullable(tree):
        body = f"({body} is True)"
    helpers = {**HELPERS, "_len": len}
    names = [*gen.constants, *helpers]
    lines = [f"def _build({', '.join(names)}):", "    def _expr(r, ctx=None):"]
    if gen.uses_bindings:
        lines.append("        _g = r.get")
    lines += [f"        return {body}", "    return _expr"]
    source = "\n".join(lines) + "\n"
    try:
        code = compile(source, "<flowdesk-dsl>", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise error_at(
            text, codes.TOO_COMPLEX, "expression is too complex to compile; split it up"
        ) from None
    namespace: dict[str, Any] = {"__builtins__": {}}
    exec(code, namespace)  # noqa: S102 - runs our generated source, never user text
    function = namespace["_build"](*gen.constants.values(), *helpers.values())
    return GeneratedCode(source=source, function=function, constants=dict(gen.constants))
