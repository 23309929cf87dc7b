"""``flowdesk pack show`` prints the effective pack, and where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from engine.cli import main
from tests.pack_loading.test_merge import _extended

EXTENSION = {
    "routing/case.yaml": """
        extend: case_routing
        rules:
          - {name: vip, when: 'title == "vip"', queue: billing, before: everything}
        """,
    "objects/case.yaml": """
        extend: case
        fields:
          category: {options: [warranty]}
        """,
}


def test_show_prints_the_merged_file_as_yaml_that_reads_back_like_the_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ext = _extended(tmp_path, EXTENSION)
    assert main(["pack", "show", str(ext), "--kind", "routing", "--origins"]) == 0
    shown = capsys.readouterr().out
    assert main(["pack", "show", str(ext), "--kind", "routing", "--format", "json"]) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert list(yaml.safe_load_all(shown)) == as_json["routing"]
    assert [r["name"] for r in as_json["routing"][0]["rules"]] == ["billing", "vip", "everything"]


def test_origins_name_the_extending_file_for_what_it_added_and_the_base_for_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ext = _extended(tmp_path, EXTENSION)
    assert main(["pack", "show", str(ext), "--kind", "routing", "--format", "json",
                 "--origins"]) == 0
    origins = json.loads(capsys.readouterr().out)["routing"][0]["origins"]
    assert origins["/rules/1/when"].endswith("ext/routing/case.yaml:3:23")
    assert origins["/rules/0/when"].endswith("base/routing/case.yaml:9:27")


def test_show_merges_object_extensions_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ext = _extended(tmp_path, EXTENSION)
    assert main(["pack", "show", str(ext), "--kind", "objects", "--format", "json"]) == 0
    case = json.loads(capsys.readouterr().out)["objects"][0]
    assert case["object"] == "case" and "extend" not in case
    assert case["fields"]["category"]["options"] == ["general", "billing", "warranty"]


def test_show_reports_problems_as_check_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ext = _extended(tmp_path, {"routing/case.yaml": "extend: nothing\n"})
    assert main(["pack", "show", str(ext)]) == 1
    assert "routing/case.yaml:1:9: 'extend: nothing' names no routing" in capsys.readouterr().err
