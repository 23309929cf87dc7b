"""Full-text search over records: Chinese and English, kept in each command's transaction,
through the same permissions as lists; the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import ValidationFailed
from engine.runtime.factory import Runtime
from engine.runtime.record_search import RecordSearch
from tests.search.conftest import as_user


def _customer(desk: Runtime, name: str) -> int:
    return int(desk.records.create("customer", {"name": name}, actor="test")["id"])


def _ticket(desk: Runtime, customer: int, subject: str, description: str = "",
            **more: Any) -> int:
    values = {"subject": subject, "description": description, "customer": customer, **more}
    return int(desk.records.create("ticket", values, actor="test")["id"])


def _ids(hits: list[Any]) -> list[int]:
    return [h.id for h in hits]


@pytest.fixture
def corpus(desk: Runtime) -> dict[str, int]:
    acme = _customer(desk, "Acme")
    other = _customer(desk, "Other")
    return {
        "acme": acme,
        "other": other,
        "invoice": _ticket(desk, acme, "发票开错了", "我上个月的发票抬头写错了，需要重开。"),
        "refund": _ticket(desk, acme, "申请退款", "订单重复扣款，请帮我退款。"),
        "refund_en": _ticket(desk, acme, "Refund request",
                             "I was charged twice and want my money refunded."),
        "printer": _ticket(desk, acme, "Printer offline", "The office printer stopped printing",
                           tags=["hardware"]),
        "other_invoice": _ticket(desk, other, "发票问题", "发票金额不对"),
        "mixed": _ticket(desk, acme, "VPN 连接失败", "VPN client 报错 error 809"),
    }


ADMIN = ("admin",)


@pytest.mark.parametrize(("query", "expected"), [
    ("发票", {"invoice", "other_invoice"}),
    ("退款", {"refund"}),
    ("退", {"refund"}),
    ("refund", {"refund_en"}),
    ("refunds", {"refund_en"}),
    ("refunded", {"refund_en"}),
    ("REFUND", {"refund_en"}),
    ("charg", {"refund_en"}),  # the last word matches as a prefix: results while typing
    ("printer offline", {"printer"}),
    ("the printer", {"printer"}),  # common words are left out
    ("vpn 连接", {"mixed"}),
    ("809", {"mixed"}),
    ("发票 退款", set()),  # every term must match
])
def test_chinese_and_english_queries_find_their_records(
        desk: Runtime, corpus: dict[str, int], query: str, expected: set[str]) -> None:
    hits = RecordSearch(desk.records).search(as_user(desk, "root", ADMIN), query,
                                             objects=["ticket"])
    assert set(_ids(hits)) == {corpus[k] for k in expected}


def test_a_better_match_ranks_first_and_is_highlighted(desk: Runtime,
                                                       corpus: dict[str, int]) -> None:
    low = _ticket(desk, corpus["acme"], "Question", "something about a printer")
    hits = RecordSearch(desk.records).search(as_user(desk, "root", ADMIN), "printer",
                                             objects=["ticket"])
    assert _ids(hits) == [corpus["printer"], low]  # the subject weighs more
    assert hits[0].title == "Printer offline"
    assert hits[0].highlights["subject"] == "<mark>Printer</mark> offline"
    chinese = RecordSearch(desk.records).search(as_user(desk, "root", ADMIN), "发票",
                                                objects=["ticket"])
    assert chinese[0].highlights["description"].count("<mark>发票</mark>") >= 1


def test_the_index_follows_updates_and_deletes_in_the_same_command(
        desk: Runtime, corpus: dict[str, int]) -> None:
    search = RecordSearch(desk.records)
    admin = as_user(desk, "root", ADMIN)
    record = desk.records.get("ticket", corpus["printer"])
    desk.records.update("ticket", corpus["printer"], {"subject": "Scanner jammed"},
                        expected_version=record["version"], actor="test")
    assert search.search(admin, "printer offline", objects=["ticket"]) == []
    assert _ids(search.search(admin, "scanner", objects=["ticket"])) == [corpus["printer"]]
    # The description was not changed: still found by it.
    assert _ids(search.search(admin, "printing", objects=["ticket"])) == [corpus["printer"]]
    desk.records.delete("ticket", corpus["printer"], actor="test")
    assert search.search(admin, "scanner", objects=["ticket"]) == []


def test_a_rolled_back_command_leaves_no_hits(desk: Runtime, corpus: dict[str, int]) -> None:
    with pytest.raises(RuntimeError), desk.records.command("test") as uow:
        values = desk.records.compiled("ticket").validator.validate_create(
            {"subject": "Ghost ticket", "customer": corpus["acme"]})
        desk.records.create_in(uow, "ticket", values)
        raise RuntimeError("the command fails after writing")
    hits = RecordSearch(desk.records).search(as_user(desk, "root", ADMIN), "ghost")
    assert hits == []


def test_a_customer_finds_only_their_own_records(desk: Runtime,
                                                 corpus: dict[str, int]) -> None:
    customer = as_user(desk, "ann", ("customer",), customer=corpus["acme"])
    hits = RecordSearch(desk.records).search(customer, "发票", objects=["ticket"])
    assert _ids(hits) == [corpus["invoice"]]


def test_a_hidden_field_is_never_matched_nor_highlighted(desk: Runtime,
                                                        corpus: dict[str, int]) -> None:
    search = RecordSearch(desk.records)
    # tags are hidden from customers (roles/customer.yaml)
    agent_hits = search.search(as_user(desk, "root", ADMIN), "hardware", objects=["ticket"])
    assert _ids(agent_hits) == [corpus["printer"]]
    assert "tags" in agent_hits[0].highlights
    customer = as_user(desk, "ann", ("customer",), customer=corpus["acme"])
    assert search.search(customer, "hardware", objects=["ticket"]) == []
    mixed = search.search(customer, "printer", objects=["ticket"])
    assert _ids(mixed) == [corpus["printer"]]
    assert "tags" not in mixed[0].highlights and "tags" not in mixed[0].record


def test_a_list_with_q_is_ranked_filtered_and_paged(desk: Runtime,
                                                    corpus: dict[str, int]) -> None:
    search = RecordSearch(desk.records)
    admin = as_user(desk, "root", ADMIN)
    page = search.list(admin, "ticket", "发票", [("customer", str(corpus["other"]))])
    assert [r["id"] for r in page.items] == [corpus["other_invoice"]]
    assert page.total == 1
    assert page.items[0]["_search"]["highlights"]["subject"] == "<mark>发票</mark>问题"
    both = search.list(admin, "ticket", "发票", [("limit", "1")])
    assert both.total == 2 and len(both.items) == 1 and both.next_offset == 1


@pytest.mark.parametrize(("query", "code", "message"), [
    ("", "search_query_empty", "the query has no words to search for"),
    ("?!", "search_query_empty", "the query has no words to search for"),
    ("x" * 501, "search_query_too_long", "at most 500 are searched"),
])
def test_a_query_with_nothing_to_search_is_refused(desk: Runtime, query: str, code: str,
                                                   message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        RecordSearch(desk.records).search(as_user(desk, "root", ADMIN), query)
    assert caught.value.code == code
    assert caught.value.issues[0].loc == ("query", "q")
    assert message in caught.value.issues[0].msg


def test_an_object_without_search_fields_is_refused_by_name(desk: Runtime) -> None:
    with pytest.raises(ValidationFailed) as caught:
        RecordSearch(desk.records).search(as_user(desk, "root", ADMIN), "x", objects=["asset"])
    assert caught.value.code == "object_not_searchable"
    assert "'asset' is not searchable" in caught.value.issues[0].msg
