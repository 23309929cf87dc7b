"""``flowdesk seed``: a deterministic demo history played through the runtime."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from engine.cli import main
from engine.cli._seed import SeedResult, seed_history
from engine.errors import FlowdeskError, PackError
from engine.objects.storage.tables import build_metadata
from engine.packs import load_registry

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "packs" / "service_default"
END = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
SMALL = {"days": 12, "accounts": 6, "requests": 40}
TINY = {"days": 8, "accounts": 4, "requests": 20}


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _rows(engine: Engine, object_name: str) -> list[dict[str, object]]:
    registry = load_registry([PACK])
    table = build_metadata(registry.objects).tables[registry.objects[object_name].table_name]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]


def test_the_same_seed_makes_the_same_records(tmp_path: Path) -> None:
    first = seed_history([PACK], f"sqlite:///{tmp_path / 'a.db'}", seed=3, end=END, **TINY)
    again = seed_history([PACK], f"sqlite:///{tmp_path / 'b.db'}", seed=3, end=END, **TINY)
    other = seed_history([PACK], f"sqlite:///{tmp_path / 'c.db'}", seed=4, end=END, **TINY)
    assert first.digest == again.digest
    assert first.counts == again.counts
    assert other.digest != first.digest


def test_a_seeded_desk_looks_alive(db_engine: Engine) -> None:
    result: SeedResult = seed_history([PACK], _url(db_engine), end=END, **SMALL)
    counts = result.counts
    assert counts["customer"] == 6
    assert 1 * 6 <= counts["contact"] <= 3 * 6
    # the requests the script opened, plus follow-ups unhappy surveys opened
    assert 40 <= counts["ticket"] <= 40 + counts["survey_response"]
    assert counts["ticket_message"] > counts["ticket"]  # acknowledgements and replies
    assert counts["survey_response"] > 0
    tickets = _rows(db_engine, "ticket")
    statuses = Counter(t["status"] for t in tickets)
    assert statuses["resolved"] > 0 and statuses["closed"] > 0
    assert statuses["new"] + statuses["open"] + statuses["pending_customer"] > 0
    assert any(t["reopen_count"] for t in tickets), "some tickets were reopened"
    # an SLA breach escalates the ticket and moves it to the escalations queue
    assert any(t["escalated"] and t["queue"] == "escalations" for t in tickets)
    assert any(t["satisfaction"] is not None for t in tickets)
    assert all(t["assignee"] for t in tickets if t["queue"] in ("general", "technical"))
    first, last = min(t["created_at"] for t in tickets), max(t["created_at"] for t in tickets)
    assert (last - first).days >= 8  # type: ignore[operator]
    assert result.report.jobs.dead == 0
    assert result.report.transitions["resolve"] > 0


def test_seeding_refuses_a_database_that_has_records(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    seed_history([PACK], url, days=2, accounts=2, requests=3, end=END)
    with pytest.raises(FlowdeskError) as caught:
        seed_history([PACK], url, days=2, accounts=2, requests=3, end=END)
    assert caught.value.code == "seed_database_not_empty"
    assert "has records already" in caught.value.message
    assert "pass --force" in caught.value.message
    forced = seed_history([PACK], url, days=2, accounts=2, requests=3, end=END, force=True)
    assert forced.counts["customer"] == 4


def test_the_command_prints_the_logins_and_skips_a_seeded_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    args = ["seed", str(PACK), "--db", url, "--days", "3", "--customers", "3",
            "--tickets", "8", "--end", "2025-03-03T10:00Z"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "3 customer" in out and "digest: " in out
    assert "li.na" in out and "agent-demo-password" in out
    assert "portal user of" in out
    assert main([*args, "--if-empty"]) == 0
    assert "has records already; not seeding" in capsys.readouterr().err
    assert main(args) == 1
    assert "has records already; seeding adds a whole history" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--days", "0"], "--days and --customers must be at least 1, --tickets at least 0"),
    (["--end", "yesterday"], "--end 'yesterday' is not a date-time like 2025-03-01T12:00Z"),
])
def test_bad_options_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 args: list[str], message: str) -> None:
    assert main(["seed", str(PACK), "--db", f"sqlite:///{tmp_path / 'x.db'}", *args]) == 1
    assert message in capsys.readouterr().err


def _pack_with_demo(tmp_path: Path, old: str, new: str) -> Path:
    pack = tmp_path / "service_default"
    shutil.copytree(PACK, pack)
    script = pack / "demo" / "history.yaml"
    text = script.read_text(encoding="utf-8")
    assert old in text
    script.write_text(text.replace(old, new, 1), encoding="utf-8")
    return pack


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("transition: wait_for_customer}", "transition: wait_for_customr}",
     "unknown transition 'wait_for_customr' (did you mean 'wait_for_customer'?)"
     "; known: close, escalate, merge, reopen, resolve, resume, start, wait_for_customer, "
     "wait_for_third_party [demo_unknown_name]"),
    ("priority: {one_of: {P1: 5", "priorty: {one_of: {P1: 5",
     "unknown field of 'ticket' 'priorty' (did you mean 'priority'?)"),
    ("region: {text: regions,", "region: {text: region_names,",
     "no text bank 'region_names' under 'texts:'"),
    ("purchase_frequency: {number: [1, 24]}", "purchase_frequency: {number: [24, 1]}",
     "'number' takes [lowest, highest] [demo_bad_recipe]"),
    ("language: {ref: customer.language}\n    category",
     "language: {ref: client.language}\n    category",
     "'client.language' starts with an unknown name"),
])
def test_demo_script_mistakes_are_reported_at_their_source(
        tmp_path: Path, old: str, new: str, expected: str) -> None:
    pack = _pack_with_demo(tmp_path, old, new)
    with pytest.raises(PackError) as caught:
        seed_history([pack], f"sqlite:///{tmp_path / 'x.db'}", end=END, **SMALL)
    text = str(caught.value)
    assert "demo/history.yaml:" in text
    assert expected in text


def test_a_step_the_pack_refuses_names_its_story(tmp_path: Path) -> None:
    pack = _pack_with_demo(tmp_path, "kind: note\n", "kind: memo\n")
    with pytest.raises(FlowdeskError) as caught:
        seed_history([pack], f"sqlite:///{tmp_path / 'x.db'}", end=END, days=12,
                     accounts=4, requests=40)
    assert caught.value.code == "demo_step_failed"
    assert "history.yaml: story '" in caught.value.message
    assert "kind" in caught.value.message


def test_a_pack_without_a_demo_script_says_so(tmp_path: Path) -> None:
    pack = REPO / "tests" / "packs" / "equipment_loans"
    with pytest.raises(PackError) as caught:
        seed_history([pack], f"sqlite:///{tmp_path / 'x.db'}", end=END)
    assert "no demo script: none of" in str(caught.value)
    assert "[demo_not_found]" in str(caught.value)
