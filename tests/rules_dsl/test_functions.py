"""The function registry: registering, overloads, generics, copies, plugins."""

from __future__ import annotations

from importlib import metadata
from types import SimpleNamespace

import pytest

from engine.errors import DslError
from engine.rules_dsl import (
    DECIMAL,
    DURATION,
    INTEGER,
    STRING,
    FunctionRegistry,
    ListType,
    TypeEnv,
    TypeParam,
    compile_expression,
    default_functions,
    load_entry_point_functions,
)
from engine.rules_dsl.builtin_functions import frozen_default_functions


def test_registered_function_is_type_checked_and_called(env: TypeEnv) -> None:
    registry = default_functions()
    registry.register(
        "double", params=[INTEGER], returns=INTEGER, impl=lambda x: None if x is None else 2 * x
    )
    compiled = compile_expression("double(count) + 1", env, functions=registry)
    assert compiled.type == INTEGER
    assert compiled.evaluate({"count": 4}) == 9
    with pytest.raises(DslError) as info:
        compile_expression("double(subject)", env, functions=registry)
    assert info.value.code == "dsl_type_mismatch"
    assert "double(integer) -> integer" in info.value.message


def test_context_functions_receive_the_eval_context(env: TypeEnv, ctx) -> None:  # type: ignore[no-untyped-def]
    registry = default_functions().extended(
        lambda r: r.register(
            "business_hours_since",
            params=[STRING],
            returns=DURATION,
            impl=lambda c, calendar: c.now - c.now,
            needs_context=True,
        )
    )
    compiled = compile_expression('business_hours_since("support")', env, functions=registry)
    assert compiled.evaluate({}, ctx).total_seconds() == 0


def test_generic_signature_binds_its_type_parameter(env: TypeEnv) -> None:
    t = TypeParam("T")
    registry = default_functions()
    registry.register(
        "first", params=[ListType(t)], returns=t, impl=lambda xs: xs[0] if xs else None
    )
    assert compile_expression("first(tags)", env, functions=registry).type == STRING
    assert compile_expression("first([1, 2.5])", env, functions=registry).type == DECIMAL


def test_extended_and_copy_leave_the_original_alone() -> None:
    base = default_functions()
    bigger = base.extended(lambda r: r.register("x_fn", params=[], returns=INTEGER, impl=lambda: 1))
    assert "x_fn" in bigger and "x_fn" not in base
    assert "x_fn" not in frozen_default_functions()


@pytest.mark.parametrize(
    ("name", "kwargs", "words"),
    [
        ("Bad-Name", {}, "lower_snake_case"),
        ("any", {}, "reserved"),
        ("and", {}, "reserved"),
        ("lower", {"params": [STRING]}, "already registered"),
        ("ok_name", {"impl": 3}, "not callable"),
        ("ok_name", {"params": [int]}, "DslType"),
    ],
)
def test_bad_registrations_are_rejected(name: str, kwargs: dict, words: str) -> None:  # type: ignore[type-arg]
    registry = default_functions()
    args = {"params": [], "returns": INTEGER, "impl": lambda: 1, **kwargs}
    with pytest.raises(DslError) as info:
        registry.register(name, **args)
    assert info.value.code == "dsl_bad_function"
    assert words in info.value.message


def test_frozen_registry_refuses_registration() -> None:
    with pytest.raises(DslError, match="frozen"):
        frozen_default_functions().register("y", params=[], returns=INTEGER, impl=lambda: 1)


def test_replace_swaps_an_overload() -> None:
    registry = default_functions()
    registry.register("lower", params=[STRING], returns=STRING, impl=lambda s: "!", replace=True)
    env = TypeEnv(variables={"s": STRING})
    assert compile_expression("lower(s)", env, functions=registry).evaluate({"s": "A"}) == "!"


def _entry_points(*eps):  # type: ignore[no-untyped-def]
    return lambda group: [ep for ep in eps if ep.group == group]


def test_entry_point_plugins_register_functions(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def install(registry: FunctionRegistry) -> None:
        registry.register(
            "shout", params=[STRING], returns=STRING, impl=lambda s: s and s.upper() + "!"
        )

    ep = SimpleNamespace(
        name="shouting", value="pkg:install", group="flowdesk.dsl_functions", load=lambda: install
    )
    monkeypatch.setattr(metadata, "entry_points", _entry_points(ep))
    registry = default_functions()
    assert load_entry_point_functions(registry) == ["shouting"]
    env = TypeEnv(variables={"s": STRING})
    assert compile_expression("shout(s)", env, functions=registry).evaluate({"s": "hi"}) == "HI!"


def test_a_broken_plugin_names_itself(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def boom() -> None:
        raise ImportError("no module named nowhere")

    ep = SimpleNamespace(
        name="broken", value="nowhere:install", group="flowdesk.dsl_functions", load=boom
    )
    monkeypatch.setattr(metadata, "entry_points", _entry_points(ep))
    with pytest.raises(DslError) as info:
        load_entry_point_functions(default_functions())
    assert info.value.code == "dsl_bad_plugin"
    assert "'broken'" in info.value.message and "no module named nowhere" in info.value.message


def test_every_builtin_has_a_doc() -> None:
    registry = default_functions()
    for name in registry.names():
        assert all(o.doc for o in registry.overloads(name)), name
