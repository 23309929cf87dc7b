"""The DSL's bounds hold against hostile text: oversized, deeply nested or huge expressions are
refused with ``dsl_too_complex`` (or ``dsl_bad_literal``) before they can exhaust anything, and
``matches`` answers in linear time whatever the pattern and the input.

Every case runs under a test-level time limit (SIGALRM), so a bound that does not hold fails
the test instead of hanging the suite (a runaway call inside C, such as Python's ``re``, is
stopped as soon as it hands control back); no case asserts how fast it was.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.errors import DslError
from engine.rules_dsl import INTEGER, STRING, RecordType, TypeEnv, compile_expression
from engine.rules_dsl.regex_guard import RegexRejected, compile_bounded_regex
from tests.time_limit import time_limit

TEST_TIME_LIMIT = 20


@pytest.fixture(autouse=True)
def limited_time() -> Iterator[None]:
    with time_limit(TEST_TIME_LIMIT, "the expression"):
        yield


@pytest.fixture
def env() -> TypeEnv:
    return TypeEnv.for_record(
        {"t": RecordType("t", {"subject": STRING, "count": INTEGER})}, "t")


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("x" * 9000, "dsl_too_complex", "expression is 9000 characters long; the limit is 8000"),
        ("-" * 7999 + "1", "dsl_too_complex", "nested too deeply (more than 48 levels)"),
        ("not " * 1999 + "true", "dsl_too_complex", "nested too deeply"),
        ("[" * 3999 + "]" * 3999, "dsl_too_complex", "nested too deeply"),
        ("lower(" * 1000 + "subject" + ")" * 1000, "dsl_too_complex", "nested too deeply"),
        ("if true then " * 300 + "1" + " else 1" * 300, "dsl_too_complex", "nested too deeply"),
        (" or ".join(["count>1"] * 700), "dsl_too_complex", "too large (more than 2000 parts)"),
        ("100000d > count", "dsl_bad_literal", "longer than 10000 days"),
        ("9" * 7000, "dsl_bad_literal", "longer than 40 digits"),
    ],
)
def test_hostile_expressions_are_refused_by_their_bound(
    env: TypeEnv, text: str, code: str, words: str
) -> None:
    with pytest.raises(DslError) as caught:
        compile_expression(text, env)
    assert caught.value.code == code
    assert words in caught.value.message


HOSTILE_INPUT = {"x": "x" * 100_000, "a": "a" * 100_000, "space": " " * 100_000,
                 "short": "a" * 40 + "!"}


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        # Backtracking patterns that pass the shape checks: minutes each under Python's re.
        (".*x.*y", "x"),
        ("a*a*a*b", "a"),
        ("a.*b.*c.*d", "a"),
        (r"\s+\d", "space"),
        (r"^(\w{1,20}\s?){1,20}$", "short"),
    ],
)
def test_matches_answers_in_linear_time_on_hostile_input(pattern: str, text: str) -> None:
    matches = compile_bounded_regex(pattern)
    for _ in range(100):  # a hundred evaluations, as a busy routing rule would make
        assert matches(HOSTILE_INPUT[text]) is False


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (r"\w+", "中文工单", True),
        (r"^\d{3}$", "١٢٣", True),
        (r"\s", "a\u3000b", True),
        (r"[\w-]+$", "a-b", True),
        (r"[^\d]", "123", False),
        (r"\u4e2d", "中", True),
        (r"(?i)REFUND", "a refund please", True),
        (r"order [0-9]+\Z", "order 12", True),
    ],
)
def test_matches_keeps_pythons_unicode_classes(pattern: str, text: str, found: bool) -> None:
    assert compile_bounded_regex(pattern)(text) is found


def test_a_lookaround_is_refused_with_the_reason() -> None:
    with pytest.raises(RegexRejected) as caught:
        compile_bounded_regex("refund(?! request)")
    assert str(caught.value) == (
        "matches() runs patterns in linear time, which this one does not allow (lookarounds, "
        "or repetitions over 1000 in all): invalid perl operator: (?!")


def test_a_negated_class_escape_inside_brackets_is_refused_with_the_way_out() -> None:
    with pytest.raises(RegexRejected) as caught:
        compile_bounded_regex(r"[\Wx]")
    assert str(caught.value) == (
        r"\W inside [...] is not supported; write the class as [^...] instead")
