"""The pack format's JSON Schema is generated from the pydantic models and committed; editors and
the designer read the committed file, so it must never drift from the code."""

from __future__ import annotations

import json
from pathlib import Path

from engine.cli import main
from engine.cli._packs import pack_schema

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "pack.schema.json"


def test_committed_pack_schema_matches_the_models() -> None:
    expected = json.dumps(pack_schema(), indent=2, ensure_ascii=False) + "\n"
    assert COMMITTED.read_text(encoding="utf-8") == expected, (
        "docs/pack.schema.json is stale: run `flowdesk schema pack > docs/pack.schema.json`"
    )


def test_schema_command_prints_descriptions_from_docstrings(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["schema", "pack"]) == 0
    printed = json.loads(capsys.readouterr().out)
    field_spec = printed["files"]["objects/*.yaml"]["$defs"]["FieldSpec"]
    assert "rename the column" in field_spec["properties"]["renamed_from"]["description"]
