"""``flowdesk serve``: which packs it serves, migrating at start, refusing lossy changes, and
the real packs wired through ``build_engine``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.cli import _serve
from engine.errors import FlowdeskError
from engine.runtime.factory import build_engine
from tests.auth_helpers import bearer

REPO = Path(__file__).resolve().parent.parent.parent
EQUIPMENT = REPO / "tests" / "packs" / "equipment_loans"
SERVICE = REPO / "packs" / "service_default"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _serve.register(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_defaults() -> None:
    args = parse()
    assert (args.packs, args.db, args.host, args.port) == ([], None, "127.0.0.1", 8000)
    assert args.max_body_bytes == 1024 * 1024


def test_default_pack_is_found_here_or_in_the_repository(tmp_path: Path) -> None:
    assert _serve.resolve_pack_paths(["a", "b"]) == [Path("a"), Path("b")]
    assert _serve.resolve_pack_paths([], cwd=REPO) == [REPO / "packs" / "service_default"]
    here = tmp_path / "packs" / "service_default"
    here.mkdir(parents=True)
    (here / "pack.yaml").write_text("name: service_default\n")
    assert _serve.resolve_pack_paths([], cwd=tmp_path) == [here]
    # Elsewhere, the repository's own pack is served.
    assert _serve.resolve_pack_paths([], cwd=tmp_path / "packs") == [SERVICE]


def test_missing_default_pack_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setattr(_serve, "_REPOSITORY", tmp_path)
    with pytest.raises(FlowdeskError, match="no pack given"):
        _serve.resolve_pack_paths([], cwd=tmp_path)


def test_serve_migrates_and_runs_uvicorn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         ) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(_serve, "_serve_until_signalled",
                        lambda app, host, port, *_: seen.update(app=app, host=host, port=port))
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    monkeypatch.setenv("FLOWDESK_SECRET_KEY", "k" * 32)
    code = _serve.run_serve(parse(str(EQUIPMENT), "--db", url, "--port", "8123"))
    assert code == 0
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    runtime = seen["app"].state.runtime
    with TestClient(seen["app"], headers=bearer(runtime, "admin")) as client:
        assert client.get("/api/records/loan").json()["total"] == 0


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(_serve, "_serve_until_signalled",
                        lambda app, host, port, *_: seen.update(app=app))
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert _serve.run_serve(parse(str(EQUIPMENT), "--demo")) == 0
    assert (tmp_path / "env.db").exists()


def test_serve_refuses_to_start_when_a_change_would_lose_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOWDESK_SECRET_KEY", "k" * 32)
    url = f"sqlite:///{tmp_path / 'lossy.db'}"
    build_engine([SERVICE, EQUIPMENT], url).close()
    monkeypatch.setattr(_serve, "_serve_until_signalled",
                        lambda *a, **k: pytest.fail("must not start"))
    assert _serve.run_serve(parse(str(EQUIPMENT), "--db", url)) == 2
    err = capsys.readouterr().err
    assert "would lose data" in err
    assert "flowdesk apply --allow-data-loss" in err


def test_real_packs_serve_every_object(db_url: str) -> None:
    runtime = build_engine([SERVICE, EQUIPMENT], db_url)
    try:
        with TestClient(create_app(runtime), headers=bearer(runtime, "admin")) as client:
            names = [o["name"] for o in client.get("/api/objects").json()["items"]]
            assert set(runtime.registry.objects) == set(names)
            for name in names:
                assert client.get(f"/api/objects/{name}").status_code == 200
                assert client.get(f"/api/records/{name}").json()["total"] == 0
    finally:
        runtime.close()
