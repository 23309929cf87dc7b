"""Related views: one request answers every section around a record, each section within
what the user may read (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.jobs.worker import Worker
from tests.views.conftest import Desk


@pytest.fixture
def world(desk: Desk) -> dict[str, Any]:
    desk.runtime.auth.users.create_team("billing")
    acme = desk.create("customer", {"name": "Acme"})["id"]
    other = desk.create("customer", {"name": "Other"})["id"]
    desk.login("sue", ["supervisor"])
    desk.login("ann", ["agent"], teams=["billing"])
    desk.login("pat", ["customer"], attributes={"customer": acme})
    desk.create("contact", {"customer": acme, "name": "Li Lei", "is_primary": True})
    desk.create("contact", {"customer": other, "name": "Not theirs"})
    desk.create("asset", {"customer": acme, "name": "Printer"})
    billing = desk.create("ticket", {"subject": "invoice", "queue": "billing",
                                     "assignee": "ann", "customer": acme})["id"]
    sales = desk.create("ticket", {"subject": "quote", "queue": "sales",
                                   "customer": acme})["id"]
    desk.create("ticket", {"subject": "theirs", "queue": "billing", "customer": other})
    desk.create("ticket_message", {"ticket": billing, "kind": "note", "body": "internal",
                                   "author_type": "agent", "author": "ann"})
    for score, day in ((4, 1), (5, 3)):
        desk.create("survey_response", {"kind": "csat", "customer": acme, "score": score,
                                        "responded_at": f"2026-03-0{day}T10:00:00Z"})
    desk.create("survey_response", {"kind": "nps", "customer": acme, "score": 9,
                                    "responded_at": "2026-02-10T10:00:00Z"})
    return {"acme": acme, "billing": billing, "sales": sales}


def _sections(desk: Desk, user: str, customer: int) -> dict[str, dict[str, Any]]:
    answer = desk.clients[user].get(f"/api/records/customer/{customer}/related/customer_360")
    assert answer.status_code == 200, answer.text
    return {s["name"]: s for s in answer.json()["sections"]}


def test_a_supervisor_gets_every_section_in_one_request(desk: Desk,
                                                        world: dict[str, Any]) -> None:
    listed = desk.clients["sue"].get(f"/api/records/customer/{world['acme']}/related").json()
    assert listed == {"items": [{"name": "customer_360", "label": "Customer 360"}]}
    sections = _sections(desk, "sue", world["acme"])
    assert list(sections) == ["contacts", "open_tickets", "recent_tickets", "sla_breaches",
                              "csat_trend", "nps_trend", "assets", "last_interactions"]
    assert [c["name"] for c in sections["contacts"]["items"]] == ["Li Lei"]
    assert sections["open_tickets"]["total"] == 2
    assert sections["sla_breaches"]["total"] == 0
    assert [a["name"] for a in sections["assets"]["items"]] == ["Printer"]
    csat = sections["csat_trend"]["aggregate"]["points"]
    assert len(csat) == 12 and csat[-1] == {"month": "2026-03", "count": 2, "value": 4.5}
    assert (sections["csat_trend"]["items"], sections["csat_trend"]["total"]) == ([], 2)
    assert sections["nps_trend"]["aggregate"]["points"][-2] == {
        "month": "2026-02", "count": 1, "value": 9.0}
    # the acknowledgements of both tickets and the internal note, newest first
    assert sections["last_interactions"]["total"] == 3


def test_an_agent_sees_only_the_tickets_of_their_queues(desk: Desk,
                                                        world: dict[str, Any]) -> None:
    sections = _sections(desk, "ann", world["acme"])
    assert [t["id"] for t in sections["open_tickets"]["items"]] == [world["billing"]]
    assert {m["ticket"] for m in sections["last_interactions"]["items"]} == {world["billing"]}


def test_a_portal_user_gets_no_section_they_may_not_read_and_no_hidden_field(
        desk: Desk, world: dict[str, Any]) -> None:
    sections = _sections(desk, "pat", world["acme"])
    # survey answers are not the portal role's to read: their sections are left out
    assert "csat_trend" not in sections and "nps_trend" not in sections
    assert {"contacts", "open_tickets", "last_interactions"} <= set(sections)
    assert "assignee" not in sections["open_tickets"]["columns"]
    assert all("queue" not in t and "assignee" not in t
               for t in sections["open_tickets"]["items"])
    # public replies only: the internal note stays hidden
    assert all(m["kind"] == "reply" for m in sections["last_interactions"]["items"])


def test_a_record_the_user_may_not_read_has_no_related_views(desk: Desk,
                                                             world: dict[str, Any]) -> None:
    other = world["acme"] + 1
    answer = desk.clients["pat"].get(f"/api/records/customer/{other}/related/customer_360")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "record_not_found"
    unknown = desk.clients["sue"].get(f"/api/records/customer/{world['acme']}/related/c360")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_related_view"


def test_the_breaches_section_lists_breached_tickets(desk: Desk,
                                                     world: dict[str, Any]) -> None:
    desk.clock.advance(timedelta(days=3))
    Worker(desk.runtime).run_due()
    sections = _sections(desk, "sue", world["acme"])
    assert sections["sla_breaches"]["total"] == 2


def test_the_loans_pack_declares_its_own_related_view(loans_desk: Desk) -> None:
    d = loans_desk
    kit = d.create("equipment", {"name": "Scope", "category": "microscope"})["id"]
    amy = d.create("borrower", {"name": "Amy", "email": "amy@lab.test"})["id"]
    for day in ("02", "09"):
        d.create("loan", {"equipment": kit, "borrower": amy,
                          "borrowed_at": f"2026-03-{day}T09:00:00Z", "due_back": "2026-03-30"})
    client = d.login("lena", ["lender"])
    answer = client.get(f"/api/records/borrower/{amy}/related/borrower_loans").json()
    sections = {s["name"]: s for s in answer["sections"]}
    assert sections["out_now"]["total"] == 2
    points = sections["loans_per_month"]["aggregate"]["points"]
    assert [p["month"] for p in points][-2:] == ["2026-02", "2026-03"]
    assert points[-1]["value"] == 2


def test_a_section_through_a_reference_lists_the_record_it_points_at(loans_desk: Desk) -> None:
    d = loans_desk
    kit = d.create("equipment", {"name": "Scope", "category": "microscope",
                                 "purchase_price": 1200})["id"]
    amy = d.create("borrower", {"name": "Amy", "email": "amy@lab.test"})["id"]
    ben = d.create("borrower", {"name": "Ben", "email": "ben@lab.test"})["id"]
    loan = d.create("loan", {"equipment": kit, "borrower": amy,
                             "borrowed_at": "2026-03-02T09:00:00Z", "due_back": "2026-03-30"})
    d.create("loan", {"equipment": kit, "borrower": ben,
                      "borrowed_at": "2026-03-02T09:00:00Z", "due_back": "2026-03-30"})
    lender = d.login("lena", ["lender"])
    sections = {s["name"]: s for s in lender.get(
        f"/api/records/loan/{loan['id']}/related/loan_details").json()["sections"]}
    assert [e["name"] for e in sections["item"]["items"]] == ["Scope"]
    assert sections["item"]["items"][0]["purchase_price"] == 1200
    # the borrower reads the item without its price, and only their own borrower record
    client = d.login("amy", ["borrower"], attributes={"borrower": amy})
    mine = {s["name"]: s for s in client.get(
        f"/api/records/loan/{loan['id']}/related/loan_details").json()["sections"]}
    assert "purchase_price" not in mine["item"]["items"][0]
    assert "purchase_price" not in mine["item"]["columns"]
    assert [b["name"] for b in mine["borrower"]["items"]] == ["Amy"]
