"""The database remembers the packs it was applied with (name, version, path), and a command
pointed at it with another set says so, naming both sets and what to pass, instead of
proposing to drop the other pack's tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select

from engine.cli import main
from engine.objects.storage import MigrationDataLoss, create_database_engine, schema_metadata
from engine.runtime.factory import build_engine

REPO = Path(__file__).resolve().parents[2]
LOANS = REPO / "tests" / "packs" / "equipment_loans"


def _recorded(url: str) -> list[list[dict[str, str]]]:
    table = schema_metadata({}).tables["flowdesk_migrations"]
    engine = create_database_engine(url)
    try:
        with engine.connect() as conn:
            return [list(p) for p in conn.execute(select(table.c.packs).order_by(table.c.id))
                    .scalars()]
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_database_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_database_records_the_packs_it_was_applied_with(db_url: str) -> None:
    build_engine([LOANS], db_url).close()
    assert _recorded(db_url) == [
        [{"name": "equipment_loans", "version": "0.1.0", "path": str(LOANS)}]]


def test_user_create_without_pack_on_another_packs_database_says_which_packs_to_pass(
    db_url: str, db_engine: Engine, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_engine([LOANS], db_url).close()
    before = _tables(db_url)
    monkeypatch.chdir(REPO)  # the default pack is packs/service_default, found from here
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a long enough password\n"))

    code = main(["user", "create", "bob", "--role", "admin", "--password-stdin",
                 "--db", db_url])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(
        "error: this database was applied with the packs equipment_loans 0.1.0 "
        f"({LOANS}), but this command was given service_default ")
    assert "change(s) would lose data:\n  " in err
    assert (f"nothing was changed. Pass the database's packs: {LOANS} (as --pack PATH to "
            "user and token commands, as the PACK arguments of serve, worker, plan and "
            "apply)") in err
    assert _tables(db_url) == before
    assert len(_recorded(db_url)) == 1

    # With the database's packs, the same command works.
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a long enough password\n"))
    assert main(["user", "create", "bob", "--role", "admin", "--password-stdin",
                 "--db", db_url, "--pack", str(LOANS)]) == 0


def test_another_pack_set_is_refused_with_the_data_loss_it_would_cause(db_url: str) -> None:
    build_engine([LOANS], db_url).close()
    with pytest.raises(MigrationDataLoss) as caught:
        build_engine([REPO / "tests" / "packs" / "automation_lab"], db_url)
    assert caught.value.code == "pack_set_mismatch"
    assert "drop" in caught.value.message


def test_a_new_pack_version_without_schema_changes_is_remembered(
    db_url: str, tmp_path: Path
) -> None:
    pack = tmp_path / "equipment_loans"
    shutil.copytree(LOANS, pack)
    build_engine([pack], db_url).close()
    manifest = pack / "pack.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "version: 0.1.0", "version: 0.2.0"), encoding="utf-8")
    build_engine([pack], db_url).close()
    build_engine([pack], db_url).close()  # nothing new: nothing recorded
    assert [[p["version"] for p in packs] for packs in _recorded(db_url)] == [
        ["0.1.0"], ["0.2.0"]]


def test_plan_with_other_packs_says_so_before_listing_the_drops(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    build_engine([LOANS], db_url).close()
    lab = REPO / "tests" / "packs" / "automation_lab"
    assert main(["plan", str(lab), "--db", db_url]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"note: this database was applied with the packs equipment_loans 0.1.0 ({LOANS}); "
        f"this command was given automation_lab 0.1.0 ({lab})\n")
    assert "- drop" in captured.out or "drop table" in captured.out
