"""Every shipped conformance vector, one test per case; known gaps are strict xfails."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main
from engine.rules_dsl.vectors import load_vectors, run_case, shipped_files

_CASES = [case for path in shipped_files() for case in load_vectors(path)]


def test_at_least_300_vectors_ship() -> None:
    assert len(_CASES) >= 300


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason=c.xfail, strict=True)) if c.xfail else c
        for c in _CASES
    ],
    ids=[c.id for c in _CASES],
)
def test_vector(case) -> None:  # type: ignore[no-untyped-def]
    result = run_case(case)
    assert result.passed, result.detail


_SMALL = """
schema:
  objects: {ticket: {priority: "enum<P1,P2>"}}
  record: ticket
bindings: {priority: P1}
cases:
  - {expr: 'priority == "P1"', expect: true}
  - {expr: 'priority == "P2"', expect: true, name: wrong on purpose}
  - {expr: 'priority == "P2"', expect: true, xfail: known gap}
"""


def test_cli_prints_each_case_and_a_summary(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    vectors = tmp_path / "v.yaml"
    vectors.write_text(_SMALL, "utf-8")
    assert main(["dsl", "test", str(vectors)]) == 1
    out = capsys.readouterr().out
    assert 'PASS  v::priority == "P1"' in out
    assert "FAIL  v::wrong on purpose: got True, expected" not in out  # it got False
    assert "FAIL  v::wrong on purpose: got False, expected True" in out
    assert "XFAIL v::priority" in out
    assert out.strip().splitlines()[-1] == "1 passed, 1 failed, 1 xfailed"


def test_cli_passes_on_the_shipped_vectors(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["dsl", "test", "-q", *map(str, shipped_files())]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{len(_CASES)} passed, 0 failed")


def test_cli_reports_a_malformed_vectors_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases: [{expr: '1'}]", "utf-8")
    assert main(["dsl", "test", str(bad)]) == 1
    assert "exactly one of 'expect' or 'error'" in capsys.readouterr().err
