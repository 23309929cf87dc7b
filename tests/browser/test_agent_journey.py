"""An agent works a request in the workspace: the at-risk view, the record, a public reply,
waiting on the customer, resolving; the keyboard moves through the list."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AT_RISK_SUBJECT
from tests.browser.desk_server import Desk, sign_in


def test_agent_replies_from_the_at_risk_view_then_waits_and_resolves(
    page: Any, service_desk: Desk
) -> None:
    sign_in(page, service_desk, "agent")
    page.get_by_role("link", name=re.compile("SLA at risk")).click()
    expect(page.get_by_role("heading", name="SLA at risk")).to_be_visible()
    row = page.get_by_role("row", name=re.compile(AT_RISK_SUBJECT))
    expect(row).to_be_visible()

    page.keyboard.press("Enter")  # the cursor starts on the first row
    expect(page.get_by_role("heading", name=re.compile(AT_RISK_SUBJECT))).to_be_visible()
    badges = page.get_by_role("list", name="SLA")
    expect(badges).to_contain_text("first response")
    expect(badges.locator("[data-state=warning]")).to_have_count(1)
    # The requester's other records, from the pack's related view of the referenced record.
    expect(page.get_by_role("region", name="Related").first).to_contain_text(AT_RISK_SUBJECT)

    page.get_by_role("button", name="Start work").click()
    expect(page.locator(".record-head .state")).to_have_text("Open")
    page.get_by_label("Write a reply…").fill("We are on it: a technician calls you in 10 minutes.")
    page.get_by_role("button", name="Send").click()
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline).to_contain_text("We are on it: a technician calls you in 10 minutes.")
    expect(badges).to_contain_text("met")  # the reply was the first response

    page.get_by_role("button", name="Wait for customer").click()
    expect(page.locator(".record-head .state")).to_have_text("Waiting on customer")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".record-head .state")).to_have_text("Resolved")
    expect(timeline).to_contain_text("Status")


def test_j_and_k_move_the_cursor_and_r_opens_the_reply_box(page: Any, service_desk: Desk) -> None:
    sign_in(page, service_desk, "agent")
    page.get_by_role("navigation").get_by_role("link", name="Tickets", exact=True).click()
    rows = page.locator("table.records tbody tr")
    expect(rows.first).to_have_attribute("aria-selected", "true")
    if rows.count() > 1:
        page.keyboard.press("j")
        expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
        page.keyboard.press("k")
    expect(rows.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("r")
    expect(page.get_by_label("Write a reply…")).to_be_focused()


def test_the_workspace_speaks_chinese_with_the_packs_labels(page: Any, service_desk: Desk) -> None:
    page.goto(service_desk.url + "/")
    page.get_by_label("Language").select_option("zh-CN")
    name, password = service_desk.logins["agent"]
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name=re.compile("SLA 即将超时"))).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="工单", exact=True).click()
    expect(page.get_by_role("columnheader", name="主题")).to_be_visible()


def test_search_finds_a_request_and_opens_it(page: Any, service_desk: Desk) -> None:
    sign_in(page, service_desk, "agent")
    expect(page.get_by_role("heading", name="My open work")).to_be_visible()
    search = page.get_by_role("searchbox", name="Search")
    search.fill("scanner")
    search.press("Enter")
    hit = page.get_by_role("link", name=re.compile(AT_RISK_SUBJECT))
    expect(hit).to_be_visible()
    expect(hit.locator("mark").first).to_have_text(re.compile("scanner", re.IGNORECASE))
    hit.click()
    expect(page.get_by_role("heading", name=re.compile(AT_RISK_SUBJECT))).to_be_visible()


def test_a_macro_previews_its_reply_and_applies_in_one_step(page: Any, service_desk: Desk) -> None:
    runtime = service_desk.runtime
    customer = runtime.auth.users.by_name(service_desk.logins["customer"][0])
    assert customer is not None
    runtime.records.create("macro", {
        "name": "Ask for a photo", "category": "technical", "message_kind": "reply",
        "body_template": "Could you send a photo of the {{ record.subject | lower }}?"}, "admin")
    ticket = runtime.records.create("ticket", {
        "subject": "Label printer smudges", "priority": "P3", "category": "technical",
        "customer": customer.attributes["customer"]}, "admin")
    sign_in(page, service_desk, "agent", f"/records/ticket/{ticket['id']}")
    expect(page.get_by_role("heading", name=re.compile("Label printer smudges"))).to_be_visible()
    page.get_by_label("Macros").select_option(label="Ask for a photo")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_label("Write a reply…")).to_have_value(
        "Could you send a photo of the label printer smudges?")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("list", name="Timeline")).to_contain_text(
        "Could you send a photo of the label printer smudges?")


def test_times_follow_the_time_zone_the_user_picks(page: Any, service_desk: Desk) -> None:
    runtime = service_desk.runtime  # its clock stands at 03:40 UTC, 11:40 in Shanghai
    customer = runtime.auth.users.by_name(service_desk.logins["customer"][0])
    assert customer is not None
    ticket = runtime.records.create("ticket", {
        "subject": "Clock test", "priority": "P3", "customer": customer.attributes["customer"]},
        "admin")
    runtime.records.create("ticket_message", {"ticket": ticket["id"], "kind": "reply",
                                              "body": "Answered.", "author_type": "agent"},
                           "supervisor")
    sign_in(page, service_desk, "supervisor", f"/records/ticket/{ticket['id']}")
    first = page.get_by_role("list", name="Timeline").locator("time").first
    expect(first).to_contain_text("11:40")
    responded = page.get_by_label("First response", exact=True)  # a date-time input
    expect(responded).to_have_value("2026-06-01T11:40")
    page.get_by_label("Time zone").select_option("UTC")
    expect(first).to_contain_text("03:40")
    expect(responded).to_have_value("2026-06-01T03:40")
    page.reload()  # kept on the server
    expect(page.get_by_label("Time zone")).to_have_value("UTC")
    expect(page.get_by_role("list", name="Timeline").locator("time").first).to_contain_text(
        "03:40")
