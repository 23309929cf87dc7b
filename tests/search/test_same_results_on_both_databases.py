"""The same queries over the same records find the same records on SQLite and PostgreSQL:
the tokens are made in Python, so the databases only match them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine.objects.storage import create_database_engine, ensure_schema
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from engine.runtime.record_search import RecordSearch
from tests.auth_helpers import CHEAP_HASHER
from tests.conftest import pg_url_with_schema
from tests.search.conftest import T0, as_user

PHRASES = ["发票", "退款", "打印机", "密码重置", "网络连接", "refund", "invoice", "printer",
           "password reset", "network", "VPN", "账单", "login error", "订单", "配送"]
QUERIES = ["发票", "退款", "打印", "印", "密码", "密码重置", "网络", "refund", "refunds",
           "invoic", "print", "password", "reset password", "vpn 网络", "login", "error",
           "订单 refund", "配送", "账", "network issue"]


def _fill(runtime: Runtime) -> None:
    rng = random.Random(7)
    customer = runtime.records.create("customer", {"name": "Acme"}, actor="test")["id"]
    for i in range(80):
        words = rng.sample(PHRASES, 3)
        runtime.records.create("ticket", {
            "subject": f"{words[0]} {words[1]}", "description": f"第{i}号：{words[2]} 问题 issue",
            "customer": customer}, actor="test")


def _runtime(url: str, desk_registry) -> Runtime:  # type: ignore[no-untyped-def]
    engine = create_database_engine(url)
    ensure_schema(engine, desk_registry.objects, desk_registry.packs)
    return build_runtime(desk_registry, engine, ManualClock(T0), password_hasher=CHEAP_HASHER,
                         secret_key=b"k" * 32)


@pytest.mark.postgres
def test_every_query_finds_the_same_records_on_both(
        tmp_path: Path, pg_schema: tuple[str, str], desk_registry) -> None:  # type: ignore[no-untyped-def]
    url, schema = pg_schema
    sqlite = _runtime(f"sqlite:///{tmp_path / 'same.db'}", desk_registry)
    postgres = _runtime(pg_url_with_schema(url, schema), desk_registry)
    try:
        found: dict[str, list[set[int]]] = {}
        for runtime in (sqlite, postgres):
            _fill(runtime)
            search = RecordSearch(runtime.records)
            admin = as_user(runtime, "root", ("admin",))
            found[runtime.database.dialect.name] = [
                {h.id for h in search.search(admin, q, objects=["ticket"], limit=100)}
                for q in QUERIES]
        assert found["sqlite"] == found["postgresql"]
        empty = [q for q, ids in zip(QUERIES, found["sqlite"], strict=True) if not ids]
        assert not empty, "every query finds something"
    finally:
        sqlite.close()
        postgres.close()
