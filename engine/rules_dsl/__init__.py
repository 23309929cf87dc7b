"""Flowdesk's rule DSL: one small typed language for every condition and computed value.

parse → typed AST → check → compile to Python, once; see ``SPEC.md`` for the language. The
DSL imports nothing from the engine but ``engine.errors``; the object layer maps its field
types onto ``engine.rules_dsl.types``.
"""

from __future__ import annotations

from engine.rules_dsl.bindings import coerce_bindings, coerce_value
from engine.rules_dsl.builtin_functions import default_functions
from engine.rules_dsl.compiler import (
    CheckResult,
    CompiledExpression,
    check_expression,
    compile_expression,
)
from engine.rules_dsl.environment import DEFAULT_USER_TYPE, TypeEnv
from engine.rules_dsl.functions import (
    ENTRY_POINT_GROUP,
    FunctionRegistry,
    LiteralChoice,
    Overload,
    load_entry_point_functions,
)
from engine.rules_dsl.parser import parse
from engine.rules_dsl.printer import to_source
from engine.rules_dsl.runtime import EvalContext
from engine.rules_dsl.types import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INTEGER,
    NULL,
    STRING,
    DslType,
    EnumType,
    ListType,
    RecordType,
    RefType,
    TypeParam,
    type_from_spec,
)

__all__ = [
    "compile_expression",
    "check_expression",
    "CompiledExpression",
    "CheckResult",
    "EvalContext",
    "TypeEnv",
    "DEFAULT_USER_TYPE",
    "FunctionRegistry",
    "Overload",
    "LiteralChoice",
    "default_functions",
    "load_entry_point_functions",
    "ENTRY_POINT_GROUP",
    "coerce_bindings",
    "coerce_value",
    "parse",
    "to_source",
    "DslType",
    "EnumType",
    "ListType",
    "RecordType",
    "RefType",
    "TypeParam",
    "type_from_spec",
    "STRING",
    "INTEGER",
    "DECIMAL",
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "DURATION",
    "NULL",
    "ANY",
]
