"""Error codes of the rule DSL and the one way to build a positioned ``DslError``.

Every code is explained once in ``docs/errors.md`` under ``## Rule DSL``; a test checks that
the codes raised here and the codes documented there are the same set.
"""

from __future__ import annotations

from engine.errors import DslError

__all__ = [
    "SYNTAX",
    "TOO_COMPLEX",
    "BAD_LITERAL",
    "UNKNOWN_FIELD",
    "UNKNOWN_FUNCTION",
    "ARITY",
    "TYPE_MISMATCH",
    "UNKNOWN_ENUM_VALUE",
    "BAD_REGEX",
    "BAD_LAMBDA",
    "NO_CHANGE_CONTEXT",
    "MISSING_CONTEXT",
    "BAD_FUNCTION",
    "BAD_PLUGIN",
    "BAD_BINDING",
    "BAD_VECTORS",
    "LITERAL_REQUIRED",
    "UNKNOWN_CHOICE",
    "ALL_CODES",
    "caret_context",
    "error_at",
]

SYNTAX = "dsl_syntax"
TOO_COMPLEX = "dsl_too_complex"
BAD_LITERAL = "dsl_bad_literal"
UNKNOWN_FIELD = "dsl_unknown_field"
UNKNOWN_FUNCTION = "dsl_unknown_function"
ARITY = "dsl_arity"
TYPE_MISMATCH = "dsl_type_mismatch"
UNKNOWN_ENUM_VALUE = "dsl_unknown_enum_value"
BAD_REGEX = "dsl_bad_regex"
BAD_LAMBDA = "dsl_bad_lambda"
NO_CHANGE_CONTEXT = "dsl_no_change_context"
MISSING_CONTEXT = "dsl_missing_context"
BAD_FUNCTION = "dsl_bad_function"
BAD_PLUGIN = "dsl_bad_plugin"
BAD_BINDING = "dsl_bad_binding"
BAD_VECTORS = "dsl_bad_vectors"
LITERAL_REQUIRED = "dsl_literal_required"
UNKNOWN_CHOICE = "dsl_unknown_choice"

ALL_CODES = frozenset(
    {
        SYNTAX,
        TOO_COMPLEX,
        BAD_LITERAL,
        UNKNOWN_FIELD,
        UNKNOWN_FUNCTION,
        ARITY,
        TYPE_MISMATCH,
        UNKNOWN_ENUM_VALUE,
        BAD_REGEX,
        BAD_LAMBDA,
        NO_CHANGE_CONTEXT,
        MISSING_CONTEXT,
        BAD_FUNCTION,
        BAD_PLUGIN,
        BAD_BINDING,
        BAD_VECTORS,
        LITERAL_REQUIRED,
        UNKNOWN_CHOICE,
    }
)


_WINDOW = 60


def caret_context(text: str, line: int, col: int) -> str:
    """The source line ``line`` of ``text`` with a caret under column ``col`` (both 1-based)."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    source_line = lines[line - 1].rstrip("\r")
    # Long lines are cut to a window around the column so the caret stays readable.
    if len(source_line) > _WINDOW * 2:
        start = max(col - 1 - _WINDOW, 0)
        prefix = "…" if start else ""
        suffix = "…" if start + _WINDOW * 2 < len(source_line) else ""
        source_line = prefix + source_line[start : start + _WINDOW * 2] + suffix
        col = col - start + len(prefix)
    # Keep tabs in the padding so the caret lines up however the terminal renders them.
    pad = "".join(ch if ch == "\t" else " " for ch in source_line[: max(col - 1, 0)])
    return f"{source_line}\n{pad}^"


def error_at(text: str, code: str, message: str, line: int = 1, col: int = 1) -> DslError:
    """A ``DslError`` at ``line``/``col`` of ``text`` with the caret context filled in."""
    return DslError(message, code=code, line=line, col=col, context=caret_context(text, line, col))
