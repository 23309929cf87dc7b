"""Property tests: random text fails only with DslError; random well-typed expressions
evaluate without raising; printing and re-parsing gives the same tree."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import DslError
from engine.rules_dsl import (
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INTEGER,
    STRING,
    EnumType,
    EvalContext,
    ListType,
    RecordType,
    RefType,
    TypeEnv,
    compile_expression,
    parse,
    to_source,
)

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OBJECTS = {
    "customer": RecordType("customer", {"name": STRING, "tier": EnumType(["gold", "silver"])}),
    "ticket": RecordType(
        "ticket",
        {
            "vip": BOOLEAN,
            "count": INTEGER,
            "amount": DECIMAL,
            "subject": STRING,
            "priority": EnumType(["P1", "P2", "P3"]),
            "tags": ListType(STRING),
            "created_at": DATETIME,
            "due_on": DATE,
            "wait": DURATION,
            "customer": RefType("customer"),
        },
    ),
}
ENV = TypeEnv.for_record(OBJECTS, "ticket", change_context=True)
CTX = EvalContext(
    now=datetime(2024, 3, 1, 12, tzinfo=UTC), old={"priority": "P2"}, changed=frozenset({"vip"})
)

FIELDS = {
    "boolean": ["vip"],
    "integer": ["count", "len(subject)", "count(tags)"],
    "decimal": ["amount"],
    "string": ["subject", "customer.name", "lower(subject)", "old.subject"],
    "datetime": ["created_at", "now()"],
    "date": ["due_on", "today()"],
    "duration": ["wait", "now() - created_at"],
}
LITERALS = {
    "boolean": st.sampled_from(["true", "false"]),
    "integer": st.integers(-(10**6), 10**6).map(str),
    "decimal": st.decimals(-1000, 1000, places=2, allow_nan=False).map(lambda d: format(d, "f")),
    "string": st.sampled_from(['"a"', '"中文"', '""', "'x y'", '"\\n"']),
    "datetime": st.just('datetime("2024-01-02T03:04:05Z")'),
    "date": st.just('date("2024-01-02")'),
    "duration": st.sampled_from(["15m", "4h", "3d", "2w", "1h30m"]),
}


@functools.cache
def expr(t: str, depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(st.sampled_from(FIELDS[t]), LITERALS[t])
    if depth == 0:
        return leaf
    sub = lambda u: expr(u, depth - 1).map(lambda s: f"({s})")  # noqa: E731
    wrap = lambda fmt, *parts: st.tuples(*parts).map(lambda p: fmt.format(*p))  # noqa: E731
    options = [leaf, wrap("if {} then {} else {}", sub("boolean"), sub(t), sub(t))]
    if t == "boolean":
        options += [
            wrap("{} and {}", sub("boolean"), sub("boolean")),
            wrap("{} or {}", sub("boolean"), sub("boolean")),
            wrap("not {}", sub("boolean")),
            wrap("{} < {}", sub("integer"), sub("decimal")),
            wrap("{} == {}", sub("string"), sub("string")),
            wrap("{} >= {}", sub("datetime"), sub("datetime")),
            wrap("{} != {}", sub("duration"), sub("duration")),
            wrap("{} in tags", sub("string")),
            wrap('priority in ["P1", "P3"]'),
            wrap('priority <= "P2"'),
            wrap("any(tags, t -> contains(t, {}))", sub("string")),
            wrap("all(tags, t -> len(t) > {})", sub("integer")),
            wrap('matches({}, "^a[0-9]*")', sub("string")),
            st.just("changed(vip)"),
            wrap("{} == null", sub("integer")),
        ]
    elif t == "integer":
        options += [
            wrap("{} + {}", sub("integer"), sub("integer")),
            wrap("{} * {}", sub("integer"), sub("integer")),
            wrap("{} % {}", sub("integer"), sub("integer")),
            wrap("-{}", sub("integer")),
            wrap("round({})", sub("decimal")),
            wrap("count(tags, t -> t == {})", sub("string")),
        ]
    elif t == "decimal":
        options += [
            wrap("{} / {}", sub("decimal"), sub("integer")),
            wrap("{} - {}", sub("decimal"), sub("decimal")),
            wrap("round({}, 2)", sub("decimal")),
            wrap("hours({})", sub("duration")),
        ]
    elif t == "string":
        options += [
            wrap("{} + {}", sub("string"), sub("string")),
            wrap("upper({})", sub("string")),
            wrap("coalesce({}, {})", sub("string"), sub("string")),
            wrap("substring({}, {})", sub("string"), sub("integer")),
            wrap("string({})", sub("duration")),
        ]
    elif t == "datetime":
        options += [wrap("{} + {}", sub("datetime"), sub("duration"))]
    elif t == "date":
        options += [wrap("{} - {}", sub("date"), sub("duration"))]
    elif t == "duration":
        options += [
            wrap("{} * {}", sub("duration"), sub("integer")),
            wrap("{} - {}", sub("duration"), sub("duration")),
            wrap("{} - {}", sub("date"), sub("date")),
        ]
    return st.one_of(options)


TYPES = list(FIELDS)
well_typed = st.one_of([expr(t, 3) for t in TYPES])

bindings = st.fixed_dictionaries(
    {
        "vip": st.none() | st.booleans(),
        "count": st.none() | st.integers(-(10**9), 10**9),
        "amount": st.none() | st.decimals(-(10**6), 10**6, places=3, allow_nan=False),
        "subject": st.none() | st.text(max_size=20),
        "priority": st.none() | st.sampled_from(["P1", "P2", "P3"]),
        "tags": st.none() | st.lists(st.none() | st.text(max_size=5), max_size=4),
        "created_at": st.none()
        | st.datetimes(
            min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
        ),
        "due_on": st.none() | st.dates(),
        "wait": st.none()
        | st.timedeltas(min_value=timedelta(days=-9999), max_value=timedelta(days=9999)),
        "customer": st.none() | st.fixed_dictionaries({"name": st.none() | st.text(max_size=5)}),
    }
)

TOKENS = st.sampled_from(
    [
        "priority",
        "==",
        '"P1"',
        "and",
        "or",
        "not",
        "in",
        "(",
        ")",
        "[",
        "]",
        ",",
        "->",
        "t",
        "any",
        "1",
        "2.5",
        "4h",
        "-",
        "+",
        "*",
        "/",
        "%",
        ".",
        "tier",
        "customer",
        "if",
        "then",
        "else",
        "null",
        "true",
        '"',
        "'",
        "\\",
        "<",
        ">=",
        "len",
        "matches",
        "changed",
        "中",
        "@",
    ]
)


@SETTINGS
@given(st.text(max_size=80))
def test_random_text_raises_only_dsl_errors(text: str) -> None:
    try:
        compile_expression(text, ENV)
    except DslError as exc:
        assert exc.code.startswith("dsl_")
        assert exc.line >= 1 and exc.col >= 1


@SETTINGS
@given(st.lists(TOKENS, max_size=25).map(" ".join))
def test_random_token_soup_raises_only_dsl_errors(text: str) -> None:
    try:
        compile_expression(text, ENV)
    except DslError as exc:
        assert exc.code.startswith("dsl_")


@SETTINGS
@given(well_typed, bindings)
def test_well_typed_expressions_evaluate_without_raising(text: str, values: dict) -> None:  # type: ignore[type-arg]
    compiled = compile_expression(text, ENV)
    compiled.evaluate(values, CTX)
    condition = compile_expression(f"({text}) == null or true", ENV, expected=BOOLEAN)
    assert condition.evaluate(values, CTX) is True


@SETTINGS
@given(well_typed)
def test_print_then_parse_round_trips(text: str) -> None:
    tree = parse(text)
    printed = to_source(tree)
    assert parse(printed) == tree
    assert to_source(parse(printed)) == printed


@SETTINGS
@given(st.decimals(-(10**6), 10**6, places=4, allow_nan=False), st.integers(-1000, 1000))
def test_decimal_arithmetic_matches_python(a: Decimal, b: int) -> None:
    env = TypeEnv(variables={"a": DECIMAL, "b": INTEGER})
    compiled = compile_expression("a * b + a - b", env)
    assert compiled.evaluate({"a": a, "b": b}) == a * b + a - b
