"""``flowdesk user create``, ``flowdesk token create`` and the secret key ``serve`` insists on."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from engine.cli import _serve, main
from engine.cli._server_security import resolve_secret_key
from engine.errors import FlowdeskError
from engine.runtime.factory import build_engine

REPO = Path(__file__).resolve().parents[2]
EQUIPMENT = REPO / "tests" / "packs" / "equipment_loans"


def test_the_first_admin_is_created_from_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["user", "create", "root", "--role", "admin", "--password-stdin",
                 "--pack", str(EQUIPMENT), "--db", db]) == 0
    assert capsys.readouterr().out == "created user root (id 1) with role(s) admin\n"
    assert main(["token", "create", "--user", "root", "--name", "ci", "--scope", "read",
                 "--pack", str(EQUIPMENT), "--db", db]) == 0
    out, err = capsys.readouterr()
    assert "shown now and never again" in err
    runtime = build_engine([EQUIPMENT], db)
    try:
        assert runtime.auth.users.verify_password("root", "a long password") is not None
        principal = runtime.auth.tokens.authenticate(out.strip())
        assert (principal.name, principal.scopes) == ("root", frozenset({"read"}))
    finally:
        runtime.close()


@pytest.mark.parametrize(("argv", "message"), [
    (["user", "create", "x", "--role", "boss", "--no-password"],
     "roles.0: unknown role 'boss'; roles: admin, borrower, lender"),
    (["token", "create", "--user", "ghost", "--name", "ci"], "no user named 'ghost'"),
])
def test_cli_mistakes_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   argv: list[str], message: str) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main([*argv, "--pack", str(EQUIPMENT), "--db", db]) == 1
    assert message in capsys.readouterr().err


def _serve_args(*argv: str) -> Any:
    import argparse

    parser = argparse.ArgumentParser()
    _serve.register(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_serve_refuses_to_start_without_a_secret_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("FLOWDESK_SECRET_KEY", raising=False)
    monkeypatch.setattr(_serve, "_serve_until_signalled",
                        lambda *a, **k: pytest.fail("must not start"))
    code = _serve.run_serve(_serve_args(str(EQUIPMENT), "--db",
                                        f"sqlite:///{tmp_path / 's.db'}"))
    assert code == 2
    assert "no secret key: set FLOWDESK_SECRET_KEY or pass --secret-key-file" in (
        capsys.readouterr().err)


def test_the_secret_key_comes_from_a_file_or_the_environment(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("f" * 40 + "\n")
    assert resolve_secret_key(str(key), {}, demo=False) == b"f" * 40
    assert resolve_secret_key(None, {"FLOWDESK_SECRET_KEY": "e" * 32}, demo=False) == b"e" * 32
    assert len(resolve_secret_key(None, {}, demo=True)) == 32
    with pytest.raises(FlowdeskError, match="is 5 characters; use at least 32"):
        resolve_secret_key(None, {"FLOWDESK_SECRET_KEY": "short"}, demo=False)


def test_demo_mode_seeds_a_user_per_role_and_prints_the_logins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(_serve, "_serve_until_signalled",
                        lambda app, host, port, *_: seen.update(app=app))
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    assert _serve.run_serve(_serve_args(str(EQUIPMENT), "--db", db, "--demo")) == 0
    err = capsys.readouterr().err
    for role in ("admin", "borrower", "lender"):
        assert f"name '{role}'" in err and f"password '{role}-demo-password'" in err
    users = seen["app"].state.runtime.auth.users
    borrower = users.by_name("borrower")
    assert borrower.attributes == {"borrower": 1}  # a demo borrower record, for its filters
    assert users.by_name("lender").attributes == {}
    assert users.verify_password("lender", "lender-demo-password") is not None
