"""The printer: canonical text that re-parses to the same tree."""

from __future__ import annotations

import pytest

from engine.rules_dsl import parse, to_source


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("a==1", "a == 1"),
        ("(a + b) * c", "(a + b) * c"),
        ("a + (b * c)", "a + b * c"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("not (a and b)", "not (a and b)"),
        ("(not a) == b", "(not a) == b"),
        ("a or (b or c)", "a or (b or c)"),
        ("(a or b) or c", "(a or b) or c"),
        ("a and b or c", "a and b or c"),
        ("a and (b or c)", "a and (b or c)"),
        ("-(-a)", "--a"),
        ("x.y.z", "x.y.z"),
        ("f(a, g(b))", "f(a, g(b))"),
        ("any(tags, t -> t == 'x')", 'any(tags, t -> t == "x")'),
        ("[1, 2.50, null, true]", "[1, 2.50, null, true]"),
        ("90m + 1w", "1h30m + 7d"),
        ('"tab\\t\\"q\\" 中"', '"tab\\t\\"q\\" 中"'),
        ("if a then b else if c then d else e", "if a then b else if c then d else e"),
        ("(if a then 1 else 2) + 3", "(if a then 1 else 2) + 3"),
        ("a not in [1]", "a not in [1]"),
    ],
)
def test_printing_is_canonical_and_round_trips(text: str, printed: str) -> None:
    tree = parse(text)
    assert to_source(tree) == printed
    assert parse(printed) == tree
