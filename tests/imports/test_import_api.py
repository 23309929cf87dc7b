"""Imports through the API: upload with a mapping → dry-run preview → run → progress, for
admins only; nothing is written before the run."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer
from tests.imports.messy_workbook import CUSTOMER_MAPPING, customer_workbook


def _client(desk: Runtime, name: str, roles: list[str]) -> TestClient:
    return TestClient(create_app(desk), raise_server_exceptions=False,
                      headers=bearer(desk, name, roles))


def _upload_body() -> dict[str, object]:
    return {"name": "old.xlsx", "mapping": CUSTOMER_MAPPING,
            "content_base64": base64.b64encode(customer_workbook()).decode()}


def test_upload_previews_then_run_writes_and_progress_shows_the_finished_run(
        desk: Runtime) -> None:
    admin = _client(desk, "root", ["admin"])
    uploaded = admin.post("/api/admin/imports", json=_upload_body())
    assert uploaded.status_code == 201, uploaded.text
    preview = uploaded.json()["preview"][0]
    assert preview["counts"]["create"] == 3 and preview["counts"]["rejected"] == 1
    assert {"row": 9, "column": "联系方式", "field": "phone",
            "message": "'12345' is not a valid phone number for region CN",
            "code": "import_cell_invalid"} in preview["rejected"]
    assert preview["duplicates"][0]["rows"] == [4, 6, 7]
    assert desk.records.list("customer").total == 0
    upload_id = uploaded.json()["id"]
    ran = admin.post(f"/api/admin/imports/{upload_id}/run")
    assert ran.status_code == 200, ran.text
    assert ran.json()["written"][0]["counts"]["created"] == 3
    assert desk.records.list("customer").total == 3
    progress = admin.get(f"/api/admin/imports/{upload_id}/progress").json()["items"]
    assert [(p["status"], p["last_row"]) for p in progress] == [("done", 10)]
    again = admin.get(f"/api/admin/imports/{upload_id}").json()
    assert again["preview"][0]["counts"]["unchanged"] == 3


def test_imports_are_for_admins_and_a_bad_upload_is_refused_with_its_reason(
        desk: Runtime) -> None:
    agent = _client(desk, "li", ["agent"])
    assert agent.post("/api/admin/imports", json=_upload_body()).status_code == 403
    admin = _client(desk, "root", ["admin"])
    bad = admin.post("/api/admin/imports", json={**_upload_body(), "content_base64": "%%%"})
    assert bad.status_code == 400
    assert bad.json()["error"] == {"code": "import_unreadable",
                                   "message": "content_base64: not valid base64",
                                   "details": []}
    assert admin.get("/api/admin/imports/99").json()["error"]["code"] == "import_not_found"


def test_an_upload_with_a_malformed_field_is_refused_not_failed(desk: Runtime) -> None:
    admin = _client(desk, "root", ["admin"])
    cases = [({"encoding": 7}, "import_unknown_encoding"),
             ({"encoding": "no-such-codec"}, "import_unknown_encoding"),
             ({"mapping": ["x"]}, "import_mapping_invalid"),
             ({"mapping": None, "object": 3}, "import_mapping_invalid"),
             ({"mapping": None, "object": "nothing"}, "unknown_object"),
             ({"name": "notes.pdf",
               "content_base64": base64.b64encode(b"%PDF-1.4").decode()}, "import_unreadable")]
    for change, code in cases:
        answer = admin.post("/api/admin/imports", json={**_upload_body(), **change})
        assert answer.status_code in (400, 404), (change, answer.text)
        assert answer.json()["error"]["code"] == code, change
