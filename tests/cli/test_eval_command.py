"""``flowdesk eval`` answers what a rule says about one record, or why it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main

SERVICE = str(Path(__file__).resolve().parents[2] / "packs" / "service_default")


@pytest.fixture
def ticket_file(tmp_path: Path) -> Path:
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps({
        "subject": "Invoice is wrong",
        "priority": "P1",
        "tags": ["billing"],
        "created_at": "2026-11-20T08:00:00Z",
        "customer": {"name": "Acme", "tier": "gold"},
    }), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("expression", "printed"),
    [
        ('priority in ["P1", "P2"] and customer.tier == "gold"', "true"),
        ('any(tags, t -> t == "billing") and not contains(lower(subject), "test")', "true"),
        ("customer.tier", '"gold"'),
        ("now() - created_at", '"259200s"'),
        ("contact.email", "null"),
    ],
)
def test_eval_prints_the_value_as_json(
    ticket_file: Path, capsys: pytest.CaptureFixture[str], expression: str, printed: str
) -> None:
    code = main(["eval", "--pack", SERVICE, "--object", "ticket", "--record", str(ticket_file),
                 "--now", "2026-11-23T08:00:00Z", expression])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip() == printed


def test_eval_reports_a_type_error_with_a_caret(
    ticket_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["eval", "--pack", SERVICE, "--object", "ticket", "--record", str(ticket_file),
                 'priority == "P5"'])
    err = capsys.readouterr().err
    assert code == 1
    assert "1:13: 'P5' is not an option of priority" in err
    assert "            ^" in err
    assert "dsl_unknown_enum_value" in err


def test_eval_reports_bad_json_at_its_line(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"subject":\n  oops}', encoding="utf-8")
    code = main(["eval", "--pack", SERVICE, "--object", "ticket", "--record", str(bad), "1"])
    assert code == 1
    assert f"{bad}:2:3: invalid JSON" in capsys.readouterr().err


def test_eval_on_an_unknown_object_suggests_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--pack", SERVICE, "--object", "tiket", "1"]) == 1
    assert "did you mean 'ticket'?" in capsys.readouterr().err
