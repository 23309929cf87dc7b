"""Hostile inputs are refused where they enter, with a 4xx in the one error shape, on SQLite
and PostgreSQL alike, and a refused request writes nothing.

Each class is handled once: JSON decoding (depth, number length), text that cannot be stored
(NUL, lone surrogates) in bodies, query strings and headers, integers past what their column
holds, date-times past year 9999 or before year 1 in UTC, and user attributes that point at
records that are not there.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from engine.objects.storage.identity_tables import USERS
from engine.runtime.factory import Runtime
from engine.runtime.users import identity_tables
from tests.auth_helpers import bearer

from .stored_rows import stored_rows
from .test_api_errors import error_of

BIG = 2**63
INT64 = "between -9223372036854775808 and 9223372036854775807"
NUL = "contains the NUL character (U+0000), which cannot be stored"
SURROGATE = "contains a lone surrogate (U+D800), which is not a character and cannot be stored"
DATETIME_RANGE = ("is outside the range of date-times: 0001-01-01T00:00:00Z to "
                  "9999-12-31T23:59:59Z (UTC)")


def _deep(depth: int) -> str:
    return '{"name": "deep", "tags": ' + "[" * depth + "]" * depth + "}"


# method, url, keyword arguments, status, code, (loc, msg) of the first detail or the message
CASES: list[tuple[str, str, dict[str, Any], int, str, tuple[list[Any], str] | str]] = [
    # JSON decoding
    ("POST", "/api/records/customer", {"content": _deep(1000)}, 400, "bad_json",
     "the request body is nested deeper than 64 levels"),
    ("POST", "/api/records/customer", {"content": '{"a":' * 1000 + "1" + "}" * 1000}, 400,
     "bad_json", "the request body is nested deeper than 64 levels"),
    ("POST", "/api/records/customer", {"content": _deep(65)}, 400, "bad_json",
     "the request body is nested deeper than 64 levels"),
    ("POST", "/api/records/customer",
     {"content": '{"name": "n", "purchase_frequency": ' + "9" * 5000 + "}"}, 400, "bad_json",
     "the request body has a number of 5000 characters; a number may have at most 100"),
    ("POST", "/api/records/customer",
     {"content": '{"name": "n", "purchase_amount": 1.' + "5" * 200 + "}"}, 400, "bad_json",
     "the request body has a number of 202 characters; a number may have at most 100"),
    ("PATCH", "/api/records/customer/1", {"content": '{"version": ' + "9" * 5000 + "}"}, 400,
     "bad_json",
     "the request body has a number of 5000 characters; a number may have at most 100"),
    ("POST", "/api/admin/users",
     {"content": '{"name": "deep", "roles": ["agent"], "attributes": ' + "[" * 100 + "]" * 100
      + "}", "headers": {"Content-Type": "application/json"}}, 400, "bad_json",
     "the request body is nested deeper than 64 levels"),
    # text that cannot be stored, in bodies
    ("POST", "/api/records/customer", {"json": {"name": "a\x00b"}}, 422, "validation_failed",
     (["body", "name"], NUL)),
    ("POST", "/api/records/customer", {"json": {"name": "n", "tags": ["ok", "a\x00"]}}, 422,
     "validation_failed", (["body", "tags", 1], NUL)),
    ("POST", "/api/records/customer", {"json": {"name": "n", "n\x00": 1}}, 422,
     "validation_failed", (["body", "n\x00"], NUL)),
    ("POST", "/api/records/customer", {"content": b'{"name": "a\\ud800b"}'}, 422,
     "validation_failed", (["body", "name"], SURROGATE)),
    ("POST", "/api/records/customer", {"content": b'{"name": "n", "\\ud800": 1}'}, 422,
     "validation_failed", (["body", "\ud800"], SURROGATE)),
    ("POST", "/api/records/customer",
     {"content": b'{"name": "a\\u0000b"}', "headers": {"Content-Type": "text/plain"}}, 422,
     "validation_failed", (["body", "name"], NUL)),
    ("PATCH", "/api/records/customer/1", {"json": {"version": 1, "notes": "x\x00"}}, 422,
     "validation_failed", (["body", "notes"], NUL)),
    ("POST", "/api/admin/users", {"json": {"name": "ann", "roles": ["agent"],
                                           "display_name": "A\x00nn"}}, 422,
     "validation_failed", (["body", "display_name"], NUL)),
    ("POST", "/api/admin/teams", {"json": {"name": "tier2", "label": "Tier\x00 2"}}, 422,
     "validation_failed", (["body", "label"], NUL)),
    ("POST", "/api/auth/tokens", {"json": {"name": "ci\x00"}}, 422, "validation_failed",
     (["body", "name"], NUL)),
    ("POST", "/api/auth/login", {"json": {"name": "ro\x00ot", "password": "whatever-pass"},
                                 "headers": {"Authorization": ""}}, 422, "validation_failed",
     (["body", "name"], NUL)),
    ("POST", "/api/auth/login", {"content": b'{"name": "\\udfffroot", "password": "p4ssw0rd!"}',
                                 "headers": {"Authorization": "",
                                             "Content-Type": "application/json"}},
     422, "validation_failed", (["body", "name"], SURROGATE.replace("D800", "DFFF"))),
    # ... in query strings, paths and headers
    ("GET", "/api/records/customer?name=a%00b", {}, 422, "validation_failed",
     (["query", "name"], NUL)),
    ("GET", "/api/records/customer?name__contains=%00", {}, 422, "validation_failed",
     (["query", "name__contains"], NUL)),
    ("GET", "/api/jobs?kind=a%00b", {}, 422, "validation_failed", (["query", "kind"], NUL)),
    ("GET", "/api/reports/ticket_volume?channel=%00", {}, 422, "validation_failed",
     (["query", "channel"], NUL)),
    ("GET", "/api/records/cust%00omer", {}, 422, "validation_failed", (["path"], NUL)),
    ("GET", "/api/records/customer", {"headers": {"X-Request-Note": "a\x00b"}}, 422,
     "validation_failed", (["header", "x-request-note"], NUL)),
    ("POST", "/api/auth/login", {"json": {"name": "root", "password": "whatever-pass"},
                                 "headers": {"Authorization": "", "X-Forwarded-For": "\x00"}},
     422, "validation_failed", (["header", "x-forwarded-for"], NUL)),
    # integers past their column
    ("GET", f"/api/records/customer?offset={BIG}", {}, 422, "validation_failed",
     (["query", "offset"], "expected a whole number between 0 and 9223372036854775807")),
    ("GET", f"/api/records/customer?id={BIG}", {}, 422, "validation_failed",
     (["query", "id"], f"expected a whole number {INT64}")),
    ("GET", f"/api/records/customer?id__in=1,{-BIG - 1}", {}, 422, "validation_failed",
     (["query", "id__in"], f"expected a whole number {INT64}")),
    ("GET", f"/api/records/ticket?customer={BIG}", {}, 422, "validation_failed",
     (["query", "customer"], f"expected a whole number {INT64}")),
    ("GET", f"/api/records/ticket?reopen_count__gt={BIG}", {}, 422, "validation_failed",
     (["query", "reopen_count__gt"], f"expected a whole number {INT64}")),
    ("GET", "/api/records/ticket?handling_seconds__lt=99999999999999999", {}, 422,
     "validation_failed", (["query", "handling_seconds__lt"],
                           "expected a whole number of seconds between -86399999913600 and "
                           "86399999913600")),
    ("GET", "/api/records/customer?purchase_amount__lt=1e999999", {}, 422, "validation_failed",
     (["query", "purchase_amount__lt"],
      "expected a decimal number with at most 40 digits before and 40 after the point")),
    ("GET", "/api/records/customer?purchase_amount=NaN", {}, 422, "validation_failed",
     (["query", "purchase_amount"],
      "expected a decimal number with at most 40 digits before and 40 after the point")),
    ("GET", "/api/records/customer?purchase_amount__gte=-Infinity", {}, 422,
     "validation_failed", (["query", "purchase_amount__gte"],
                           "expected a decimal number with at most 40 digits before and 40 "
                           "after the point")),
    ("GET", f"/api/reports/ticket_volume?reopen_count={BIG}", {}, 422, "validation_failed",
     (["query", "reopen_count"], f"expected a whole number {INT64}")),
    ("GET", f"/api/jobs?offset={BIG}", {}, 422, "validation_failed",
     (["query", "offset"], "Input should be less than or equal to 9223372036854775807")),
    ("GET", f"/api/jobs?record_id={BIG}", {}, 422, "validation_failed",
     (["query", "record_id"], "Input should be less than or equal to 9007199254740991")),
    ("PATCH", "/api/records/customer/1", {"json": {"version": BIG, "notes": "x"}}, 422,
     "validation_failed", (["body", "version"], "expected the record's version, a whole number "
                                                "from 1 to 9223372036854775807")),
    ("POST", "/api/records/ticket/1/transitions/start", {"json": {"version": BIG}}, 422,
     "validation_failed", (["body", "version"], "expected the record's version, a whole number "
                                                "from 1 to 9223372036854775807")),
    ("DELETE", f"/api/records/customer/1?version={BIG}", {}, 422, "validation_failed",
     (["query", "version"], "Input should be less than or equal to 9223372036854775807")),
    # date-times past the range
    ("GET", "/api/records/ticket?created_at__gte=9999-12-31T23:59:59-14:00", {}, 422,
     "validation_failed", (["query", "created_at__gte"], DATETIME_RANGE)),
    ("GET", "/api/records/ticket?created_at__lt=0001-01-01T00:00:00%2B14:00", {}, 422,
     "validation_failed", (["query", "created_at__lt"], DATETIME_RANGE)),
    ("GET", "/api/records/ticket?due_at__in=2026-01-01T00:00:00Z,9999-12-31T23:00:00-02:00",
     {}, 422, "validation_failed", (["query", "due_at__in"], DATETIME_RANGE)),
    ("GET", "/api/reports/ticket_volume?to=9999-12-31", {}, 422, "validation_failed",
     (["query", "to"], DATETIME_RANGE)),
    ("GET", "/api/reports/ticket_volume?from=0001-01-01T00:00:00%2B14:00", {}, 422,
     "validation_failed", (["query", "from"], DATETIME_RANGE)),
    ("GET", "/api/reports/ticket_volume?from=0001-01-01&tz=Asia/Shanghai", {}, 422,
     "validation_failed", (["query", "from"], DATETIME_RANGE)),
    ("GET", "/api/reports/ticket_volume?created_at__gt=9999-12-31T23:59:59-14:00", {}, 422,
     "validation_failed", (["query", "created_at__gt"], DATETIME_RANGE)),
    # user attributes that point at no record
    ("POST", "/api/admin/users", {"json": {"name": "portal", "roles": ["customer"],
                                           "attributes": {"customer": BIG}}}, 422,
     "validation_failed", (["body", "attributes", "customer"],
                           "expected an id, a whole number from 1 to 9007199254740991")),
    ("POST", "/api/admin/users", {"json": {"name": "portal", "roles": ["customer"],
                                           "attributes": {"customer": 999_999}}}, 422,
     "validation_failed", (["body", "attributes", "customer"], "no customer with id 999999")),
    ("PATCH", "/api/admin/users/1", {"json": {"attributes": {"customer": 0}}}, 422,
     "validation_failed", (["body", "attributes", "customer"],
                           "expected an id, a whole number from 1 to 9007199254740991")),
    ("PATCH", "/api/admin/users/1", {"json": {"attributes": {"customer": 424242}}}, 422,
     "validation_failed", (["body", "attributes", "customer"], "no customer with id 424242")),
]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code", "expected"), CASES,
    ids=[f"{c[0]} {c[1][:60]} {str(c[2])[:40]}" for c in CASES],
)
def test_hostile_input_is_refused_with_a_4xx_and_nothing_is_stored(
    desk: Runtime, desk_client: TestClient, method: str, url: str, kwargs: dict[str, Any],
    status: int, code: str, expected: tuple[list[Any], str] | str,
) -> None:
    before = stored_rows(desk.database)
    response = desk_client.request(method, url, **kwargs)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["code"] == code
    if isinstance(expected, str):
        assert error["message"] == expected
    else:
        assert (error["details"][0]["loc"], error["details"][0]["msg"]) == expected
    assert stored_rows(desk.database) == before


def test_an_attribute_that_names_a_record_is_accepted(fresh_client: TestClient) -> None:
    customer = fresh_client.get("/api/records/customer").json()["items"][0]["id"]
    response = fresh_client.post("/api/admin/users", json={
        "name": "portal", "roles": ["customer"], "attributes": {"customer": customer}})
    assert response.status_code == 201, response.text
    assert response.json()["attributes"] == {"customer": customer}


def test_a_user_whose_stored_attribute_names_no_record_lists_nothing(
    fresh_desk: Runtime, fresh_client: TestClient
) -> None:
    """An attribute written before it was checked (or by hand) reads as no record: the user
    sees nothing instead of an error on every list."""
    headers = bearer(fresh_desk, "portal", ("customer",))
    users = identity_tables()[USERS]
    for stored in (BIG, -BIG - 1, 0, "1", 1.5, [1], {"id": 1}):
        with fresh_desk.database.begin() as conn:
            conn.execute(update(users).where(users.c.name == "portal")
                         .values(attributes={"customer": stored}))
        for url in ("/api/records/ticket", "/api/records/customer",
                    "/api/records/ticket_message", "/api/records/ticket?customer=1"):
            response = fresh_client.get(url, headers=headers)
            assert response.status_code == 200, (stored, url, response.text)
            assert response.json()["items"] == [], (stored, url)


def test_admin_user_list_pages_with_limit_and_offset(fresh_client: TestClient) -> None:
    for name in ("ann", "ben", "cat", "dan"):
        fresh_client.post("/api/admin/users", json={"name": name, "roles": ["agent"]})
    page = fresh_client.get("/api/admin/users?limit=3").json()
    assert [u["name"] for u in page["items"]] == ["root", "ann", "ben"]
    assert (page["total"], page["limit"], page["offset"]) == (5, 3, 0)
    assert page["next"] == "/api/admin/users?limit=3&offset=3"
    rest = fresh_client.get(page["next"]).json()
    assert [u["name"] for u in rest["items"]] == ["cat", "dan"]
    assert rest["next"] is None


@pytest.mark.parametrize(("query", "loc", "msg"), [
    ("limit=0", "limit", "Input should be greater than or equal to 1"),
    ("limit=501", "limit", "Input should be less than or equal to 500"),
    (f"offset={BIG}", "offset", "Input should be less than or equal to 9223372036854775807"),
])
def test_admin_user_list_refuses_a_page_out_of_range(desk_client: TestClient, query: str,
                                                     loc: str, msg: str) -> None:
    response = desk_client.get(f"/api/admin/users?{query}")
    assert response.status_code == 422
    assert error_of(response)["details"][0]["loc"] == ["query", loc]
    assert error_of(response)["details"][0]["msg"] == msg
