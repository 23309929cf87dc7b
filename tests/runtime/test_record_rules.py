"""Computed fields and validation rules declared in a pack run on every create and update."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import ValidationFailed
from engine.runtime.factory import Runtime, build_engine
from tests.pack_loading.packs_on_disk import write_pack

PACK = {
    "objects/account.yaml": """
        object: account
        fields:
          name: {type: string, required: true}
          vip: {type: boolean, default: false}
        """,
    "objects/order.yaml": """
        object: order
        fields:
          account: {type: reference, to: account, required: true}
          quantity: {type: integer, required: true}
          unit_price: {type: decimal}
          total:
            type: decimal
            computed: "quantity * unit_price"
          discount: {type: decimal, default: 0}
          state: {type: enum, options: [draft, placed], default: draft, read_only: true,
                  required: true}
        validations:
          - name: positive_quantity
            rule: "quantity > 0"
            message: {en: The quantity must be positive, zh-CN: 数量必须大于零}
            fields: [quantity]
          - name: discounts_for_vips_only
            rule: "discount == 0 or account.vip"
            message: Only VIP accounts get discounts
            fields: [discount]
            on: update
        """,
}


@pytest.fixture
def runtime(tmp_path: Path, db_url: str) -> Iterator[Runtime]:
    pack = write_pack(tmp_path, PACK, name="shop")
    rt = build_engine([pack], db_url)
    yield rt
    rt.close()


def test_computed_field_is_set_on_create_and_recomputed_on_update(runtime: Runtime) -> None:
    records = runtime.records
    account = records.create("account", {"name": "Acme"}, "alice")
    order = records.create(
        "order", {"account": account["id"], "quantity": 3, "unit_price": 2.5}, "alice"
    )
    assert order["total"] == 7.5
    order = records.update("order", order["id"], {"quantity": 4}, expected_version=1,
                           actor="alice")
    assert order["total"] == 10
    logged = [(h.field, h.new) for h in records.history("order", order["id"])]
    assert ("total", 10) in logged


def test_computed_field_cannot_be_written(runtime: Runtime) -> None:
    account = runtime.records.create("account", {"name": "Acme"}, "alice")
    with pytest.raises(ValidationFailed) as caught:
        runtime.records.create("order", {"account": account["id"], "quantity": 1, "total": 5},
                               "alice")
    assert "computed" in caught.value.issues[0].msg


def test_broken_rule_refuses_the_create_and_stores_nothing(runtime: Runtime) -> None:
    account = runtime.records.create("account", {"name": "Acme"}, "alice")
    with pytest.raises(ValidationFailed) as caught:
        runtime.records.create("order", {"account": account["id"], "quantity": 0}, "alice")
    (issue,) = caught.value.issues
    assert issue.loc == ("quantity",)
    assert issue.msg == "The quantity must be positive"
    assert runtime.records.list("order", [], []).total == 0


def test_rule_follows_references_and_runs_only_when_declared(runtime: Runtime) -> None:
    records = runtime.records
    plain = records.create("account", {"name": "Plain"}, "alice")
    # `on: update`: a create with a discount is let through ...
    order = records.create("order", {"account": plain["id"], "quantity": 1, "discount": 1},
                           "alice")
    # ... but an update of a non-VIP's order with a discount is refused, and nothing changes.
    with pytest.raises(ValidationFailed) as caught:
        records.update("order", order["id"], {"quantity": 2}, expected_version=1, actor="bob")
    assert caught.value.issues[0].loc == ("discount",)
    assert records.get("order", order["id"])["quantity"] == 1
    records.update("account", plain["id"], {"vip": True}, expected_version=1, actor="bob")
    updated = records.update("order", order["id"], {"quantity": 2}, expected_version=1,
                             actor="bob")
    assert updated["quantity"] == 2


def test_read_only_field_gets_its_default_on_create(runtime: Runtime) -> None:
    account = runtime.records.create("account", {"name": "Acme"}, "alice")
    order = runtime.records.create("order", {"account": account["id"], "quantity": 1}, "alice")
    assert order["state"] == "draft"
    with pytest.raises(ValidationFailed) as caught:
        runtime.records.create(
            "order", {"account": account["id"], "quantity": 1, "state": "placed"}, "alice"
        )
    assert "read-only" in caught.value.issues[0].msg
