"""Health, object definitions with their schemas, and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_reports_the_database_and_packs(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["packs"] == [{"name": "records_lab", "version": "1.0.0"}]


def test_objects_are_listed_with_labels_in_the_asked_locale(client: TestClient) -> None:
    items = client.get("/api/objects").json()["items"]
    assert [i["name"] for i in items] == ["account", "member", "badge", "device", "note"]
    assert items[0]["label"] == "Account"
    zh = client.get("/api/objects?locale=zh-CN").json()["items"]
    assert zh[0]["label"] == "中account"


def test_object_definition_has_fields_schema_and_the_default_forms_ui_schema(
    client: TestClient,
) -> None:
    body = client.get("/api/objects/account?locale=zh-CN").json()
    assert body["name"] == "account" and body["form"] == "account_edit"
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["id"]["system"] is True and fields["id"]["read_only"] is True
    assert fields["region"]["options"][0] == {"value": "north", "label": "NORTH", "color": None}
    assert fields["region"]["default"] == "north"
    assert fields["name"]["label"] == "中name"
    assert set(body["schema"]["properties"]) == {"name", "region", "notes"}
    assert body["uiSchema"]["notes"]["ui:widget"] == "textarea"
    assert "name" in body["payload_schemas"]["create"]["required"]
    assert "required" not in body["payload_schemas"]["update"]


def test_object_without_a_form_gets_its_payload_schema(client: TestClient) -> None:
    body = client.get("/api/objects/member").json()
    assert body["form"] is None and body["uiSchema"] == {}
    fields = {f["name"]: f for f in body["fields"]}
    account = fields["account"]
    assert (account["reference_to"], account["on_delete"]) == ("account", "cascade")
    assert body["schema"] == body["payload_schemas"]["create"]


def test_openapi_document_loads_and_lists_the_routes(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/health", "/api/objects", "/api/objects/{object_name}",
            "/api/records/{object_name}", "/api/records/{object_name}/{record_id}",
            "/api/records/{object_name}/{record_id}/history"} <= set(doc["paths"])
    post = doc["paths"]["/api/records/{object_name}"]["post"]
    assert "application/json" in post["requestBody"]["content"]
    assert "error" in post["responses"]["422"]["content"]["application/json"]["schema"][
        "properties"]
