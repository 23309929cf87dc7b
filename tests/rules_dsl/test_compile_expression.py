"""The public API: compile_expression, check_expression, CompiledExpression, EvalContext."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from engine.errors import DslError
from engine.rules_dsl import (
    BOOLEAN,
    DECIMAL,
    STRING,
    EvalContext,
    TypeEnv,
    check_expression,
    compile_expression,
)

ROUTING = (
    'priority in ["P1", "P2"] and customer.tier in ["strategic", "gold"] '
    'and any(tags, t -> t == "billing") and not contains(lower(subject), "test")'
)


def test_compiled_expression_is_frozen_and_reports_its_type_and_paths(env: TypeEnv) -> None:
    compiled = compile_expression(ROUTING, env, expected=BOOLEAN)
    assert compiled.source == ROUTING
    assert compiled.type == BOOLEAN
    assert compiled.paths_read == {"priority", "customer.tier", "tags", "subject"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.source = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"priority": "P1", "customer": {"tier": "gold"}, "tags": ["billing"], "subject": "Hi"},
            True,
        ),
        (
            {"priority": "P3", "customer": {"tier": "gold"}, "tags": ["billing"], "subject": "Hi"},
            False,
        ),
        ({"priority": "P1", "customer": None, "tags": ["billing"], "subject": "Hi"}, False),
        ({"priority": "P1", "customer": {"tier": "gold"}, "tags": [], "subject": "Hi"}, False),
        (
            {
                "priority": "P1",
                "customer": {"tier": "gold"},
                "tags": ["billing"],
                "subject": "A TEST",
            },
            False,
        ),
        ({}, False),
    ],
)
def test_routing_condition_evaluates_over_plain_dicts(env: TypeEnv, record, expected) -> None:  # type: ignore[no-untyped-def]
    assert compile_expression(ROUTING, env, expected=BOOLEAN).evaluate(record) is expected


def test_paths_read_follows_lambdas_old_and_user(env: TypeEnv) -> None:
    compiled = compile_expression(
        'changed(priority) and old.priority == "P1" and "admin" in user.roles', env
    )
    assert compiled.paths_read == {"old.priority", "user.roles"}


def test_condition_with_null_result_is_false(env: TypeEnv) -> None:
    assert compile_expression("vip", env).evaluate({}) is None
    assert compile_expression("vip", env, expected=BOOLEAN).evaluate({}) is False


@pytest.mark.parametrize(
    ("text", "expected", "code"),
    [
        ("subject", BOOLEAN, "dsl_type_mismatch"),
        ("amount", STRING, "dsl_type_mismatch"),
        ("count", DECIMAL, None),
        ("amount * 2", DECIMAL, None),
    ],
)
def test_expected_type_is_enforced(env: TypeEnv, text: str, expected, code) -> None:  # type: ignore[no-untyped-def]
    if code is None:
        compile_expression(text, env, expected=expected)
    else:
        with pytest.raises(DslError) as info:
            compile_expression(text, env, expected=expected)
        assert info.value.code == code


def test_check_expression_returns_all_errors_as_json(env: TypeEnv) -> None:
    result = check_expression('priorty == "P1" and customer.tierr == "x" and foo(1)', env)
    assert not result.ok
    data = result.as_dict()
    assert data["ok"] is False
    assert [(e["code"], e["col"]) for e in data["errors"]] == [
        ("dsl_unknown_field", 1),
        ("dsl_unknown_field", 30),
        ("dsl_unknown_function", 47),
    ]
    assert "did you mean 'priority'" in data["errors"][0]["message"]


def test_check_expression_of_good_text_is_ok(env: TypeEnv) -> None:
    assert check_expression("count + 1", env).as_dict() == {
        "ok": True,
        "type": "integer",
        "errors": [],
    }


def test_check_expression_reports_a_syntax_error(env: TypeEnv) -> None:
    data = check_expression("count +", env).as_dict()
    assert data["type"] is None
    assert data["errors"][0]["code"] == "dsl_syntax"


def test_error_has_position_and_caret_context(env: TypeEnv) -> None:
    with pytest.raises(DslError) as info:
        compile_expression('vip and\n  priority == "P7"', env)
    err = info.value
    assert (err.code, err.line, err.col) == ("dsl_unknown_enum_value", 2, 15)
    assert err.context == '  priority == "P7"\n              ^'
    assert str(err).startswith("2:15: 'P7' is not an option of priority")


def test_now_and_today_read_the_context_never_the_system_clock(env: TypeEnv, ctx) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_expression("now() - created_at", env)
    assert compiled.evaluate({"created_at": ctx.now - timedelta(hours=2)}, ctx) == timedelta(
        hours=2
    )
    with pytest.raises(DslError) as info:
        compiled.evaluate({"created_at": ctx.now})
    assert info.value.code == "dsl_missing_context"


def test_eval_context_rejects_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        EvalContext(now=datetime(2024, 1, 1))


def test_references_given_as_ids_are_loaded(env: TypeEnv, ctx) -> None:  # type: ignore[no-untyped-def]
    loads = []

    def load(object_name, record_id):  # type: ignore[no-untyped-def]
        loads.append((object_name, record_id))
        return {"tier": "gold"} if record_id == 7 else None

    compiled = compile_expression('customer.tier == "gold"', env)
    context = dataclasses.replace(ctx, load=load)
    assert compiled.evaluate({"customer": 7}, context) is True
    assert compiled.evaluate({"customer": 8}, context) is False
    assert compiled.evaluate({"customer": 7}) is False  # no loader: null
    assert loads == [("customer", 7), ("customer", 8)]


def test_decimal_literals_are_decimals(env: TypeEnv) -> None:
    value = compile_expression("amount + 1.5", env).evaluate({"amount": Decimal("1.25")})
    assert value == Decimal("2.75") and isinstance(value, Decimal)


def test_generated_code_never_contains_user_text(env: TypeEnv) -> None:
    text = 'subject == "__import__(\'os\').system(\'x\')" or subject == "\\")"'
    compiled = compile_expression(text, env)
    assert "__import__" not in compiled.python_source
    assert "system" not in compiled.python_source
    assert "subject" not in compiled.python_source
    assert compiled.evaluate({"subject": "__import__('os').system('x')"}) is True


def test_field_names_that_look_like_python_are_just_keys(objects) -> None:  # type: ignore[no-untyped-def]
    from engine.rules_dsl import INTEGER, RecordType

    env = TypeEnv(objects=objects, variables={"__class__": INTEGER, "r": INTEGER, "ctx": INTEGER})
    compiled = compile_expression("__class__ + r + ctx", env)
    assert compiled.evaluate({"__class__": 1, "r": 2, "ctx": 3}) == 6
    assert RecordType  # imported for the env above


def test_lambda_parameter_shadows_a_field(env: TypeEnv) -> None:
    compiled = compile_expression('any(tags, subject -> subject == "x")', env)
    assert compiled.evaluate({"tags": ["x"], "subject": "y"}) is True


def test_changed_and_old_need_change_context(objects) -> None:  # type: ignore[no-untyped-def]
    env = TypeEnv.for_record(objects, "ticket")
    for text in ("changed(priority)", 'old.priority == "P1"'):
        with pytest.raises(DslError) as info:
            compile_expression(text, env)
        assert info.value.code == "dsl_no_change_context"
        assert "automations on update" in info.value.message


def test_for_record_lets_a_field_named_user_win(objects) -> None:  # type: ignore[no-untyped-def]
    from engine.rules_dsl import RecordType

    objs = {**objects, "note": RecordType("note", {"user": STRING})}
    env = TypeEnv.for_record(objs, "note")
    assert compile_expression("user", env).evaluate({"user": "ann"}) == "ann"


def test_extra_root_names(objects) -> None:  # type: ignore[no-untyped-def]
    from engine.rules_dsl import INTEGER

    env = TypeEnv.for_record(objects, "ticket", extra={"threshold": INTEGER})
    assert compile_expression("count > threshold", env).evaluate({"count": 3, "threshold": 2})


@pytest.mark.parametrize(
    "text",
    [
        "x" * 9000,
        "-" * 60 + "1",
        " + ".join(["count"] * 60),
        "[" * 60 + "]" * 60,
    ],
)
def test_oversized_expressions_are_too_complex(env: TypeEnv, text: str) -> None:
    with pytest.raises(DslError) as info:
        compile_expression(text, env)
    assert info.value.code == "dsl_too_complex"


def test_deepest_allowed_expression_still_compiles(env: TypeEnv) -> None:
    from engine.rules_dsl.limits import MAX_DEPTH

    # Nested conditionals over nullable arithmetic: the most parentheses per level we emit.
    text = "count"
    for _ in range(MAX_DEPTH // 3 - 1):
        text = f"(if vip then -{text} + count else count)"
    compiled = compile_expression(text, env)
    assert compiled.evaluate({"count": 1, "vip": True}) is not None
