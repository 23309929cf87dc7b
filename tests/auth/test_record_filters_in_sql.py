"""A role's record filter selects in SQL exactly the records the DSL says it holds for, on
both databases, nulls and missing references included (SPEC §5)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from engine.objects.filter_sql import filter_condition, unsupported_part
from engine.objects.permissions import AccessPolicy
from engine.rules_dsl import EvalContext, RecordType, TypeEnv, compile_expression, parse
from engine.rules_dsl.types import BOOLEAN, INTEGER, STRING, ListType, RefType
from engine.runtime.clock import ManualClock
from engine.runtime.factory import build_runtime
from tests.runtime.record_objects import T0, create_schema, registry

USER_TYPE = RecordType("user", {
    "id": STRING, "name": STRING, "email": STRING, "roles": ListType(STRING),
    "teams": ListType(STRING), "account": RefType("account"), "top": INTEGER,
})

FILTERS = [
    "region == \"north\"",
    "region != \"north\"",
    "region in [\"north\", \"east\"]",
    "region not in [\"north\"]",
    "name in user.teams",
    "not (name in user.teams)",
    "score > 5 and score <= user.top",
    "score < 5 or score == null",
    "5 < score",
    "active",
    "not active",
    "score != null and region == null",
    "\"agent\" in user.roles or active == false",
    "true",
    "false",
    "account == user.account",
    "account != user.account",
    "account.region == \"south\"",
    "account.region != \"south\"",
    "account.score > 1",
    "mentor.account.name == \"Zed\"",
    "mentor == null",
    "account == null",
]
USERS: list[dict[str, Any]] = [
    {"id": "u", "roles": ["agent"], "teams": ["Acme", "Beta"], "account": 1, "top": 9},
    {"id": "v", "roles": [], "teams": [], "account": None, "top": None},
]


@pytest.fixture
def world(db_engine: Engine) -> Any:
    create_schema(db_engine)
    runtime = build_runtime(registry(), db_engine, ManualClock(T0))
    r = runtime.records
    r.create("account", {"name": "Acme", "region": "north", "score": 3, "active": True}, "t")
    r.create("account", {"name": "Beta", "region": None, "score": None, "active": False}, "t")
    r.create("account", {"name": "Zed", "region": "south", "score": 9, "active": None}, "t")
    r.create("account", {"name": "Gamma", "region": "east", "score": 6}, "t")
    r.create("member", {"name": "m1", "account": 1}, "t")
    r.create("member", {"name": "m2", "account": 3, "mentor": 1}, "t")
    r.create("member", {"name": "m3", "account": 2, "mentor": 2}, "t")
    r.create("member", {"name": "m4", "account": 4, "mentor": 3}, "t")
    return runtime


def _object(text: str) -> str:
    return "member" if any(w in text for w in ("account", "mentor")) else "account"


@pytest.mark.parametrize("text", FILTERS)
def test_sql_and_dsl_select_the_same_records(world: Any, text: str) -> None:
    reg = world.registry
    name = _object(text)
    obj = reg.objects[name]
    records = {n: RecordType(n, t.fields) for n, t in _record_types(reg).items()}
    env = TypeEnv.for_record(records, name, user_type=USER_TYPE)
    check = compile_expression(text, env, expected=BOOLEAN)
    tree = parse(text)
    assert unsupported_part(tree, obj, reg.objects) is None
    tables = {n: world.records.table(n) for n in reg.objects}
    table = tables[name]
    with world.database.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]

        def load(object_name: str, record_id: Any) -> dict[str, Any] | None:
            t = tables[object_name]
            row = conn.execute(select(t).where(t.c.id == record_id)).mappings().first()
            return dict(row) if row else None

        for user in USERS:
            expected = [r["id"] for r in rows
                        if check.evaluate(r, EvalContext(now=T0, load=load, user=user)) is True]
            condition = filter_condition(tree, obj, reg.objects, tables, user)
            got = list(conn.execute(select(table.c.id).where(condition).order_by(table.c.id))
                       .scalars())
            assert got == expected, (text, user["id"])


def _record_types(reg: Any) -> Any:
    from engine.objects.dsl_types import record_types
    return record_types(reg.objects)


@pytest.mark.parametrize(("text", "part", "why"), [
    ("len(name) > 3", "len(name)", "only fields, literals and user.<name> are allowed here"),
    ("score + 1 > 3", "score + 1", "only fields, literals and user.<name> are allowed here"),
    ("name < \"b\"", "name", "'<' on a string field orders differently in SQL"),
    ("region > \"north\"", "region", "'>' on a enum field orders differently in SQL"),
    ("\"x\" in tags", "tags", "tags fields cannot be compared in a filter"),
    ("region in [name]", "name", "list items must be literals"),
    ("active and score > balance", "score > balance",
     "two fields may only be compared with == or !="),
])
def test_filters_outside_the_sql_subset_are_refused_with_the_part(
        text: str, part: str, why: str) -> None:
    reg = registry()
    found = unsupported_part(parse(text), reg.objects["account"], reg.objects)
    assert found is not None
    node, message = found
    assert text[node.col - 1:].startswith(part.split(" ")[0])
    assert why in message


def test_the_default_policy_has_no_roles() -> None:
    assert AccessPolicy().role_names == ("admin",)
