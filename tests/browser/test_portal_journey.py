"""A customer uses the portal: a new request through the pack's portal form, the agent's
reply in the conversation, and nothing the customer may not see."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

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
