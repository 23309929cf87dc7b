"""The equipment-loans pack declares its own views: the engine serves them unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from tests.views.conftest import Desk


@pytest.fixture
def loans(loans_desk: Desk) -> dict[str, Any]:
    d = loans_desk
    kit = d.create("equipment", {"name": "Scope", "category": "microscope"})["id"]
    amy = d.create("borrower", {"name": "Amy", "email": "amy@lab.test"})["id"]
    ben = d.create("borrower", {"name": "Ben", "email": "ben@lab.test"})["id"]
    made = {}
    for who, borrower in (("amy", amy), ("ben", ben)):
        made[who] = d.create("loan", {"equipment": kit, "borrower": borrower,
                                      "borrowed_at": "2026-03-02T09:00:00Z",
                                      "due_back": "2026-03-16"})["id"]
    d.login("lena", ["lender"])
    d.login("amy", ["borrower"], attributes={"borrower": amy})
    return made


def test_a_borrower_sees_only_their_loans_and_no_view_filtering_on_a_hidden_field(
        loans_desk: Desk, loans: dict[str, Any]) -> None:
    views = loans_desk.clients["amy"].get("/api/views").json()["items"]
    assert [(v["name"], v["count"]) for v in views] == [("my_loans", 1)]
    records = loans_desk.clients["amy"].get("/api/views/my_loans/records").json()["items"]
    assert [r["id"] for r in records] == [loans["amy"]]
    assert "notes" not in records[0]
    for name in ("out_on_loan", "with_notes"):
        refused = loans_desk.clients["amy"].get(f"/api/views/{name}/records")
        assert refused.status_code == 404


def test_a_lender_counts_loans_by_the_views_filter(loans_desk: Desk,
                                                   loans: dict[str, Any]) -> None:
    client = loans_desk.clients["lena"]
    loan = client.get(f"/api/records/loan/{loans['ben']}").json()
    taken = client.post(f"/api/records/loan/{loans['ben']}/transitions/hand_out",
                        json={"version": loan["version"]})
    assert taken.status_code == 200, taken.text
    views = {v["name"]: v["count"] for v in client.get("/api/views?object=loan").json()["items"]}
    assert views == {"out_on_loan": 1, "my_loans": 0, "with_notes": 0}
