"""``flowdesk plan`` and ``flowdesk apply`` as a user runs them."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.cli import _migrate
from engine.objects.model import ObjectType
from engine.objects.storage import plan

from .object_builders import PACKS, Pack, field, insert, live_columns, migrate, obj, objects
from .test_plan import SYSTEM_TABLES, full_text_changes


@dataclass(frozen=True)
class FakeRegistry:
    objects: Mapping[str, ObjectType]
    packs: tuple[Pack, ...] = PACKS


Run = Callable[..., int]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """Run a sub-command with the packs replaced by ``registry``'s objects."""

    def run_command(registry: Mapping[str, ObjectType], *argv: str) -> int:
        monkeypatch.setattr(_migrate, "_load_registry", lambda paths: FakeRegistry(registry))
        parser = argparse.ArgumentParser(prog="flowdesk")
        _migrate.register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(argv)
        code: int = args.handler(args)
        return code

    return run_command


TICKET = objects(obj("ticket", field("subject"), field("legacy")))
TICKET_WITHOUT_LEGACY = objects(obj("ticket", field("subject")))


def test_plan_prints_the_changes_and_changes_nothing(
    run: Run, db_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(TICKET, "plan", "packs/x", "--db", db_url)

    assert code == 0
    assert capsys.readouterr().out.splitlines()[0] == "+ create table obj_ticket"
    assert not plan(db_engine, TICKET).is_empty


def test_plan_of_an_up_to_date_database_says_so(
    run: Run, db_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate(db_engine, TICKET)

    assert run(TICKET, "plan", "packs/x", "--db", db_url) == 0
    assert capsys.readouterr().out == "database is up to date\n"


def test_apply_makes_the_changes_and_prints_them(
    run: Run, db_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(TICKET, "apply", "packs/x", "--db", db_url)

    out = capsys.readouterr().out
    assert code == 0
    changes = 1 + len(SYSTEM_TABLES) + full_text_changes(db_engine)
    assert out.startswith(f"applied {changes} change(s):\n"
                          "+ create table obj_ticket\n")
    assert plan(db_engine, TICKET).is_empty


def test_apply_refuses_data_loss_and_lists_it(
    run: Run, db_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate(db_engine, TICKET)
    insert(db_engine, TICKET, "ticket", subject="s", legacy="keep")

    code = run(TICKET_WITHOUT_LEGACY, "apply", "packs/x", "--db", db_url)

    err = capsys.readouterr().err
    assert code == 1
    assert "- drop column obj_ticket.legacy (1 value(s))  [DATA LOSS]" in err
    assert "--allow-data-loss" in err
    assert "legacy" in live_columns(db_engine, "obj_ticket")


@pytest.mark.parametrize(
    ("flags", "expected_code", "dropped"),
    [
        pytest.param(["--allow-data-loss"], 1, False, id="no terminal to confirm on"),
        pytest.param(["--allow-data-loss", "--yes"], 0, True, id="confirmed with --yes"),
    ],
)
def test_apply_with_allow_data_loss_needs_confirmation(
    run: Run,
    db_url: str,
    db_engine: Engine,
    flags: list[str],
    expected_code: int,
    dropped: bool,
) -> None:
    migrate(db_engine, TICKET)

    code = run(TICKET_WITHOUT_LEGACY, "apply", "packs/x", "--db", db_url, *flags)

    assert code == expected_code
    assert ("legacy" not in live_columns(db_engine, "obj_ticket")) is dropped


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        (None, None, "sqlite:///flowdesk.db"),
        (None, "sqlite:///from-env.db", "sqlite:///from-env.db"),
        ("sqlite:///given.db", "sqlite:///from-env.db", "sqlite:///given.db"),
    ],
)
def test_database_url_comes_from_db_then_the_environment(
    monkeypatch: pytest.MonkeyPatch, given: str | None, env: str | None, expected: str
) -> None:
    if env is None:
        monkeypatch.delenv(_migrate.DATABASE_URL_ENV, raising=False)
    else:
        monkeypatch.setenv(_migrate.DATABASE_URL_ENV, env)

    assert _migrate.database_url(given) == expected


def test_plan_and_apply_load_real_pack_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        import engine.packs  # noqa: F401
    except ImportError as exc:  # the pack compiler is being written alongside
        pytest.skip(f"engine.packs does not import yet: {exc}")
    pack = tmp_path / "demo"
    (pack / "objects").mkdir(parents=True)
    (pack / "pack.yaml").write_text("name: demo\nversion: 1.2.0\n")
    (pack / "objects" / "ticket.yaml").write_text(
        "object: ticket\nfields:\n  subject:\n    type: string\n    required: true\n"
    )
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    parser = argparse.ArgumentParser(prog="flowdesk")
    _migrate.register(parser.add_subparsers(dest="command", required=True))

    def main(*argv: str) -> int:
        args = parser.parse_args(argv)
        code: int = args.handler(args)
        return code

    assert main("apply", str(pack), "--db", db) == 0
    assert main("plan", str(pack), "--db", db) == 0
    assert capsys.readouterr().out.endswith("database is up to date\n")
