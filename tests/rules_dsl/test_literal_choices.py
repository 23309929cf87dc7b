"""Literal choices: an argument that names something the host declares is a string literal,
checked against the declared names at compile time."""

from __future__ import annotations

import pytest

from engine.errors import DslError
from engine.rules_dsl import (
    INTEGER,
    STRING,
    LiteralChoice,
    TypeEnv,
    check_expression,
    compile_expression,
    default_functions,
)
from engine.rules_dsl.types import RecordType

ENV = TypeEnv.for_record({"item": RecordType("item", {"name": STRING})}, "item")


def _registry():  # type: ignore[no-untyped-def]
    registry = default_functions()
    registry.register("queue_size", params=[STRING], returns=INTEGER,
                      impl=lambda name: {"front": 3, "back": 5}[name],
                      literal_choices=[LiteralChoice(0, "queue", frozenset({"front", "back"}))])
    return registry


def test_a_declared_name_compiles_and_reaches_the_implementation() -> None:
    compiled = compile_expression('queue_size("back") + 1', ENV, functions=_registry())
    assert compiled.evaluate({"name": "x"}) == 6


@pytest.mark.parametrize(("text", "code", "col", "message"), [
    ('queue_size("frnt")', "dsl_unknown_choice", 12,
     "unknown queue 'frnt' (did you mean 'front'?); known: back, front"),
    ("queue_size(name)", "dsl_literal_required", 12,
     'the queue of queue_size() must be a string literal such as "back"'),
    ('queue_size("a" + "b")', "dsl_literal_required", 12, "must be a string literal"),
])
def test_a_bad_name_is_reported_at_the_argument(text: str, code: str, col: int,
                                                message: str) -> None:
    result = check_expression(text, ENV, functions=_registry())
    [error] = result.errors
    assert (error.code, error.col) == (code, col)
    assert message in error.message


def test_a_literal_choice_must_be_a_string_parameter() -> None:
    with pytest.raises(DslError, match="a literal choice must name a string parameter") as info:
        default_functions().register(
            "bad", params=[INTEGER], returns=INTEGER, impl=lambda n: n,
            literal_choices=[LiteralChoice(0, "thing", frozenset({"a"}))])
    assert info.value.code == "dsl_bad_function"
