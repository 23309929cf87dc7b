"""A supervisor's dashboard draws the pack's reports; another pack (equipment loans) gets a
working workspace with no UI change."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from playwright.sync_api import expect

from tests.browser.desk_server import Desk, sign_in


def test_supervisor_sees_the_reports_as_charts(page: Any, service_desk: Desk) -> None:
    sign_in(page, service_desk, "supervisor")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    reports = service_desk.runtime.registry.reports
    first = next(iter(reports.values()))
    card = page.get_by_role("region", name=first.label.get("en"))
    expect(card.locator("canvas")).to_have_count(1)
    expect(card.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", re.compile(r"format=csv"))
    # Every report answered: a chart, or "Nothing here." when it has no rows.
    expect(page.locator(".report .chart, .report .no-data")).to_have_count(len(reports))


def test_equipment_loans_render_and_a_transition_works(page: Any, loans_desk: Desk) -> None:
    runtime = loans_desk.runtime
    item = runtime.records.create(
        "equipment", {"name": "Projector P5", "serial": "PRJ-5", "category": "other"}, "lender")
    person = runtime.records.create(
        "borrower", {"name": "Wang Fang", "email": "wang.fang@example.com"}, "lender")
    loan = runtime.records.create("loan", {"equipment": item["id"], "borrower": person["id"],
                                           "borrowed_at": "2026-06-01T02:00:00Z",
                                           "due_back": date(2026, 6, 8).isoformat()}, "lender")
    sign_in(page, loans_desk, "lender")
    page.get_by_role("navigation").get_by_role("link", name="Loans", exact=True).click()
    expect(page.get_by_role("heading", name="Loans")).to_be_visible()
    page.get_by_role("row", name=re.compile(rf"^{loan['id']}\b")).click()
    expect(page.locator(".record-head .state")).to_have_text("Reserved")
    page.get_by_role("button", name="Hand out").click()
    expect(page.locator(".record-head .state")).to_have_text("Out")

    page.get_by_role("button", name="Report lost").click()  # needs notes: opens its form
    dialog = page.get_by_role("dialog", name="Report lost")
    dialog.get_by_label(re.compile("Notes")).fill("Left on the train.")
    dialog.get_by_role("button", name="Report lost").click()
    expect(page.locator(".record-head .state")).to_have_text("Lost")
