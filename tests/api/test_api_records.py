"""The record endpoints over HTTP, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from engine.runtime.clock import ManualClock


def create(client: TestClient, obj: str, body: dict[str, object]) -> dict[str, object]:
    response = client.post(f"/api/records/{obj}", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_create_returns_201_with_location_etag_and_the_record(client: TestClient) -> None:
    response = client.post("/api/records/account", json={"name": "Acme", "balance": 12.25})
    assert response.status_code == 201
    record = response.json()
    assert record["name"] == "Acme" and record["balance"] == 12.25
    assert (record["version"], record["created_by"]) == (1, "alice")
    assert response.headers["location"] == f"/api/records/account/{record['id']}"
    assert response.headers["etag"] == '"1"'


def test_actor_is_the_authenticated_user(client: TestClient, bob: dict[str, str]) -> None:
    response = client.post("/api/records/account", json={"name": "Acme"}, headers=bob)
    assert response.json()["created_by"] == "bob"


def test_decimal_digits_survive_the_round_trip(client: TestClient) -> None:
    record = create(client, "account", {"name": "Acme", "balance": 1234567890.12})
    assert client.get(f"/api/records/account/{record['id']}").json()["balance"] == 1234567890.12


def test_get_patch_delete_round_trip(
    client: TestClient, clock: ManualClock, bob: dict[str, str]
) -> None:
    record = create(client, "account", {"name": "Acme"})
    url = f"/api/records/account/{record['id']}"
    got = client.get(url)
    assert (got.status_code, got.json(), got.headers["etag"]) == (200, record, '"1"')
    clock.advance(minutes=5)
    patched = client.patch(url, json={"version": 1, "score": 9, "notes": "hi"},
                           headers=bob)
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    assert patched.json()["updated_at"] == "2026-03-02T09:05:00Z"
    assert patched.headers["etag"] == '"2"'
    assert client.delete(f"{url}?version=2").status_code == 204
    assert client.get(url).json()["error"]["code"] == "record_not_found"


def test_stale_update_is_rejected_with_409(client: TestClient) -> None:
    record = create(client, "account", {"name": "Acme"})
    url = f"/api/records/account/{record['id']}"
    assert client.patch(url, json={"version": 1, "score": 1}).status_code == 200
    stale = client.patch(url, json={"version": 1, "score": 2})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_version"
    assert client.get(url).json()["score"] == 1


def test_stale_delete_is_rejected_with_409(client: TestClient) -> None:
    record = create(client, "account", {"name": "Acme"})
    url = f"/api/records/account/{record['id']}"
    client.patch(url, json={"version": 1, "score": 1})
    response = client.delete(f"{url}?version=1")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "stale_version")


def test_restricted_delete_is_a_409_naming_the_referencing_object(client: TestClient) -> None:
    account = create(client, "account", {"name": "Acme"})
    create(client, "device", {"serial": "D1", "owner": account["id"]})
    response = client.delete(f"/api/records/account/{account['id']}")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "delete_restricted"
    assert "device records refer to it through 'owner'" in error["message"]


def test_list_filters_sorts_and_links_the_next_page(client: TestClient) -> None:
    for i in range(5):
        create(client, "account", {"name": f"n{i}", "score": i * 10,
                                   "region": "north" if i % 2 else "south"})
    response = client.get("/api/records/account?score__gte=10&sort=-score&limit=2")
    assert response.status_code == 200
    page = response.json()
    assert [r["name"] for r in page["items"]] == ["n4", "n3"]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 0)
    assert page["next"] == "/api/records/account?score__gte=10&sort=-score&limit=2&offset=2"
    second = client.get(page["next"]).json()
    assert [r["name"] for r in second["items"]] == ["n2", "n1"]
    assert second["next"] is None


def test_history_lists_the_audit_trail(client: TestClient, bob: dict[str, str]) -> None:
    record = create(client, "account", {"name": "Acme"})
    url = f"/api/records/account/{record['id']}"
    client.patch(url, json={"version": 1, "name": "Acme Ltd"},
                 headers=bob)
    history = client.get(f"{url}/history")
    assert history.status_code == 200
    items = history.json()["items"]
    assert [(i["action"], i["field"], i["old"], i["new"], i["actor"]) for i in items] == [
        ("create", None, None, {"name": "Acme", "region": "north", "active": True}, "alice"),
        ("update", "name", "Acme", "Acme Ltd", "bob"),
    ]
    assert items[0]["at"] == "2026-03-02T09:00:00Z"
