"""Text → syntax tree, with exact positions and size bounds.

Lark's LALR parser runs with the tree builder inlined, so nodes are built bottom-up during the
parse with no recursion; depth and size are checked as each node is made, which keeps deep or
huge input from ever reaching a recursive pass.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from importlib import resources
from typing import Any, cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from engine.errors import DslError
from engine.rules_dsl import diagnostics as codes
from engine.rules_dsl.diagnostics import error_at
from engine.rules_dsl.limits import MAX_DEPTH, MAX_DURATION_DAYS, MAX_NODES, MAX_SOURCE_CHARS
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

__all__ = ["parse", "parse_duration_text", "MAX_NUMBER_CHARS"]

#: Longest number literal; also keeps clear of CPython's int-parsing digit limit.
MAX_NUMBER_CHARS = 40

_DURATION_PART = re.compile(r"([0-9]+)([wdhms])")
_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


class _PositionedProblem(Exception):
    """Raised inside parser callbacks (which do not see the text); turned into a DslError."""

    def __init__(self, code: str, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.col = code, message, line, col


def parse_duration_text(text: str) -> timedelta | None:
    """``"1h30m"`` → ``timedelta``; None when ``text`` is not a duration or is out of range."""
    if not text or _DURATION_PART.sub("", text):
        return None
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    if seconds > MAX_DURATION_DAYS * 86_400:
        return None
    return timedelta(seconds=seconds)


def _unescape(token: Token) -> str:
    body: str = token.value[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
            continue
        col = (token.column or 1) + 1 + i
        raise _PositionedProblem(
            codes.BAD_LITERAL,
            f"unknown escape '\\{nxt}' in string; use \\n, \\t, \\\\, \\\", \\' or \\uXXXX",
            token.line or 1,
            col,
        )
    return "".join(out)


def _pos(item: Node | Token) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.line or 1, item.column or 1
    return item.line, item.col


def _sized(node: Node, *children: Node) -> Node:
    depth = 1 + max((c.depth for c in children), default=0)
    size = 1 + sum(c.size for c in children)
    if depth > MAX_DEPTH:
        raise _PositionedProblem(
            codes.TOO_COMPLEX,
            f"expression is nested too deeply (more than {MAX_DEPTH} levels); split it up",
            node.line,
            node.col,
        )
    if size > MAX_NODES:
        raise _PositionedProblem(
            codes.TOO_COMPLEX,
            f"expression is too large (more than {MAX_NODES} parts); split it up",
            node.line,
            node.col,
        )
    return replace(node, depth=depth, size=size)


_KEYWORDS = frozenset({"and", "or", "not", "in", "if", "then", "else", "true", "false", "null"})


def _identifier(token: Token) -> str:
    # The contextual lexer reads a keyword as a name where no keyword fits; refuse it here.
    if token.value in _KEYWORDS:
        raise _PositionedProblem(
            codes.SYNTAX,
            f"unexpected '{token.value}' (a keyword cannot be used as a name here)",
            *_pos(token),
        )
    return str(token.value)


def _keyword_as_name(token: Token) -> Token:
    _identifier(token)
    return token


def _number_token(token: Token) -> None:
    if len(token.value) > MAX_NUMBER_CHARS:
        raise _PositionedProblem(
            codes.BAD_LITERAL,
            f"number literal is longer than {MAX_NUMBER_CHARS} digits",
            *_pos(token),
        )


class _TreeBuilder(Transformer[Token, Node]):
    """Callbacks for each grammar alternative; stateless, so one instance serves all parses."""

    def name(self, ch: list[Any]) -> Node:
        return Name(name=_identifier(ch[0]), line=ch[0].line, col=ch[0].column)

    def string(self, ch: list[Any]) -> Node:
        return Literal(kind="string", value=_unescape(ch[0]), line=ch[0].line, col=ch[0].column)

    def integer(self, ch: list[Any]) -> Node:
        _number_token(ch[0])
        return Literal(kind="integer", value=int(ch[0].value), line=ch[0].line, col=ch[0].column)

    def decimal(self, ch: list[Any]) -> Node:
        _number_token(ch[0])
        value = Decimal(ch[0].value)
        return Literal(kind="decimal", value=value, line=ch[0].line, col=ch[0].column)

    def duration(self, ch: list[Any]) -> Node:
        value = parse_duration_text(ch[0].value)
        if value is None:
            raise _PositionedProblem(
                codes.BAD_LITERAL,
                f"duration {ch[0].value} is longer than {MAX_DURATION_DAYS} days",
                *_pos(ch[0]),
            )
        return Literal(kind="duration", value=value, line=ch[0].line, col=ch[0].column)

    def true(self, ch: list[Any]) -> Node:
        return Literal(kind="boolean", value=True, line=ch[0].line, col=ch[0].column)

    def false(self, ch: list[Any]) -> Node:
        return Literal(kind="boolean", value=False, line=ch[0].line, col=ch[0].column)

    def null(self, ch: list[Any]) -> Node:
        return Literal(kind="null", value=None, line=ch[0].line, col=ch[0].column)

    def list_(self, ch: list[Any]) -> Node:
        items = tuple(ch[1]) if ch[1] is not None else ()
        return _sized(ListLit(items=items, line=ch[0].line, col=ch[0].column), *items)

    def arguments(self, ch: list[Any]) -> list[Node]:
        return [c for c in ch if c is not None]

    def paren(self, ch: list[Any]) -> Node:
        inner: Node = ch[1]
        # A parenthesised chain must not be merged into an enclosing chain of the same op.
        return replace(inner, grouped=True) if isinstance(inner, BoolOp) else inner

    def member(self, ch: list[Any]) -> Node:
        target, tok = ch
        node = Member(
            target=target,
            name=_identifier(tok),
            name_line=tok.line,
            name_col=tok.column,
            line=target.line,
            col=target.col,
        )
        return _sized(node, target)

    def call(self, ch: list[Any]) -> Node:
        tok, args = ch
        args = tuple(args or ())
        return _sized(Call(name=_identifier(tok), args=args, line=tok.line, col=tok.column), *args)

    def lambda_(self, ch: list[Any]) -> Node:
        tok, _arrow, body = ch
        return _sized(
            Lambda(param=_identifier(tok), body=body, line=tok.line, col=tok.column), body
        )

    def unary(self, ch: list[Any]) -> Node:
        tok, operand = ch
        op = "not" if tok.type == "NOT" else "-"
        return _sized(Unary(op=op, operand=operand, line=tok.line, col=tok.column), operand)

    def _binary(self, left: Node, tok: Token, right: Node, op: str) -> Node:
        node = Binary(
            op=op,
            left=left,
            right=right,
            op_line=tok.line or 1,
            op_col=tok.column or 1,
            line=left.line,
            col=left.col,
        )
        return _sized(node, left, right)

    def binary(self, ch: list[Any]) -> Node:
        return self._binary(ch[0], ch[1], ch[2], str(ch[1]))

    def compare(self, ch: list[Any]) -> Node:
        return self._binary(ch[0], ch[1], ch[2], str(ch[1]))

    def not_in(self, ch: list[Any]) -> Node:
        return self._binary(ch[0], ch[1], ch[3], "not in")

    def bool_op(self, ch: list[Any]) -> Node:
        left, tok, right = ch
        op = str(tok)
        if isinstance(left, BoolOp) and left.op == op and not left.grouped:
            operands = (*left.operands, right)
        else:
            operands = (left, right)
        return _sized(BoolOp(op=op, operands=operands, line=left.line, col=left.col), *operands)

    def conditional(self, ch: list[Any]) -> Node:
        tok, cond, then, otherwise = ch
        node = Conditional(cond=cond, then=then, otherwise=otherwise, line=tok.line, col=tok.column)
        return _sized(node, cond, then, otherwise)


@functools.cache
def _parser() -> Lark:
    grammar = resources.files("engine.rules_dsl").joinpath("grammar.lark").read_text("utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        transformer=_TreeBuilder(),
        maybe_placeholders=True,
        lexer_callbacks={"NAME": _keyword_as_name},
    )


_TERMINAL_NAMES = {
    "COMP_OP": "a comparison (==, !=, <, <=, >, >=)",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "MUL_OP": "'*', '/' or '%'",
    "OR": "'or'",
    "AND": "'and'",
    "NOT": "'not'",
    "IN": "'in'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "DOT": "'.'",
    "ARROW": "'->'",
    "THEN": "'then'",
    "ELSE": "'else'",
    "IF": "'if'",
    "$END": "the end of the expression",
}
_OPERAND_TERMINALS = {"NAME", "STRING", "INTEGER", "DECIMAL", "DURATION", "TRUE", "FALSE", "NULL"}


def _expected_text(expected: Any) -> str:
    if not expected:
        return ""
    names: set[str] = set()
    for term in expected:
        if term in _OPERAND_TERMINALS:
            names.add("a value")
        else:
            names.add(_TERMINAL_NAMES.get(term, term.lower()))
    ordered = sorted(names, key=lambda n: (n != "a value", n))
    return "; expected " + (ordered[0] if len(ordered) == 1 else "one of " + ", ".join(ordered))


def _end_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    lines = stripped.split("\n")
    return len(lines), len(lines[-1]) + 1


_CHAR_HINTS = {
    "=": "; use '==' to compare",
    "&": "; use 'and'",
    "|": "; use 'or'",
    "!": "; use 'not' or '!='",
}


def _syntax_error(text: str, exc: UnexpectedInput) -> DslError:
    if isinstance(exc, UnexpectedCharacters):
        ch = exc.char
        if ch in "\"'":
            message = "unterminated string literal (strings end on the same line they start)"
        else:
            message = f"unexpected character {ch!r}{_CHAR_HINTS.get(ch, '')}"
            message += _expected_text(exc.allowed)
        return error_at(text, codes.SYNTAX, message, exc.line, exc.column)
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        tok = exc.token
        message = f"unexpected {tok.value!r}{_expected_text(exc.expected)}"
        if tok.type == "COMP_OP" and "COMP_OP" not in exc.expected:
            message += " (comparisons cannot be chained; join them with 'and')"
        return error_at(text, codes.SYNTAX, message, tok.line or 1, tok.column or 1)
    expected = exc.expected if isinstance(exc, UnexpectedToken | UnexpectedEOF) else None
    line, col = _end_position(text)
    message = "unexpected end of expression" + _expected_text(expected)
    return error_at(text, codes.SYNTAX, message, line, col)


def parse(text: str) -> Node:
    """Parse ``text`` into a syntax tree; raises ``DslError`` (``dsl_syntax``, ...)."""
    if len(text) > MAX_SOURCE_CHARS:
        raise error_at(
            text,
            codes.TOO_COMPLEX,
            f"expression is {len(text)} characters long; the limit is {MAX_SOURCE_CHARS}",
        )
    if not text.strip():
        raise error_at(text, codes.SYNTAX, "empty expression")
    try:
        return cast(Node, _parser().parse(text))
    except _PositionedProblem as exc:
        raise error_at(text, exc.code, exc.message, exc.line, exc.col) from None
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
