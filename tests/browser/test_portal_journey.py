"""A customer uses the portal: a new request through the pack's portal form, the agent's
reply in the conversation, and nothing the customer may not see."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.desk_server import Desk, sign_in


def test_customer_creates_a_request_and_sees_the_agents_reply(
    page: Any, service_desk: Desk
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, service_desk, "customer", "/portal")
    page.get_by_role("link", name="New request").first.click()
    page.get_by_label("What do you need help with?").fill("Invoice shows the wrong address")
    page.get_by_label("Details").fill("Our address changed in May.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    expect(page.get_by_role("heading", name="Invoice shows the wrong address")).to_be_visible()
    record_id = int(page.url.rstrip("/").split("/")[-1])

    runtime = service_desk.runtime
    runtime.records.create("ticket_message", {"ticket": record_id, "kind": "reply",
                                              "body": "Fixed: the next invoice has it right.",
                                              "author_type": "agent"}, "agent")
    runtime.records.create("ticket_message", {"ticket": record_id, "kind": "note",
                                              "body": "Internal: billing system bug 4711.",
                                              "author_type": "agent"}, "agent")
    page.reload()
    expect(page.get_by_text("Fixed: the next invoice has it right.")).to_be_visible()
    expect(page.get_by_text("Internal: billing system bug 4711.")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1

    page.get_by_label("Write a reply…").fill("Thank you!")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you!")).to_be_visible()


#: Answers about the object whose fields are hidden: its form and its records.
OBJECT_ANSWER = re.compile(r"/api/(objects|records)/ticket(/|\?|$)")


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_fields_hidden_from_customers_are_neither_in_the_page_nor_in_its_answers(
    page: Any, service_desk: Desk
) -> None:
    runtime = service_desk.runtime
    user = runtime.auth.users.by_name(service_desk.logins["customer"][0])
    assert user is not None
    principal = runtime.auth.users.principal(user)
    hidden = set(runtime.access.for_user(principal).access("ticket").hidden)
    assert hidden, "the pack hides some ticket fields from customers"

    answers: list[Any] = []

    def keep(response: Any) -> None:
        if OBJECT_ANSWER.search(response.url) and "json" in response.headers.get(
                "content-type", ""):
            answers.append(json.loads(response.body()))

    page.on("response", keep)
    sign_in(page, service_desk, "customer", "/portal")
    page.get_by_role("link", name="Production line scanner offline").click()
    expect(page.get_by_role("heading", name="Production line scanner offline")).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert answers, "the portal read the object's records and form"
    keys = {k for a in answers for k in _keys(a)}
    keys |= {f["name"] for a in answers for f in a.get("fields", [])}
    assert not hidden & keys, f"hidden fields in the portal's answers: {hidden & keys}"
    html = page.content()
    assert not [f for f in hidden if f'id="root_{f}"' in html or f'"{f}"' in html]


def _survey_path_in_newest_email(desk: Desk) -> str:
    table = desk.runtime.outbox.table
    with desk.runtime.database.connect() as conn:
        payloads = conn.execute(select(table.c.payload).where(table.c.kind == "email")
                                .order_by(table.c.id.desc())).scalars().all()
    for payload in payloads:
        data = payload if isinstance(payload, dict) else json.loads(payload)
        found = re.search(r"/portal/survey/[A-Za-z0-9_.~-]+", data.get("body", ""))
        if found:
            return found.group(0)
    raise AssertionError("no email carries a survey link")


def test_customer_answers_the_satisfaction_survey_from_the_link_in_the_email(
    page: Any, service_desk: Desk
) -> None:
    runtime = service_desk.runtime
    customer = runtime.auth.users.by_name(service_desk.logins["customer"][0])
    assert customer is not None
    contact = runtime.records.create("contact", {
        "name": "Li Ming", "email": "li.ming@example.com",
        "customer": customer.attributes["customer"]}, "admin")
    ticket = runtime.records.create("ticket", {
        "subject": "Badge printer jams", "priority": "P3", "contact": contact["id"],
        "customer": customer.attributes["customer"]}, "admin")
    for step in ("start", "resolve"):
        ticket = runtime.transitions.transition("ticket", ticket["id"], step, actor="admin",
                                                expected_version=ticket["version"])
    path = _survey_path_in_newest_email(service_desk)

    page.goto(service_desk.url + path)  # no sign-in: the link is the credential
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    page.get_by_label(re.compile("Score")).fill("5")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for your answer.")
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("already answered")


def test_customer_reads_a_public_article_and_votes(page: Any, service_desk: Desk) -> None:
    runtime = service_desk.runtime
    article = runtime.records.create("knowledge_article", {
        "title": "Resetting the scanner", "audience": "public",
        "body": "Hold the power button for ten seconds."}, "admin")
    for step in ("submit_for_review", "publish"):
        article = runtime.transitions.transition("knowledge_article", article["id"], step,
                                                 actor="admin",
                                                 expected_version=article["version"])
    sign_in(page, service_desk, "customer", "/portal")
    page.get_by_role("link", name="Knowledge base").click()
    page.get_by_role("searchbox", name="Search").fill("scanner")
    page.get_by_role("link", name="Resetting the scanner").click()
    expect(page.get_by_text("Hold the power button for ten seconds.")).to_be_visible()
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status")).to_have_text("Thanks for telling us.")
