"""Exporting a list to CSV or XLSX: the list's filters, the user's scope and hidden fields."""

from __future__ import annotations

import csv
import io

import openpyxl
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer


def _client(desk: Runtime, name: str, roles: list[str], **user: object) -> TestClient:
    return TestClient(create_app(desk), raise_server_exceptions=False,
                      headers=bearer(desk, name, roles, **user))


def _customers(desk: Runtime) -> dict[str, int]:
    made = {}
    for name, tier in [("Acme", "gold"), ("Globex", "silver"), ("Initech", "gold")]:
        made[name] = desk.records.create(
            "customer", {"name": name, "tier": tier, "notes": f"secret about {name}",
                         "purchase_amount": 1234.5}, "setup")["id"]
    return made


def test_csv_export_has_every_matching_record_with_the_lists_filters(desk: Runtime) -> None:
    _customers(desk)
    admin = _client(desk, "root", ["admin"])
    answer = admin.get("/api/records/customer/export?format=csv&tier=gold&sort=name")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == 'attachment; filename="customer.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["name"], r["tier"], r["notes"]) for r in rows] == [
        ("Acme", "gold", "secret about Acme"), ("Initech", "gold", "secret about Initech")]


def test_export_leaves_out_records_and_fields_the_user_may_not_read(desk: Runtime) -> None:
    made = _customers(desk)
    portal = _client(desk, "pat", ["customer"], attributes={"customer": made["Globex"]})
    answer = portal.get("/api/records/customer/export?format=xlsx")
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "name" in header
    assert not {"notes", "purchase_amount", "tags"} & set(header)  # hidden from customers
    assert [r[header.index("name")] for r in rows] == ["Globex"]


def test_export_refuses_an_unknown_format_and_a_filter_on_a_hidden_field(
        desk: Runtime) -> None:
    made = _customers(desk)
    admin = _client(desk, "root", ["admin"])
    answer = admin.get("/api/records/customer/export?format=pdf")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "export_format_unknown"
    portal = _client(desk, "pat", ["customer"], attributes={"customer": made["Acme"]})
    hidden = portal.get("/api/records/customer/export?format=csv&notes=x")
    assert hidden.status_code == 422, hidden.text
