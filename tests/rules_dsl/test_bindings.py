"""coerce_bindings: JSON records → runtime values for a record type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from engine.errors import DslError
from engine.rules_dsl import coerce_bindings, coerce_value, type_from_spec


@pytest.mark.parametrize(
    ("spec", "raw", "value"),
    [
        ("date", "2024-03-05", date(2024, 3, 5)),
        ("datetime", "2024-03-05T10:00:00Z", datetime(2024, 3, 5, 10, tzinfo=UTC)),
        ("datetime", "2024-03-05T10:00:00", datetime(2024, 3, 5, 10, tzinfo=UTC)),
        ("duration", 90, timedelta(seconds=90)),
        ("duration", "4h", timedelta(hours=4)),
        ("duration", "1h30m", timedelta(minutes=90)),
        ("duration", "30", timedelta(seconds=30)),
        ("decimal", 1.1, Decimal("1.1")),
        ("decimal", "2.50", Decimal("2.50")),
        ("decimal", 3, Decimal(3)),
        ("integer", 3.0, 3),
        ("enum<a,b>", "a", "a"),
        ("list<date>", ["2024-01-01"], [date(2024, 1, 1)]),
        ("ref<customer>", 7, 7),
        ("string", None, None),
        ("json", {"x": [1]}, {"x": [1]}),
    ],
)
def test_json_values_become_runtime_values(spec: str, raw: object, value: object) -> None:
    assert coerce_value(type_from_spec(spec), raw) == value


@pytest.mark.parametrize(
    ("spec", "raw", "words"),
    [
        ("date", "05/03/2024", "YYYY-MM-DD"),
        ("datetime", "noon", "ISO 8601"),
        ("duration", "forever", "4h"),
        ("decimal", "abc", "decimal"),
        ("decimal", True, "decimal"),
        ("integer", "1.5", "integer"),
        ("enum<a,b>", "c", "options are a, b"),
        ("boolean", "yes", "boolean"),
        ("string", 5, "string"),
        ("list<string>", "x", "list<string>"),
        ("ref<customer>", 1.5, "record or its id"),
    ],
)
def test_values_that_do_not_fit_are_bad_bindings(spec: str, raw: object, words: str) -> None:
    with pytest.raises(DslError) as info:
        coerce_value(type_from_spec(spec), raw, path=("field",))
    assert info.value.code == "dsl_bad_binding"
    assert words in info.value.message and info.value.message.startswith("field:")


def test_coerce_bindings_keeps_unknown_keys_and_nests_references(objects) -> None:  # type: ignore[no-untyped-def]
    record = coerce_bindings(
        objects["ticket"],
        {
            "amount": 2.5,
            "customer": {"tier": "gold"},
            "extra": 1,
            "created_at": "2024-01-01T00:00:00Z",
        },
        objects,
    )
    assert record["amount"] == Decimal("2.5")
    assert record["customer"] == {"tier": "gold"}
    assert record["extra"] == 1
    assert record["created_at"].tzinfo is not None
    with pytest.raises(DslError, match=r"customer\.tier"):
        coerce_bindings(objects["ticket"], {"customer": {"tier": "bronze"}}, objects)
