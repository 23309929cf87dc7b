"""``flowdesk check`` prints every problem as file:line:col and exits non-zero."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_check_accepts_the_shipped_packs(capsys: pytest.CaptureFixture[str]) -> None:
    packs = [REPO / "packs" / "service_default", REPO / "tests" / "packs" / "equipment_loans"]
    assert main(["check", *map(str, packs)]) == 0
    assert capsys.readouterr().out.startswith("ok: service_default")


def test_check_prints_problems_at_their_source(capsys: pytest.CaptureFixture[str]) -> None:
    broken = REPO / "tests" / "packs" / "broken" / "unknown_key"
    assert main(["check", str(broken)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith(
        "unknown_key/objects/ticket.yaml:7:5: unknown key 'requird' "
        "(did you mean 'required'?) [unknown_key]"
    )
    assert err[-1] == "1 problem(s)"
