"""A string literal may stand where an enum value is expected, if it is one of the options."""

from __future__ import annotations

import pytest

from engine.errors import DslError
from engine.rules_dsl import EnumType, TypeEnv, compile_expression

PRIORITY = EnumType(["P1", "P2", "P3", "P4"])
ENV = TypeEnv(variables={"priority": PRIORITY})


@pytest.mark.parametrize(
    ("text", "bindings", "value"),
    [
        ('"P2"', {}, "P2"),
        ('if priority == "P4" then "P3" else if priority == "P3" then "P2" else "P1"',
         {"priority": "P3"}, "P2"),
        ('if priority == "P1" then null else "P1"', {"priority": "P1"}, None),
        ("priority", {"priority": "P4"}, "P4"),
    ],
)
def test_option_literals_fit_an_expected_enum(text: str, bindings: dict, value: object) -> None:
    assert compile_expression(text, ENV, expected=PRIORITY).evaluate(bindings) == value


@pytest.mark.parametrize(
    ("text", "code", "col"),
    [
        ('"P5"', "dsl_unknown_enum_value", 1),
        ('if priority == "P1" then "P1" else "urgent"', "dsl_unknown_enum_value", 36),
        ('lower("P1")', "dsl_type_mismatch", 1),
    ],
)
def test_values_outside_the_options_are_refused(text: str, code: str, col: int) -> None:
    with pytest.raises(DslError) as caught:
        compile_expression(text, ENV, expected=PRIORITY)
    assert caught.value.code == code
    assert caught.value.col == col
