from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.rules_dsl import (
    BOOLEAN,
    DATETIME,
    DECIMAL,
    INTEGER,
    STRING,
    EnumType,
    EvalContext,
    ListType,
    RecordType,
    RefType,
    TypeEnv,
)

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def objects() -> dict[str, RecordType]:
    return {
        "customer": RecordType(
            "customer", {"name": STRING, "tier": EnumType(["standard", "gold", "strategic"])}
        ),
        "ticket": RecordType(
            "ticket",
            {
                "priority": EnumType(["P1", "P2", "P3", "P4"]),
                "subject": STRING,
                "tags": ListType(STRING),
                "customer": RefType("customer"),
                "created_at": DATETIME,
                "amount": DECIMAL,
                "count": INTEGER,
                "vip": BOOLEAN,
            },
        ),
    }


@pytest.fixture
def env(objects: dict[str, RecordType]) -> TypeEnv:
    return TypeEnv.for_record(objects, "ticket", change_context=True)


@pytest.fixture
def ctx() -> EvalContext:
    return EvalContext(now=NOW)
