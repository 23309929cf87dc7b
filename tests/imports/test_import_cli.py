"""``flowdesk import``: dry run by default, --apply, the rejected-rows CSV, a suggested mapping,
the pack's example mappings, and a flat ticket export converted to service history."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from engine.cli import main
from engine.runtime.factory import build_engine
from tests.imports.conftest import SERVICE
from tests.imports.messy_workbook import CUSTOMER_MAPPING, customer_workbook

EXAMPLES = SERVICE / "imports"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    book = tmp_path / "old.xlsx"
    book.write_bytes(customer_workbook())
    mapping = tmp_path / "map.yaml"
    mapping.write_text(yaml.safe_dump(CUSTOMER_MAPPING, allow_unicode=True), encoding="utf-8")
    return book, mapping


def test_import_is_a_dry_run_until_apply_and_writes_the_rejected_rows(
        tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    book, mapping = _files(tmp_path)
    rejected = tmp_path / "rejected.csv"
    args = [str(SERVICE), str(book), "--db", db_url, "--mapping", str(mapping)]
    assert main(["import", *args, "--rejected", str(rejected)]) == 0
    out = capsys.readouterr().out
    assert "3 to create" in out and out.endswith("dry run: nothing was written (add --apply).\n")
    rows = list(csv.reader(io.StringIO(rejected.read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows] == ["_row", "9"]
    assert main(["import", *args, "--apply"]) == 0
    out = capsys.readouterr().out
    assert "applied." in out and "3 created" in out
    assert main(["import", *args, "--apply"]) == 0
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out


def test_without_a_mapping_one_is_suggested_from_headers_and_labels(
        tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    book, _ = _files(tmp_path)
    assert main(["import", str(SERVICE), str(book), "--db", db_url,
                 "--object", "customer"]) == 0
    out = capsys.readouterr().out
    suggested = yaml.safe_load(out.split("\n\n")[0] if "\n\n" in out else out.split(
        "old.xlsx[")[0])
    assert suggested["columns"]["客户名称"] == "name"  # the field's zh-CN label
    assert suggested["columns"]["等级"] == "tier"  # close to the label 客户等级


def test_a_missing_file_and_a_bad_mapping_are_refused_with_their_reason(
        tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    book, _ = _files(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("object: customer\ncolumns: {客户名称: nmae}\n", encoding="utf-8")
    assert main(["import", str(SERVICE), str(tmp_path / "none.csv"), "--db", db_url,
                 "--mapping", str(bad)]) == 1
    assert "none.csv: No such file or directory" in capsys.readouterr().err
    assert main(["import", str(SERVICE), str(book), "--db", db_url, "--mapping", str(bad)]) == 1
    assert "'nmae' is not a field customer records take (did you mean 'name'?)" in (
        capsys.readouterr().err)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")
                                           if p.name != "ticket_history.yaml"))
def test_the_packs_example_mappings_fit_its_objects(example: str) -> None:
    from engine.imports import load_mappings
    from engine.imports.mapping import check_mapping
    from engine.packs import load_registry

    registry = load_registry([SERVICE])
    for mapping in load_mappings(EXAMPLES / example):
        obj = registry.object(mapping.object)
        check_mapping(mapping, obj, tuple(mapping.columns) + tuple(mapping.key) + (
            (mapping.as_of,) if mapping.as_of else ()), dict(registry.objects))


def test_a_flat_ticket_export_converts_to_history_and_imports(
        tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "tickets.csv"
    export.write_text(
        "Number,Title,Priority,State,Organization,Created at,Updated at,Article,"
        "Article created at,Type,Body\n"
        "1001,Printer on fire,P1,closed,Acme,2025-03-03 09:00,2025-03-05 17:00,1,"
        "2025-03-03 09:00,reply,It burns\n"
        "1001,Printer on fire,P1,closed,Acme,2025-03-03 09:00,2025-03-05 17:00,2,"
        "2025-03-03 09:20,note,Called the fire brigade\n"
        "1002,VPN down,P3,open,Acme,2025-03-04 10:00,2025-03-04 11:00,1,"
        "2025-03-04 10:00,reply,No VPN since morning\n", encoding="utf-8")
    history = tmp_path / "history.jsonl"
    assert main(["import", str(SERVICE), str(export), "--db", db_url, "--to-history",
                 str(EXAMPLES / "ticket_history.yaml"), "--out", str(history)]) == 0
    runtime = build_engine([SERVICE], db_url, environ={})
    runtime.records.create("customer", {"name": "Acme"}, "setup")
    runtime.close()
    assert main(["import", str(SERVICE), str(history), "--db", db_url, "--apply"]) == 0
    assert "2 threads, 0 unchanged, 3 items, 2 states, 0 rejected" in capsys.readouterr().out
    runtime = build_engine([SERVICE], db_url, environ={})
    tickets = sorted((t["subject"], t["status"], t["created_at"])
                     for t in runtime.records.list("ticket").items)
    runtime.close()
    assert tickets == [("Printer on fire", "closed", "2025-03-03T01:00:00Z"),
                       ("VPN down", "open", "2025-03-04T02:00:00Z")]
