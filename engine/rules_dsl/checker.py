"""The static type checker: syntax tree + environment → types, resolutions and every error.

It keeps going after an error (the failed sub-expression gets the internal ``ERROR`` type,
which fits anywhere) so the designer can show all mistakes at once. Its annotations tell the
code generator what each name, member and call resolved to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DslError, did_you_mean
from engine.rules_dsl import diagnostics as codes
from engine.rules_dsl.builtin_functions import parse_date, parse_datetime
from engine.rules_dsl.diagnostics import error_at
from engine.rules_dsl.environment import OLD, TypeEnv
from engine.rules_dsl.functions import (
    SPECIAL_FORMS,
    FunctionRegistry,
    LiteralChoice,
    Overload,
    param_accepts,
)
from engine.rules_dsl.nodes import (
    ARITHMETIC_OPS,
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
from engine.rules_dsl.printer import to_source
from engine.rules_dsl.regex_guard import RegexRejected, compile_bounded_regex
from engine.rules_dsl.types import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    ERROR,
    INTEGER,
    NULL,
    STRING,
    DslType,
    EnumType,
    ListType,
    RecordType,
    RefType,
    accepts,
    is_numeric,
    is_orderable,
    is_text,
    unify,
)

__all__ = ["Annotations", "check_tree", "MACROS"]

MACROS = frozenset({"any", "all", "count", "filter", "map"})
_LITERAL_TYPES = {
    "string": STRING,
    "integer": INTEGER,
    "decimal": DECIMAL,
    "boolean": BOOLEAN,
    "null": NULL,
    "duration": DURATION,
}
_LENIENT = (ERROR, ANY, NULL)
_CONST_PARSERS: Mapping[str, tuple[Callable[[Any], Any], str]] = {
    "date": (parse_date, "an ISO date such as 2024-03-31"),
    "datetime": (parse_datetime, "an ISO datetime such as 2024-03-31T09:00:00Z"),
}


@dataclass
class Annotations:
    """What the checker learned, keyed by ``id(node)``; read by the code generator."""

    types: dict[int, DslType] = field(default_factory=dict)
    nullable: dict[int, bool] = field(default_factory=dict)
    #: Name → ("lambda", param) | ("binding", name) | ("context", name)
    names: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: Member → ("record", "") | ("ref", object name) | ("json", "")
    members: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: Call → ("function", Overload) | ("macro", name) | ("changed", field)
    #:        | ("matches", predicate) | ("const", value)
    calls: dict[int, tuple[str, Any]] = field(default_factory=dict)
    #: Binary comparison → "plain" | "ref" | "list" | "rank" | "safe";
    #: arithmetic → "plain" | "helper"
    strategies: dict[int, str] = field(default_factory=dict)
    #: Binary with strategy "rank" → {option: index}
    ranks: dict[int, Mapping[str, int]] = field(default_factory=dict)
    errors: list[DslError] = field(default_factory=list)


def _is_boolish(t: DslType) -> bool:
    return t == BOOLEAN or t in _LENIENT


def _arith_type(op: str, left: DslType, right: DslType) -> DslType | None:
    if ERROR in (left, right):
        return ERROR
    if ANY in (left, right):
        return ANY
    if left == NULL and right == NULL:
        return NULL
    if NULL in (left, right):
        other = right if left == NULL else left
        return DECIMAL if op == "/" and is_numeric(other) else other
    if is_numeric(left) and is_numeric(right):
        if op == "/":
            return DECIMAL
        if op == "%":
            return INTEGER if left == right == INTEGER else None
        return INTEGER if left == right == INTEGER else DECIMAL
    pair = (left, right)
    if op == "+":
        if is_text(left) and is_text(right):
            return STRING
        if isinstance(left, ListType) and isinstance(right, ListType):
            return unify(left, right)
        table: dict[tuple[DslType, DslType], DslType] = {
            (DATETIME, DURATION): DATETIME,
            (DURATION, DATETIME): DATETIME,
            (DATE, DURATION): DATE,
            (DURATION, DATE): DATE,
            (DURATION, DURATION): DURATION,
        }
        return table.get(pair)
    if op == "-":
        table = {
            (DATETIME, DURATION): DATETIME,
            (DATETIME, DATETIME): DURATION,
            (DATE, DURATION): DATE,
            (DATE, DATE): DURATION,
            (DURATION, DURATION): DURATION,
        }
        return table.get(pair)
    if op == "*":
        if (left == DURATION and is_numeric(right)) or (right == DURATION and is_numeric(left)):
            return DURATION
        return None
    if op == "/" and left == DURATION and is_numeric(right):
        return DURATION
    return None


class _Checker:
    def __init__(self, text: str, env: TypeEnv, functions: FunctionRegistry) -> None:
        self.text = text
        self.env = env
        self.functions = functions
        self.notes = Annotations()

    # -- bookkeeping ---------------------------------------------------------------------
    def error(self, code: str, message: str, line: int, col: int) -> DslType:
        self.notes.errors.append(error_at(self.text, code, message, line, col))
        return ERROR

    def note(self, node: Node, t: DslType, nullable: bool) -> DslType:
        self.notes.types[id(node)] = t
        self.notes.nullable[id(node)] = nullable or t in (NULL, ANY)
        return t

    def nullable(self, node: Node) -> bool:
        return self.notes.nullable.get(id(node), True)

    # -- dispatch ------------------------------------------------------------------------
    def visit(self, node: Node, scope: Mapping[str, DslType]) -> DslType:
        if isinstance(node, Literal):
            return self.note(node, _LITERAL_TYPES[node.kind], node.kind == "null")
        if isinstance(node, Name):
            return self.note(node, self.name(node, scope), True)
        if isinstance(node, Member):
            return self.note(node, self.member(node, scope), True)
        if isinstance(node, ListLit):
            return self.note(node, self.list_literal(node, scope), False)
        if isinstance(node, Call):
            t, nullable = self.call(node, scope)
            return self.note(node, t, nullable)
        if isinstance(node, Unary):
            return self.unary(node, scope)
        if isinstance(node, Binary):
            return self.binary(node, scope)
        if isinstance(node, BoolOp):
            for operand in node.operands:
                t = self.visit(operand, scope)
                if not _is_boolish(t):
                    self.error(
                        codes.TYPE_MISMATCH,
                        f"'{node.op}' needs true/false operands, but {to_source(operand)!s} is {t}",
                        operand.line,
                        operand.col,
                    )
            return self.note(node, BOOLEAN, False)
        if isinstance(node, Conditional):
            return self.conditional(node, scope)
        if isinstance(node, Lambda):
            self.error(
                codes.BAD_LAMBDA,
                "a lambda (x -> ...) may only be the last argument of any, all, count, "
                "filter or map",
                node.line,
                node.col,
            )
            return self.note(node, ERROR, True)
        raise TypeError(f"not a syntax node: {node!r}")  # pragma: no cover

    # -- names and fields ----------------------------------------------------------------
    def name(self, node: Name, scope: Mapping[str, DslType]) -> DslType:
        if node.name in scope:
            self.notes.names[id(node)] = ("lambda", node.name)
            return scope[node.name]
        if node.name in self.env.variables:
            kind = "context" if node.name in self.env.context_names else "binding"
            self.notes.names[id(node)] = (kind, node.name)
            return self.env.variables[node.name]
        if node.name == OLD and not self.env.change_context:
            return self.error(
                codes.NO_CHANGE_CONTEXT,
                "'old' is only available where a change is being handled (automations on update)",
                node.line,
                node.col,
            )
        candidates = [*scope, *self.env.variables]
        hint = did_you_mean(node.name, candidates)
        if not hint and (node.name in self.functions or node.name in SPECIAL_FORMS):
            hint = f"; to call the function write {node.name}(...)"
        return self.error(
            codes.UNKNOWN_FIELD, f"unknown field '{node.name}'{hint}", node.line, node.col
        )

    def member(self, node: Member, scope: Mapping[str, DslType]) -> DslType:
        target = self.visit(node.target, scope)
        if target == ERROR:
            return ERROR
        if target == ANY:
            self.notes.members[id(node)] = ("json", "")
            return ANY
        record: RecordType | None = None
        if isinstance(target, RecordType):
            record = target
            self.notes.members[id(node)] = ("record", "")
        elif isinstance(target, RefType):
            record = self.env.objects.get(target.object_name)
            if record is None:
                return self.error(
                    codes.UNKNOWN_FIELD,
                    f"{to_source(node.target)} refers to unknown object type "
                    f"'{target.object_name}'",
                    node.name_line,
                    node.name_col,
                )
            self.notes.members[id(node)] = ("ref", target.object_name)
        else:
            return self.error(
                codes.TYPE_MISMATCH,
                f"{to_source(node.target)} is {target}; only records and references have "
                f"fields (.{node.name})",
                node.name_line,
                node.name_col,
            )
        if node.name not in record.fields:
            hint = did_you_mean(node.name, record.fields)
            return self.error(
                codes.UNKNOWN_FIELD,
                f"unknown field '{node.name}' on '{record.name}'{hint}",
                node.name_line,
                node.name_col,
            )
        return record.fields[node.name]

    def list_literal(self, node: ListLit, scope: Mapping[str, DslType]) -> DslType:
        item: DslType = NULL
        for element in node.items:
            t = self.visit(element, scope)
            merged = unify(item, t)
            if merged is None:
                self.error(
                    codes.TYPE_MISMATCH,
                    f"list items must share one type: {to_source(element)} is {t}, earlier "
                    f"items are {item}",
                    element.line,
                    element.col,
                )
            else:
                item = merged
        return ListType(item)

    # -- enum literal checks ------------------------------------------------------------
    def check_enum_literal(self, enum: EnumType, owner: Node, candidate: Node) -> None:
        if not (isinstance(candidate, Literal) and candidate.kind == "string"):
            return
        value = str(candidate.value)
        if value in enum.options:
            return
        folded = [o for o in enum.options if o.lower() == value.lower()]
        hint = f" (did you mean '{folded[0]}'?)" if folded else did_you_mean(value, enum.options)
        self.error(
            codes.UNKNOWN_ENUM_VALUE,
            f"'{value}' is not an option of {to_source(owner)} (options: "
            f"{', '.join(enum.options)}){hint}",
            candidate.line,
            candidate.col,
        )

    def check_enum_pair(self, left: Node, lt: DslType, right: Node, rt: DslType) -> None:
        if isinstance(lt, EnumType):
            self.check_enum_literal(lt, left, right)
        if isinstance(rt, EnumType):
            self.check_enum_literal(rt, right, left)

    # -- operators -----------------------------------------------------------------------
    def unary(self, node: Unary, scope: Mapping[str, DslType]) -> DslType:
        t = self.visit(node.operand, scope)
        if node.op == "not":
            if not _is_boolish(t):
                self.error(
                    codes.TYPE_MISMATCH,
                    f"'not' needs a true/false operand, but {to_source(node.operand)} is {t}",
                    node.line,
                    node.col,
                )
            return self.note(node, BOOLEAN, False)
        if t in (ERROR, ANY, NULL) or is_numeric(t) or t == DURATION:
            return self.note(node, t, self.nullable(node.operand) or t == DURATION)
        self.error(
            codes.TYPE_MISMATCH,
            f"cannot negate {to_source(node.operand)}: it is {t}, not a number or duration",
            node.line,
            node.col,
        )
        return self.note(node, ERROR, True)

    def binary(self, node: Binary, scope: Mapping[str, DslType]) -> DslType:
        lt = self.visit(node.left, scope)
        rt = self.visit(node.right, scope)
        if node.op in ARITHMETIC_OPS:
            return self.arithmetic(node, lt, rt)
        if node.op in ("in", "not in"):
            self.membership(node, lt, rt)
        elif node.op in ("==", "!="):
            self.equality(node, lt, rt)
        else:
            self.ordering(node, lt, rt)
        return self.note(node, BOOLEAN, False)

    def mismatch(self, node: Binary, message: str) -> None:
        self.error(codes.TYPE_MISMATCH, message, node.op_line, node.op_col)

    def arithmetic(self, node: Binary, lt: DslType, rt: DslType) -> DslType:
        result = _arith_type(node.op, lt, rt)
        if result is None:
            hint = ""
            if node.op == "+" and (is_text(lt) or is_text(rt)):
                hint = "; convert with string(...) to join text"
            self.mismatch(node, f"cannot apply '{node.op}' to {lt} and {rt}{hint}")
            return self.note(node, ERROR, True)
        plain_numbers = is_numeric(lt) and is_numeric(rt) and node.op in ("+", "-", "*")
        plain_text = is_text(lt) and is_text(rt) and node.op == "+"
        plain = plain_numbers or plain_text
        self.notes.strategies[id(node)] = "plain" if plain else "helper"
        nullable = not plain or self.nullable(node.left) or self.nullable(node.right)
        return self.note(node, result, nullable)

    def equality(self, node: Binary, lt: DslType, rt: DslType) -> None:
        self.check_enum_pair(node.left, lt, node.right, rt)
        strategy = "plain"
        refs = [t for t in (lt, rt) if isinstance(t, RefType)]
        if refs:
            other = rt if isinstance(lt, RefType) else lt
            ok = other in (*_LENIENT, STRING, INTEGER) or other == refs[0]
            if not ok:
                self.mismatch(node, f"cannot compare {lt} with {rt}")
            strategy = "ref"
        elif unify(lt, rt) is None and not (
            isinstance(lt, RecordType) and isinstance(rt, RecordType) and lt.name == rt.name
        ):
            hint = ""
            if {lt, rt} == {DATE, DATETIME}:
                hint = "; use date(x) to compare a datetime with a date"
            self.mismatch(node, f"cannot compare {lt} with {rt}{hint}")
        elif isinstance(lt, ListType) or isinstance(rt, ListType):
            strategy = "list"
        self.notes.strategies[id(node)] = strategy

    def ordering(self, node: Binary, lt: DslType, rt: DslType) -> None:
        if ERROR in (lt, rt):
            self.notes.strategies[id(node)] = "safe"
            return
        enums = [t for t in (lt, rt) if isinstance(t, EnumType)]
        if enums:
            enum = enums[0]
            other = rt if lt is enum else lt
            if isinstance(other, EnumType) and other != enum:
                self.mismatch(node, f"cannot order {lt} against {rt}: different options")
            elif not (is_text(other) or other in _LENIENT):
                self.mismatch(node, f"cannot compare {lt} with {rt}")
            self.check_enum_pair(node.left, lt, node.right, rt)
            self.notes.strategies[id(node)] = "rank"
            self.notes.ranks[id(node)] = {o: i for i, o in enumerate(enum.options)}
            return
        if ANY in (lt, rt) or NULL in (lt, rt):
            self.notes.strategies[id(node)] = "safe"
            return
        if not (is_orderable(lt) and is_orderable(rt) and unify(lt, rt) is not None):
            hint = ""
            if {lt, rt} == {DATE, DATETIME}:
                hint = "; use date(x) to compare a datetime with a date"
            self.mismatch(node, f"cannot order {lt} against {rt} with '{node.op}'{hint}")
            self.notes.strategies[id(node)] = "safe"
            return
        self.notes.strategies[id(node)] = "plain"

    def membership(self, node: Binary, lt: DslType, rt: DslType) -> None:
        self.notes.strategies[id(node)] = "plain"
        if rt in _LENIENT:
            self.notes.strategies[id(node)] = "safe"
            return
        if not isinstance(rt, ListType):
            hint = "; to look for text inside text use contains(text, part)" if is_text(rt) else ""
            self.mismatch(node, f"'{node.op}' needs a list on the right, got {rt}{hint}")
            return
        item = rt.item
        if isinstance(item, RefType) or isinstance(lt, RefType):
            self.notes.strategies[id(node)] = "safe"
        elif unify(lt, item) is None:
            self.mismatch(node, f"cannot look for {lt} in {rt}")
            return
        if isinstance(lt, EnumType) and isinstance(node.right, ListLit):
            for element in node.right.items:
                self.check_enum_literal(lt, node.left, element)
        if isinstance(item, EnumType):
            self.check_enum_literal(item, node.right, node.left)

    def conditional(self, node: Conditional, scope: Mapping[str, DslType]) -> DslType:
        ct = self.visit(node.cond, scope)
        if not _is_boolish(ct):
            self.error(
                codes.TYPE_MISMATCH,
                f"the condition after 'if' must be true/false, but {to_source(node.cond)} is {ct}",
                node.cond.line,
                node.cond.col,
            )
        then_t = self.visit(node.then, scope)
        else_t = self.visit(node.otherwise, scope)
        result = unify(then_t, else_t)
        if result is None:
            self.error(
                codes.TYPE_MISMATCH,
                f"'then' and 'else' give different types: {then_t} and {else_t}",
                node.otherwise.line,
                node.otherwise.col,
            )
            result = ERROR
        nullable = self.nullable(node.then) or self.nullable(node.otherwise)
        return self.note(node, result, nullable)

    # -- calls ---------------------------------------------------------------------------
    def call(self, node: Call, scope: Mapping[str, DslType]) -> tuple[DslType, bool]:
        if node.name in MACROS:
            return self.macro(node, scope), False
        if node.name == "changed":
            return self.changed(node), False
        if node.name == "matches":
            return self.matches(node, scope), False
        overloads = self.functions.overloads(node.name)
        arg_types = []
        for arg in node.args:
            arg_types.append(self.visit(arg, scope))
        if not overloads:
            hint = did_you_mean(node.name, [*self.functions.names(), *SPECIAL_FORMS])
            self.error(
                codes.UNKNOWN_FUNCTION,
                f"unknown function '{node.name}'{hint}",
                node.line,
                node.col,
            )
            return ERROR, True
        if ERROR in arg_types:
            return ERROR, True
        resolution = self.functions.resolve(node.name, arg_types)
        if resolution is None:
            self.bad_call(node, overloads, arg_types)
            return ERROR, True
        for choice in resolution.overload.literal_choices:
            self.check_literal_choice(node, choice)
        const = self.constant_call(node, resolution.overload)
        if const is not None:
            return resolution.returns, False
        self.notes.calls[id(node)] = ("function", resolution.overload)
        return resolution.returns, resolution.overload.nullable

    def check_literal_choice(self, node: Call, choice: LiteralChoice) -> None:
        """A name argument (a calendar, say) must be a string literal among the choices."""
        arg = node.args[choice.index]
        if not (isinstance(arg, Literal) and arg.kind == "string"):
            if not choice.literal_only:
                return
            self.error(
                codes.LITERAL_REQUIRED,
                f"the {choice.what} of {node.name}() must be a string literal such as "
                f'"{min(choice.choices, default="name")}", so it can be checked before the '
                "rule runs",
                arg.line,
                arg.col,
            )
            return
        name = str(arg.value)
        if name not in choice.choices:
            known = ", ".join(sorted(choice.choices)) or "none"
            listed = f"; known: {known}" if len(choice.choices) <= 20 else ""
            self.error(
                codes.UNKNOWN_CHOICE,
                f"unknown {choice.what} '{name}'{did_you_mean(name, choice.choices)}{listed}",
                arg.line,
                arg.col,
            )

    def constant_call(self, node: Call, overload: Overload) -> object | None:
        """Fold date("...")/datetime("...") of a literal; a bad literal is an error here."""
        spec = _CONST_PARSERS.get(node.name)
        if spec is None or len(node.args) != 1 or overload.params != (STRING,):
            return None
        arg = node.args[0]
        if not (isinstance(arg, Literal) and arg.kind == "string"):
            return None
        parser, example = spec
        value: object = parser(arg.value)
        if value is None:
            self.error(
                codes.BAD_LITERAL,
                f"{node.name}({to_source(arg)}) is not valid: write {example}",
                arg.line,
                arg.col,
            )
            return None
        self.notes.calls[id(node)] = ("const", value)
        return value

    def bad_call(self, node: Call, overloads: tuple[Overload, ...], args: list[DslType]) -> None:
        signatures = "; ".join(o.signature() for o in overloads)
        same_arity = [o for o in overloads if len(o.params) == len(args)]
        if not same_arity:
            counts = sorted({len(o.params) for o in overloads})
            wanted = " or ".join(str(c) for c in counts)
            plural = "" if counts == [1] else "s"
            self.error(
                codes.ARITY,
                f"{node.name}() takes {wanted} argument{plural}, got {len(args)} ({signatures})",
                node.line,
                node.col,
            )
            return
        line, col = node.line, node.col
        if len(same_arity) == 1:
            for param, arg_node, arg_t in zip(same_arity[0].params, node.args, args, strict=True):
                if not param_accepts(param, arg_t):
                    line, col = arg_node.line, arg_node.col
                    break
        given = ", ".join(str(a) for a in args)
        self.error(
            codes.TYPE_MISMATCH,
            f"{node.name}() does not accept ({given}); it takes {signatures}",
            line,
            col,
        )

    def macro(self, node: Call, scope: Mapping[str, DslType]) -> DslType:
        name = node.name
        args = node.args
        needs_lambda = name != "count" or len(args) == 2
        wanted = 'a list and a lambda, e.g. any(tags, t -> t == "vip")'
        if name == "count":
            wanted = 'a list, and optionally a lambda, e.g. count(tags, t -> t != "spam")'
        if len(args) not in ((1, 2) if name == "count" else (2,)):
            for arg in args:
                if not isinstance(arg, Lambda):
                    self.visit(arg, scope)
            self.error(
                codes.ARITY,
                f"{name}() takes {wanted}; got {len(args)} argument(s)",
                node.line,
                node.col,
            )
            return ERROR
        source, *rest = args
        if isinstance(source, Lambda):
            self.error(codes.BAD_LAMBDA, f"{name}() takes {wanted}", source.line, source.col)
            return ERROR
        list_t = self.visit(source, scope)
        item: DslType = ERROR
        if isinstance(list_t, ListType):
            item = list_t.item
        elif list_t in (ANY, NULL):
            item = ANY
        elif list_t != ERROR:
            self.error(
                codes.TYPE_MISMATCH,
                f"{name}() needs a list, but {to_source(source)} is {list_t}",
                source.line,
                source.col,
            )
        self.notes.calls[id(node)] = ("macro", name)
        result_item: DslType = item
        if needs_lambda:
            fn = rest[0]
            if not isinstance(fn, Lambda):
                self.visit(fn, scope)
                self.error(codes.BAD_LAMBDA, f"{name}() takes {wanted}", fn.line, fn.col)
                return ERROR
            body_t = self.visit(fn.body, {**scope, fn.param: item})
            self.note(fn, body_t, self.nullable(fn.body))
            if name != "map" and not _is_boolish(body_t):
                self.error(
                    codes.TYPE_MISMATCH,
                    f"the lambda of {name}() must give true/false, but it gives {body_t}",
                    fn.body.line,
                    fn.body.col,
                )
            if name == "map":
                result_item = body_t
        if name in ("any", "all"):
            return BOOLEAN
        if name == "count":
            return INTEGER
        return ListType(result_item)

    def changed(self, node: Call) -> DslType:
        if not self.env.change_context:
            return self.error(
                codes.NO_CHANGE_CONTEXT,
                "changed(field) is only available where a change is being handled "
                "(automations on update)",
                node.line,
                node.col,
            )
        if len(node.args) != 1:
            return self.error(
                codes.ARITY,
                f"changed() takes 1 argument (a field name), got {len(node.args)}",
                node.line,
                node.col,
            )
        arg = node.args[0]
        if isinstance(arg, Name):
            field_name = arg.name
        elif isinstance(arg, Literal) and arg.kind == "string":
            field_name = str(arg.value)
        else:
            return self.error(
                codes.TYPE_MISMATCH,
                "changed() takes a field name, e.g. changed(priority)",
                arg.line,
                arg.col,
            )
        fields = self.env.record.fields if self.env.record is not None else self.env.variables
        if field_name not in fields:
            hint = did_you_mean(field_name, fields)
            return self.error(
                codes.UNKNOWN_FIELD,
                f"unknown field '{field_name}' in changed(){hint}",
                arg.line,
                arg.col,
            )
        self.notes.calls[id(node)] = ("changed", field_name)
        return BOOLEAN

    def matches(self, node: Call, scope: Mapping[str, DslType]) -> DslType:
        if len(node.args) != 2:
            for arg in node.args:
                self.visit(arg, scope)
            return self.error(
                codes.ARITY,
                f'matches() takes 2 arguments (text, "pattern"), got {len(node.args)}',
                node.line,
                node.col,
            )
        subject, pattern = node.args
        t = self.visit(subject, scope)
        if not (is_text(t) or t in _LENIENT):
            self.error(
                codes.TYPE_MISMATCH,
                f"matches() needs text, but {to_source(subject)} is {t}",
                subject.line,
                subject.col,
            )
        if not (isinstance(pattern, Literal) and pattern.kind == "string"):
            self.visit(pattern, scope)
            return self.error(
                codes.BAD_REGEX,
                "the pattern of matches() must be a string literal, so it can be checked "
                "before the rule runs",
                pattern.line,
                pattern.col,
            )
        try:
            predicate = compile_bounded_regex(str(pattern.value))
        except RegexRejected as exc:
            return self.error(
                codes.BAD_REGEX, f"bad pattern for matches(): {exc}", pattern.line, pattern.col
            )
        self.notes.calls[id(node)] = ("matches", predicate)
        return BOOLEAN


def check_tree(
    text: str,
    tree: Node,
    env: TypeEnv,
    functions: FunctionRegistry,
    expected: DslType | None = None,
) -> tuple[DslType, Annotations]:
    """Type-check ``tree`` (parsed from ``text``); errors are in ``annotations.errors``."""
    checker = _Checker(text, env, functions)
    result = checker.visit(tree, {})
    if expected is not None and result != ERROR:
        if expected == BOOLEAN and not _is_boolish(result):
            checker.error(
                codes.TYPE_MISMATCH,
                f"a condition must be true/false, but this expression is {result}",
                tree.line,
                tree.col,
            )
        elif isinstance(expected, EnumType) and _literals_fit_enum(checker, expected, tree):
            pass  # "P2" where an enum is expected: an option, checked like a comparison
        elif expected != BOOLEAN and not accepts(expected, result):
            checker.error(
                codes.TYPE_MISMATCH,
                f"expected a value of type {expected}, but this expression is {result}",
                tree.line,
                tree.col,
            )
    return result, checker.notes


def _literals_fit_enum(checker: _Checker, enum: EnumType, node: Node) -> bool:
    """Whether every value ``node`` can produce is a string literal (or null): then each must
    be one of ``enum``'s options, and an unknown one is reported at the literal."""
    if isinstance(node, Conditional):
        then_fits = _literals_fit_enum(checker, enum, node.then)
        return _literals_fit_enum(checker, enum, node.otherwise) and then_fits
    if not isinstance(node, Literal) or node.kind not in ("string", "null"):
        return False
    value = node.value
    if node.kind == "string" and str(value) not in enum.options:
        checker.error(
            codes.UNKNOWN_ENUM_VALUE,
            f"'{value}' is not an option (options: {', '.join(enum.options)})"
            f"{did_you_mean(str(value), enum.options)}",
            node.line,
            node.col,
        )
    return True
