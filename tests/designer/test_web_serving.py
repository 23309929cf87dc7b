"""The web app is served by the API process: pages without a credential, assets cached for
good, the API's own answers untouched, and /docs from local files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from designer.web import CONTENT_SECURITY_POLICY, STATIC, install_web_app
from engine.api.app import create_app
from engine.runtime.factory import build_engine

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("web") / "web.db"
    runtime = build_engine([REPO / "tests" / "packs" / "equipment_loans"], f"sqlite:///{db}",
                           secret_key=b"k" * 32)
    app = create_app(runtime)
    install_web_app(app)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    runtime.close()


@pytest.mark.parametrize("path", ["/", "/views/anything", "/records/thing/7", "/portal",
                                  "/portal/records/thing/7", "/portal/survey/abc.def"])
def test_app_pages_answer_index_html_without_a_credential(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.text == (STATIC / "index.html").read_text(encoding="utf-8")
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_hashed_assets_are_cached_for_a_year(client: TestClient) -> None:
    script = re.search(r'src="(/assets/[^"]+\.js)"', (STATIC / "index.html").read_text())
    assert script, "index.html should load a hashed script"
    answer = client.get(script.group(1))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in answer.headers["content-type"]


def test_a_missing_asset_is_a_404_not_the_app(client: TestClient) -> None:
    assert client.get("/assets/nothing-here.js").status_code == 404


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/nothing", 404, "not_found"),
    ("POST", "/api/nothing", 404, "not_found"),
    ("GET", "/api/objects", 401, "not_authenticated"),
    ("POST", "/portal", 405, "method_not_allowed"),
])
def test_api_paths_keep_the_api_answers(client: TestClient, method: str, path: str,
                                        status: int, code: str) -> None:
    answer = client.request(method, path)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


@pytest.mark.parametrize("path", ["/..%2fweb.py", "/%2e%2e/web.py", "/vendor/..%2f..%2fweb.py"])
def test_a_path_outside_the_build_folder_is_not_served(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert "install_web_app" not in answer.text


@pytest.mark.parametrize(("path", "bundle"), [
    ("/docs", "/vendor/swagger-ui/swagger-ui-bundle.js"),
    ("/redoc", "/vendor/redoc/redoc.standalone.js"),
])
def test_api_docs_load_only_local_scripts(client: TestClient, path: str, bundle: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert bundle in sources
    assert all(s.startswith("/") for s in sources), sources
    assert client.get(bundle).status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "Flowdesk API"
