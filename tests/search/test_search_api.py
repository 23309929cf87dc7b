"""The search, suggestion, public knowledge base and vote endpoints, on both databases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer


def _article(desk: Runtime, title: str, body: str, *, audience: str = "public",
             publish: bool = True, language: str = "zh-CN") -> int:
    values = {"title": title, "body": body, "audience": audience, "category": "billing",
              "language": language}
    record = desk.records.create("knowledge_article", values, actor="test")
    if publish:
        for name in ("submit_for_review", "publish"):
            record = desk.transitions.transition("knowledge_article", record["id"], name,
                                                 values={}, expected_version=record["version"],
                                                 actor="test")
    return int(record["id"])


def _ids(answer: dict[str, Any]) -> list[int]:
    return [item["id"] for item in answer["items"]]


def test_search_answers_ranked_items_with_highlights(desk: Runtime, client: TestClient) -> None:
    acme = desk.records.create("customer", {"name": "Acme"}, actor="test")["id"]
    ticket = desk.records.create("ticket", {"subject": "发票开错了", "description": "抬头写错",
                                            "customer": acme}, actor="test")["id"]
    article = _article(desk, "如何重开发票", "发票开错后，在账单页面申请重开。")
    answer = client.get("/api/search", params={"q": "发票"},
                        headers=bearer(desk, "root")).json()
    assert {(i["object"], i["id"]) for i in answer["items"]} == {
        ("ticket", ticket), ("knowledge_article", article)}
    item = next(i for i in answer["items"] if i["object"] == "ticket")
    assert item["title"] == "发票开错了"
    assert item["highlights"] == {"subject": "<mark>发票</mark>开错了"}
    assert isinstance(item["score"], float)
    only = client.get("/api/search", params={"q": "发票", "object": "knowledge_article"},
                      headers=bearer(desk, "root")).json()
    assert _ids(only) == [article]


def test_q_on_a_list_honours_the_customer_role_and_its_hidden_fields(
        desk: Runtime, client: TestClient) -> None:
    acme = desk.records.create("customer", {"name": "Acme"}, actor="test")["id"]
    other = desk.records.create("customer", {"name": "Other"}, actor="test")["id"]
    mine = desk.records.create("ticket", {"subject": "Printer offline", "customer": acme,
                                          "tags": ["vip"]}, actor="test")["id"]
    desk.records.create("ticket", {"subject": "Printer jam", "customer": other},
                        actor="test")
    ann = bearer(desk, "ann", ["customer"], attributes={"customer": acme})
    found = client.get("/api/records/ticket", params={"q": "printer"}, headers=ann).json()
    assert _ids(found) == [mine] and found["total"] == 1
    assert "tags" not in found["items"][0]
    assert found["items"][0]["_search"]["highlights"] == {"subject": "<mark>Printer</mark> offline"}
    # tags are hidden from customers: searching them finds nothing for the customer
    assert client.get("/api/records/ticket", params={"q": "vip"}, headers=ann).json()["total"] == 0
    agent = client.get("/api/records/ticket", params={"q": "vip"}, headers=bearer(desk, "root"))
    assert _ids(agent.json()) == [mine]


def test_a_bad_query_is_a_422_with_its_code(desk: Runtime, client: TestClient) -> None:
    answer = client.get("/api/search", params={"q": "!!"}, headers=bearer(desk, "root"))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "search_query_empty"
    answer = client.get("/api/records/asset", params={"q": "x"}, headers=bearer(desk, "root"))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "object_not_searchable"


def test_publishing_an_article_stamps_published_at_and_keeps_versions(
        desk: Runtime, client: TestClient) -> None:
    article = _article(desk, "Reset your password", "Open settings.", publish=False)
    assert desk.records.get("knowledge_article", article)["published_at"] is None
    root = bearer(desk, "root")
    record = desk.records.get("knowledge_article", article)
    changed = client.patch(f"/api/records/knowledge_article/{article}",
                           json={"body": "Open settings, then Security.",
                                 "version": record["version"]}, headers=root)
    assert changed.status_code == 200
    agent = bearer(desk, "ann", ["agent"])
    version = client.get(f"/api/records/knowledge_article/{article}",
                         headers=root).json()["version"]
    client.post(f"/api/records/knowledge_article/{article}/transitions/submit_for_review",
                json={"version": version}, headers=agent)
    version += 1
    refused = client.post(f"/api/records/knowledge_article/{article}/transitions/publish",
                          json={"version": version}, headers=agent)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "transition_forbidden"
    for name in ("publish",):
        version = client.get(f"/api/records/knowledge_article/{article}",
                             headers=root).json()["version"]
        taken = client.post(f"/api/records/knowledge_article/{article}/transitions/{name}",
                            json={"version": version}, headers=root)
        assert taken.status_code == 200, taken.json()
    published = client.get(f"/api/records/knowledge_article/{article}", headers=root).json()
    assert published["status"] == "published"
    assert published["published_at"] is not None
    history = client.get(f"/api/records/knowledge_article/{article}/history",
                         headers=root).json()["items"]
    body_change = next(e for e in history if e["field"] == "body")
    assert (body_change["old"], body_change["new"]) == ("Open settings.",
                                                        "Open settings, then Security.")


def test_visitors_read_and_search_published_public_articles_only(
        desk: Runtime, client: TestClient) -> None:
    public = _article(desk, "退款流程", "申请退款需要订单号。")
    internal = _article(desk, "退款内部审批", "内部退款审批流程。", audience="internal")
    draft = _article(desk, "退款草稿", "尚未发布。", publish=False)
    listed = client.get("/api/public/knowledge_article").json()
    assert _ids(listed) == [public]
    assert "upvotes" not in listed["items"][0]
    searched = client.get("/api/public/knowledge_article", params={"q": "退款"}).json()
    assert _ids(searched) == [public]
    for hidden in (internal, draft):
        assert client.get(f"/api/public/knowledge_article/{hidden}").status_code == 404
    assert client.get("/api/public/ticket").status_code == 404
    first = client.get(f"/api/public/knowledge_article/{public}").json()
    second = client.get(f"/api/public/knowledge_article/{public}").json()
    assert (first["feedback"]["views"], second["feedback"]["views"]) == (1, 2)


def test_one_vote_per_visitor_and_per_user(desk: Runtime, client: TestClient) -> None:
    article = _article(desk, "Reset your password", "Open settings.", language="en")
    url = f"/api/public/knowledge_article/{article}/votes"
    client.post(url, json={"helpful": True, "visitor": "visitor-aaaa"})
    again = client.post(url, json={"helpful": False, "visitor": "visitor-aaaa"}).json()
    assert again["feedback"] | {"views": 0} == {"helpful": 0, "not_helpful": 1, "views": 0}
    other = client.post(url, json={"helpful": True, "visitor": "visitor-bbbb"}).json()
    assert (other["feedback"]["helpful"], other["feedback"]["not_helpful"]) == (1, 1)
    root = bearer(desk, "root")
    for _ in range(2):
        mine = client.post(f"/api/records/knowledge_article/{article}/votes",
                           json={"helpful": True}, headers=root).json()
    assert mine["feedback"]["helpful"] == 2
    bad = client.post(url, json={"helpful": "yes", "visitor": "visitor-aaaa"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == [
        "body", "helpful"]
    short = client.post(url, json={"helpful": True, "visitor": "x"})
    assert short.status_code == 422
    assert "the visitor's id" in short.json()["error"]["details"][0]["msg"]


def test_suggestions_offer_published_articles_and_solved_records(
        desk: Runtime, client: TestClient) -> None:
    acme = desk.records.create("customer", {"name": "Acme"}, actor="test")["id"]
    article = _article(desk, "打印机离线怎么办", "检查打印机网络连接。")
    _article(desk, "打印机草稿", "打印机。", publish=False)
    ticket = desk.records.create("ticket", {"subject": "打印机离线", "description": "无法打印",
                                            "customer": acme}, actor="test")["id"]
    root = bearer(desk, "root")
    found = client.get(f"/api/records/ticket/{ticket}/suggestions", headers=root).json()
    assert [(i["object"], i["id"]) for i in found["items"]] == [("knowledge_article", article)]
    ann = bearer(desk, "ann", ["customer"], attributes={"customer": acme})
    typed = client.get("/api/search/suggest", params={"object": "ticket",
                                                      "text": "打印机 离线"}, headers=ann).json()
    assert [(i["object"], i["id"]) for i in typed["items"]] == [("knowledge_article", article)]
    assert typed["search_id"] is not None
    report = client.get("/api/search/deflection", params={
        "object": "ticket", "since": "2026-01-01T00:00:00Z", "until": "2027-01-01T00:00:00Z"},
        headers=root).json()
    assert report["searches"] == 1 and report["deflected"] == 1
    created = client.post("/api/records/ticket", json={"subject": "还是离线"},
                          headers=ann)
    assert created.status_code == 201, created.json()
    report = client.get("/api/search/deflection", params={
        "object": "ticket", "since": "2026-01-01T00:00:00Z", "until": "2027-01-01T00:00:00Z"},
        headers=root).json()
    assert (report["followed_by_request"], report["deflected"]) == (1, 0)


def test_the_public_knowledge_base_is_rate_limited_per_client(desk: Runtime) -> None:
    with TestClient(create_app(desk, public_rate_limit=2)) as limited:
        answers = [limited.get("/api/public/knowledge_article").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
